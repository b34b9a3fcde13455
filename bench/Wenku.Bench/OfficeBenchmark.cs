using System.Diagnostics;
using System.Globalization;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Wordprocessing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Wenku.Conversion;
using Wenku.Demo;

namespace Wenku.Bench;

/// <summary>Office results: the first (cold) and the median of the later (warm) runs of each side.</summary>
public sealed record OfficeResult(
    int Pages, TimeSpan OursEndToEndCold, TimeSpan OursEndToEndWarm, TimeSpan OursStepCold, TimeSpan OursStepWarm,
    TimeSpan BareCold, TimeSpan BareWarm, double OursEndToEndCpuWarm = 0, double OursStepCpuWarm = 0, double BareCpuWarm = 0)
{
    /// <summary>CPU of upload → ready previews (site, worker, LibreOffice, poppler) over bare soffice's, warm: target at most 1.5.</summary>
    public double EndToEndCpuRatio => OursEndToEndCpuWarm / BareCpuWarm;

    /// <summary>Wenku's LibreOffice step (own fresh profile, limits) over bare soffice, warm: target at most 1.2.</summary>
    public double StepRatio => OursStepWarm / BareWarm;

    /// <summary>Upload to ready previews over bare soffice to PDF, warm (previews cost pdftoppm on top).</summary>
    public double EndToEndRatio => OursEndToEndWarm / BareWarm;
}

/// <summary>
/// Office to previews: a 20-page DOCX through Wenku (upload until ready), Wenku's LibreOffice step alone as the
/// worker runs it (a fresh profile per conversion, prlimit, timeout), and bare <c>soffice --headless --convert-to
/// pdf</c> with one persistent profile, in the same run. The first run of each side is cold (LibreOffice's files not
/// yet in the page cache, bare's profile not yet made); the median of the others is warm.
/// </summary>
public static class OfficeBenchmark
{
    public static async Task<OfficeResult> RunAsync(WenkuSite site, BenchSettings settings, int pages = 20)
    {
        var dir = Path.Combine(settings.WorkDir, "office");
        Directory.CreateDirectory(dir);
        var bareHome = Path.Combine(dir, "bare-home"); // bare soffice keeps its profile here between runs, as a user's would
        Directory.CreateDirectory(bareHome);
        var options = Options.Create(new ConversionOptions());
        var pdf = new PdfConverter(options, new Watermarker(Options.Create(new WenkuOptions()), options, new PreviewEncoder(options)),
            new PageOcr(options, NullLogger<PageOcr>.Instance), NullLogger<PdfConverter>.Instance);
        var office = new OfficeConverter(options, pdf, NullLogger<OfficeConverter>.Instance);

        var endToEnd = new List<TimeSpan>();
        var step = new List<TimeSpan>();
        var bare = new List<TimeSpan>();
        var (endToEndCpu, stepCpu, bareCpu) = (new List<double>(), new List<double>(), new List<double>());
        var runs = Math.Max(2, settings.IngestRuns + 1);
        for (var run = 1; run <= runs; run++)
        {
            var docx = Path.Combine(dir, $"office-{run}.docx");
            WriteDocx(docx, pages, $"基准文档 Office benchmark #{run} {Guid.NewGuid():N}");

            // Laid out as a worker's work folder ({temp}/work/w{pid}-…), where the converter keeps its profile template.
            var stepDir = Path.Combine(dir, "work", $"w{Environment.ProcessId}-step-{run}");
            Directory.CreateDirectory(stepDir);
            var clock = Stopwatch.StartNew();
            var cpu = ProcessCpu.ReapedChildrenSeconds();
            await office.ToPdfAsync(docx, stepDir, CancellationToken.None);
            step.Add(clock.Elapsed);
            stepCpu.Add(ProcessCpu.ReapedChildrenSeconds() - cpu);

            var bareOut = Path.Combine(dir, $"bare-{run}");
            cpu = ProcessCpu.ReapedChildrenSeconds();
            var result = await Commands.CheckAsync("soffice", ["--headless", "--convert-to", "pdf", "--outdir", bareOut, docx],
                new Dictionary<string, string> { ["HOME"] = bareHome });
            bare.Add(result.Elapsed);
            bareCpu.Add(ProcessCpu.ReapedChildrenSeconds() - cpu);

            var ingest = await IngestBenchmark.IngestAsync(site, docx);
            endToEnd.Add(ingest.Total);
            endToEndCpu.Add(ingest.CpuSeconds);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  run {run}{(run == 1 ? " (cold)" : "")}: wenku upload→ready {Stats.Seconds(endToEnd[^1])} (CPU {ingest.CpuSeconds:0.00} s), " +
                $"wenku LibreOffice step {Stats.Seconds(step[^1])} (CPU {stepCpu[^1]:0.00} s), bare soffice {Stats.Seconds(bare[^1])} (CPU {bareCpu[^1]:0.00} s)"));
        }
        return new OfficeResult(pages, endToEnd[0], Stats.Median(endToEnd.Skip(1)), step[0], Stats.Median(step.Skip(1)), bare[0], Stats.Median(bare.Skip(1)),
            Stats.Median(endToEndCpu.Skip(1)), Stats.Median(stepCpu.Skip(1)), Stats.Median(bareCpu.Skip(1)));
    }

    /// <summary>A DOCX of exactly <paramref name="pages"/> pages (page breaks), each a paragraph of real Chinese news text.</summary>
    private static void WriteDocx(string path, int pages, string title)
    {
        var text = DemoSeeder.NewsArticles().SelectMany(DemoSeeder.Paragraphs).Take(pages).ToList();
        using var doc = WordprocessingDocument.Create(path, DocumentFormat.OpenXml.WordprocessingDocumentType.Document);
        var body = new Body(new Paragraph(new Run(new DocumentFormat.OpenXml.Wordprocessing.Text(title))));
        for (var k = 0; k < pages; k++)
        {
            var run = new Run(new DocumentFormat.OpenXml.Wordprocessing.Text($"第{k + 1}页 {text[k % text.Count]}"));
            if (k < pages - 1) run.Append(new Break { Type = BreakValues.Page });
            body.Append(new Paragraph(run));
        }
        doc.AddMainDocumentPart().Document = new Document(body);
    }
}
