using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SkiaSharp;
using Wenku.Accounts;
using Wenku.Conversion;
using Wenku.Documents;
using Wenku.Storage;
using Wenku.Tests.Infrastructure;

namespace Wenku.Tests.Conversion;

/// <summary>
/// A converted document has every preview file the reader serves — desktop and phone size of each page in WebP and
/// JPEG, and a cover — behind the same doors as its pages; older documents get them from <c>wenku admin previews</c>.
/// </summary>
[Trait(WenkuFactory.Suite, WenkuFactory.OnBothStacks)]
public sealed class PreviewFilesTests(WenkuFactory site) : IClassFixture<WenkuFactory>
{
    [Fact]
    public async Task A_converted_pdf_has_a_desktop_jpeg_and_a_phone_jpeg_and_webp_of_every_page_a_cover_and_progress_at_its_page_count()
    {
        var (api, _) = await site.ApiClientAsync("previews-pdf@test.local");
        var doc = await site.UploadAndWaitAsync(api, TestPdfs.Upload(TestPdfs.MultiPage(3, salt: "previews-sizes"), previewPages: 2));
        doc.Status.ShouldBe(DocumentStatus.Ready);
        doc.PreviewVersion.ShouldBe(PreviewVersions.Current);
        doc.ConvertedPages.ShouldBe(doc.PageCount);
        doc.PageCount.ShouldBe(3);
        var page1 = await site.WithDbAsync(db => db.DocumentPages.AsNoTracking().SingleAsync(p => p.DocumentId == doc.Id && p.Number == 1));
        page1.Height.ShouldBe(1400); // A4 portrait: the long side is the preview size

        var anonymous = site.CreateClient();
        foreach (var (url, format, type, width) in new[]
        {
            ($"/d/{doc.Id}/page/1.jpg", SKEncodedImageFormat.Jpeg, "image/jpeg", page1.Width),
            ($"/d/{doc.Id}/page/1.m.jpg", SKEncodedImageFormat.Jpeg, "image/jpeg", PreviewEncoder.PhoneWidth),
            ($"/d/{doc.Id}/page/1.m.webp", SKEncodedImageFormat.Webp, "image/webp", PreviewEncoder.PhoneWidth),
            ($"/d/{doc.Id}/page/2.m.webp", SKEncodedImageFormat.Webp, "image/webp", PreviewEncoder.PhoneWidth),
            ($"/d/{doc.Id}/cover.jpg", SKEncodedImageFormat.Jpeg, "image/jpeg", PreviewEncoder.CoverWidth),
            ($"/d/{doc.Id}/cover.webp", SKEncodedImageFormat.Webp, "image/webp", PreviewEncoder.CoverWidth),
        })
        {
            var response = await anonymous.GetAsync(url);
            response.StatusCode.ShouldBe(HttpStatusCode.OK, url);
            response.Content.Headers.ContentType!.MediaType.ShouldBe(type, url);
            response.Headers.CacheControl!.Public.ShouldBeTrue(url);
            var (decodedFormat, w, h) = Decode(await response.Content.ReadAsByteArrayAsync());
            decodedFormat.ShouldBe(format, url);
            w.ShouldBe(width, url);
            // Same shape as the desktop page, to the pixel.
            Math.Abs(h - Math.Round(page1.Height * (double)width / page1.Width)).ShouldBeLessThanOrEqualTo(1, url);
        }
        (await anonymous.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/d/{doc.Id}/page/1.m.webp"))).StatusCode.ShouldBe(HttpStatusCode.OK);
        // No desktop WebP since version 2: desktop readers get the JPEG (the reader offers no such source).
        (await anonymous.GetAsync($"/d/{doc.Id}/page/1.webp")).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        // Past the preview limit every size and format is refused, as the JPEG always was.
        foreach (var name in new[] { "3.jpg", "3.webp", "3.m.jpg", "3.m.webp" })
            (await anonymous.GetAsync($"/d/{doc.Id}/page/{name}")).StatusCode.ShouldBe(HttpStatusCode.Forbidden, name);
        (await anonymous.GetAsync($"/d/{doc.Id}/page/4.webp")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await api.GetAsync($"/api/v1/documents/{doc.Id}/pages/1")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_held_documents_cover_is_for_its_uploader_and_staff_only()
    {
        var (uploader, uploaderId) = await site.SignedInBrowserAsync("previews-held@test.local");
        var (staff, _) = await site.SignedInBrowserAsync("previews-staff@test.local", Roles.Moderator);
        var (other, _) = await site.SignedInBrowserAsync("previews-other@test.local");
        var held = await AddWithCoverAsync(uploaderId, DocumentStatus.Held);

        (await site.CreateClient().GetAsync($"/d/{held}/cover.webp")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await other.GetAsync($"/d/{held}/cover.jpg")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var own = await uploader.GetAsync($"/d/{held}/cover.webp");
        own.StatusCode.ShouldBe(HttpStatusCode.OK);
        own.Headers.CacheControl!.Public.ShouldBeFalse();
        (await staff.GetAsync($"/d/{held}/cover.jpg")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_document_from_before_sizes_answers_its_jpeg_for_the_phone_and_404_for_webp_and_cover()
    {
        var (api, _) = await site.ApiClientAsync("previews-old@test.local");
        var doc = await site.UploadAndWaitAsync(api, TestPdfs.Upload(TestPdfs.MultiPage(2, salt: "previews-old")));
        await MakeVersionZeroAsync(doc.Id, doc.PageCount);

        var anonymous = site.CreateClient();
        var phone = await anonymous.GetAsync($"/d/{doc.Id}/page/1.m.jpg");
        phone.StatusCode.ShouldBe(HttpStatusCode.OK);
        Decode(await phone.Content.ReadAsByteArrayAsync()).Width.ShouldBeGreaterThan(PreviewEncoder.PhoneWidth); // the desktop JPEG
        (await anonymous.GetAsync($"/d/{doc.Id}/page/1.webp")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await anonymous.GetAsync($"/d/{doc.Id}/page/1.m.webp")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await anonymous.GetAsync($"/d/{doc.Id}/cover.jpg")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_previews_command_upgrades_a_version_0_document_from_its_stored_pages_and_a_second_run_does_nothing()
    {
        var (api, _) = await site.ApiClientAsync("previews-cli@test.local");
        var doc = await site.UploadAndWaitAsync(api, TestPdfs.Upload(TestPdfs.MultiPage(2, salt: "previews-cli")));
        var desktop = await site.CreateClient().GetByteArrayAsync($"/d/{doc.Id}/page/1.jpg");
        await MakeVersionZeroAsync(doc.Id, doc.PageCount);

        var first = await site.RunCliAsync("admin", "previews");
        first.ShouldContain("0 skipped"); // other tests of this site may leave version-0 documents too
        (await site.WithDbAsync(db => db.Documents.AsNoTracking().SingleAsync(d => d.Id == doc.Id))).PreviewVersion.ShouldBe(PreviewVersions.Current);

        var anonymous = site.CreateClient();
        (await anonymous.GetByteArrayAsync($"/d/{doc.Id}/page/1.jpg")).ShouldBe(desktop); // untouched
        foreach (var (url, width) in new[] { ($"/d/{doc.Id}/page/2.m.jpg", PreviewEncoder.PhoneWidth),
                     ($"/d/{doc.Id}/page/2.m.webp", PreviewEncoder.PhoneWidth), ($"/d/{doc.Id}/cover.webp", PreviewEncoder.CoverWidth) })
            Decode(await anonymous.GetByteArrayAsync(url)).Width.ShouldBe(width, url);

        var second = await site.RunCliAsync("admin", "previews", "--missing");
        second.ShouldContain("0 document(s) given sized previews");
    }

    private static (SKEncodedImageFormat Format, int Width, int Height) Decode(byte[] bytes)
    {
        using var codec = SKCodec.Create(new MemoryStream(bytes)) ?? throw new InvalidOperationException("not an image");
        using var bitmap = SKBitmap.Decode(bytes) ?? throw new InvalidOperationException("not decodable");
        return (codec.EncodedFormat, bitmap.Width, bitmap.Height);
    }

    /// <summary>Turns a converted document into one from before sizes: only its desktop JPEGs, version 0.</summary>
    private async Task MakeVersionZeroAsync(long id, int pages)
    {
        var store = site.Services.GetRequiredService<IFileStore>();
        foreach (var key in DocumentFiles.PreviewKeys(id, pages, PreviewVersions.Sized).Except(Enumerable.Range(1, pages).Select(n => Document.PageKey(id, n))))
            await store.DeleteAsync(key, CancellationToken.None);
        await site.WithDbAsync(db => db.Documents.Where(d => d.Id == id).ExecuteUpdateAsync(s => s.SetProperty(d => d.PreviewVersion, 0)));
    }

    private async Task<long> AddWithCoverAsync(string uploaderId, DocumentStatus status)
    {
        var id = await site.WithDbAsync(async db =>
        {
            var doc = new Document
            {
                Title = $"封面 {status}", CategoryId = await db.Categories.Where(c => c.Slug == "other").Select(c => c.Id).SingleAsync(),
                UploaderId = uploaderId, OriginalFileName = "cover.pdf", Format = "pdf", SizeBytes = 1, PageCount = 1, PreviewPages = 1,
                Sha256 = Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N"), StorageKey = $"originals/cover/{Guid.NewGuid():N}.pdf",
                Status = status, PreviewVersion = PreviewVersions.Sized,
            };
            db.Documents.Add(doc);
            await db.SaveChangesAsync();
            return doc.Id;
        });
        var store = site.Services.GetRequiredService<IFileStore>();
        using var bitmap = new SKBitmap(240, 340);
        bitmap.Erase(SKColors.LightGray);
        foreach (var webp in new[] { false, true })
        {
            using var data = bitmap.Encode(webp ? SKEncodedImageFormat.Webp : SKEncodedImageFormat.Jpeg, 80);
            await store.PutAsync(PreviewVersions.CoverKey(id, webp), new MemoryStream(data.ToArray()), CancellationToken.None);
        }
        return id;
    }
}
