using Xunit;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Wenku.Accounts;
using Wenku.Data;
using Wenku.Documents;
using Wenku.Tests.Infrastructure;

namespace Wenku.Tests.Documents;

/// <summary>The document page and the site's browsing pages, as a reader sees them (server-rendered HTML).</summary>
[Trait(WenkuFactory.Suite, WenkuFactory.OnBothStacks)]
public sealed class DocumentPageTests(WenkuFactory site) : IClassFixture<WenkuFactory>
{
    private async Task<long> UploadReadyAsync(string email, int pages, int previewPages, int price = 0, string title = "页面测试文档")
    {
        var (api, _) = await site.ApiClientAsync(email);
        var doc = await site.UploadAndWaitAsync(api,
            TestPdfs.Upload(TestPdfs.MultiPage(pages), category: "education", price: price, previewPages: previewPages, title: title));
        doc.Status.ShouldBe(DocumentStatus.Ready);
        return doc.Id;
    }

    [Fact]
    public async Task Document_page_has_every_part_of_the_reference_page()
    {
        var id = await UploadReadyAsync("page-parts@test.local", pages: 7, previewPages: 3, title: "创新驱动发展研究");
        var page = await site.CreateClient().GetDocumentAsync($"/d/{id}");

        page.One("main h1").Text().ShouldBe("创新驱动发展研究");
        page.One("[data-fact=category] a").Text().ShouldBe("教育");
        page.One("[data-fact=pages] [data-value]").Text().ShouldBe("7");
        page.One("[data-fact=format] [data-value]").Text().ShouldBe("PDF");
        page.One("[data-fact=price] [data-value]").Text().ShouldBe("免费");
        // Previews of the first N pages only, lazy-loaded after the first, with the reference site's alt text.
        var previews = page.QuerySelectorAll(Html.PreviewImages);
        previews.Select(i => i.GetAttribute("src")).ShouldBe([$"/d/{id}/page/1.jpg", $"/d/{id}/page/2.jpg", $"/d/{id}/page/3.jpg"]);
        previews.Select(i => i.GetAttribute("alt")).ShouldBe(["创新驱动发展研究_第1页", "创新驱动发展研究_第2页", "创新驱动发展研究_第3页"]);
        previews.Skip(1).ShouldAllBe(i => i.GetAttribute("loading") == "lazy");
        page.QuerySelectorAll($"img[src='/d/{id}/page/4.jpg']").ShouldBeEmpty();
        // The banner with the remaining pages and the download button.
        var banner = page.One("#preview-end");
        banner.One("strong").Text().ShouldBe("全文预览已结束");
        banner.One("[data-remaining-pages]").Text().ShouldBe("4");
        page.One("#download [data-action=download]").Text().ShouldContain("下载本文档");
        // Copyright notice (in its own section, not the footer's line) with report and claim.
        var copyright = page.One("#copyright");
        copyright.One("h2").Text().ShouldContain("版权说明");
        copyright.Text().ShouldContain("收益归属内容提供方");
        copyright.One("a[data-action=report]").Text().ShouldContain("举报");
        copyright.One("a[data-action=claim]").Text().ShouldContain("认领");
        // The text in numbered chunks, from the preview pages only.
        var chunks = page.One("#text");
        chunks.One("h2").Text().ShouldContain("文档简介");
        var first = chunks.One("[data-chunk='1']");
        first.Text().ShouldStartWith("1、 ");
        chunks.Text().ShouldContain("创新是引领发展的第一动力");
        chunks.Text().ShouldNotContain("第4段");
        // Site notices and the comment counter.
        var notices = page.One("#notices");
        notices.One("h2").Text().ShouldContain("温馨提示");
        notices.QuerySelectorAll("li").Select(li => li.Text()).ShouldContain(n => n.Contains("本站仅提供信息存储空间服务"));
        page.One("#comments [data-comment-limit]").Text().ShouldBe("150");
    }

    [Fact]
    public async Task Viewing_the_page_counts_a_view_once_per_reader()
    {
        var id = await UploadReadyAsync("views@test.local", pages: 1, previewPages: 1);
        var client = site.CreateClient();
        client.DefaultRequestHeaders.UserAgent.ParseAdd("reader-one/1.0");
        await client.GetStringAsync($"/d/{id}");
        await client.GetStringAsync($"/d/{id}"); // from the output cache: the same reader, not counted again
        var other = site.CreateClient();
        other.DefaultRequestHeaders.UserAgent.ParseAdd("reader-two/1.0");
        await other.GetStringAsync($"/d/{id}");
        await site.Services.GetRequiredService<ViewCounter>().FlushAsync(CancellationToken.None);
        (await site.WithDbAsync(db => db.Documents.Where(d => d.Id == id).Select(d => d.Views).SingleAsync())).ShouldBe(2);
    }

