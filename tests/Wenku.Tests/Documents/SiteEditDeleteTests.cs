using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Wenku.Accounts;
using Wenku.Documents;
using Wenku.Moderation;
using Wenku.Storage;
using Wenku.Tests.Infrastructure;

namespace Wenku.Tests.Documents;

/// <summary>
/// Uploaders edit and delete their documents on the site (/d/{id}/edit, /d/{id}/delete) with the API's rules, and
/// follow a real conversion live on /me/progress; on a site with a worker.
/// </summary>
[Trait(WenkuFactory.Suite, WenkuFactory.OnBothStacks)]
public sealed class SiteEditDeleteTests(WenkuFactory site) : IClassFixture<WenkuFactory>
{
    private async Task<(HttpClient Browser, string UserId, long Id)> OwnerWithReadyDocumentAsync(string name, int pages = 1)
    {
        var (browser, userId) = await site.SignedInBrowserAsync($"{name}-{Guid.NewGuid():N}@test.local");
        var token = await browser.AntiforgeryTokenAsync("/upload");
        var content = new MultipartFormDataContent
        {
            { new ByteArrayContent(TestPdfs.MultiPage(pages, salt: name + Guid.NewGuid())), "file", $"{name}.pdf" },
            { new StringContent(token), "__RequestVerificationToken" }, { new StringContent("other"), "Category" },
        };
        var response = await browser.PostAsync("/upload?handler=Json", content);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        (await site.WaitForDocumentAsync(id)).Status.ShouldBe(DocumentStatus.Ready);
        return (browser, userId, id);
    }

