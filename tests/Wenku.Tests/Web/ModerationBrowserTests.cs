using Microsoft.Extensions.DependencyInjection;
using SkiaSharp;
using Wenku.Accounts;
using Wenku.Comments;
using Wenku.Documents;
using Wenku.Moderation;
using Wenku.Moderation.Users;
using Wenku.Storage;
using Wenku.Tests.Infrastructure;

namespace Wenku.Tests.Web;

/// <summary>
/// The moderation pages in a real headless Chromium, at desktop and phone width, through <see cref="PageCheck"/>: the
/// review queue, reporting and claiming, a removed document's 410 page for its uploader, staff and strangers, the
/// reader's reports, claims and notifications, the word list, users and the audit log. Screenshots land in
/// <c>.artifacts/screenshots/moderation-*.png</c> for people to look at.
/// </summary>
public sealed class ModerationBrowserTests(BrowserSite site) : IClassFixture<BrowserSite>
{
    private const string AdminEmail = "admin@modbrowser.test", ModeratorEmail = "moderator@modbrowser.test",
        UploaderEmail = "uploader@modbrowser.test", ReaderEmail = "reader@modbrowser.test", ClaimantEmail = "claimant@modbrowser.test";

    /// <summary>The documents and people the pages show.</summary>
    private sealed record Scene(long Reported, long Appealed, long Removed, string UploaderId);

