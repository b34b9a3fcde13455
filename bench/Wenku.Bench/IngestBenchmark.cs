using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.Extensions.Options;
using Wenku.Conversion;

namespace Wenku.Bench;

/// <summary>One upload through Wenku: wall time from the start of the POST until the API says <c>ready</c>.</summary>
public sealed record IngestRun(long DocumentId, TimeSpan Total, TimeSpan Upload, double CpuSeconds, double ServeCpuSeconds = 0)
{
    /// <summary>Where the CPU was spent: the worker and its converters, and <c>serve</c> (the upload, search, and this bench's status polls).</summary>
    public string Split => string.Create(CultureInfo.InvariantCulture, $"worker {CpuSeconds - ServeCpuSeconds:0.0} s + serve {ServeCpuSeconds:0.0} s");
}

public sealed record IngestResult(
    int Pages, IReadOnlyList<IngestRun> Ours, IReadOnlyList<TimeSpan> Bare, IReadOnlyList<TimeSpan> BareRender, IReadOnlyList<TimeSpan> BareText,
    IReadOnlyList<double> BareCpuSeconds, TimeSpan WatermarkAll, long ReadyDocumentId,
    IReadOnlyList<IngestRun> OursScanned, IReadOnlyList<TimeSpan> BareScanned, IReadOnlyList<double> BareScannedCpuSeconds,
    EncodeSteps.Result? Steps = null, EncodeSteps.Result? ScannedSteps = null,
    IReadOnlyList<IngestRun>? OursLatin = null, IReadOnlyList<TimeSpan>? BareLatin = null, IReadOnlyList<double>? BareLatinCpuSeconds = null,
    EncodeSteps.Result? LatinSteps = null)
{
    public TimeSpan OursMedian => Stats.Median(Ours.Select(r => r.Total));
    public TimeSpan BareMedian => Stats.Median(Bare);

    /// <summary>bare / ours wall time: 1 = as fast as poppler alone.</summary>
    public double Ratio => BareMedian / OursMedian;

    public double OursCpu => Stats.Median(Ours.Select(r => r.CpuSeconds));
    public double BareCpu => Stats.Median(BareCpuSeconds);

    /// <summary>Wenku's CPU over bare poppler's (JPEG previews + text): target at most 3.</summary>
    public double CpuRatio => OursCpu / BareCpu;

    public TimeSpan OursScannedMedian => Stats.Median(OursScanned.Select(r => r.Total));
    public TimeSpan BareScannedMedian => Stats.Median(BareScanned);
    public double OursScannedCpu => Stats.Median(OursScanned.Select(r => r.CpuSeconds));
    public double BareScannedCpu => Stats.Median(BareScannedCpuSeconds);
    public double ScannedCpuRatio => OursScannedCpu / BareScannedCpu;

    public TimeSpan OursLatinMedian => Stats.Median((OursLatin ?? []).Select(r => r.Total));
    public TimeSpan BareLatinMedian => Stats.Median(BareLatin ?? []);
    public double OursLatinCpu => Stats.Median((OursLatin ?? []).Select(r => r.CpuSeconds));
    public double BareLatinCpu => Stats.Median(BareLatinCpuSeconds ?? []);
    public double LatinCpuRatio => OursLatinCpu / BareLatinCpu;
}

/// <summary>
/// Ingest: a PDF end to end through a running Wenku (upload → queue → worker → poppler → watermark → desktop and
/// phone previews in JPEG and WebP, cover → store → text, search, fingerprint → ready) against bare
/// <c>pdftoppm -scale-to 1400 -jpeg</c> + <c>pdftotext</c> on the same file: a text PDF, and a scanned (image-only)
/// PDF made from it (gray JPEG pages at ~200 dpi; the bench site runs without OCR); and a Latin text PDF in a TrueType
/// font that poppler renders ~8× cheaper than the Chinese one (<see cref="BenchPdf.WriteLatin"/>), like most real PDFs.
/// </summary>
public static class IngestBenchmark
{
    private sealed record UploadAnswer(long Id, string Status, string Url);
    private sealed record DocumentAnswer(long Id, string Status, string? Error, int PageCount);

