using Xunit;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using SkiaSharp;
using Wenku.Demo;
using Wenku.Documents;
using Wenku.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Wenku.Tests.Conversion;

/// <summary>Pages without a text layer (scans, photos, image-only PDFs) are read by tesseract; the document says which.</summary>
[Trait(WenkuFactory.Suite, WenkuFactory.OnBothStacks)]
public sealed class OcrTests(WenkuFactory site, ITestOutputHelper output) : IClassFixture<WenkuFactory>
{
    private static readonly SKTypeface Cjk = SKFontManager.Default.MatchCharacter('中') ?? SKTypeface.Default;

    [Fact]
    public async Task Scanned_chinese_page_is_read_with_at_least_90_percent_of_its_characters_right()
    {
        var essay = TestPaths.Shared("corpus", "seed", "chuangxian-zhengyou-spun.txt")
            ?? throw new FileNotFoundException("../shared/corpus/seed/chuangxian-zhengyou-spun.txt is missing beside the repository");
        var text = string.Concat(File.ReadAllText(essay).Where(c => !char.IsWhiteSpace(c)))[..500];
        var doc = await UploadAndWaitAsync(Scan(text), "扫描页.png");
        doc.Status.ShouldBe(DocumentStatus.Ready, doc.Error);

        var page = await site.WithDbAsync(db => db.DocumentPages.AsNoTracking().SingleAsync(p => p.DocumentId == doc.Id));
        page.Ocr.ShouldBeTrue();
        var expected = Hanzi(text);
        var actual = Hanzi(page.Text);
        var accuracy = 1 - (double)Levenshtein(expected, actual) / expected.Length;
        output.WriteLine($"OCR character accuracy: {accuracy:P1} ({expected.Length} characters)");
        accuracy.ShouldBeGreaterThanOrEqualTo(0.90);

        var html = await site.CreateClient().GetStringAsync($"/d/{doc.Id}");
        Html.Parse(html).One("#ocr").Text().ShouldStartWith("文字识别");
        html.ShouldContain(text[20..28]); // the recognised text is the page's text chunks
    }

    [Fact]
    public async Task Image_only_pdf_page_is_read_and_marked_while_a_page_with_text_is_not()
    {
        var dir = TestPaths.NewTempDir("scanpdf");
        var path = Path.Combine(dir, "scan.pdf");
        using (var image = SKBitmap.Decode(Scan("扫描文档第一页，文字识别测试。")))
        using (var stream = File.Create(path))
        using (var pdf = SKDocument.CreatePdf(stream))
        {
            var canvas = pdf.BeginPage(595, 842);
            canvas.DrawBitmap(image, new SKRect(0, 0, 595, 842));
            pdf.EndPage();
            canvas = pdf.BeginPage(595, 842);
            using var font = new SKFont(Cjk, 14);
            using var ink = new SKPaint { Color = SKColors.Black };
            canvas.DrawText($"这一页有文字层 {Guid.NewGuid()}", 60, 100, SKTextAlign.Left, font, ink);
            pdf.EndPage();
            pdf.Close();
        }
        var doc = await UploadAndWaitAsync(File.ReadAllBytes(path), "scan.pdf");
        TestPaths.TryDelete(dir);
        doc.Status.ShouldBe(DocumentStatus.Ready, doc.Error);
        doc.PageCount.ShouldBe(2);

        var pages = await site.WithDbAsync(db => db.DocumentPages.AsNoTracking().Where(p => p.DocumentId == doc.Id).OrderBy(p => p.Number).ToListAsync());
        pages[0].Ocr.ShouldBeTrue();
        pages[0].Text.ShouldContain("文字识别");
        pages[1].Ocr.ShouldBeFalse();
        pages[1].Text.ShouldContain("这一页有文字层");
        (await site.CreateClient().GetDocumentAsync($"/d/{doc.Id}")).One("#ocr").Text().ShouldContain("第 1 页");

        var meta = await site.CreateClient().GetFromJsonAsync<JsonElement>($"/api/v1/documents/{doc.Id}");
        meta.GetProperty("ocrPages").EnumerateArray().Select(p => p.GetInt32()).ShouldBe([1]);
        meta.GetProperty("entries").ValueKind.ShouldBe(JsonValueKind.Null);
        meta.GetProperty("drawing").ValueKind.ShouldBe(JsonValueKind.Null);
    }

