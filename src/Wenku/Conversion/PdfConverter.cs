using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using SkiaSharp;
using Wenku.Web.Localization;

namespace Wenku.Conversion;

/// <summary>Reads the text of page <c>page</c> (1-based) from the image it was made of; null when that fails.</summary>
public delegate Task<string?> PageRecognizer(int page, CancellationToken ct);

/// <summary>
/// PDF to previews and text with poppler (<c>pdfinfo</c>, <c>pdftoppm</c>, <c>pdftotext</c>), each a child process
/// with time and memory limits, in page batches run side by side. A page without a text layer is rendered again at
/// OCR resolution and read by <see cref="PageOcr"/>. Where poppler cannot open a PDF that MuPDF can (a damaged page
/// count), the whole document goes through <c>mutool</c> instead, under the same limits; a page that poppler renders
/// blank although it has text (a font poppler cannot read) is rendered again by <c>mutool</c>.
/// </summary>
public sealed partial class PdfConverter(IOptions<ConversionOptions> options, Watermarker watermarker, PageOcr ocr, ILogger<PdfConverter> log) : IDocumentConverter
{
    private readonly ConversionOptions _o = options.Value;

    public static readonly Message Encrypted = new("pdf.encrypted", "此 PDF 受密码保护，无法转换，请上传没有密码的副本。");
    public static readonly Message InfoTimedOut = new("pdf.info-timeout", "读取 PDF 信息超时，文件可能已损坏或含有恶意内容。");
    public static readonly Message Truncated = new("pdf.truncated", "无法读取此 PDF：文件已损坏或不完整（末尾缺失，可能上传或下载时被截断），请上传完整的文件（{0}）。");
    public static readonly Message NoPageTree = new("pdf.no-page-tree", "此 PDF 的页面目录已损坏，找不到任何页面（{0}）。");
    public static readonly Message Unreadable = new("pdf.unreadable", "无法读取此 PDF，文件可能已损坏（{0}）。");
    public static readonly Message InfoTooLarge = new("pdf.info-too-large", "此 PDF 的文档信息过大，文件可能含有恶意内容。");
    public static readonly Message NoPages = new("pdf.no-pages", "此 PDF 没有页面。");
    public static readonly Message TooManyPages = new("pdf.too-many-pages", "此 PDF 有 {0} 页，超过上限 {1} 页。");
    public static readonly Message OverPageLimit = new("pdf.over-page-limit", "此 PDF 超过 {0} 页上限。");
    public static readonly Message NothingRendered = new("pdf.nothing-rendered", "没有一页能够渲染，文件可能已损坏（{0}）。");
    public static readonly Message PageTimedOut = new("pdf.page-timeout", "第 {0} 页渲染超时（超过 {1} 秒），文件可能已损坏。");
    public static readonly Message TooMuchText = new("document.too-much-text", "此文档的文字超过上限。");

    public bool CanConvert(string format) => format == "pdf";

    public Task<ConversionResult> ConvertAsync(ConversionRequest request, CancellationToken ct) =>
        ConvertPdfAsync(request.InputPath, request.WorkDir, ct, progress: request.Progress);