    public static async Task<IngestResult> RunAsync(WenkuSite site, BenchSettings settings)
    {
        var dir = Path.Combine(settings.WorkDir, "ingest");
        Directory.CreateDirectory(dir);
        var size = new ConversionOptions().PreviewSize;

        // Warm-up, not timed: the worker's and the site's first conversion pays for JIT and the font cache. 40 pages, so
        // that the code run once a page is called past the runtime's tier-up threshold (30 calls) and recompiled
        // optimized before the timed runs: with a 4-page warm-up, the background JIT of that recompilation (a profile of
        // serve showed libclrjit as the largest single consumer in the first minute) was counted into the 100-page
        // run, a one-time cost a serving site has long paid.
        var warmup = Path.Combine(dir, "warmup.pdf");
        BenchPdf.Write(warmup, "基准预热 Ingest warm-up", 40);
        await IngestAsync(site, warmup);
        await BareAsync(warmup, Path.Combine(dir, "warmup-bare"), size);

        var ours = new List<IngestRun>();
        var bare = new List<TimeSpan>();
        var render = new List<TimeSpan>();
        var text = new List<TimeSpan>();
        var bareCpu = new List<double>();
        var oursScanned = new List<IngestRun>();
        var bareScanned = new List<TimeSpan>();
        var bareScannedCpu = new List<double>();
        var oursLatin = new List<IngestRun>();
        var bareLatin = new List<TimeSpan>();
        var bareLatinCpu = new List<double>();
        for (var run = 1; run <= settings.IngestRuns; run++)
        {
            var pdf = Path.Combine(dir, $"bench-{run}.pdf");
            BenchPdf.Write(pdf, $"基准文档 Ingest benchmark #{run}", settings.IngestPages);

            // Alternate which goes first, so a drift in the machine's load does not always favour the same side.
            IngestRun o;
            (TimeSpan Render, TimeSpan Text, double Cpu) b;
            if (run % 2 == 1)
            {
                o = await IngestAsync(site, pdf);
                b = await BareAsync(pdf, Path.Combine(dir, $"bare-{run}"), size);
            }
            else
            {
                b = await BareAsync(pdf, Path.Combine(dir, $"bare-{run}"), size);
                o = await IngestAsync(site, pdf);
            }
            ours.Add(o);
            bare.Add(b.Render + b.Text);
            render.Add(b.Render);
            text.Add(b.Text);
            bareCpu.Add(b.Cpu);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  run {run}: wenku {Stats.Seconds(o.Total)} (upload {o.Upload.TotalMilliseconds:0} ms, CPU {o.CpuSeconds:0.0} s: {o.Split})   " +
                $"bare {Stats.Seconds(b.Render + b.Text)} (pdftoppm {Stats.Seconds(b.Render)} + pdftotext {Stats.Seconds(b.Text)}, CPU {b.Cpu:0.0} s)"));

            var scanned = Path.Combine(dir, $"scanned-{run}.pdf");
            await BenchPdf.WriteScannedAsync(scanned, pdf, Path.Combine(dir, $"scan-{run}"));
            var so = await IngestAsync(site, scanned);
            var sb = await BareAsync(scanned, Path.Combine(dir, $"bare-scanned-{run}"), size);
            oursScanned.Add(so);
            bareScanned.Add(sb.Render + sb.Text);
            bareScannedCpu.Add(sb.Cpu);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  run {run}, scanned: wenku {Stats.Seconds(so.Total)} (CPU {so.CpuSeconds:0.0} s: {so.Split})   bare {Stats.Seconds(sb.Render + sb.Text)} (CPU {sb.Cpu:0.0} s)"));

