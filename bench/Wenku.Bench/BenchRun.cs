using System.Globalization;

namespace Wenku.Bench;

/// <summary>Runs the chosen benchmarks against one Wenku site and prints the summary table.</summary>
public static class BenchRun
{
    public static async Task<int> RunAsync(BenchSettings settings)
    {
        if (!File.Exists(settings.WenkuDll))
        {
            Console.Error.WriteLine($"{settings.WenkuDll} not found; build with `dotnet build -c Release` first.");
            return 2;
        }
        Directory.CreateDirectory(settings.WorkDir);
        Console.WriteLine($"Machine: {Environment.ProcessorCount} CPUs, {Environment.OSVersion}, .NET {Environment.Version}");
        Console.WriteLine($"Work folder: {settings.WorkDir}");
        Console.WriteLine($"Load average at start: {LoadAverage()} (other work on this machine skews every figure below)");

        IngestResult? ingest = null;
        PageResult? page = null;
        OfficeResult? office = null;
        OcrResult? ocr = null;
        DuplicateBenchmark.Result? duplicates = null;
        ScaleOutResult? scaleOut = null;
        if (settings.Runs("duplicates"))
        {
            Console.WriteLine($"\n== Near duplicates: fingerprint and lookup vs exact SHA-256, index of {settings.IndexSize:N0} synthetic fingerprints ==");
            duplicates = DuplicateBenchmark.Run(settings.IndexSize);
            GC.Collect();
        }
        WordsBenchmark.Result? words = null;
        if (settings.Runs("words"))
        {
            Console.WriteLine("\n== Sensitive words: 1 MB of Chinese text against 50,000 words, the matcher vs a naive IndexOf loop ==");
            words = WordsBenchmark.Run();
            GC.Collect();
        }
        if (settings.Runs("purchases"))
        {
            Console.WriteLine($"\n== Purchases: {settings.WrkConnections} concurrent buyers, on SQLite and PostgreSQL, beside a bare conditional UPDATE of one balance row ==");
            await PurchaseBenchmark.RunAsync(settings);
        }
        if (settings.Runs("scaleout"))
        {
            Console.WriteLine($"\n== Scale-out: {settings.ScaleOutDocs} PDFs of {settings.ScaleOutPages} pages converted by 1 vs 2 workers, and /d/{{id}} from 1 vs 2 serves, on PostgreSQL + S3 beside the embedded default ==");
            scaleOut = await ScaleOutBenchmark.RunAsync(settings);
        }
        if (settings.Runs("browser"))
        {
            Console.WriteLine("\n== The document page on a phone (headless Chromium, loopback): LCP, layout shift, bytes to see three pages, before and now ==");
            await using var site = await WenkuSite.StartAsync(settings.WenkuDll, settings.WorkDir);
            BrowserPageBenchmark.Print(await BrowserPageBenchmark.RunAsync(site, settings, Path.Combine(settings.WorkDir, "wenku-data")));
        }
        if (settings.Runs("ingest") || settings.Runs("page") || settings.Runs("office") || settings.Runs("ocr"))
        // Without OCR: the scanned PDF of the ingest benchmark measures previews of an image-only PDF, not tesseract
        // (the OCR benchmark measures that on its own).
        await using (var site = await WenkuSite.StartAsync(settings.WenkuDll, settings.WorkDir, "wenku",
            new Dictionary<string, string?> { ["Wenku:Conversion:Ocr"] = "false" }))
        {
            Console.WriteLine($"Wenku serving on {site.BaseAddress} (log: {site.LogPath})");
            if (settings.Runs("office"))
            {
                Console.WriteLine("\n== Office: 20-page DOCX, Wenku (upload→ready, and its LibreOffice step alone) vs bare soffice --headless --convert-to pdf ==");
                office = await OfficeBenchmark.RunAsync(site, settings);
            }
            if (settings.Runs("ocr"))
            {
                Console.WriteLine("\n== OCR: scanned Chinese A4 pages at 300 dpi, Wenku's PageOcr vs bare tesseract ==");
                ocr = await OcrBenchmark.RunAsync(settings);
            }
            long documentId = 0;
            if (settings.Runs("ingest"))
            {
                Console.WriteLine($"\n== Ingest: {settings.IngestPages}-page PDF, Wenku end to end vs bare pdftoppm + pdftotext ({settings.IngestRuns} runs) ==");
                ingest = await IngestBenchmark.RunAsync(site, settings);
                documentId = ingest.ReadyDocumentId;
            }
            else if (settings.Runs("page"))
            {
                var pdf = Path.Combine(settings.WorkDir, "page-doc.pdf");
                BenchPdf.Write(pdf, "基准文档 Page benchmark", settings.IngestPages);
                documentId = (await IngestBenchmark.IngestAsync(site, pdf)).DocumentId;
            }

            if (settings.Runs("page"))
            {
                Console.WriteLine($"\n== Document page /d/{documentId} under load: wrk -t{settings.WrkThreads} -c{settings.WrkConnections} -d{settings.WrkSeconds}s (after {settings.WrkWarmupSeconds}s warm-up), anonymous ==");
                page = await DocumentPageBenchmark.RunAsync(site, documentId, settings);
            }
        }

        PrintSummary(settings, ingest, page, office, ocr, duplicates, words);
        if (scaleOut is not null) ScaleOutBenchmark.PrintSummary(scaleOut);
        Console.WriteLine($"\nLoad average at end: {LoadAverage()} on {Environment.ProcessorCount} CPUs");
        return 0;
    }