    /// <summary>
    /// A reader's report of a document and of a comment, a claim with evidence, two held documents (near duplicate and
    /// new-upload review), a removed document with the uploader's appeal and one without, a pending comment, sensitive
    /// words, a banned reader, audit entries and notifications: made once, through the site's own services.
    /// </summary>
    private Task<Scene> SceneAsync() => site.OnceAsync("moderation", async () =>
    {
        var adminId = await site.EnsureUserAsync(AdminEmail, Roles.Admin);
        var moderatorId = await site.EnsureUserAsync(ModeratorEmail, Roles.Moderator);
        var uploaderId = await site.EnsureUserAsync(UploaderEmail);
        var readerId = await site.EnsureUserAsync(ReaderEmail);
        var claimantId = await site.EnsureUserAsync(ClaimantEmail);
        var bannedId = await site.EnsureUserAsync("spammer@modbrowser.test");

        var reported = await StockedDocAsync(uploaderId, "高等数学习题集 Calculus exercises with a rather long title for a phone", DocumentStatus.Ready, 3);
        var nearDuplicate = await StockedDocAsync(uploaderId, "高等数学习题集（副本）Calculus exercises copy", DocumentStatus.Held, 3);
        var newUpload = await StockedDocAsync(readerId, "新用户的第一份文档 A new uploader's first document", DocumentStatus.Held, 2);
        var appealed = await StockedDocAsync(uploaderId, "机械制图国家标准汇编 Drawing standards", DocumentStatus.Ready, 2);
        var removed = await StockedDocAsync(uploaderId, "建筑施工组织设计 Construction plan", DocumentStatus.Ready, 2);
        var (comment, pending) = await site.WithDbAsync(async db =>
        {
            var near = await db.Documents.FindAsync(nearDuplicate);
            (near!.NearDuplicateOfId, near.NearDuplicateScore, near.HoldReason) = (reported, 0.87, HoldReason.NearDuplicate);
            (await db.Documents.FindAsync(newUpload))!.HoldReason = HoldReason.NewUpload;
            var visible = new Comment { DocumentId = reported, UserId = uploaderId, Body = "加我微信买答案 buy the answers from me, add me on WeChat" };
            var waiting = new Comment { DocumentId = reported, UserId = readerId, Body = "第三题的答案好像有错 the answer to question 3 looks wrong, 待审词", State = CommentState.Pending, ReviewWords = "待审词" };
            db.Comments.AddRange(visible, waiting);
            await db.SaveChangesAsync();
            return (visible.Id, waiting.Id);
        });

        await using var scope = site.Services.CreateAsyncScope();
        var services = scope.ServiceProvider;
        var ct = CancellationToken.None;
        var reports = services.GetRequiredService<ReportFiling>();
        (await reports.FileAsync(reported, new ReportForm("infringement", "整本书被上传了 the whole book was uploaded without permission",
            "高等数学（第七版）Advanced Mathematics, 7th edition", "ISBN 978-7-04-039663-8", "rights@example.com"), readerId, ct)).ShouldBeOfType<ReportFilingOutcome.Done>();
        (await reports.FileAsync(reported, new ReportForm("spam", "评论里在卖答案 selling answers in a comment", CommentId: comment), readerId, ct))
            .ShouldBeOfType<ReportFilingOutcome.Done>();
        var evidence = TestPdfs.Handmade("版权登记证书 certificate of copyright registration");
        (await services.GetRequiredService<ClaimFiling>().FileAsync(reported, claimantId, "这本习题集是我编写的，出版社可以证明。I wrote this exercise book; the publisher can confirm.",
            true, new EvidenceUpload(new MemoryStream(evidence), evidence.Length, "版权登记证书.pdf"), ct)).ShouldBeOfType<ClaimFilingOutcome.Done>();

        var removals = services.GetRequiredService<DocumentRemovals>();
        (await removals.RemoveAsync(appealed, RemovalCategory.Infringement, "权利人投诉，出版社提供了版权证明 the publisher sent proof of copyright", moderatorId, ct))
            .ShouldBeOfType<RemovalOutcome.Done>();
        (await services.GetRequiredService<Appeals>().FileAsync(appealed, "这是我自己整理的笔记，不是原书。These are my own notes, not the book.", uploaderId, ct))
            .ShouldBeOfType<AppealOutcome.Done>();
        (await removals.RemoveAsync(removed, RemovalCategory.Spam, "广告内容 advertising", moderatorId, ct)).ShouldBeOfType<RemovalOutcome.Done>();

        var words = services.GetRequiredService<WordList>();
        (await words.AddAsync("待审词", WordAction.Review, "测试 test words", moderatorId, ct)).ShouldBeNull();
        (await words.AddAsync("违禁词", WordAction.Block, "测试 test words", moderatorId, ct)).ShouldBeNull();
        (await words.AddAsync("代写论文", WordAction.Block, "常见广告 common advertising", adminId, ct)).ShouldBeNull();

        (await services.GetRequiredService<UserModeration>().BanAsync(bannedId, "发广告 posting advertisements", false, moderatorId, false, ct))
            .Decision.ShouldBeOfType<Decision.Done>();

        await site.WithDbAsync(async db =>
        {
            var title = "高等数学习题集 Calculus exercises";
            Notifications.Add(db, readerId, NotificationKinds.ReportDecided, new { title, outcome = "dismissed", reason = "未发现侵权 no infringement found" }, $"/d/{reported}");
            Notifications.Add(db, readerId, NotificationKinds.CommentHidden, new { title, reason = "与文档无关 off topic" }, $"/d/{reported}");
            Notifications.Add(db, readerId, NotificationKinds.PurchaseRefunded, new { title = "机械制图国家标准汇编 Drawing standards", points = 45 }, $"/d/{appealed}");
            await db.SaveChangesAsync();
            return 0;
        });
        _ = pending;
        return new Scene(reported, appealed, removed, uploaderId);
    });

