using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Wenku.Data;
using Wenku.Documents;
using Wenku.Tests.Infrastructure;

namespace Wenku.Tests.Documents;

/// <summary>
/// A held near duplicate's uploader learns that it matches a document, but which one only if they may see it: another
/// user's hidden document is never named, not by link, id or URL.
/// </summary>
[Trait(WenkuFactory.Suite, WenkuFactory.OnBothStacks)]
public sealed class HeldDocumentTests(WenkuNoWorkerFactory site) : IClassFixture<WenkuNoWorkerFactory>
{
    private Task<long> AddAsync(string uploaderId, DocumentStatus status, long? nearDuplicateOf = null) => site.WithDbAsync(async db =>
    {
        var doc = new Document
        {
            Title = $"文档 {status}", CategoryId = await db.Categories.Where(c => c.Slug == "other").Select(c => c.Id).SingleAsync(),
            UploaderId = uploaderId, OriginalFileName = "held.pdf", Format = "pdf", SizeBytes = 1, PageCount = 1, PreviewPages = 1,
            Sha256 = Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N"), StorageKey = $"originals/held/{Guid.NewGuid():N}.pdf",
            Status = status, NearDuplicateOfId = nearDuplicateOf, NearDuplicateScore = nearDuplicateOf is null ? null : 0.93,
        };
        db.Documents.Add(doc);
        await db.SaveChangesAsync();
        return doc.Id;
    });

    [Fact]
    public async Task Held_upload_matching_another_users_hidden_document_does_not_name_it()
    {
        var otherId = await site.CreateUserAsync("held-other@test.local");
        var hidden = await AddAsync(otherId, DocumentStatus.Held);
        var (browser, uploaderId) = await site.SignedInBrowserAsync("held-uploader@test.local");
        var held = await AddAsync(uploaderId, DocumentStatus.Held, nearDuplicateOf: hidden);

        var page = await browser.GetDocumentAsync($"/d/{held}");
        var notice = page.One("#held");
        notice.Text().ShouldContain("与一份尚未公开的文档高度相似");
        notice.QuerySelectorAll("a").ShouldBeEmpty();
        page.QuerySelectorAll($"a[href='/d/{hidden}']").ShouldBeEmpty();
        page.Body!.TextContent.ShouldNotContain($"/d/{hidden}");

        var mine = await browser.GetDocumentAsync("/me");
        var row = mine.One("[data-near-duplicate]");
        row.Text().ShouldContain("一份尚未公开的文档");
        row.QuerySelectorAll("a").ShouldBeEmpty();
        mine.Body!.TextContent.ShouldNotContain($"/d/{hidden}");

        var (api, apiUploaderId) = await site.ApiClientAsync("held-uploader-api@test.local");
        var heldByApi = await AddAsync(apiUploaderId, DocumentStatus.Held, nearDuplicateOf: hidden);
        var json = await api.GetFromJsonAsync<JsonElement>($"/api/v1/documents/{heldByApi}");
        json.GetProperty("status").GetString().ShouldBe("held");
        json.GetProperty("nearDuplicateOf").ValueKind.ShouldBe(JsonValueKind.Null);
        json.GetProperty("nearDuplicateUrl").ValueKind.ShouldBe(JsonValueKind.Null);
        json.GetProperty("nearDuplicateScore").GetDouble().ShouldBe(0.93);
    }

    [Fact]
    public async Task Held_upload_matching_a_public_document_links_to_it()
    {
        var otherId = await site.CreateUserAsync("held-public-other@test.local");
        var published = await AddAsync(otherId, DocumentStatus.Ready);
        var (browser, uploaderId) = await site.SignedInBrowserAsync("held-public-uploader@test.local");
        var held = await AddAsync(uploaderId, DocumentStatus.Held, nearDuplicateOf: published);

        var page = await browser.GetDocumentAsync($"/d/{held}");
        page.One("#held").QuerySelectorAll("a").Select(a => a.GetAttribute("href")).Distinct().ShouldBe([$"/d/{published}"]);
        (await browser.GetDocumentAsync("/me")).One("[data-near-duplicate] a").GetAttribute("href").ShouldBe($"/d/{published}");
    }
}