    [Fact]
    public async Task A_real_conversion_is_streamed_live_until_ready()
    {
        var (browser, _) = await site.SignedInBrowserAsync($"live-{Guid.NewGuid():N}@test.local");
        var token = await browser.AntiforgeryTokenAsync("/upload");
        var content = new MultipartFormDataContent
        {
            { new ByteArrayContent(TestPdfs.MultiPage(3, salt: "live" + Guid.NewGuid())), "file", "live.pdf" },
            { new StringContent(token), "__RequestVerificationToken" }, { new StringContent("other"), "Category" },
        };
        var id = (await (await browser.PostAsync("/upload?handler=Json", content)).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        var events = await UploadPageTests.ReadEventsAsync(browser, $"/me/progress?ids={id}", TimeSpan.FromSeconds(90), _ => Task.CompletedTask);
        var statuses = events.Where(e => e.Event == "status").Select(e => JsonDocument.Parse(e.Data).RootElement).ToList();
        statuses.Last().GetProperty("text").GetString().ShouldBe("已发布");
        statuses.Last().GetProperty("pages").GetInt32().ShouldBe(3);
        events.Last().Event.ShouldBe("done");
    }

    [Fact]
    public async Task Owner_edits_details_on_the_site_and_readers_see_them_at_once()
    {
        var (browser, _, id) = await OwnerWithReadyDocumentAsync("edit");
        var anonymous = site.CreateClient();
        (await anonymous.GetDocumentAsync($"/d/{id}")).One("h1").Text().ShouldContain("edit"); // now in the page cache

        var form = await browser.GetDocumentAsync($"/d/{id}/edit");
        form.One("input#Title").GetAttribute("value").ShouldBe("edit");
        var response = await browser.PostFormAsync($"/d/{id}/edit", $"/d/{id}/edit", new()
        {
            ["Title"] = "改过的标题", ["Description"] = "新的简介", ["Category"] = "education", ["Tags"] = "甲,乙", ["Price"] = "5", ["PreviewPages"] = "1",
        });
        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        response.Headers.Location!.OriginalString.ShouldBe($"/me?edited={id}");
        (await browser.GetDocumentAsync($"/me?edited={id}")).One("#mine-notice").Text().ShouldBe("修改已保存。");
        var doc = await site.WithDbAsync(db => db.Documents.AsNoTracking().Include(d => d.Category).SingleAsync(d => d.Id == id));
        (doc.Title, doc.Description, doc.Category.Slug, doc.Tags, doc.Price, doc.PreviewPages).ShouldBe(("改过的标题", "新的简介", "education", "甲,乙", 5, 1));
        // The cached page was evicted: an anonymous reader sees the new title at once.
        (await anonymous.GetDocumentAsync($"/d/{id}")).One("h1").Text().ShouldContain("改过的标题");
        // The owner's own edit is not a staff action.
        (await site.WithDbAsync(db => db.AuditEntries.CountAsync(a => a.ObjectId == id.ToString() && a.Kind == DocumentChanges.AuditEdit))).ShouldBe(0);
    }

    private static (string Description, string Language) SeoOf(AngleSharp.Dom.IDocument page) =>
        (page.One("meta[property='og:description']").GetAttribute("content")!,
         JsonDocument.Parse(page.One("script[type='application/ld+json']").TextContent).RootElement.GetProperty("inLanguage").GetString()!);

    [Fact]
    public async Task The_page_description_is_kept_at_conversion_and_an_edit_updates_it()
    {
        var (browser, _, id) = await OwnerWithReadyDocumentAsync("seo-edit", pages: 2);
        var kept = await site.WithDbAsync(db => db.Documents.AsNoTracking().Where(d => d.Id == id).Select(d => new { d.SeoDescription, d.SeoLanguage }).SingleAsync());
        kept.SeoDescription.ShouldNotBeNull().ShouldContain("第1段创新是引领发展的第一动力。"); // the text of page 1, shortened
        kept.SeoLanguage.ShouldBe("zh-CN");
        SeoOf(await site.CreateClient().GetDocumentAsync($"/d/{id}")).ShouldBe((kept.SeoDescription, "zh-CN"));

        // Without text the description is the document's own (else its title), and the language the title's: an edit
        // of either must change what the page shows.
        await site.WithDbAsync(db => db.DocumentPages.Where(p => p.DocumentId == id).ExecuteUpdateAsync(s => s.SetProperty(p => p.Text, "")));
        var response = await browser.PostFormAsync($"/d/{id}/edit", $"/d/{id}/edit", new()
        {
            ["Title"] = "An English title", ["Description"] = "A description in plain words.", ["Category"] = "other", ["Price"] = "0", ["PreviewPages"] = "2",
        });
        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var edited = await site.WithDbAsync(db => db.Documents.AsNoTracking().Where(d => d.Id == id).Select(d => new { d.SeoDescription, d.SeoLanguage }).SingleAsync());
        (edited.SeoDescription, edited.SeoLanguage).ShouldBe(("A description in plain words.", "en"));
        SeoOf(await site.CreateClient().GetDocumentAsync($"/d/{id}")).ShouldBe(("A description in plain words.", "en"));
    }

    [Fact]
    public async Task Documents_stored_without_a_page_description_show_the_same_one_and_the_backfill_keeps_it()
    {
        var (_, _, id) = await OwnerWithReadyDocumentAsync("seo-backfill", pages: 2);
        var anonymous = site.CreateClient();
        var shown = SeoOf(await anonymous.GetDocumentAsync($"/d/{id}"));
        await site.WithDbAsync(db => db.Documents.Where(d => d.Id == id)
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.SeoDescription, (string?)null).SetProperty(d => d.SeoLanguage, (string?)null)));
        // Made as the page is read meanwhile (the cached page varies by "comment": this read misses the cache).
        SeoOf(await anonymous.GetDocumentAsync($"/d/{id}?comment=unknown")).ShouldBe(shown);

