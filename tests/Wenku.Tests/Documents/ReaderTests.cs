using System.Net;
using System.Text.Json;
using AngleSharp.Dom;
using Microsoft.EntityFrameworkCore;
using Wenku.Documents;
using Wenku.Tests.Infrastructure;
using Xunit;

namespace Wenku.Tests.Documents;

/// <summary>
/// The reader on the document page as the server sends it (before any script): sized page images, the counter, the
/// jump form, where a signed-in reader stopped; and what the page says while converting or after a failure.
/// </summary>
[Trait(WenkuFactory.Suite, WenkuFactory.OnBothStacks)]
public sealed class ReaderTests(WenkuNoWorkerFactory site) : IClassFixture<WenkuNoWorkerFactory>
{
    private async Task<string> UploaderAsync(string email) => await site.CreateUserAsync(email);

    [Fact]
    public async Task Sized_document_offers_phone_and_desktop_pages_in_webp_with_a_jpeg_fallback()
    {
        var id = await site.AddAsync(await UploaderAsync("reader-v1@test.local"), previewVersion: PreviewVersions.Sized);
        var page = await site.CreateClient().GetDocumentAsync($"/d/{id}");

        var pictures = page.QuerySelectorAll("#reader section.pages picture");
        pictures.Length.ShouldBe(3);
        var first = pictures[0];
        var sources = first.QuerySelectorAll("source");
        // A phone window takes the phone size at any pixel density (a DPR-3 phone would otherwise pick the desktop
        // image); wider windows choose by width: WebP first, then the JPEG fallback.
        sources.Select(x => (x.GetAttribute("type"), x.GetAttribute("media"), x.GetAttribute("srcset"))).ToArray().ShouldBe(new (string?, string?, string?)[]
        {
            ("image/webp", PageImagesView.PhoneMedia, $"/d/{id}/page/1.m.webp"),
            ("image/webp", null, $"/d/{id}/page/1.m.webp 720w, /d/{id}/page/1.webp 1400w"),
            (null, PageImagesView.PhoneMedia, $"/d/{id}/page/1.m.jpg"),
        });
        sources[1].GetAttribute("sizes").ShouldBe(PageImagesView.Sizes);
        var img = first.One("img");
        img.GetAttribute("src").ShouldBe($"/d/{id}/page/1.jpg");
        img.GetAttribute("srcset").ShouldBe($"/d/{id}/page/1.m.jpg 720w, /d/{id}/page/1.jpg 1400w");
        img.GetAttribute("loading").ShouldBe("eager");
        img.GetAttribute("fetchpriority").ShouldBe("high");
        pictures.Skip(1).Select(p => p.One("img").GetAttribute("loading")).ShouldAllBe(l => l == "lazy");
        EveryImageHasItsSize(page);
    }

    [Fact]
    public async Task A_document_without_desktop_webp_offers_the_phone_webp_and_otherwise_its_jpegs()
    {
        var id = await site.AddAsync(await UploaderAsync("reader-v2@test.local"), previewVersion: PreviewVersions.DesktopJpeg);
        var page = await site.CreateClient().GetDocumentAsync($"/d/{id}");

        var first = page.QuerySelectorAll("#reader section.pages picture")[0];
        // Phones take the phone WebP as before; wider windows choose by width among the JPEGs (the desktop one is the
        // only desktop image since version 2).
        first.QuerySelectorAll("source").Select(x => (x.GetAttribute("type"), x.GetAttribute("media"), x.GetAttribute("srcset"))).ToArray().ShouldBe(new (string?, string?, string?)[]
        {
            ("image/webp", PageImagesView.PhoneMedia, $"/d/{id}/page/1.m.webp"),
            (null, PageImagesView.PhoneMedia, $"/d/{id}/page/1.m.jpg"),
        });
        var img = first.One("img");
        img.GetAttribute("src").ShouldBe($"/d/{id}/page/1.jpg");
        img.GetAttribute("srcset").ShouldBe($"/d/{id}/page/1.m.jpg 720w, /d/{id}/page/1.jpg 1400w");
        img.GetAttribute("sizes").ShouldBe(PageImagesView.Sizes);
        EveryImageHasItsSize(page);
    }