    [Fact]
    public async Task Paid_document_shows_its_price_and_a_buy_button_and_refuses_download_until_bought()
    {
        var id = await UploadReadyAsync("paid@test.local", pages: 2, previewPages: 1, price: 20);
        var (reader, _) = await site.SignedInBrowserAsync("paid-reader@test.local");
        var page = await reader.GetDocumentAsync($"/d/{id}");
        page.One("[data-fact=price] [data-value]").Text().ShouldBe("20 积分");
        var button = page.One("#download [data-action=buy]");
        button.TagName.ShouldBe("A");
        button.GetAttribute("href").ShouldBe($"/d/{id}/buy");
        button.Text().ShouldStartWith("下载本文档（20 积分）");
        page.QuerySelectorAll($"form[action='/d/{id}/download']").ShouldBeEmpty();

        var token = await reader.AntiforgeryTokenAsync($"/d/{id}");
        var response = await reader.PostAsync($"/d/{id}/download", new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }));
        response.StatusCode.ShouldBe(HttpStatusCode.PaymentRequired);
    }

    [Fact]
    public async Task Free_document_downloads_the_original_for_a_signed_in_reader_and_counts_it()
    {
        var (api, _) = await site.ApiClientAsync("free-owner@test.local");
        var pdf = TestPdfs.MultiPage(2);
        var created = await api.PostAsync("/api/v1/documents", TestPdfs.Upload(pdf, fileName: "原文件.pdf"));
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        await site.WaitForDocumentAsync(id);

        var anonymous = site.Browser();
        var signIn = (await anonymous.GetDocumentAsync($"/d/{id}")).One("#download [data-action=download]");
        signIn.TagName.ShouldBe("A");
        signIn.Text().ShouldContain("登录后下载本文档");

        var (reader, _) = await site.SignedInBrowserAsync("free-reader@test.local");
        var response = await reader.PostFormAsync($"/d/{id}", $"/d/{id}/download", []);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await response.Content.ReadAsByteArrayAsync()).ShouldBe(pdf);
        response.Content.Headers.ContentDisposition!.FileNameStar.ShouldBe("原文件.pdf");
        // A reader's repeated downloads count once; the uploader's own do not count.
        (await reader.PostFormAsync($"/d/{id}", $"/d/{id}/download", [])).StatusCode.ShouldBe(HttpStatusCode.OK);
        var (owner, _) = await site.SignedInBrowserAsync("free-owner@test.local");
        (await owner.PostFormAsync($"/d/{id}", $"/d/{id}/download", [])).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await site.WithDbAsync(db => db.Documents.Where(d => d.Id == id).Select(d => d.Downloads).SingleAsync())).ShouldBe(1);
    }

    [Fact]
    public async Task Original_downloads_as_an_attachment_with_the_media_type_of_its_format()
    {
        var (api, _) = await site.ApiClientAsync("types-owner@test.local");
        var (reader, _) = await site.SignedInBrowserAsync("types-reader@test.local");
        var zip = new MemoryStream();
        using (var archive = new System.IO.Compression.ZipArchive(zip, System.IO.Compression.ZipArchiveMode.Create, leaveOpen: true))
            using (var entry = archive.CreateEntry("说明.txt").Open()) entry.Write(System.Text.Encoding.UTF8.GetBytes($"压缩包 {Guid.NewGuid()}"));
        foreach (var (file, name, type) in new[]
        {
            (TestOffice.Docx(1, k => $"下载类型 {Guid.NewGuid()}"), "报告.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
            (TestImages.Encode(SkiaSharp.SKEncodedImageFormat.Png, color: new SkiaSharp.SKColor((uint)Random.Shared.Next())), "图.png", "image/png"),
            (zip.ToArray(), "资料.zip", "application/zip"),
        })
        {
            var doc = await site.UploadAndWaitAsync(api, TestPdfs.Upload(file, name, title: name));
            doc.Status.ShouldBe(DocumentStatus.Ready, doc.Error);
            var response = await reader.PostFormAsync($"/d/{doc.Id}", $"/d/{doc.Id}/download", []);
            response.StatusCode.ShouldBe(HttpStatusCode.OK);
            response.Content.Headers.ContentType!.MediaType.ShouldBe(type);
            response.Content.Headers.ContentDisposition!.DispositionType.ShouldBe("attachment");
            response.Content.Headers.ContentDisposition.FileNameStar.ShouldBe(name);
            response.Headers.GetValues("X-Content-Type-Options").ShouldBe(["nosniff"]);
            (await response.Content.ReadAsByteArrayAsync()).ShouldBe(file);
        }
    }

    [Fact]
    public async Task Document_still_converting_is_visible_to_its_uploader_with_status_and_hidden_from_others()
    {
        // A site without workers: the document stays queued.
        using var idle = new WenkuNoWorkerFactory();
        var (owner, _) = await idle.SignedInBrowserAsync("queued-owner@test.local");
        var (api, _) = await idle.ApiClientAsync("queued-owner2@test.local");
        var created = await api.PostAsync("/api/v1/documents", TestPdfs.Upload(TestPdfs.MultiPage(1)));
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();

        (await idle.CreateClient().GetAsync($"/d/{id}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await owner.GetAsync($"/d/{id}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var (moderator, _) = await idle.SignedInBrowserAsync("queued-mod@test.local", Roles.Moderator);
        var html = await moderator.GetStringAsync($"/d/{id}");
        html.ShouldContain("排队转换中");
        html.ShouldContain("http-equiv=\"refresh\"");
    }

    [Fact]
    public async Task Home_category_and_uploader_pages_list_ready_documents_with_paging()
    {
        var (api, uploaderId) = await site.ApiClientAsync("lister@test.local");
        var ids = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            var r = await api.PostAsync("/api/v1/documents", TestPdfs.Upload(TestPdfs.MultiPage(1), category: "games", title: $"游戏攻略第{i}篇"));
            ids.Add((await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64());
        }
        foreach (var id in ids) await site.WaitForDocumentAsync(id);

        var client = site.CreateClient();
        var home = await client.GetStringAsync("/");
        home.ShouldContain("最新文档");
        home.ShouldContain("下载最多");
        home.ShouldContain("href=\"/c/games\"");
        home.ShouldContain("游戏攻略第2篇");

        var category = await client.GetStringAsync("/c/games");
        foreach (var i in Enumerable.Range(0, 3)) category.ShouldContain($"游戏攻略第{i}篇");
        (await client.GetAsync("/c/no-such-category")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await client.GetStringAsync("/c/games?page=99")).ShouldContain("游戏攻略"); // clamped to the last page

        var uploader = await client.GetStringAsync($"/u/{uploaderId}");
        uploader.ShouldContain("游戏攻略第0篇");
        (await client.GetAsync("/u/nobody")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Category_paging_splits_long_lists()
    {
        var userId = await site.CreateUserAsync("fashion@test.local");
        await site.WithDbAsync(async db =>
        {
            var user = await db.Users.SingleAsync(u => u.Id == userId);
            var category = await db.Categories.SingleAsync(c => c.Slug == "fashion");
            for (var i = 0; i < DocListPage.PageSize + 5; i++)
                db.Documents.Add(new Document
                {
                    Title = $"时尚手册{i:00}", UploaderId = user.Id, CategoryId = category.Id, OriginalFileName = "a.pdf", Format = "pdf",
                    Sha256 = $"paging-{i}", StorageKey = $"originals/paging-{i}.pdf", Status = DocumentStatus.Ready, PageCount = 1,
                    PreviewPages = 1, CreatedAt = DateTime.UtcNow.AddMinutes(-i),
                });
            return await db.SaveChangesAsync();
        });
        var client = site.CreateClient();
        var first = await client.GetStringAsync("/c/fashion");
        first.ShouldContain("时尚手册00");
        first.ShouldNotContain("时尚手册24");
        first.ShouldContain("page=2");
        var second = await client.GetStringAsync("/c/fashion?page=2");
        second.ShouldContain("时尚手册24");
        second.ShouldNotContain("时尚手册00");
    }

    [Fact]
    public async Task Search_finds_ready_documents_by_title_and_text_with_marked_snippets()
    {
        var id = await UploadReadyAsync("search@test.local", pages: 2, previewPages: 2, title: "量子计算入门讲义");
        var html = await site.CreateClient().GetStringAsync("/search?q=" + Uri.EscapeDataString("量子计算"));
        html.ShouldContain($"href=\"/d/{id}\"");
        var api = await site.CreateClient().GetFromJsonAsync<JsonElement>("/api/v1/search?q=" + Uri.EscapeDataString("第一动力"));
        api.GetProperty("total").GetInt32().ShouldBeGreaterThan(0);
        api.GetProperty("hits")[0].GetProperty("snippet").GetString()!.ShouldContain("«第一动力»");
        // Broken syntax never errors.
        (await site.CreateClient().GetAsync("/api/v1/search?q=%22unbalanced")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await site.CreateClient().GetAsync("/search?q=%25_%5C")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }
}

/// <summary>The anonymous document page comes from the output cache; signed-in readers always get a fresh page.</summary>
[Trait(WenkuFactory.Suite, WenkuFactory.OnBothStacks)]
public sealed class DocumentPageCacheTests(WenkuFactory site) : IClassFixture<WenkuFactory>
{
    [Fact]
    public async Task Anonymous_page_is_served_from_the_cache_and_signed_in_pages_are_not()
    {
        var (api, _) = await site.ApiClientAsync("cache-owner@test.local");
        var created = await api.PostAsync("/api/v1/documents", TestPdfs.Upload(TestPdfs.MultiPage(1), title: "缓存测试"));
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        await site.WaitForDocumentAsync(id);

        var anonymous = site.CreateClient();
        var first = await anonymous.GetAsync($"/d/{id}");
        first.Headers.Age.ShouldBeNull();
        var second = await anonymous.GetAsync($"/d/{id}");
        second.Headers.Age.ShouldNotBeNull();
        (await second.Content.ReadAsStringAsync()).ShouldBe(await first.Content.ReadAsStringAsync());
        second.Headers.Contains("Set-Cookie").ShouldBeFalse();

        var (reader, _) = await site.SignedInBrowserAsync("cache-reader@test.local");
        var signedIn = await reader.GetAsync($"/d/{id}");
        signedIn.Headers.Age.ShouldBeNull();
        (await signedIn.Content.ReadAsStringAsync()).ShouldContain("提交评论");
    }
}