    private static void PrintSummary(BenchSettings s, IngestResult? ingest, PageResult? page, OfficeResult? office, OcrResult? ocr, DuplicateBenchmark.Result? dup, WordsBenchmark.Result? words = null)
    {
        var rows = new List<string[]> { new[] { "benchmark", "wenku", "comparison", "ratio", "target", "" } };
        if (words is not null)
        {
            var ratio = words.MatcherMbPerSecond / words.NaiveMbPerSecond;
            rows.Add([$"sensitive words, {words.Words:N0} words on {words.TextMb:0.00} MB", $"{words.MatcherMbPerSecond:0.0} MB/s", $"naive IndexOf loop {words.NaiveMbPerSecond:0.000} MB/s",
                $"{ratio:0}× ours/naive", ">= 10×", Verdict(ratio >= 10)]);
        }
        if (ingest is not null)
        {
            string Cpu(double seconds) => seconds.ToString("0.00", CultureInfo.InvariantCulture) + " s CPU";
            rows.Add([$"ingest {ingest.Pages}-page text PDF → ready, wall, median of {ingest.Ours.Count}", Stats.Seconds(ingest.OursMedian),
                $"pdftoppm -jpeg + pdftotext {Stats.Seconds(ingest.BareMedian)}", $"{Stats.Ratio(1 / ingest.Ratio)} ours/bare", "<= 3 s", Verdict(ingest.OursMedian.TotalSeconds <= 3)]);
            rows.Add([$"ingest {ingest.Pages}-page text PDF → ready, CPU", Cpu(ingest.OursCpu),
                $"pdftoppm -jpeg + pdftotext {Cpu(ingest.BareCpu)}", $"{Stats.Ratio(ingest.CpuRatio)} ours/bare", "<= 3.00×", Verdict(ingest.CpuRatio <= 3)]);
            rows.Add([$"ingest {ingest.Pages}-page scanned PDF (no OCR), wall", Stats.Seconds(ingest.OursScannedMedian),
                $"pdftoppm -jpeg + pdftotext {Stats.Seconds(ingest.BareScannedMedian)}", $"{Stats.Ratio(ingest.OursScannedMedian / ingest.BareScannedMedian)} ours/bare", "<= 3 s", Verdict(ingest.OursScannedMedian.TotalSeconds <= 3)]);
            rows.Add([$"ingest {ingest.Pages}-page scanned PDF (no OCR), CPU", Cpu(ingest.OursScannedCpu),
                $"pdftoppm -jpeg + pdftotext {Cpu(ingest.BareScannedCpu)}", $"{Stats.Ratio(ingest.ScannedCpuRatio)} ours/bare", "<= 3.00×", Verdict(ingest.ScannedCpuRatio <= 3)]);
            if (ingest.OursLatin is { Count: > 0 })
            {
                rows.Add([$"ingest {ingest.Pages}-page Latin text PDF (cheap to render), wall", Stats.Seconds(ingest.OursLatinMedian),
                    $"pdftoppm -jpeg + pdftotext {Stats.Seconds(ingest.BareLatinMedian)}", $"{Stats.Ratio(ingest.OursLatinMedian / ingest.BareLatinMedian)} ours/bare", "<= 3 s", Verdict(ingest.OursLatinMedian.TotalSeconds <= 3)]);
                rows.Add([$"ingest {ingest.Pages}-page Latin text PDF (cheap to render), CPU", Cpu(ingest.OursLatinCpu),
                    $"pdftoppm -jpeg + pdftotext {Cpu(ingest.BareLatinCpu)}", $"{Stats.Ratio(ingest.LatinCpuRatio)} ours/bare", "<= 3.00×", Verdict(ingest.LatinCpuRatio <= 3)]);
            }
        }
        if (page is not null)
        {
            rows.Add([$"document page req/s (c={s.WrkConnections})", F(page.Ours.RequestsPerSecond) + page.Ours.Errors,
                $"nginx static {F(page.Nginx.RequestsPerSecond)}{page.Nginx.Errors}", $"{Stats.Ratio(page.Ratio)} ours/nginx", ">= 0.30×", Verdict(page.Ratio >= 0.3)]);
            rows.Add(["document page p99 latency", Stats.Ms(page.Ours.P99Ms), $"nginx static {Stats.Ms(page.Nginx.P99Ms)}", "", "< 50 ms", Verdict(page.Ours.P99Ms < 50)]);
        }

        if (dup is not null)
        {
            string Us(double us) => us.ToString(us < 10 ? "0.00" : "0", CultureInfo.InvariantCulture) + " µs";
            string B(double b) => b.ToString("0", CultureInfo.InvariantCulture) + " B";
            rows.Add(["near-dup fingerprint per 10k chars", Us(dup.FingerprintUsPer10k), $"SHA-256 {Us(dup.Sha256UsPer10k)}", "", "", ""]);
            rows.Add([$"near-dup lookup p50 ({dup.IndexSize:N0} docs)", Us(dup.LookupP50Ms * 1000), $"exact-hash {Us(dup.ExactP50Ms * 1000)}", "", "", ""]);
            rows.Add([$"near-dup lookup p99 ({dup.MeanCandidates:0.0} candidates)", Us(dup.LookupP99Ms * 1000), $"exact-hash {Us(dup.ExactP99Ms * 1000)}", "", "<= 20 ms", Verdict(dup.LookupP99Ms <= 20)]);
            rows.Add(["near-dup memory per document", B(dup.BytesPerDocument), $"exact-hash {B(dup.ExactBytesPerDocument)}", "", "<= 1024 B", Verdict(dup.BytesPerDocument <= 1024)]);
            rows.Add(["near-dup evaluation recall / precision", $"{dup.Recall:0.000} / {dup.Precision:0.000}", "", "", ">= 0.95 / 0.99", Verdict(dup.Recall >= 0.95 && dup.Precision >= 0.99)]);
        }
        if (office is not null)
        {
            rows.Add([$"office {office.Pages}-page DOCX → PDF, warm", Stats.Seconds(office.OursStepWarm) + $" (cold {Stats.Seconds(office.OursStepCold)})",
                $"bare soffice {Stats.Seconds(office.BareWarm)} (cold {Stats.Seconds(office.BareCold)})", $"{Stats.Ratio(office.StepRatio)} ours/bare", "<= 1.20×", Verdict(office.StepRatio <= 1.2)]);
            rows.Add([$"office {office.Pages}-page DOCX upload → ready previews, warm", Stats.Seconds(office.OursEndToEndWarm) + $" (cold {Stats.Seconds(office.OursEndToEndCold)})",
                $"bare soffice {Stats.Seconds(office.BareWarm)}", $"{Stats.Ratio(office.EndToEndRatio)} ours/bare", "<= 1.50×", Verdict(office.EndToEndRatio <= 1.5)]);
            static string Seconds(double s) => s.ToString("0.00", CultureInfo.InvariantCulture) + " s CPU";
            rows.Add([$"office {office.Pages}-page DOCX upload → ready previews, CPU, warm", Seconds(office.OursEndToEndCpuWarm) + $" (LibreOffice step {Seconds(office.OursStepCpuWarm)})",
                $"bare soffice {Seconds(office.BareCpuWarm)}", $"{Stats.Ratio(office.EndToEndCpuRatio)} ours/bare", "<= 1.50×", Verdict(office.EndToEndCpuRatio <= 1.5)]);
        }
        if (ocr is not null)
        {
            rows.Add([$"OCR pages/s ({ocr.Pages} A4 pages, chi_sim+eng)", ocr.OursPagesPerSecond.ToString("0.00", CultureInfo.InvariantCulture),
                $"bare tesseract {ocr.BarePagesPerSecond.ToString("0.00", CultureInfo.InvariantCulture)}", $"{Stats.Ratio(ocr.Ratio)} ours/bare", "", ""]);
        }

        if (rows.Count > 1)
        {
            Console.WriteLine("\n== Summary ==");
            PrintTable(rows);
        }

        if (ingest is not null)
        {
            var conversion = new ConversionOptions();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"\nIngest detail: bare median = pdftoppm {Stats.Seconds(Stats.Median(ingest.BareRender))} + pdftotext {Stats.Seconds(Stats.Median(ingest.BareText))}; " +
                $"Wenku upload request {Stats.Median(ingest.Ours.Select(r => r.Upload)).TotalMilliseconds:0} ms; " +
                $"watermark + desktop/phone JPEG/WebP of all {ingest.Pages} pages on one thread {Stats.Seconds(ingest.WatermarkAll)}.\n" +
                $"CPU time, median: wenku {Stats.Median(ingest.Ours.Select(r => r.CpuSeconds)):0.0} s, bare {Stats.Median(ingest.BareCpuSeconds):0.0} s. " +
                $"Wenku converts {conversion.PageBatchSize}-page batches {conversion.Parallelism} at a time, text beside images; bare runs one process after the other, " +
                $"so on {Environment.ProcessorCount} CPUs wall time favours Wenku while CPU time shows its overhead."));
            foreach (var (label, steps) in new[] { ("text PDF", ingest.Steps), ("scanned PDF", ingest.ScannedSteps), ("Latin text PDF", ingest.LatinSteps) })
            {
                if (steps is null) continue;
                Console.WriteLine($"\nWhere a page's CPU goes ({label}; `alt:` rows are the alternatives weighed, not run by Wenku):");
                EncodeSteps.Print(steps);
            }
        }
        if (page is not null)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Page detail: {page.HtmlBytes} bytes of HTML; p50 wenku {Stats.Ms(page.Ours.P50Ms)} / nginx {Stats.Ms(page.Nginx.P50Ms)}; " +
                $"{page.Ours.Requests} requests measured, {page.ViewsCounted} views counted meanwhile; " +
                $"{page.Ours.ShareOver150Ms:0.0}% of ours took 150 ms or more (p99.9 {Stats.Ms(page.Ours.P999Ms)})."));
            if (page.Endpoints.Count > 0)
            {
                Console.WriteLine($"\nWhere the page's time goes (Wenku only, same load unless noted):");
                var where = new List<string[]> { new[] { "endpoint", "req/s", "p50", "p99", ">= 150 ms" } };
                where.Add(Row("/d/{id} (the benchmark above)", page.Ours));
                where.AddRange(page.Endpoints.Select(d => Row(d.Name, d.Result)));
                PrintTable(where);
            }
        }
    }

    private static string[] Row(string name, WrkResult r) =>
        [name, F(r.RequestsPerSecond) + r.Errors, Stats.Ms(r.P50Ms), Stats.Ms(r.P99Ms), r.ShareOver150Ms.ToString("0.0", CultureInfo.InvariantCulture) + "%"];

    internal static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    private static string Verdict(bool met) => met ? "met" : "MISSED";

    private static string F(double v) => v.ToString("0", CultureInfo.InvariantCulture);

    internal static void PrintTable(List<string[]> rows)
    {
        var widths = Enumerable.Range(0, rows[0].Length).Select(i => rows.Max(r => r[i].Length)).ToArray();
        string Line(string[] r) => "| " + string.Join(" | ", r.Select((c, i) => c.PadRight(widths[i]))) + " |";
        Console.WriteLine(Line(rows[0]));
        Console.WriteLine("|" + string.Join("|", widths.Select(w => new string('-', w + 2))) + "|");
        foreach (var r in rows.Skip(1)) Console.WriteLine(Line(r));
    }
}