            var latin = Path.Combine(dir, $"latin-{run}.pdf");
            BenchPdf.WriteLatin(latin, $"Latin ingest benchmark #{run}", settings.IngestPages);
            var lb = await BareAsync(latin, Path.Combine(dir, $"bare-latin-{run}"), size);
            var lo = await IngestAsync(site, latin);
            oursLatin.Add(lo);
            bareLatin.Add(lb.Render + lb.Text);
            bareLatinCpu.Add(lb.Cpu);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  run {run}, Latin: wenku {Stats.Seconds(lo.Total)} (CPU {lo.CpuSeconds:0.0} s: {lo.Split})   bare {Stats.Seconds(lb.Render + lb.Text)} " +
                $"(pdftoppm {Stats.Seconds(lb.Render)} + pdftotext {Stats.Seconds(lb.Text)}, CPU {lb.Cpu:0.0} s)"));
        }

        // Diagnostic: what Wenku's watermark + JPEG step alone costs on the same pages, in one thread.
        var watermark = settings.IngestSteps ? WatermarkAll(Path.Combine(dir, $"bare-{settings.IngestRuns}")) : TimeSpan.Zero;
        // Diagnostic: where one page's CPU goes, step by step, for the text and the scanned PDF.
        EncodeSteps.Result? steps = null, scannedSteps = null, latinSteps = null;
        if (settings.IngestSteps)
        {
            steps = await EncodeSteps.RunAsync(Path.Combine(dir, $"bench-{settings.IngestRuns}.pdf"), Path.Combine(dir, "steps"));
            scannedSteps = await EncodeSteps.RunAsync(Path.Combine(dir, $"scanned-{settings.IngestRuns}.pdf"), Path.Combine(dir, "steps-scanned"));
            latinSteps = await EncodeSteps.RunAsync(Path.Combine(dir, $"latin-{settings.IngestRuns}.pdf"), Path.Combine(dir, "steps-latin"));
        }
        return new IngestResult(settings.IngestPages, ours, bare, render, text, bareCpu, watermark, ours[0].DocumentId,
            oursScanned, bareScanned, bareScannedCpu, steps, scannedSteps, oursLatin, bareLatin, bareLatinCpu, latinSteps);
    }

    /// <summary>POSTs the file and polls the document until it is ready.</summary>
    public static async Task<IngestRun> IngestAsync(WenkuSite site, string pdf)
    {
        // CPU of the site and its worker (poppler children are counted into the worker once it reaps them).
        var wenku = (int[])[site.Pid, .. Commands.Descendants(site.Pid)];
        var cpuBefore = wenku.Sum(ProcessCpu.Seconds);
        var serveBefore = ProcessCpu.Seconds(site.Pid);
        var clock = Stopwatch.StartNew();
        var id = await UploadAsync(site, pdf);
        var upload = clock.Elapsed;
        await WaitUntilReadyAsync(site, [id], TimeSpan.FromMinutes(3));
        return new IngestRun(id, clock.Elapsed, upload, wenku.Sum(ProcessCpu.Seconds) - cpuBefore, ProcessCpu.Seconds(site.Pid) - serveBefore);
    }

    /// <summary>POSTs the file to <c>/api/v1/documents</c> as the site's admin; returns the new document's id.</summary>
    public static async Task<long> UploadAsync(WenkuSite site, string pdf)
    {
        using var form = new MultipartFormDataContent();
        var file = new StreamContent(File.OpenRead(pdf));
        file.Headers.ContentType = new MediaTypeHeaderValue("application/pdf");
        form.Add(file, "file", Path.GetFileName(pdf));
        form.Add(new StringContent("other"), "category");
        using var response = await site.Admin.PostAsync("/api/v1/documents", form);
        if (response.StatusCode != HttpStatusCode.Accepted)
            throw new InvalidOperationException($"upload answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        var accepted = await response.Content.ReadFromJsonAsync<UploadAnswer>() ?? throw new InvalidOperationException("empty upload answer");
        return accepted.Id;
    }

    /// <summary>
    /// Polls until every document is ready. One request at a time, on the oldest still waiting (documents finish
    /// roughly in the order they were queued), every 100 ms: coarse enough not to steal CPU from the conversion it measures.
    /// </summary>
    public static async Task WaitUntilReadyAsync(WenkuSite site, IReadOnlyList<long> ids, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        var waiting = new Queue<long>(ids);
        while (waiting.TryPeek(out var id))
        {
            var doc = await site.Admin.GetFromJsonAsync<DocumentAnswer>($"/api/v1/documents/{id}")
                ?? throw new InvalidOperationException("empty document answer");
            if (doc.Status == "ready")
            {
                waiting.Dequeue();
                continue;
            }
            if (doc.Status == "failed") throw new InvalidOperationException($"document {id} failed: {doc.Error}\n{site.Tail()}");
            if (clock.Elapsed > timeout)
                throw new TimeoutException($"document {id} not ready after {timeout.TotalMinutes:0} minutes ({waiting.Count} waiting)\n{site.Tail()}");
            await Task.Delay(100);
        }
    }

    /// <summary>poppler alone, one process after the other: JPEG previews at Wenku's size (the cheapest finished image poppler writes), then UTF-8 text.</summary>
    private static async Task<(TimeSpan Render, TimeSpan Text, double Cpu)> BareAsync(string pdf, string outDir, int size)
    {
        Directory.CreateDirectory(outDir);
        var cpuBefore = ProcessCpu.ReapedChildrenSeconds();
        var render = await Commands.CheckAsync("pdftoppm", ["-scale-to", size.ToString(CultureInfo.InvariantCulture), "-jpeg", pdf, Path.Combine(outDir, "page")]);
        var text = await Commands.CheckAsync("pdftotext", ["-enc", "UTF-8", pdf, Path.Combine(outDir, "text.txt")]);
        return (render.Elapsed, text.Elapsed, ProcessCpu.ReapedChildrenSeconds() - cpuBefore);
    }

    /// <summary>Watermark and all four previews (desktop and phone, JPEG and WebP) of every page, from decoded JPEGs, on one thread.</summary>
    private static TimeSpan WatermarkAll(string jpegDir)
    {
        var conversion = Options.Create(new ConversionOptions());
        var watermarker = new Watermarker(Options.Create(new WenkuOptions()), conversion, new PreviewEncoder(conversion));
        var pages = Directory.GetFiles(jpegDir, "page-*.jpg");
        var outDir = Path.Combine(jpegDir, "previews");
        Directory.CreateDirectory(outDir);
        watermarker.Apply(pages[0], Path.Combine(outDir, "warm.jpg"));
        var clock = Stopwatch.StartNew();
        foreach (var page in pages) watermarker.Apply(page, Path.Combine(outDir, Path.GetFileName(page)));
        return clock.Elapsed;
    }
}
