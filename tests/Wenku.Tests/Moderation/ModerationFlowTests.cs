using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Wenku.Accounts;
using Wenku.Documents;
using Wenku.Moderation;
using Wenku.Tests.Infrastructure;

namespace Wenku.Tests.Moderation;

/// <summary>
/// The rights holder's and moderators' flows end to end, through the doors people use: a report through the API, the
/// takedown decided in the review queue, the uploader's appeal on the site, the appeal decided in the queue by another
/// moderator, the document back everywhere — and the audit chain intact after it all.
/// </summary>
[Trait(WenkuFactory.Suite, WenkuFactory.OnBothStacks)]
public sealed class ModerationFlowTests(TakedownSite site) : IClassFixture<TakedownSite>
{
    [Fact]
    public async Task Report_then_takedown_in_the_queue_then_appeal_then_another_moderator_restores_it_in_the_queue()
    {
        var (id, salt) = await site.ReadyDocAsync();
        var tag = Guid.NewGuid().ToString("N")[..8];
        var (reporter, _) = await site.ApiClientAsync($"reporter-{tag}@flow.test");
        var filed = await reporter.PostAsJsonAsync($"/api/v1/documents/{id}/reports", new
        {
            reason = "infringement", details = "整本抄袭我的教材 A copy of my textbook", originalTitle = "高等数学讲义",
            originalLink = "978-7-04-039663-8", contact = "rights@flow.test",
        });
        filed.StatusCode.ShouldBe(HttpStatusCode.Created, await filed.Content.ReadAsStringAsync());
        var reportId = (await filed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();

        // The first moderator finds the report in the queue, with the reporter's facts, and removes the document there.
        var (remover, removerId) = await site.SignedInBrowserAsync($"queue-remover-{tag}@flow.test", Roles.Moderator);
        var queue = await remover.GetDocumentAsync("/admin/review?kind=report");
        var item = queue.One($"#report-{reportId}");
        item.GetAttribute("data-document").ShouldBe(id.ToString());
        item.TextContent.ShouldContain("高等数学讲义");
        var removed = await remover.PostFormAsync("/admin/review?kind=report", "/admin/review?kind=report",
            new() { ["type"] = "report", ["id"] = reportId.ToString(), ["decision"] = ReportDecisions.Remove, ["reason"] = "侵权属实 Infringement confirmed" });
        removed.StatusCode.ShouldBe(HttpStatusCode.OK, await removed.Content.ReadAsStringAsync());

        var anonymous = site.CreateClient(new() { AllowAutoRedirect = false });
        (await anonymous.GetAsync($"/d/{id}")).StatusCode.ShouldBe(HttpStatusCode.Gone);
        (await anonymous.GetAsync($"/api/v1/documents/{id}")).StatusCode.ShouldBe(HttpStatusCode.Gone);
        (await SearchHitsAsync(anonymous, salt)).ShouldNotContain(id);
        var report = await site.WithDbAsync(db => db.Reports.AsNoTracking().SingleAsync(r => r.Id == reportId));
        report.State.ShouldBe(ReportState.Actioned);
        var notices = await reporter.GetFromJsonAsync<JsonElement>("/api/v1/notifications");
        notices.GetProperty("items").EnumerateArray().Select(n => n.GetProperty("kind").GetString()).ShouldContain(NotificationKinds.ReportDecided);

        // The uploader appeals on the site; the remover may not decide the appeal; another moderator upholds it.
        var appealed = await site.OwnerBrowser.PostFormAsync("/me", $"/d/{id}/appeal", new() { ["statement"] = "这是我本人编写的讲义 I wrote these notes myself" });
        appealed.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var appealId = await site.WithDbAsync(db => db.Appeals.Where(a => a.DocumentId == id).Select(a => a.Id).SingleAsync());
        var appealForm = new Dictionary<string, string>
        {
            ["type"] = "appeal", ["id"] = appealId.ToString(), ["decision"] = AppealDecisions.Uphold, ["reason"] = "上传者提供了原稿 The uploader showed the manuscript",
        };
        (await remover.PostFormAsync("/admin/review?kind=appeal", "/admin/review?kind=appeal", appealForm)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        var (judge, _) = await site.SignedInBrowserAsync($"queue-judge-{tag}@flow.test", Roles.Moderator);
        (await judge.GetDocumentAsync("/admin/review?kind=appeal")).One($"#appeal-{appealId}");
        var upheld = await judge.PostFormAsync("/admin/review?kind=appeal", "/admin/review?kind=appeal", appealForm);
        upheld.StatusCode.ShouldBe(HttpStatusCode.OK, await upheld.Content.ReadAsStringAsync());

        (await anonymous.GetAsync($"/d/{id}")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await anonymous.GetAsync($"/api/v1/documents/{id}")).StatusCode.ShouldBe(HttpStatusCode.OK);
        var doc = await site.WithDbAsync(db => db.Documents.AsNoTracking().SingleAsync(d => d.Id == id));
        doc.Status.ShouldBe(DocumentStatus.Ready);
        doc.RemovalId.ShouldBeNull();

        // Every step is in the audit log, in order, and the chain holds.
        var kinds = await site.WithDbAsync(db => db.AuditEntries.AsNoTracking()
            .Where(a => (a.ObjectType == "document" && a.ObjectId == id.ToString()) || (a.ObjectType == "appeal" && a.ObjectId == appealId.ToString()))
            .OrderBy(a => a.Id).Select(a => a.Kind).ToListAsync());
        kinds.ShouldBe([AuditKinds.DocumentRemove, AuditKinds.AppealUphold, AuditKinds.DocumentRestore], ignoreOrder: true);
        (await site.WithDbAsync(db => db.AuditEntries.AsNoTracking().Where(a => a.ObjectType == "document" && a.ObjectId == id.ToString())
            .Select(a => a.ActorId).ToListAsync())).ShouldContain(removerId);
        (await site.RunCliAsync("admin", "audit", "verify")).ShouldContain("intact");
    }

    private static async Task<List<long>> SearchHitsAsync(HttpClient client, string query)
    {
        var result = await client.GetFromJsonAsync<JsonElement>($"/api/v1/search?q={query}");
        return result.GetProperty("hits").EnumerateArray().Select(h => h.GetProperty("id").GetInt64()).ToList();
    }
}
