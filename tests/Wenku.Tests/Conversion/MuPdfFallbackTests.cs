using System.Net;
using Microsoft.EntityFrameworkCore;
using SkiaSharp;
using Wenku.Documents;
using Wenku.Tests.Infrastructure;

namespace Wenku.Tests.Conversion;

/// <summary>PDFs that poppler cannot open or draws blank, and MuPDF can: the document is converted by <c>mutool</c>.</summary>
[Trait(WenkuFactory.Suite, WenkuFactory.OnBothStacks)]
public sealed class MuPdfFallbackTests(WenkuFactory site) : IClassFixture<WenkuFactory>
{
    [Fact]
    public async Task Pdf_whose_page_count_poppler_cannot_read_is_converted_by_mupdf_with_its_one_page_and_text()
    {
        var doc = await UploadAndWaitAsync(TestPdfs.Handmade("Damaged page count 67295 converted anyway", pageCount: "9999999999"), "count.pdf");

        doc.Status.ShouldBe(DocumentStatus.Ready, doc.Error);
        doc.PageCount.ShouldBe(1);
        var page = await site.WithDbAsync(db => db.DocumentPages.AsNoTracking().SingleAsync(p => p.DocumentId == doc.Id));
        page.Text.ShouldContain("Damaged page count 67295");
        (await DarkPixelsAsync(doc.Id, 1)).ShouldBeGreaterThan(500);
    }

    [Fact]
    public async Task Page_that_poppler_draws_blank_for_want_of_its_font_is_drawn_by_mupdf()
    {
        // pdf.js's issue14953.pdf: one page of text in a font poppler cannot draw (its image is all white).
        var file = TestPaths.Shared("corpus", "pdfjs", "issue14953.pdf")
            ?? throw new FileNotFoundException("../shared/corpus/pdfjs/issue14953.pdf is missing beside the repository");
        var doc = await UploadAndWaitAsync(await File.ReadAllBytesAsync(file), "issue14953.pdf");

        doc.Status.ShouldBe(DocumentStatus.Ready, doc.Error);
        doc.PageCount.ShouldBe(1);
        // The preview shows the text (black glyphs), not a white page with only the light watermark.
        (await DarkPixelsAsync(doc.Id, 1)).ShouldBeGreaterThan(500);
    }

    [Fact]
    public async Task Page_with_a_font_poppler_replaces_keeps_poppler_rendering()
    {
        // A broken embedded font that poppler substitutes: its page is not blank, so MuPDF is not asked.
        var doc = await UploadAndWaitAsync(TestPdfs.Handmade("Broken embedded font still shows", brokenFont: true), "font.pdf");

        doc.Status.ShouldBe(DocumentStatus.Ready, doc.Error);
        (await DarkPixelsAsync(doc.Id, 1)).ShouldBeGreaterThan(500);
    }

    private async Task<int> DarkPixelsAsync(long id, int page)
    {
        var bytes = await site.CreateClient().GetByteArrayAsync($"/api/v1/documents/{id}/pages/{page}");
        using var bitmap = SKBitmap.Decode(bytes);
        var dark = 0;
        for (var y = 0; y < bitmap.Height; y++)
            for (var x = 0; x < bitmap.Width; x++)
                if (bitmap.GetPixel(x, y) is { Red: < 100, Green: < 100, Blue: < 100 }) dark++;
        return dark;
    }

    private HttpClient? _api;

    private async Task<Document> UploadAndWaitAsync(byte[] file, string name)
    {
        _api ??= (await site.ApiClientAsync($"mupdf-{Guid.NewGuid():N}@test.local")).Client;
        return await site.UploadAndWaitAsync(_api, TestPdfs.Upload(file, name, title: name), TimeSpan.FromMinutes(3));
    }
}