        (await Wenku.Discovery.SeoBackfill.RunAsync(site.Services.GetRequiredService<IServiceScopeFactory>(), CancellationToken.None)).ShouldBeGreaterThanOrEqualTo(1);
        var kept = await site.WithDbAsync(db => db.Documents.AsNoTracking().Where(d => d.Id == id).Select(d => new { d.SeoDescription, d.SeoLanguage }).SingleAsync());
        (kept.SeoDescription, kept.SeoLanguage).ShouldBe(shown);
    }

    [Fact]
    public async Task An_invalid_edit_comes_back_with_the_reason_beside_the_field_and_a_block_word_is_refused()
    {
        var (browser, _, id) = await OwnerWithReadyDocumentAsync("invalid");
        var bad = await browser.PostFormAsync($"/d/{id}/edit", $"/d/{id}/edit", new() { ["Title"] = "仍然有效", ["Price"] = "-3", ["PreviewPages"] = "1" });
        bad.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var page = Html.Parse(await bad.Content.ReadAsStringAsync());
        page.One("[data-error-for=price]").Text().ShouldNotBeNullOrWhiteSpace();
        page.One("input#Title").GetAttribute("value").ShouldBe("仍然有效");

        using (var scope = site.Services.CreateScope())
        {
            var staff = await site.CreateUserAsync($"edit-words-{Guid.NewGuid():N}@test.local", Roles.Moderator);
            (await scope.ServiceProvider.GetRequiredService<WordList>().AddAsync("禁词编辑", WordAction.Block, "测试 test", staff, CancellationToken.None)).ShouldBeNull();
        }
        var blocked = await browser.PostFormAsync($"/d/{id}/edit", $"/d/{id}/edit", new() { ["Title"] = "含有禁词编辑的标题" });
        blocked.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var refused = Html.Parse(await blocked.Content.ReadAsStringAsync());
        refused.One("[role=alert]").Text().ShouldContain("禁词编辑");
        refused.One("[data-error-for=title]").Text().ShouldContain("禁词编辑");
        (await site.WithDbAsync(db => db.Documents.Where(d => d.Id == id).Select(d => d.Title).SingleAsync())).ShouldBe("invalid");
    }

    [Fact]
    public async Task A_price_that_is_not_a_whole_number_is_refused_not_ignored()
    {
        var (browser, _, id) = await OwnerWithReadyDocumentAsync("unreadable-price");
        foreach (var (field, value, error) in new[] { ("Price", "abc", "price"), ("Price", "1.5", "price"), ("PreviewPages", "两页", "previewPages") })
        {
            var response = await browser.PostFormAsync($"/d/{id}/edit", $"/d/{id}/edit", new() { ["Title"] = "不应保存的标题", [field] = value });
            response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, $"{field}={value}");
            Html.Parse(await response.Content.ReadAsStringAsync()).One($"[data-error-for={error}]").Text().ShouldNotBeNullOrWhiteSpace();
        }
        (await site.WithDbAsync(db => db.Documents.Where(d => d.Id == id).Select(d => d.Title).SingleAsync())).ShouldBe("unreadable-price");
    }

    [Fact]
    public async Task Staff_edit_of_someone_elses_document_is_audited_and_others_are_refused()
    {
        var (_, _, id) = await OwnerWithReadyDocumentAsync("staff-edit");
        var (stranger, _) = await site.SignedInBrowserAsync($"stranger-{Guid.NewGuid():N}@test.local");
        (await stranger.GetAsync($"/d/{id}/edit")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await stranger.GetAsync($"/d/{id}/delete")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        var (moderator, moderatorId) = await site.SignedInBrowserAsync($"mod-edit-{Guid.NewGuid():N}@test.local", Roles.Moderator);
        (await moderator.PostFormAsync($"/d/{id}/edit", $"/d/{id}/edit", new() { ["Title"] = "版主改的标题" })).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var entry = await site.WithDbAsync(db => db.AuditEntries.AsNoTracking().SingleAsync(a => a.ObjectId == id.ToString() && a.Kind == DocumentChanges.AuditEdit));
        entry.ActorId.ShouldBe(moderatorId);
        entry.Before!.ShouldContain("staff-edit");
        entry.After!.ShouldContain("版主改的标题");
    }

    [Fact]
    public async Task Owner_deletes_after_a_confirmation_and_the_document_and_its_files_are_gone()
    {
        var (browser, _, id) = await OwnerWithReadyDocumentAsync("delete", pages: 2);
        var doc = await site.WithDbAsync(db => db.Documents.AsNoTracking().SingleAsync(d => d.Id == id));
        var store = site.Services.GetRequiredService<IFileStore>();
        (await store.ExistsAsync(doc.StorageKey, CancellationToken.None)).ShouldBeTrue();

        var confirm = await browser.GetDocumentAsync($"/d/{id}/delete");
        confirm.One("#delete-warning").Text().ShouldContain("无法恢复");
        confirm.One(".doc-delete form button[type=submit]").Text().ShouldBe("确认删除");
        (await site.WithDbAsync(db => db.Documents.CountAsync(d => d.Id == id))).ShouldBe(1); // the GET deletes nothing

        var response = await browser.PostFormAsync($"/d/{id}/delete", $"/d/{id}/delete", new());
        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        response.Headers.Location!.OriginalString.ShouldBe("/me?deleted=1");
        var me = await browser.GetDocumentAsync("/me?deleted=1");
        me.One("#mine-notice").Text().ShouldBe("文档已删除。");
        me.QuerySelector($"tr[data-document='{id}']").ShouldBeNull();
        (await site.WithDbAsync(db => db.Documents.CountAsync(d => d.Id == id))).ShouldBe(0);
        (await store.ExistsAsync(doc.StorageKey, CancellationToken.None)).ShouldBeFalse();
        var pages = new List<string>();
        await foreach (var f in store.ListAsync(Document.PagePrefix(id), CancellationToken.None)) pages.Add(f.Key);
        pages.ShouldBeEmpty();
        (await site.CreateClient().GetAsync($"/d/{id}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }
}
