using Xunit;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Wenku.Accounts;
using Wenku.Demo;
using Wenku.Documents;
using Wenku.Duplicates;
using Wenku.Tests.Infrastructure;

namespace Wenku.Tests.Duplicates;

/// <summary>Near duplicates end to end: API uploads, real worker processes, the site's policy, the moderators' queue.</summary>
[Trait(WenkuFactory.Suite, WenkuFactory.OnBothStacks)]
public sealed class NearDuplicateUploadTests(WenkuFactory site) : IClassFixture<WenkuFactory>
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private static string Essay() => File.ReadAllText(TestPaths.Shared("corpus", "seed", "chuangxian-zhengyou-spun.txt")
        ?? throw new InvalidOperationException("The test needs ../shared/corpus/seed."));

    [Fact]
    public async Task Spun_and_shuffled_copy_is_held_naming_the_original_until_a_moderator_releases_it()
    {
        var (original, _) = await site.ApiClientAsync("essay-author@test.local");
        var (copier, _) = await site.ApiClientAsync("essay-copier@test.local");
        var originalId = await UploadAsync(original, FingerprintTests.RestoredEssay(Essay()), "创先争优活动的几点思考");
        (await site.WaitForDocumentAsync(originalId)).Status.ShouldBe(DocumentStatus.Ready);

        // The spun wording, its sentences shuffled, a padded title.
        var spun = DuplicateEvaluation.Shuffle(Essay(), new Random(5));
        var copyId = await UploadAsync(copier, spun, "【精品】创先争优调研论文 2026 最新版！！");
        var copy = await site.WaitForDocumentAsync(copyId);
        copy.Status.ShouldBe(DocumentStatus.Held, copy.Error);
        copy.NearDuplicateOfId.ShouldBe(originalId);

        // The uploader is told which document it matches: API status, /me, the document page.
        var meta = await copier.GetFromJsonAsync<DocumentDto>($"/api/v1/documents/{copyId}", Json);
        meta!.Status.ShouldBe("held");
        meta.NearDuplicateOf.ShouldBe(originalId);
        meta.NearDuplicateScore!.Value.ShouldBeGreaterThanOrEqualTo(NearDuplicates.DefaultThreshold);

        var similar = await copier.GetFromJsonAsync<List<SimilarDocument>>($"/api/v1/documents/{copyId}/similar", Json);
        similar!.ShouldContain(s => s.Id == originalId && s.NearDuplicate && s.Score >= NearDuplicates.DefaultThreshold && s.Score <= 1);

        var (copierWeb, _) = await site.SignedInBrowserAsync("essay-copier@test.local");
        (await copierWeb.GetDocumentAsync("/me")).One("[data-near-duplicate] a").GetAttribute("href").ShouldBe($"/d/{originalId}");
        var held = (await copierWeb.GetDocumentAsync($"/d/{copyId}")).One("#held");
        held.Text().ShouldContain("待审核：");
        held.QuerySelectorAll("a").Select(a => a.GetAttribute("href")).Distinct().ShouldBe([$"/d/{originalId}"]);

        // Held is not public: not to anonymous readers, not to other users, not in the original's similar list.
        var anonymous = site.CreateClient();
        (await anonymous.GetAsync($"/d/{copyId}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await anonymous.GetAsync($"/api/v1/documents/{copyId}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await anonymous.GetAsync($"/api/v1/documents/{copyId}/similar")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await anonymous.GetFromJsonAsync<List<SimilarDocument>>($"/api/v1/documents/{originalId}/similar", Json))!
            .ShouldNotContain(s => s.Id == copyId);
        (await original.GetAsync($"/api/v1/documents/{copyId}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        (await SearchIdsAsync(anonymous, "精品")).ShouldNotContain(copyId);

        // A moderator sees it in the queue and releases it; then it is public and listed as similar both ways.
        var (moderator, _) = await site.SignedInBrowserAsync("dup-moderator@test.local", Roles.Moderator);
        var old = await moderator.GetAsync("/admin/duplicates");
        old.Headers.Location!.OriginalString.ShouldBe("/admin/review?kind=held");
        var queue = await moderator.GetDocumentAsync("/admin/review?kind=held");
        queue.One($"#held-{copyId} [data-match]").GetAttribute("href").ShouldBe($"/d/{originalId}");
        var released = await moderator.PostFormAsync("/admin/review?kind=held", "/admin/review?kind=held",
            new() { ["type"] = "held", ["id"] = $"{copyId}", ["decision"] = "release", ["reason"] = "不是复制 not a copy" });
        released.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await site.WithDbAsync(db => db.Documents.SingleAsync(d => d.Id == copyId))).Status.ShouldBe(DocumentStatus.Ready);
        (await anonymous.GetAsync($"/d/{copyId}")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await anonymous.GetFromJsonAsync<List<SimilarDocument>>($"/api/v1/documents/{originalId}/similar", Json))!
            .ShouldContain(s => s.Id == copyId && s.NearDuplicate);
        await site.Services.GetRequiredService<Wenku.Search.ISearchIndex>().SyncAsync(CancellationToken.None);
        (await SearchIdsAsync(anonymous, "精品")).ShouldContain(copyId);
        var page = await anonymous.GetStringAsync($"/d/{originalId}");
        page.ShouldContain("相似文档");
        page.ShouldContain($"/d/{copyId}");

        // The whole library re-checked from the command line (beside the running site) finds the pair again.
        var output = await site.RunCliAsync("admin", "rescan-duplicates");
        output.ShouldContain("documents checked");
        output.ShouldMatch(@"[1-9]\d* near duplicates at threshold 0\.35");
        (await site.WithDbAsync(db => db.Documents.SingleAsync(d => d.Id == copyId))).NearDuplicateOfId.ShouldBe(originalId);
    }

    [Fact]
    public async Task With_the_reject_policy_an_excerpt_fails_with_the_reason_and_the_match()
    {
        var article = DuplicateEvaluation.LoadArticles(TestPaths.Shared("corpus", "cnews", "cnews.val.tsv")!, 2000)[3].Text;
        var (api, _) = await site.ApiClientAsync("excerpt@test.local");
        var originalId = await UploadAsync(api, article, "新闻原文");
        (await site.WaitForDocumentAsync(originalId)).Status.ShouldBe(DocumentStatus.Ready);

        // The administrator chooses the policy in the site settings.
        var (admin, _) = await site.SignedInBrowserAsync("dup-admin@test.local", Roles.Admin);
        var saved = await admin.PostFormAsync("/admin/settings", "/admin/settings", new()
        {
            ["UploaderSharePercent"] = "70", ["PointsPerYuan"] = "10", ["MinimumWithdrawal"] = "1000", ["DefaultPreviewPages"] = "5", ["Notices"] = "提示", ["NearDuplicatePolicy"] = "Reject", ["NearDuplicateThreshold"] = "0.4",
        });
        saved.StatusCode.ShouldBe(HttpStatusCode.OK);
        var settings = await site.WithDbAsync(db => db.SiteSettings.AsNoTracking().SingleAsync());
        (settings.NearDuplicatePolicy, settings.NearDuplicateThreshold).ShouldBe((NearDuplicatePolicy.Reject, 0.4));
        (await admin.GetStringAsync("/admin/settings")).ShouldContain("<option value=\"Reject\" selected=\"selected\">");
        var invalid = await admin.PostFormAsync("/admin/settings", "/admin/settings", new()
        {
            ["DefaultPreviewPages"] = "5", ["Notices"] = "提示", ["NearDuplicatePolicy"] = "Hold", ["NearDuplicateThreshold"] = "2",
        });
        invalid.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        try
        {
            var (copier, _) = await site.ApiClientAsync("excerpt-copier@test.local");
            var copyId = await UploadAsync(copier, article[(article.Length / 5)..(article.Length * 4 / 5)], "新闻节选");
            var copy = await site.WaitForDocumentAsync(copyId);
            copy.Status.ShouldBe(DocumentStatus.Failed);
            copy.Error.ShouldNotBeNull().ShouldContain($"/d/{originalId}");
            var meta = await copier.GetFromJsonAsync<DocumentDto>($"/api/v1/documents/{copyId}", Json);
            meta!.Status.ShouldBe("failed");
            meta.NearDuplicateOf.ShouldBe(originalId);
            meta.Error.ShouldNotBeNull().ShouldContain("高度相似");
        }
        finally
        {
            await site.WithDbAsync(db => db.SiteSettings.ExecuteUpdateAsync(s => s
                .SetProperty(x => x.NearDuplicatePolicy, NearDuplicatePolicy.Hold)
                .SetProperty(x => x.NearDuplicateThreshold, NearDuplicates.DefaultThreshold)
                .SetProperty(x => x.Notices, Wenku.Data.SiteSettings.DefaultNotices)));
        }
    }

    [Fact]
    public async Task A_released_near_duplicate_converted_again_stays_published_whatever_the_policy_says_now()
    {
        // What `wenku admin check --repair` does when a published document lost page images: queue it again. The
        // moderator's release stands, even after the policy became Reject.
        var (author, _) = await site.ApiClientAsync("repair-author@test.local");
        var (copier, _) = await site.ApiClientAsync("repair-copier@test.local");
        var originalId = await UploadAsync(author, FingerprintTests.RestoredEssay(Essay()) + "\n修复测试的原文。", "创先争优的原文");
        // Held itself if another test of this class uploaded the essay first: either way the copy matches something.
        (await site.WaitForDocumentAsync(originalId)).Status.ShouldBeOneOf(DocumentStatus.Ready, DocumentStatus.Held);
        var copyId = await UploadAsync(copier, DuplicateEvaluation.Shuffle(Essay(), new Random(17)), "创先争优的副本");
        (await site.WaitForDocumentAsync(copyId)).Status.ShouldBe(DocumentStatus.Held);
        try
        {
            await site.WithDbAsync(async db =>
            {
                await db.Documents.Where(d => d.Id == copyId).ExecuteUpdateAsync(x => x.SetProperty(d => d.Status, DocumentStatus.Ready));
                await db.SiteSettings.ExecuteUpdateAsync(x => x.SetProperty(v => v.NearDuplicatePolicy, NearDuplicatePolicy.Reject));
                var doc = await db.Documents.SingleAsync(d => d.Id == copyId);
                doc.Status = DocumentStatus.Queued;
                db.Jobs.Add(Wenku.Jobs.Job.Convert(doc, 3));
                return await db.SaveChangesAsync();
            });
            var again = await site.WaitForDocumentAsync(copyId);
            again.Status.ShouldBe(DocumentStatus.Ready, again.Error);
            (await site.WithDbAsync(db => db.DocumentPages.CountAsync(p => p.DocumentId == copyId))).ShouldBe(again.PageCount);
        }
        finally
        {
            await site.WithDbAsync(db => db.SiteSettings.ExecuteUpdateAsync(x => x.SetProperty(v => v.NearDuplicatePolicy, NearDuplicatePolicy.Hold)));
        }
    }

    [Fact]
    public async Task Unrelated_document_is_published()
    {
        var articles = DuplicateEvaluation.LoadArticles(TestPaths.Shared("corpus", "cnews", "cnews.val.tsv")!, 2000);
        var (api, _) = await site.ApiClientAsync("unrelated@test.local");
        var id = await UploadAsync(api, articles[10].Text, "另一篇新闻");
        var doc = await site.WaitForDocumentAsync(id);
        doc.Status.ShouldBe(DocumentStatus.Ready);
        doc.NearDuplicateOfId.ShouldBeNull();
    }

    private static async Task<List<long>> SearchIdsAsync(HttpClient client, string q)
    {
        var response = await client.GetFromJsonAsync<JsonElement>($"/api/v1/search?q={Uri.EscapeDataString(q)}", Json);
        return response.GetProperty("hits").EnumerateArray().Select(h => h.GetProperty("id").GetInt64()).ToList();
    }

    private static async Task<long> UploadAsync(HttpClient api, string text, string title)
    {
        var dir = TestPaths.NewTempDir("dup-pdf");
        try
        {
            var path = Path.Combine(dir, "doc.pdf");
            DemoPdfWriter.Write(path, title, DuplicateEvaluation.Sentences(text).Chunk(6).Select(c => string.Concat(c)));
            return await api.UploadAsync(TestPdfs.Upload(await File.ReadAllBytesAsync(path), title: title));
        }
        finally
        {
            TestPaths.TryDelete(dir);
        }
    }
}