    /// <summary>
    /// Converts a PDF that another converter made (from Office, text, a TIFF). When its pages come from images the
    /// caller still has (a TIFF's frames), a page without text is read by <paramref name="recognize"/> from that image
    /// at its own resolution, instead of a re-rendered page.
    /// </summary>
    public async Task<ConversionResult> ConvertPdfAsync(string inputPath, string workDir, CancellationToken ct, PageRecognizer? recognize = null,
        ConversionProgress? progress = null)
    {
        var (pageCount, engine) = await CountPagesAsync(inputPath, ct);
        progress?.Start(pageCount);
        var batches = Enumerable.Range(0, (pageCount + _o.PageBatchSize - 1) / _o.PageBatchSize)
            .Select(i => (First: i * _o.PageBatchSize + 1, Last: Math.Min(pageCount, (i + 1) * _o.PageBatchSize)))
            .ToList();

        var pages = new ConvertedPage[pageCount];
        var textBudget = new TextBudget(_o.MaxTextChars, _o.OcrMaxPages);
        await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = _o.Parallelism, CancellationToken = ct },
            async (batch, token) =>
            {
                foreach (var page in await ConvertBatchAsync(inputPath, workDir, engine, batch.First, batch.Last, textBudget, recognize, progress, token))
                    pages[page.Number - 1] = page;
            });
        if (pages.All(p => p.Unrendered is not null))
            throw new ConversionException(NothingRendered, pages[0].Unrendered);
        return new ConversionResult(pages);
    }

    /// <summary>Which program renders and reads a document: poppler, or MuPDF where poppler cannot open it.</summary>
    private enum Engine { Poppler, MuPdf }

    private async Task<(int Pages, Engine Engine)> CountPagesAsync(string inputPath, CancellationToken ct)
    {
        var info = await RunAsync("pdfinfo", ["-enc", "UTF-8", inputPath], 1024 * 1024, ct);
        if (info.TimedOut) throw new ConversionException(InfoTimedOut);
        if (info.ExitCode != 0)
        {
            if (info.StdErr.Contains("password", StringComparison.OrdinalIgnoreCase))
                throw new ConversionException(Encrypted);
            // Poppler gives up; MuPDF reads some damaged files poppler cannot (a page count of 9999999999 on a
            // one-page file). Only then is mutool run, so a readable PDF costs nothing more. A file without the
            // cross-reference pointer at its end is cut short (an interrupted upload or download): MuPDF would rebuild
            // what it can and show part of the document as if whole, so it fails instead.
            if (!EndsWithStartXref(inputPath))
                throw new ConversionException(Truncated, Describe(info));
            if (await CountPagesWithMuPdfAsync(inputPath, ct) is > 0 and var found)
            {
                log.LogInformation("poppler cannot open this PDF ({Reason}); MuPDF finds {Pages} pages and converts it", Describe(info), found);
                return (found, Engine.MuPdf);
            }
            // pdfinfo's way of saying that the page tree yields no page at all.
            if (!info.Crashed && info.StdErr.Contains("Wrong page range", StringComparison.Ordinal))
                throw new ConversionException(NoPageTree, Describe(info));
            throw new ConversionException(Unreadable, Describe(info));
        }
        if (info.OutputTruncated)
            throw new ConversionException(InfoTooLarge);
        var match = PagesLine().Match(info.StdOut);
        if (!match.Success || !int.TryParse(match.Groups[1].Value, CultureInfo.InvariantCulture, out var pages) || pages <= 0)
            throw new ConversionException(NoPages);
        if (pages > _o.MaxPages)
            throw new ConversionException(TooManyPages, pages, _o.MaxPages);
        return (pages, Engine.Poppler);
    }

    /// <summary>Whether the file's last 2 KB hold <c>startxref</c>, which every complete PDF ends with (before <c>%%EOF</c>).</summary>
    private static bool EndsWithStartXref(string inputPath)
    {
        using var file = File.OpenRead(inputPath);
        var tail = new byte[(int)Math.Min(2048, file.Length)];
        file.Seek(-tail.Length, SeekOrigin.End);
        file.ReadExactly(tail);
        return tail.AsSpan().IndexOf("startxref"u8) >= 0;
    }

    /// <summary>
    /// The pages MuPDF can really load, counted one by one (up to one past the limit): a damaged page count is not
    /// believed. 0 when MuPDF cannot open the file either.
    /// </summary>
    private async Task<int> CountPagesWithMuPdfAsync(string inputPath, CancellationToken ct)
    {
        var pages = await RunAsync("mutool", ["pages", inputPath, $"1-{N(_o.MaxPages + 1)}"], 4 * 1024 * 1024, ct);
        if (pages.TimedOut || pages.Crashed) return 0;
        // One <page pagenum="n"> block per page asked for; a page past the real ones says "Failed to gather information".
        var found = pages.StdOut.Split("<page pagenum=", StringSplitOptions.None).Skip(1)
            .TakeWhile(block => block.Contains("</page>", StringComparison.Ordinal) && !block.Contains("Failed to gather", StringComparison.Ordinal))
            .Count();
        if (found > _o.MaxPages)
            throw new ConversionException(OverPageLimit, _o.MaxPages);
        return found;
    }

    /// <summary>
    /// Renders pages <paramref name="first"/> to <paramref name="last"/> as <c>{prefix}-{n}.ppm</c> (raw pixels: PNG
    /// compression was most of the cost of a conversion, and the pixels are encoded again here anyway; MuPDF writes
    /// PPM too when it is given the name) or <c>.png</c> (the gray pages OCR reads), the longest side <paramref name="size"/>.
    /// </summary>
    private Task<ProcessOutcome> RenderAsync(Engine engine, string inputPath, int first, int last, int size, string prefix, bool gray, CancellationToken ct) =>
        engine == Engine.Poppler
            ? RunAsync("pdftoppm", ["-f", N(first), "-l", N(last), "-scale-to", N(size), .. gray ? ["-gray", "-png"] : Array.Empty<string>(), inputPath, prefix], 1024, ct)
            : RunAsync("mutool", ["draw", "-q", "-o", prefix + (gray ? "-%d.png" : "-%d.ppm"), "-w", N(size), "-h", N(size), .. gray ? ["-c", "gray"] : Array.Empty<string>(), inputPath, $"{N(first)}-{N(last)}"], 1024, ct);

    /// <summary>The text of pages <paramref name="first"/> to <paramref name="last"/>, pages separated by form feeds.</summary>
    private Task<ProcessOutcome> ExtractTextAsync(Engine engine, string inputPath, int first, int last, int maxChars, CancellationToken ct) =>
        engine == Engine.Poppler
            ? RunAsync("pdftotext", ["-enc", "UTF-8", "-f", N(first), "-l", N(last), inputPath, "-"], maxChars, ct)
            : RunAsync("mutool", ["draw", "-q", "-F", "txt", "-o", "-", inputPath, $"{N(first)}-{N(last)}"], maxChars, ct);

    /// <summary>
    /// Whether a rendered page shows nothing: every pixel (nearly) white. Checked only for pages that have text, where
    /// a blank image means the renderer could not draw the fonts.
    /// </summary>
    internal static bool IsBlank(SKBitmap bitmap)
    {
        const byte Light = 200;
        var pixels = bitmap.GetPixelSpan();
        var (rowBytes, width) = (bitmap.RowBytes, bitmap.Width);
        for (var y = 0; y < bitmap.Height; y++)
        {
            var row = pixels.Slice(y * rowBytes, rowBytes);
            switch (bitmap.ColorType)
            {
                case SKColorType.Rgba8888 or SKColorType.Bgra8888:
                    for (var x = 0; x < width * 4; x += 4)
                        if (row[x] < Light || row[x + 1] < Light || row[x + 2] < Light) return false;
                    break;
                case SKColorType.Gray8:
                    for (var x = 0; x < width; x++)
                        if (row[x] < Light) return false;
                    break;
                default:
                    for (var x = 0; x < width; x++)
                        if (bitmap.GetPixel(x, y) is var c && (c.Red < Light || c.Green < Light || c.Blue < Light)) return false;
                    break;
            }
        }
        return true;
    }

    private async Task<List<ConvertedPage>> ConvertBatchAsync(
        string inputPath, string workDir, Engine engine, int first, int last, TextBudget budget, PageRecognizer? recognize,
        ConversionProgress? progress, CancellationToken ct)
    {
        var prefix = Path.Combine(workDir, $"b{first}");
        var renderTask = RenderAsync(engine, inputPath, first, last, _o.PreviewSize, prefix, gray: false, ct);
        var textTask = ExtractTextAsync(engine, inputPath, first, last, budget.PerProcessLimit, ct);
        var render = await renderTask;
        var text = await textTask;

        var images = RenderedPages(workDir, $"b{first}", first, last);
        var missing = Enumerable.Range(first, last - first + 1).Where(n => !images.ContainsKey(n)).ToList();
        if (missing.Count > 0 && render.TimedOut)
            throw new ConversionException(PageTimedOut, missing[0], _o.ProcessTimeoutSeconds);

        // One broken page does not sink the document: a crash on it stops the rest of its batch, so the missing
        // pages are tried one by one, and a page that still fails is shown as a placeholder.
        var unrendered = new Dictionary<int, string>();
        foreach (var n in missing)
        {
            var single = last > first
                ? await RenderAsync(engine, inputPath, n, n, _o.PreviewSize, $"{prefix}s", gray: false, ct)
                : render;
            if (RenderedPages(workDir, $"b{first}s", n, n).TryGetValue(n, out var path)) images[n] = path;
            else unrendered[n] = single.TimedOut ? $"the converter took longer than {_o.ProcessTimeoutSeconds} s" : Describe(single);
        }
        foreach (var (n, why) in unrendered)
            log.LogInformation("Page {Page} could not be rendered and gets a placeholder: {Reason}", n, why);
        if (render.ExitCode != 0 && unrendered.Count == 0)
            log.LogInformation("pdftoppm exited {Code} on pages {First}-{Last} but rendered them: {Error}", render.ExitCode, first, last, render.FirstErrorLine);

        // pdftotext separates pages with form feeds; a failure here costs the text, not the document.
        var texts = text.ExitCode == 0 && !text.TimedOut ? text.StdOut.Split('\f') : [];
        if (text.ExitCode != 0 || text.TimedOut)
            log.LogWarning("pdftotext failed on pages {First}-{Last}: {Error}", first, last, text.TimedOut ? "timed out" : Describe(text));
        if (text.OutputTruncated)
            throw new ConversionException(TooMuchText);
        budget.Spend(text.StdOut.Length);

        var result = new List<ConvertedPage>(last - first + 1);
        for (var n = first; n <= last; n++)
        {
            var jpg = Path.Combine(workDir, $"page-{n}.jpg");
            var pageText = n - first < texts.Length ? texts[n - first] : "";
            if (unrendered.TryGetValue(n, out var why))
            {
                var (pw, ph) = watermarker.Placeholder(n, jpg);
                result.Add(new ConvertedPage(n, jpg, pw, ph, pageText, why));
                progress?.PageDone();
                continue;
            }
            var recognised = ocr.Enabled && PageOcr.HasNoText(pageText) && budget.TakeOcrPage()
                ? await (recognize?.Invoke(n, ct) ?? RecognizeAsync(inputPath, workDir, engine, first, n, ct))
                : null;
            if (recognised is not null) budget.Spend(recognised.Length);
            var bitmap = PreviewEncoder.ReadRendered(images[n]) ?? throw new ConversionException(PreviewEncoder.Unreadable);
            int w, h;
            try
            {
                File.Delete(images[n]);
                // A page with text that poppler renders blank: a font it cannot read. MuPDF may draw it.
                if (engine == Engine.Poppler && !PageOcr.HasNoText(pageText) && IsBlank(bitmap)
                    && await RenderWithMuPdfAsync(inputPath, workDir, first, n, ct) is { } drawn)
                {
                    bitmap.Dispose();
                    bitmap = drawn;
                }
                (w, h) = watermarker.Apply(bitmap, jpg);
            }
            finally
            {
                bitmap.Dispose(); // native memory: also when rendering again or encoding throws
            }
            result.Add(new ConvertedPage(n, jpg, w, h, recognised ?? pageText, Ocr: recognised is not null));
            progress?.PageDone();
        }
        return result;
    }

    /// <summary>Page <paramref name="n"/> as MuPDF draws it, when that is not blank too; null otherwise.</summary>
    private async Task<SKBitmap?> RenderWithMuPdfAsync(string inputPath, string workDir, int batch, int n, CancellationToken ct)
    {
        var prefix = $"b{batch}m";
        var render = await RenderAsync(Engine.MuPdf, inputPath, n, n, _o.PreviewSize, Path.Combine(workDir, prefix), gray: false, ct);
        if (!RenderedPages(workDir, prefix, n, n).TryGetValue(n, out var image))
        {
            log.LogInformation("Page {Page} renders blank and MuPDF could not render it either: {Reason}", n, Describe(render));
            return null;
        }
        var bitmap = PreviewEncoder.ReadRendered(image);
        File.Delete(image);
        if (bitmap is null || IsBlank(bitmap))
        {
            bitmap?.Dispose();
            return null;
        }
        log.LogInformation("Page {Page} rendered blank by poppler although it has text; MuPDF's rendering is used", n);
        return bitmap;
    }

    /// <summary>Renders page <paramref name="n"/> at OCR resolution and reads it; null if either step fails.</summary>
    private async Task<string?> RecognizeAsync(string inputPath, string workDir, Engine engine, int batch, int n, CancellationToken ct)
    {
        var prefix = $"b{batch}o";
        var render = await RenderAsync(engine, inputPath, n, n, PageOcr.ImageSize, Path.Combine(workDir, prefix), gray: true, ct);
        if (!RenderedPages(workDir, prefix, n, n).TryGetValue(n, out var image))
        {
            log.LogInformation("Page {Page} could not be rendered for OCR: {Reason}", n, Describe(render));
            return null;
        }
        try
        {
            return await ocr.RecognizeAsync(image, ct);
        }
        finally
        {
            File.Delete(image);
        }
    }

    /// <summary>The page images pdftoppm or mutool wrote under <paramref name="prefix"/>, by page number.</summary>
    private static Dictionary<int, string> RenderedPages(string workDir, string prefix, int first, int last) =>
        Directory.EnumerateFiles(workDir, $"{prefix}-*.*")
            .Select(path => (Path: path, Match: PageNumber().Match(Path.GetFileName(path))))
            .Where(x => x.Match.Success && x.Path[..^x.Match.Length] == Path.Combine(workDir, prefix))
            .Select(x => (x.Path, Number: int.Parse(x.Match.Groups[1].Value, CultureInfo.InvariantCulture)))
            // pdftoppm leaves an empty file behind for a page it gave up on.
            .Where(x => x.Number >= first && x.Number <= last && new FileInfo(x.Path).Length > 0)
            .ToDictionary(x => x.Number, x => x.Path);

    private Task<ProcessOutcome> RunAsync(string program, string[] args, int maxStdOut, CancellationToken ct) =>
        LimitedProcess.RunAsync(program, args, TimeSpan.FromSeconds(_o.ProcessTimeoutSeconds),
            (long)_o.ProcessMemoryMb * 1024 * 1024, maxStdOut, ct);

    /// <summary>
    /// What poppler said went wrong, briefly: its last error line, which is usually the conclusion ("Couldn't read
    /// xref table") where the first is often a warning that led there. Lines about our command line or the image
    /// writer only echo the damage and are skipped.
    /// </summary>
    private static string Describe(ProcessOutcome o)
    {
        if (o.Crashed) return $"the converter crashed, code {o.ExitCode}";
        var line = o.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .LastOrDefault(l => l.Contains("Error", StringComparison.Ordinal)
                && !l.StartsWith("Command Line Error", StringComparison.Ordinal)
                && !l.Contains("PNGWriter", StringComparison.Ordinal));
        if (line is null) return $"exit code {o.ExitCode}";
        line = PopplerPrefix().Replace(line, "").Replace("<0a>", "", StringComparison.Ordinal).Trim();
        return line.Length == 0 ? $"exit code {o.ExitCode}" : Truncate(line, 200);
    }

    private static string Truncate(string s, int max) => s.Length <= max ? s : s[..max] + "…";

    private static string N(int n) => n.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^Pages:\s+(\d+)", RegexOptions.Multiline)]
    private static partial Regex PagesLine();

    [GeneratedRegex(@"^[A-Za-z/ ]*Error( \(-?\d+\))?:\s*")]
    private static partial Regex PopplerPrefix();

    [GeneratedRegex(@"-(\d+)\.(png|ppm|pgm)$")]
    private static partial Regex PageNumber();

    /// <summary>Bounds the text of the whole document across batches, and the pages OCR may read.</summary>
    private sealed class TextBudget(int max, int ocrPages)
    {
        private long _spent;
        private int _ocrLeft = ocrPages;

        /// <summary>Whether OCR may read one more page of this document (each costs seconds).</summary>
        public bool TakeOcrPage() => Interlocked.Decrement(ref _ocrLeft) >= 0;

        public int PerProcessLimit => max;
        public void Spend(int chars)
        {
            if (Interlocked.Add(ref _spent, chars) > max)
                throw new ConversionException(TooMuchText);
        }
    }
}