    /// <summary>A document of <paramref name="uploaderId"/> whose page images are real JPEGs in the store.</summary>
    private async Task<long> StockedDocAsync(string uploaderId, string title, DocumentStatus status, int pages)
    {
        var id = await site.ReadyDocAsync(uploaderId, 0, status);
        await site.WithDbAsync(async db =>
        {
            var doc = await db.Documents.FindAsync(id);
            (doc!.Title, doc.PageCount, doc.PreviewPages) = (title, pages, pages);
            for (var n = 1; n <= pages; n++) db.DocumentPages.Add(new DocumentPage { DocumentId = id, Number = n, Width = 420, Height = 594, Text = $"第{n}页 page {n}" });
            return await db.SaveChangesAsync();
        });
        await using var scope = site.Services.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<IFileStore>();
        for (var n = 1; n <= pages; n++)
            await store.PutAsync(Document.PageKey(id, n), new MemoryStream(TestImages.Encode(SKEncodedImageFormat.Jpeg, 420, 594, new SKColor(245, 248, (byte)(200 + n * 10)))), CancellationToken.None);
        return id;
    }

    /// <summary>Each page: who looks at it (null: nobody signed in), where it is, and the status it answers.</summary>
    private static readonly Dictionary<string, (string? Email, Func<Scene, string> Path, int Status)> Pages = new()
    {
        ["review"] = (ModeratorEmail, _ => "/admin/review", 200),
        ["review-held"] = (ModeratorEmail, _ => "/admin/review?kind=held", 200),
        ["report"] = (ClaimantEmail, s => $"/d/{s.Reported}/report", 200),
        ["claim"] = (ReaderEmail, s => $"/d/{s.Reported}/claim", 200),
        ["removed-uploader"] = (UploaderEmail, s => $"/d/{s.Removed}", 410),
        ["removed-appealed-uploader"] = (UploaderEmail, s => $"/d/{s.Appealed}", 410),
        ["removed-staff"] = (AdminEmail, s => $"/d/{s.Removed}", 410),
        ["removed-anonymous"] = (null, s => $"/d/{s.Removed}", 410),
        ["document-staff"] = (AdminEmail, s => $"/d/{s.Reported}", 200),
        ["my-reports"] = (ReaderEmail, _ => "/me/reports", 200),
        ["my-claims"] = (ClaimantEmail, _ => "/me/claims", 200),
        ["my-notifications"] = (ReaderEmail, _ => "/me/notifications", 200),
        ["admin-words"] = (ModeratorEmail, _ => "/admin/words", 200),
        ["admin-users"] = (AdminEmail, _ => "/admin/users", 200),
        ["admin-user"] = (AdminEmail, s => $"/admin/users/{s.UploaderId}", 200),
        ["admin-audit"] = (AdminEmail, _ => "/admin/audit", 200),
        // The same pages in English (longer words): ?lang=en, as the language switch's alternates link them.
        ["review-en"] = (ModeratorEmail, _ => "/admin/review?lang=en", 200),
        ["removed-uploader-en"] = (UploaderEmail, s => $"/d/{s.Removed}?lang=en", 410),
        ["my-notifications-en"] = (ReaderEmail, _ => "/me/notifications?lang=en", 200),
    };

    public static TheoryData<string, string> PagesAtBothWidths()
    {
        var data = new TheoryData<string, string>();
        foreach (var page in Pages.Keys)
            foreach (var viewport in BrowserViewport.Both) data.Add(page, viewport.Name);
        return data;
    }

    [Theory]
    [MemberData(nameof(PagesAtBothWidths))]
    public async Task Moderation_page_renders_cleanly(string name, string width)
    {
        var scene = await SceneAsync();
        var viewport = BrowserViewport.Both.Single(v => v.Name == width);
        var (email, path, status) = Pages[name];
        var role = email switch { AdminEmail => Roles.Admin, ModeratorEmail => Roles.Moderator, _ => Roles.User };
        var context = email is null ? await site.ContextAsync(viewport) : await site.ContextOfAsync(email, viewport, role);
        try
        {
            var problems = await PageCheck.RunAsync(context, path(scene), viewport, Path.Combine(BrowserSite.ScreenshotDir, $"moderation-{name}-{viewport.Name}.png"), status);
            problems.ShouldBeEmpty($"{path(scene)} at {viewport.Name} width");
        }
        finally
        {
            if (email is null) await context.CloseAsync();
        }
    }
}
