using Xunit;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Wenku.Accounts;
using Wenku.Comments;
using Wenku.Data;
using Wenku.Documents;
using Wenku.Moderation;
using Wenku.Storage;
using Wenku.Tests.Infrastructure;

namespace Wenku.Tests.Moderation;

/// <summary>
/// The review queue: every kind of waiting item with its facts, oldest first, filters and paging, the API's list; the
/// held documents' decisions; pre-publication review of new uploads; the held document's own page.
/// </summary>
[Trait(WenkuFactory.Suite, WenkuFactory.OnBothStacks)]
public sealed class ReviewQueueTests(WenkuFactory site) : IClassFixture<WenkuFactory>
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly DateTime Long = new(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    private sealed record Seeded(long Ready, long NearDuplicate, long NewUpload, long Words, long Removed,
        long Report, long CommentReport, long Claim, long Appeal, long PendingComment);

    [Fact]
    public async Task Every_kind_waits_in_the_queue_oldest_first_with_its_facts_and_the_api_lists_the_same()
    {
        var s = await SeedEveryKindAsync(Long);
        var (moderator, _) = await site.SignedInBrowserAsync("queue-mod@test.local", Roles.Moderator);
        var page = await moderator.GetDocumentAsync("/admin/review");

        // Oldest first, across kinds (the seeded items are older than anything else in the site).
        var listed = page.QuerySelectorAll("section.queue-item").Select(e => (e.GetAttribute("data-kind")!, long.Parse(e.GetAttribute("data-id")!))).ToList();
        listed.Take(8).ShouldBe([
            ("held", s.NearDuplicate), ("report", s.Report), ("held", s.NewUpload), ("comment-report", s.CommentReport),
            ("claim", s.Claim), ("held", s.Words), ("appeal", s.Appeal), ("comment", s.PendingComment),
        ]);

        // The held near duplicate beside the document it matches, with the uploader's history.
        var held = page.One($"#held-{s.NearDuplicate}");
        held.One("[data-hold-reason]").GetAttribute("data-hold-reason").ShouldBe("near-duplicate");
        held.One("[data-match]").GetAttribute("href").ShouldBe($"/d/{s.Ready}");
        held.One("[data-score]").Text().ShouldBe("0.81");
        held.QuerySelectorAll($"[data-pages-of='{s.NearDuplicate}'] img").Select(i => i.GetAttribute("src"))
            .ShouldBe(Enumerable.Range(1, 3).Select(n => $"/d/{s.NearDuplicate}/page/{n}.jpg"));
        held.QuerySelectorAll($"[data-pages-of='{s.Ready}'] img").Length.ShouldBe(2);
        held.One("[data-history=published]").Text().ShouldBe("1");
        held.One("[data-history=removed]").Text().ShouldBe("1");
        held.One("[data-history=reports]").Text().ShouldBe("2");

        page.One($"#held-{s.Words} [data-hold-details]").Text().ShouldContain("敏感样词");
        page.One($"#held-{s.NewUpload} [data-hold-reason]").GetAttribute("data-hold-reason").ShouldBe("new-upload");

        var report = page.One($"#report-{s.Report}");
        report.One("[data-reason]").GetAttribute("data-reason").ShouldBe("Infringement");
        report.One("[data-details]").Text().ShouldBe("整本书被上传了 the whole book was uploaded");
        report.One("[data-original-title]").Text().ShouldBe("原著 The Original");
        report.One("[data-original-link]").Text().ShouldBe("ISBN 978-7-111-11111-1");
        report.One("[data-contact]").Text().ShouldBe("rights@example.com");
        report.One("[data-reporter]").Text().ShouldBe("举报者");

        page.One($"#comment-report-{s.CommentReport} [data-comment]").Text().ShouldContain("被举报的评论 reported comment");

        var claim = page.One($"#claim-{s.Claim}");
        claim.One("[data-evidence]").GetAttribute("href").ShouldBe($"/admin/claims/{s.Claim}/evidence");
        claim.One("[data-evidence]").Text().ShouldBe("版权证明.pdf");
        claim.One("[data-statement]").Text().ShouldBe("这是我写的 I wrote this");
        claim.One("[data-claimant]").Text().ShouldBe("权利人");

        var appeal = page.One($"#appeal-{s.Appeal}");
        appeal.One("[data-category]").GetAttribute("data-category").ShouldBe("Infringement");
        appeal.One("[data-removal-reason]").Text().ShouldBe("权利人投诉 rights holder's notice");
        appeal.One("[data-statement]").Text().ShouldBe("我有授权 I have a licence");

        page.One($"#comment-{s.PendingComment} [data-review-words]").Text().ShouldBe("待审词");

        // Every item has its actions and a required reason.
        foreach (var item in page.QuerySelectorAll("section.queue-item"))
        {
            item.One("input[name=reason]").HasAttribute("required").ShouldBeTrue();
            item.QuerySelectorAll("button[name=decision]").Length.ShouldBeGreaterThanOrEqualTo(2);
        }
        page.One($"#held-{s.NearDuplicate}").QuerySelectorAll("button[name=decision]").Select(b => b.GetAttribute("value")).ShouldBe(["release", "reject"]);

        // The header shows staff how many wait; readers see no link.
        var waiting = await site.WithDbAsync(async db => await db.Reports.CountAsync(r => r.State == ReportState.Open)
            + await db.Claims.CountAsync(c => c.State == ClaimState.Open) + await db.Appeals.CountAsync(a => a.State == AppealState.Open)
            + await db.Documents.CountAsync(d => d.Status == DocumentStatus.Held) + await db.Comments.CountAsync(c => c.State == CommentState.Pending));
        page.One("#review-link [data-waiting]").Text().ShouldBe(waiting.ToString());
        page.One("[data-total]").Text().ShouldBe(waiting.ToString());
        var (reader, _) = await site.SignedInBrowserAsync("queue-reader@test.local");
        (await reader.GetDocumentAsync("/")).QuerySelector("#review-link").ShouldBeNull();

        // The API lists the same items in the same order.
        var (api, _) = await site.ApiClientAsync("queue-mod-api@test.local", Roles.Moderator);
        var fromApi = await api.GetFromJsonAsync<QueueItemsDto>("/api/v1/moderation/queue", Json);
        fromApi!.Items.Select(i => (i.Kind, i.Id)).ShouldBe(listed);
        fromApi.Total.ShouldBe(waiting);
        var claimItem = fromApi.Items.Single(i => i.Kind == "claim" && i.Id == s.Claim);
        (claimItem.DocumentId, claimItem.Title).ShouldBe((s.Ready, "原文档 the original"));
        claimItem.Summary.ShouldContain("这是我写的");
        fromApi.Items.Single(i => i.Kind == "held" && i.Id == s.NearDuplicate).CreatedAt.ShouldBe(Long);
    }

    [Fact]
    public async Task Filters_narrow_the_queue_pages_follow_each_other_and_bad_values_are_refused()
    {
        var s = await SeedEveryKindAsync(Long.AddYears(1));
        var (moderator, _) = await site.SignedInBrowserAsync("filter-mod@test.local", Roles.Moderator);
        async Task<List<(string, long)>> ListAsync(string query) =>
            (await moderator.GetDocumentAsync("/admin/review" + query)).QuerySelectorAll("section.queue-item")
                .Select(e => (e.GetAttribute("data-kind")!, long.Parse(e.GetAttribute("data-id")!))).ToList();

        (await ListAsync("?kind=claim")).ShouldAllBe(i => i.Item1 == "claim");
        (await ListAsync("?kind=claim")).ShouldContain(("claim", s.Claim));
        (await ListAsync("?kind=appeal")).ShouldContain(("appeal", s.Appeal));
        (await ListAsync("?kind=comment")).ShouldContain(("comment", s.PendingComment));
        (await ListAsync("?kind=comment-report")).ShouldContain(("comment-report", s.CommentReport));
        (await ListAsync("?kind=report")).ShouldAllBe(i => i.Item1 == "report");
        var words = await ListAsync("?kind=held&hold=sensitive-words");
        words.ShouldContain(("held", s.Words));
        words.ShouldNotContain(("held", s.NearDuplicate));
        (await ListAsync("?hold=near-duplicate")).ShouldContain(("held", s.NearDuplicate));
        (await ListAsync("?kind=held&hold=new-upload")).ShouldNotContain(("held", s.Words));

        // 25 more pending comments: two pages of the comment filter, oldest first, none twice.
        await site.WithDbAsync(async db =>
        {
            var user = await db.Users.Select(u => u.Id).FirstAsync();
            for (var i = 0; i < 25; i++)
                db.Comments.Add(new Comment { DocumentId = s.Ready, UserId = user, Body = $"第{i}条 pending {i}", State = CommentState.Pending, CreatedAt = Long.AddYears(1).AddDays(1).AddMinutes(i) });
            return await db.SaveChangesAsync();
        });
        var first = await ListAsync("?kind=comment");
        var second = await ListAsync("?kind=comment&page=2");
        first.Count.ShouldBe(ReviewQueue.PageSize);
        second.ShouldNotBeEmpty();
        first.Intersect(second).ShouldBeEmpty();
        var pending = await site.WithDbAsync(db => db.Comments.Where(c => c.State == CommentState.Pending).OrderBy(c => c.CreatedAt).ThenBy(c => c.Id).Select(c => c.Id).ToListAsync());
        first.Concat(second).Select(i => i.Item2).ShouldBe(pending.Take(2 * ReviewQueue.PageSize));
        var pager = await moderator.GetDocumentAsync("/admin/review?kind=comment");
        pager.One("a[rel=next]").GetAttribute("href").ShouldBe("/admin/review?kind=comment&page=2");

        foreach (var bad in new[] { "?kind=everything", "?hold=bored", "?kind=claim&hold=new-upload", "?page=0", "?page=last", "?page=1001" })
        {
            var refused = await moderator.GetAsync("/admin/review" + bad);
            refused.StatusCode.ShouldBe(HttpStatusCode.BadRequest, bad);
            Html.Parse(await refused.Content.ReadAsStringAsync()).One("#error").Text().ShouldNotBeEmpty();
        }
        var (api, _) = await site.ApiClientAsync("filter-mod-api@test.local", Roles.Moderator);
        foreach (var bad in new[] { "?kind=everything", "?hold=bored", "?page=0", "?page=x" })
            (await api.GetAsync("/api/v1/moderation/queue" + bad)).StatusCode.ShouldBe(HttpStatusCode.BadRequest, bad);
        var apiSecond = await api.GetFromJsonAsync<QueueItemsDto>("/api/v1/moderation/queue?kind=comment&page=2", Json);
        apiSecond!.Items.Select(i => (i.Kind, i.Id)).ShouldBe(second);
        (apiSecond.Page, apiSecond.PageSize).ShouldBe((2, ReviewQueue.PageSize));
        var (reader, _) = await site.ApiClientAsync("filter-reader-api@test.local");
        (await reader.GetAsync("/api/v1/moderation/queue")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task New_uploads_wait_for_review_shown_whole_to_their_uploader_and_staff_and_a_release_with_a_reason_publishes_them()
    {
        var (admin, _) = await site.SignedInBrowserAsync("review-admin@test.local", Roles.Admin);
        var saved = await admin.PostFormAsync("/admin/settings", "/admin/settings", new()
        {
            ["DefaultPreviewPages"] = "5", ["Notices"] = "提示", ["UploaderSharePercent"] = "70", ["PointsPerYuan"] = "10", ["MinimumWithdrawal"] = "1000",
            ["ReviewNewUploads"] = "All", ["ReviewNewUploaderDocuments"] = "2", ["RemovedRetentionDays"] = "45", ["RefundOnInfringementRemoval"] = "false",
        });
        saved.StatusCode.ShouldBe(HttpStatusCode.OK);
        var settings = await site.WithDbAsync(db => db.SiteSettings.AsNoTracking().SingleAsync());
        (settings.ReviewNewUploads, settings.ReviewNewUploaderDocuments, settings.RemovedRetentionDays, settings.RefundOnInfringementRemoval)
            .ShouldBe((ReviewNewUploads.All, 2, 45, false));
        var form = await admin.GetDocumentAsync("/admin/settings");
        form.One("#ReviewNewUploads option[selected]").GetAttribute("value").ShouldBe("All");
        form.One("#RemovedRetentionDays").GetAttribute("value").ShouldBe("45");
        var bad = await admin.PostFormAsync("/admin/settings", "/admin/settings", new()
        {
            ["DefaultPreviewPages"] = "5", ["Notices"] = "提示", ["UploaderSharePercent"] = "70", ["PointsPerYuan"] = "10", ["MinimumWithdrawal"] = "1000",
            ["ReviewNewUploaderDocuments"] = "0",
        });
        bad.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await site.WithDbAsync(db => db.SiteSettings.AsNoTracking().SingleAsync())).ReviewNewUploaderDocuments.ShouldBe(2);

        // All: a reader's upload waits; a moderator's does not.
        var (uploader, uploaderId) = await site.ApiClientAsync("review-uploader@test.local");
        var held = await site.UploadAndWaitAsync(uploader, TestPdfs.Upload(TestPdfs.MultiPage(3), title: "待审新文档", previewPages: 1));
        (held.Status, held.HoldReason).ShouldBe((DocumentStatus.Held, HoldReason.NewUpload));
        var (staffApi, _) = await site.ApiClientAsync("review-staff-uploader@test.local", Roles.Moderator);
        (await site.UploadAndWaitAsync(staffApi, TestPdfs.Upload(TestPdfs.MultiPage(1)))).Status.ShouldBe(DocumentStatus.Ready);

        // The uploader sees it whole, told why; staff see it whole; others get 404.
        var (uploaderWeb, _) = await site.SignedInBrowserAsync("review-uploader@test.local");
        var own = await uploaderWeb.GetDocumentAsync($"/d/{held.Id}");
        own.One("#awaiting-review").Text().ShouldContain("等待审核");
        own.One("#hold-reason").GetAttribute("data-hold").ShouldBe("new-upload");
        own.QuerySelectorAll("#held-pages img").Select(i => i.GetAttribute("src")).ShouldBe(Enumerable.Range(1, 3).Select(n => $"/d/{held.Id}/page/{n}.jpg"));
        var (moderator, moderatorId) = await site.SignedInBrowserAsync("review-mod@test.local", Roles.Moderator);
        (await moderator.GetDocumentAsync($"/d/{held.Id}")).QuerySelectorAll("#held-pages img").Length.ShouldBe(3);
        for (var n = 1; n <= 3; n++)
        {
            (await moderator.GetAsync($"/d/{held.Id}/page/{n}.jpg")).StatusCode.ShouldBe(HttpStatusCode.OK, $"page {n}");
            (await uploaderWeb.GetAsync($"/d/{held.Id}/page/{n}.jpg")).StatusCode.ShouldBe(HttpStatusCode.OK, $"page {n}");
        }
        var (other, _) = await site.SignedInBrowserAsync("review-other@test.local");
        (await other.GetAsync($"/d/{held.Id}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await site.CreateClient().GetAsync($"/d/{held.Id}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await other.GetAsync($"/d/{held.Id}/page/1.jpg")).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        // In the queue under new uploads; a release without a reason changes nothing.
        var queue = await moderator.GetDocumentAsync("/admin/review?kind=held&hold=new-upload");
        queue.One($"#held-{held.Id} [data-document-link]").Text().ShouldBe("待审新文档");
        var noReason = await moderator.PostFormAsync("/admin/review?kind=held", "/admin/review?kind=held",
            new() { ["type"] = "held", ["id"] = $"{held.Id}", ["decision"] = "release", ["reason"] = "  " });
        noReason.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        Html.Parse(await noReason.Content.ReadAsStringAsync()).One("#error").Text().ShouldContain("请填写理由");
        (await site.WithDbAsync(db => db.Documents.AsNoTracking().SingleAsync(d => d.Id == held.Id))).Status.ShouldBe(DocumentStatus.Held);

        var released = await moderator.PostFormAsync("/admin/review?kind=held", "/admin/review?kind=held",
            new() { ["type"] = "held", ["id"] = $"{held.Id}", ["decision"] = "release", ["reason"] = "内容正常 fine" });
        released.StatusCode.ShouldBe(HttpStatusCode.OK);
        var after = Html.Parse(await released.Content.ReadAsStringAsync());
        after.One("#message").Text().ShouldContain($"已发布 /d/{held.Id}");
        after.QuerySelector($"#held-{held.Id}").ShouldBeNull();
        (await site.WithDbAsync(db => db.Documents.AsNoTracking().SingleAsync(d => d.Id == held.Id))).Status.ShouldBe(DocumentStatus.Ready);
        (await site.CreateClient().GetAsync($"/d/{held.Id}")).StatusCode.ShouldBe(HttpStatusCode.OK);
        var notice = await site.WithDbAsync(db => db.Notifications.AsNoTracking().SingleAsync(n => n.UserId == uploaderId && n.Kind == NotificationKinds.DocumentReleased));
        JsonDocument.Parse(notice.Args).RootElement.GetProperty("reason").GetString().ShouldBe("内容正常 fine");
        notice.Link.ShouldBe($"/d/{held.Id}");
        var entry = await site.WithDbAsync(db => db.AuditEntries.AsNoTracking().SingleAsync(a => a.Kind == AuditKinds.DocumentRelease && a.ObjectId == held.Id.ToString()));
        (entry.ActorId, entry.Reason).ShouldBe((moderatorId, "内容正常 fine"));
        // Decided already: a second release says so.
        (await moderator.PostFormAsync("/admin/review", "/admin/review",
            new() { ["type"] = "held", ["id"] = $"{held.Id}", ["decision"] = "release", ["reason"] = "again" })).StatusCode.ShouldBe(HttpStatusCode.Conflict);

        // Staff still see every page once it is removed (for the appeal), and of a held one.
        await using (var scope = site.Services.CreateAsyncScope())
            (await scope.ServiceProvider.GetRequiredService<DocumentRemovals>().RemoveAsync(held.Id, RemovalCategory.Spam, "广告 spam", moderatorId, CancellationToken.None))
                .ShouldBeOfType<RemovalOutcome.Done>();
        for (var n = 1; n <= 3; n++)
            (await moderator.GetAsync($"/d/{held.Id}/page/{n}.jpg")).StatusCode.ShouldBe(HttpStatusCode.OK, $"removed, page {n}");
    }

    [Fact]
    public async Task New_uploaders_are_reviewed_until_they_have_published_enough_and_a_reject_fails_the_document_and_deletes_its_pages()
    {
        await SetReviewAsync(ReviewNewUploads.NewUploaders, 1);
        var (uploader, uploaderId) = await site.ApiClientAsync("newcomer@test.local");
        var first = await site.UploadAndWaitAsync(uploader, TestPdfs.Upload(TestPdfs.MultiPage(2), title: "新人第一份"));
        (first.Status, first.HoldReason).ShouldBe((DocumentStatus.Held, HoldReason.NewUpload));

        var (moderator, _) = await site.SignedInBrowserAsync("reject-mod@test.local", Roles.Moderator);
        var rejected = await moderator.PostFormAsync("/admin/review", "/admin/review",
            new() { ["type"] = "held", ["id"] = $"{first.Id}", ["decision"] = "reject", ["reason"] = "内容不完整 incomplete" });
        rejected.StatusCode.ShouldBe(HttpStatusCode.OK);
        var failed = await site.WithDbAsync(db => db.Documents.AsNoTracking().SingleAsync(d => d.Id == first.Id));
        failed.Status.ShouldBe(DocumentStatus.Failed);
        failed.Error.ShouldNotBeNull().ShouldContain("内容不完整 incomplete");
        failed.ErrorCode.ShouldBe(HeldDecisions.RejectedNewUpload.Code); // stored as a code: the uploader reads it in their language
        var store = site.Services.GetRequiredService<IFileStore>();
        var pages = new List<string>();
        await foreach (var f in store.ListAsync(Document.PagePrefix(first.Id), CancellationToken.None)) pages.Add(f.Key);
        pages.ShouldBeEmpty();
        (await site.WithDbAsync(db => db.Notifications.AsNoTracking().CountAsync(n => n.UserId == uploaderId && n.Kind == NotificationKinds.DocumentRejected))).ShouldBe(1);
        (await site.WithDbAsync(db => db.AuditEntries.AsNoTracking().CountAsync(a => a.Kind == AuditKinds.DocumentReject && a.ObjectId == first.Id.ToString()))).ShouldBe(1);

        // A rejected document was never published: the next upload waits too; once one is released, the rest go through.
        var second = await site.UploadAndWaitAsync(uploader, TestPdfs.Upload(TestPdfs.MultiPage(1), title: "新人第二份"));
        second.Status.ShouldBe(DocumentStatus.Held);
        (await moderator.PostFormAsync("/admin/review", "/admin/review",
            new() { ["type"] = "held", ["id"] = $"{second.Id}", ["decision"] = "release", ["reason"] = "可以 fine" })).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await site.UploadAndWaitAsync(uploader, TestPdfs.Upload(TestPdfs.MultiPage(1), title: "新人第三份"))).Status.ShouldBe(DocumentStatus.Ready);
        // (Signing in re-creates the account, which ends its API tokens: last.)
        var (uploaderWeb, _) = await site.SignedInBrowserAsync("newcomer@test.local");
        (await uploaderWeb.GetDocumentAsync($"/d/{first.Id}")).One("#status").Text().ShouldContain("内容不完整 incomplete");

        // Off: nothing waits.
        await SetReviewAsync(ReviewNewUploads.Off, 1);
        var (another, _) = await site.ApiClientAsync("newcomer-off@test.local");
        (await site.UploadAndWaitAsync(another, TestPdfs.Upload(TestPdfs.MultiPage(1)))).Status.ShouldBe(DocumentStatus.Ready);
    }

    private Task<int> SetReviewAsync(ReviewNewUploads review, int first) => site.WithDbAsync(db =>
        db.SiteSettings.ExecuteUpdateAsync(s => s.SetProperty(x => x.ReviewNewUploads, review).SetProperty(x => x.ReviewNewUploaderDocuments, first)));

    /// <summary>One item of every kind, dated from <paramref name="at"/> (older than anything else), for one uploader with a history.</summary>
    private async Task<Seeded> SeedEveryKindAsync(DateTime at)
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var uploader = await site.CreateUserAsync($"q-uploader-{tag}@test.local");
        var reporter = await site.CreateUserAsync($"q-reporter-{tag}@test.local");
        var claimant = await site.CreateUserAsync($"q-claimant-{tag}@test.local");
        var moderator = await site.CreateUserAsync($"q-remover-{tag}@test.local", Roles.Moderator);
        return await site.WithDbAsync(async db =>
        {
            await db.Users.Where(u => u.Id == reporter).ExecuteUpdateAsync(u => u.SetProperty(x => x.DisplayName, "举报者"));
            await db.Users.Where(u => u.Id == claimant).ExecuteUpdateAsync(u => u.SetProperty(x => x.DisplayName, "权利人"));
            var category = await db.Categories.Where(c => c.Slug == "other").Select(c => c.Id).SingleAsync();
            Document Doc(string title, DocumentStatus status, int minutes, int pages) => new()
            {
                Title = title, CategoryId = category, UploaderId = uploader, OriginalFileName = "q.pdf", Format = "pdf", SizeBytes = 1,
                Sha256 = Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N"), StorageKey = $"originals/q/{Guid.NewGuid():N}.pdf",
                PreviewPages = 1, PageCount = pages, Status = status, CreatedAt = at.AddMinutes(minutes),
            };
            var ready = Doc("原文档 the original", DocumentStatus.Ready, -100, 2);
            var removed = Doc("已下架 removed", DocumentStatus.Removed, -90, 1);
            db.Documents.AddRange(ready, removed);
            await db.SaveChangesAsync();
            var nearDuplicate = Doc("近似重复 copy", DocumentStatus.Held, 0, 3);
            (nearDuplicate.NearDuplicateOfId, nearDuplicate.NearDuplicateScore) = (ready.Id, 0.81);
            var newUpload = Doc("新上传 new", DocumentStatus.Held, 2, 1);
            newUpload.HoldReason = HoldReason.NewUpload;
            var words = Doc("含敏感词 words", DocumentStatus.Held, 5, 1);
            (words.HoldReason, words.HoldDetails) = (HoldReason.SensitiveWords, "第 1 页 page 1: 敏感样词");
            db.Documents.AddRange(nearDuplicate, newUpload, words);
            var removal = new DocumentRemoval
            {
                DocumentId = removed.Id, Category = RemovalCategory.Infringement, Reason = "权利人投诉 rights holder's notice",
                RemovedById = moderator, RemovedAt = at.AddMinutes(-80),
            };
            db.DocumentRemovals.Add(removal);
            var reported = new Comment { DocumentId = ready.Id, UserId = reporter, Body = "被举报的评论 reported comment", CreatedAt = at.AddMinutes(-70) };
            var pending = new Comment { DocumentId = ready.Id, UserId = reporter, Body = "待审的评论 pending", State = CommentState.Pending, ReviewWords = "待审词", CreatedAt = at.AddMinutes(7) };
            db.Comments.AddRange(reported, pending);
            await db.SaveChangesAsync();
            removed.RemovalId = removal.Id;
            var report = new Report
            {
                DocumentId = ready.Id, ReporterId = reporter, Reason = ReportReason.Infringement, Details = "整本书被上传了 the whole book was uploaded",
                OriginalTitle = "原著 The Original", OriginalLink = "ISBN 978-7-111-11111-1", Contact = "rights@example.com", CreatedAt = at.AddMinutes(1),
            };
            var commentReport = new Report { DocumentId = ready.Id, CommentId = reported.Id, ReporterId = claimant, Reason = ReportReason.Spam, CreatedAt = at.AddMinutes(3) };
            var claim = new Claim
            {
                DocumentId = ready.Id, ClaimantId = claimant, Statement = "这是我写的 I wrote this", EvidenceKey = $"claims/{Guid.NewGuid():N}",
                EvidenceFileName = "版权证明.pdf", EvidenceFormat = "pdf", EvidenceBytes = 4096, CreatedAt = at.AddMinutes(4),
            };
            var appeal = new Appeal { RemovalId = removal.Id, DocumentId = removed.Id, UploaderId = uploader, Statement = "我有授权 I have a licence", CreatedAt = at.AddMinutes(6) };
            db.Reports.AddRange(report, commentReport);
            db.Claims.Add(claim);
            db.Appeals.Add(appeal);
            await db.SaveChangesAsync();
            return new Seeded(ready.Id, nearDuplicate.Id, newUpload.Id, words.Id, removed.Id, report.Id, commentReport.Id, claim.Id, appeal.Id, pending.Id);
        });
    }
}