    [Fact]
    public async Task Older_document_keeps_its_one_jpeg_per_page()
    {
        var id = await site.AddAsync(await UploaderAsync("reader-v0@test.local"));
        var page = await site.CreateClient().GetDocumentAsync($"/d/{id}");

        page.QuerySelectorAll("#reader picture, #reader source").ShouldBeEmpty();
        var images = page.QuerySelectorAll($"#reader {Html.PreviewImages}");
        images.Select(i => i.GetAttribute("src")).ShouldBe([$"/d/{id}/page/1.jpg", $"/d/{id}/page/2.jpg", $"/d/{id}/page/3.jpg"]);
        images.ShouldAllBe(i => i.GetAttribute("srcset") == null);
        images[0].GetAttribute("fetchpriority").ShouldBe("high");
        EveryImageHasItsSize(page);
    }

    private static void EveryImageHasItsSize(IDocument page)
    {
        var images = page.QuerySelectorAll("img");
        images.Length.ShouldBeGreaterThan(0);
        images.ShouldAllBe(i => int.Parse(i.GetAttribute("width")!) > 0 && int.Parse(i.GetAttribute("height")!) > 0);
    }

    [Fact]
    public async Task Counter_and_jump_form_work_without_a_script()
    {
        var id = await site.AddAsync(await UploaderAsync("reader-jump@test.local"), pages: 120, previewPages: 4, title: "一百二十页");
        var browser = site.Browser();
        var page = await browser.GetDocumentAsync($"/d/{id}");

        page.One("main h1").Text().ShouldBe("一百二十页");
        page.One("[data-reader-counter]").Text().ShouldBe("第 1 / 120 页");
        var form = page.One("form[data-reader-jump]");
        form.GetAttribute("method").ShouldBe("get");
        form.GetAttribute("action").ShouldBe($"/d/{id}/goto");
        form.One("input[name=page]").GetAttribute("type").ShouldBe("number");
        // The zoom and fullscreen buttons need the script: kept invisible (in their place) until it marks the reader.
        page.One("#reader [data-reader-tools]").QuerySelectorAll("button[data-zoom]").Length.ShouldBe(3);
        page.One("#reader").ClassList.ShouldNotContain("scripted");

        var jump = await browser.GetAsync($"/d/{id}/goto?page=3");
        jump.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        jump.Headers.Location!.OriginalString.ShouldBe($"/d/{id}#page-3");
        page.QuerySelectorAll("#page-3").Length.ShouldBe(1);
        // Past the preview: to the banner that says so; out of range: the nearest page.
        (await browser.GetAsync($"/d/{id}/goto?page=50")).Headers.Location!.OriginalString.ShouldBe($"/d/{id}#preview-end");
        (await browser.GetAsync($"/d/{id}/goto?page=0")).Headers.Location!.OriginalString.ShouldBe($"/d/{id}#page-1");
        (await browser.GetAsync($"/d/999999/goto?page=1")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        // The preview-limit banner stays after the reader.
        page.One("#preview-end [data-remaining-pages]").Text().ShouldBe("116");
    }

    [Fact]
    public async Task Signed_in_reader_is_offered_to_continue_where_they_stopped()
    {
        var id = await site.AddAsync(await UploaderAsync("reader-progress-owner@test.local"), pages: 10, previewPages: 8);
        var (reader, userId) = await site.SignedInBrowserAsync("reader-progress@test.local");
        var first = await reader.GetDocumentAsync($"/d/{id}");
        first.QuerySelectorAll("#continue-reading").ShouldBeEmpty();
        first.One("form[data-reader-progress]").GetAttribute("action").ShouldBe($"/d/{id}/progress");
        // The comment box stops at the limit, with the counter and the button the site script drives.
        var comment = first.One("#comments textarea[name=body]");
        comment.GetAttribute("maxlength").ShouldBe("150");
        first.One("#" + comment.GetAttribute("data-counter")).Text().ShouldBe("0");
        first.One("#comments button[type=submit]").Id.ShouldBe("comment-submit");

        (await reader.PostFormAsync($"/d/{id}", $"/d/{id}/progress", new() { ["page"] = "4" })).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await reader.PostFormAsync($"/d/{id}", $"/d/{id}/progress", new() { ["page"] = "6" })).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        // One row per reader and document, at the last page.
        var rows = await site.WithDbAsync(db => db.ReadingProgress.Where(r => r.DocumentId == id).ToListAsync());
        rows.Count.ShouldBe(1);
        rows[0].UserId.ShouldBe(userId);
        rows[0].Page.ShouldBe(6);

        var back = await reader.GetDocumentAsync($"/d/{id}");
        var offer = back.One("#continue-reading a");
        offer.Text().ShouldBe("继续阅读第 6 页");
        offer.GetAttribute("href").ShouldBe("#page-6");

        // Refused: a page that does not exist, a post without the form's token, an anonymous reader.
        (await reader.PostFormAsync($"/d/{id}", $"/d/{id}/progress", new() { ["page"] = "11" })).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await reader.PostAsync($"/d/{id}/progress", new FormUrlEncodedContent(new Dictionary<string, string> { ["page"] = "2" })))
            .StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var anonymous = await site.Browser().PostAsync($"/d/{id}/progress", new FormUrlEncodedContent(new Dictionary<string, string> { ["page"] = "2" }));
        anonymous.StatusCode.ShouldNotBe(HttpStatusCode.NoContent);
        (await site.WithDbAsync(db => db.ReadingProgress.Where(r => r.DocumentId == id).Select(r => r.Page).SingleAsync())).ShouldBe(6);
        // Anonymous pages carry no progress form and no offer.
        var anonymousPage = await site.CreateClient().GetDocumentAsync($"/d/{id}");
        anonymousPage.QuerySelectorAll("form[data-reader-progress], #continue-reading").ShouldBeEmpty();
    }

    [Fact]
    public async Task Converting_document_says_how_far_it_got_never_zero_pages()
    {
        var (browser, uploaderId) = await site.SignedInBrowserAsync("reader-converting@test.local");
        var id = await site.AddAsync(uploaderId, pages: 0, status: DocumentStatus.Queued);
        var queued = await browser.GetDocumentAsync($"/d/{id}");
        queued.One("[data-fact=pages] [data-value]").Text().ShouldBe("转换中");

        await site.WithDbAsync(async db =>
        {
            var d = await db.Documents.SingleAsync(x => x.Id == id);
            d.Status = DocumentStatus.Processing;
            d.PageCount = 12;
            d.ConvertedPages = 5;
            return await db.SaveChangesAsync();
        });
        var processing = await browser.GetDocumentAsync($"/d/{id}");
        processing.One("[data-fact=pages] [data-value]").Text().ShouldBe("转换中：第 5 / 12 页");
        processing.One("#status").Text().ShouldContain("正在转换：第 5 / 12 页");
        processing.One("#status progress").GetAttribute("value").ShouldBe("5");
        processing.Body!.TextContent.ShouldNotContain("页数: 0");
    }

    [Fact]
    public async Task Failed_conversion_shows_its_stored_reason()
    {
        var (browser, uploaderId) = await site.SignedInBrowserAsync("reader-failed@test.local");
        var id = await site.AddAsync(uploaderId, pages: 0, status: DocumentStatus.Failed,
            adjust: d => { d.Error = "文件已损坏"; d.ErrorCode = "no.such.code"; });
        (await browser.GetDocumentAsync($"/d/{id}")).One("#status [data-failure]").Text().ShouldBe("文件已损坏");
    }

    [Fact]
    public async Task Page_is_in_english_for_an_english_reader()
    {
        var id = await site.AddAsync(await UploaderAsync("reader-en@test.local"), pages: 9, previewPages: 2);
        var request = new HttpRequestMessage(HttpMethod.Get, $"/d/{id}");
        request.Headers.AcceptLanguage.ParseAdd("en");
        var page = Html.Parse(await (await site.CreateClient().SendAsync(request)).Content.ReadAsStringAsync());
        page.One("[data-reader-counter]").Text().ShouldBe("Page 1 of 9");
        page.One("#preview-end strong").Text().ShouldBe("The preview has ended");
        page.One("[data-fact=price] [data-value]").Text().ShouldBe("Free");
    }
}