    [Fact]
    public async Task Multi_page_300_dpi_tiff_scan_is_read_at_its_own_resolution_with_at_least_90_percent_of_its_characters_right()
    {
        // Postcard-sized frames (A6 at 300 dpi, 12-point text), as a desk scanner delivers cards and notes: blown up
        // to a full A4 page before OCR, their characters grow past the size tesseract reads well (0.37 right).
        // A part of the essay that no other test of this site uploads: a near duplicate would be held.
        var text = Essay(1000, 300);
        var halves = new[] { text[..150], text[150..] };
        var frames = halves.Select(h => Page(h, 1240, 1748, margin: 90, fontSize: 50, lineHeight: 75)).ToList();
        byte[] tiff;
        try { tiff = TestImages.GreyTiff(frames, dpi: 300); }
        finally { foreach (var f in frames) f.Dispose(); }

        var doc = await UploadAndWaitAsync(tiff, "扫描件.tiff");
        doc.Status.ShouldBe(DocumentStatus.Ready, doc.Error);
        doc.PageCount.ShouldBe(2);

        var pages = await site.WithDbAsync(db => db.DocumentPages.AsNoTracking().Where(p => p.DocumentId == doc.Id).OrderBy(p => p.Number).ToListAsync());
        for (var i = 0; i < 2; i++)
        {
            pages[i].Ocr.ShouldBeTrue();
            var accuracy = Accuracy(halves[i], pages[i].Text);
            output.WriteLine($"TIFF frame {i + 1}: OCR character accuracy {accuracy:P1}");
            accuracy.ShouldBeGreaterThanOrEqualTo(0.90);
        }
    }

    private static string Essay(int start, int length)
    {
        var essay = TestPaths.Shared("corpus", "seed", "chuangxian-zhengyou-spun.txt")
            ?? throw new FileNotFoundException("../shared/corpus/seed/chuangxian-zhengyou-spun.txt is missing beside the repository");
        return string.Concat(File.ReadAllText(essay).Where(c => !char.IsWhiteSpace(c))).Substring(start, length);
    }

    private static double Accuracy(string expectedText, string actualText)
    {
        var expected = Hanzi(expectedText);
        return 1 - (double)Levenshtein(expected, Hanzi(actualText)) / expected.Length;
    }

    /// <summary>Text set in black on a white page of the given size.</summary>
    private static SKBitmap Page(string text, int width, int height, int margin, int fontSize, int lineHeight)
    {
        var bitmap = new SKBitmap(width, height);
        using var canvas = new SKCanvas(bitmap);
        canvas.Clear(SKColors.White);
        using var font = new SKFont(Cjk, fontSize);
        using var ink = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        var y = margin;
        foreach (var line in DemoPdfWriter.Wrap(text, font, width - 2 * margin))
        {
            y += lineHeight;
            canvas.DrawText(line, margin, y, SKTextAlign.Left, font, ink);
        }
        return bitmap;
    }

    /// <summary>Text set on a white A4 page at 300 dpi, as a scanner would deliver it (PNG).</summary>
    private static byte[] Scan(string text)
    {
        const int width = 2480, height = 3508, margin = 200;
        using var bitmap = new SKBitmap(width, height);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.White);
            using var font = new SKFont(Cjk, 50);
            using var ink = new SKPaint { Color = SKColors.Black, IsAntialias = true };
            var y = margin;
            foreach (var line in DemoPdfWriter.Wrap(text, font, width - 2 * margin))
            {
                y += 80;
                canvas.DrawText(line, margin, y, SKTextAlign.Left, font, ink);
            }
        }
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 90);
        return data.ToArray();
    }

    private static string Hanzi(string s) => string.Concat(s.Where(TextNormalizer.IsCjk));

    private static int Levenshtein(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        var current = new int[b.Length + 1];
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }

    private HttpClient? _api;

    private async Task<Document> UploadAndWaitAsync(byte[] file, string name)
    {
        _api ??= (await site.ApiClientAsync($"ocr-{Guid.NewGuid():N}@test.local")).Client;
        return await site.UploadAndWaitAsync(_api, TestPdfs.Upload(file, name, title: name), TimeSpan.FromMinutes(3));
    }
}
