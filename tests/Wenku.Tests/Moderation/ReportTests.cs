using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Wenku.Accounts;
using Wenku.Comments;
using Wenku.Documents;
using Wenku.Moderation;
using Wenku.Tests.Commerce;
using Wenku.Tests.Infrastructure;
using Xunit;

namespace Wenku.Tests.Moderation;

/// <summary>Reports (举报) of documents and comments through the site and the API, their decisions, and comment moderation.</summary>
[Trait(WenkuFactory.Suite, WenkuFactory.OnBothStacks)]
public sealed class ReportTests(CommerceSite site) : IClassFixture<CommerceSite>
{
    private static string NewEmail(string who) => $"{who}-{Guid.NewGuid():N}@report.test";

    private async Task<(long Doc, string UploaderId)> DocAsync()
    {
        var uploader = await site.CreateUserAsync(NewEmail("up"));
        return (await site.ReadyDocAsync(uploader, 0), uploader);
    }

    private Task<long> CommentAsync(long doc, string userId, CommentState state = CommentState.Visible, string body = "一条评论 a comment") =>
        site.WithDbAsync(async db =>
        {
            var c = new Comment { DocumentId = doc, UserId = userId, Body = body, State = state };
            db.Comments.Add(c);
            await db.SaveChangesAsync();
            return c.Id;
        });

    private Task<int> AuditCountAsync(string kind, string objectType, long id) =>
        site.WithDbAsync(db => db.AuditEntries.CountAsync(a => a.Kind == kind && a.ObjectType == objectType && a.ObjectId == id.ToString()));

    private static Task<HttpResponseMessage> ReportOnSiteAsync(HttpClient browser, string url, Dictionary<string, string> fields) =>
        browser.PostFormAsync(url, url, fields);

    private static async Task<long> CreatedIdAsync(HttpResponseMessage response)
    {
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
    }

    private async Task<HttpResponseMessage> DecideAsync(HttpClient staff, long report, string action, string reason = "核实 checked") =>
        await staff.PostAsJsonAsync($"/api/v1/moderation/reports/{report}/decision", new { action, reason });

    [Fact]
    public async Task Reader_reports_a_document_from_its_page_and_sees_the_report_under_my_reports()
    {
        var (doc, _) = await DocAsync();
        var (reader, readerId) = await site.SignedInBrowserAsync(NewEmail("reader"));
        var page = await reader.GetDocumentAsync($"/d/{doc}");
        page.One("#copyright a[data-action=report]").GetAttribute("href").ShouldBe($"/d/{doc}/report");

        var form = await reader.GetDocumentAsync($"/d/{doc}/report");
        form.QuerySelectorAll("#report input[name=Reason]").Select(i => i.GetAttribute("value"))
            .ShouldBe(["infringement", "pornography", "illegal", "spam", "duplicate", "other"]);
        var response = await ReportOnSiteAsync(reader, $"/d/{doc}/report", new() { ["Reason"] = "spam", ["Details"] = "全是广告 all ads" });
        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var report = await site.WithDbAsync(db => db.Reports.AsNoTracking().SingleAsync(r => r.DocumentId == doc));
        (report.ReporterId, report.Reason, report.Details, report.State).ShouldBe((readerId, ReportReason.Spam, "全是广告 all ads", ReportState.Open));
        response.Headers.Location!.OriginalString.ShouldBe($"/me/reports?filed={report.Id}");

        var mine = await reader.GetDocumentAsync(response.Headers.Location.OriginalString);
        mine.One("#report-filed").Text().ShouldContain("已提交");
        var row = mine.One($"#report-{report.Id}");
        row.One("[data-reason]").Text().ShouldBe("广告");
        row.One("[data-state-label]").Text().ShouldBe("处理中");
        row.One("[data-document] a").GetAttribute("href").ShouldBe($"/d/{doc}");
        (await reader.GetDocumentAsync("/me")).QuerySelector("a[href='/me/reports']").ShouldNotBeNull();
    }

    [Fact]
    public async Task Anonymous_reader_is_sent_to_sign_in_and_back_to_the_report_form()
    {
        var (doc, _) = await DocAsync();
        var response = await site.Browser().GetAsync($"/d/{doc}/report?comment=5");
        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var location = response.Headers.Location!.PathAndQuery;
        location.ShouldStartWith("/account/login?ReturnUrl=");
        Uri.UnescapeDataString(location["/account/login?ReturnUrl=".Length..]).ShouldBe($"/d/{doc}/report?comment=5");
    }

    [Fact]
    public async Task A_second_open_report_of_the_same_document_is_refused_and_changes_nothing()
    {
        var (doc, _) = await DocAsync();
        var email = NewEmail("twice");
        var (reader, readerId) = await site.SignedInBrowserAsync(email);
        (await ReportOnSiteAsync(reader, $"/d/{doc}/report", new() { ["Reason"] = "illegal", ["Details"] = "第一次 first" })).StatusCode.ShouldBe(HttpStatusCode.Redirect);

        // The form says so instead of offering itself again …
        var form = await reader.GetDocumentAsync($"/d/{doc}/report");
        form.One("#report-refused").Text().ShouldBe("你已举报过，正在处理。");
        form.QuerySelector("#report form").ShouldBeNull();
        // … a post anyway is refused with the same words …
        var again = await reader.PostAsync($"/d/{doc}/report", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Reason"] = "spam", ["Details"] = "第二次 second", ["__RequestVerificationToken"] = await reader.AntiforgeryTokenAsync("/me/reports"),
        }));
        again.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        Html.Parse(await again.Content.ReadAsStringAsync()).One("#report-refused").Text().ShouldBe("你已举报过，正在处理。");
        // … and so is one through the API.
        await using (var scope = site.Services.CreateAsyncScope())
        {
            var token = await scope.ServiceProvider.GetRequiredService<ApiTokens>().CreateAsync(readerId, "t", CancellationToken.None);
            var api = site.CreateClient();
            api.DefaultRequestHeaders.Authorization = new("Bearer", token);
            var conflict = await api.PostAsJsonAsync($"/api/v1/documents/{doc}/reports", new { reason = "spam", details = "API" });
            conflict.StatusCode.ShouldBe(HttpStatusCode.Conflict);
            (await conflict.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString().ShouldBe("你已举报过，正在处理。");
        }
        var reports = await site.WithDbAsync(db => db.Reports.AsNoTracking().Where(r => r.DocumentId == doc).ToListAsync());
        reports.ShouldHaveSingleItem().Details.ShouldBe("第一次 first");
    }

    [Fact]
    public async Task Parallel_reports_of_one_reader_make_one_report()
    {
        var (doc, _) = await DocAsync();
        var (api, readerId) = await site.ApiClientAsync(NewEmail("racer"));
        var answers = await Task.WhenAll(Enumerable.Range(0, 6).Select(i =>
            api.PostAsJsonAsync($"/api/v1/documents/{doc}/reports", new { reason = "duplicate", details = $"第{i}次 try {i}" })));
        answers.Count(a => a.StatusCode == HttpStatusCode.Created).ShouldBe(1);
        answers.Count(a => a.StatusCode == HttpStatusCode.Conflict).ShouldBe(5);
        (await site.WithDbAsync(db => db.Reports.CountAsync(r => r.DocumentId == doc && r.ReporterId == readerId))).ShouldBe(1);
    }

    [Fact]
    public async Task An_infringement_report_names_the_original_work_and_the_rights_holders_contact()
    {
        var (doc, _) = await DocAsync();
        var (api, _) = await site.ApiClientAsync(NewEmail("holder"));
        var noContact = await api.PostAsJsonAsync($"/api/v1/documents/{doc}/reports", new { reason = "infringement", details = "我的书 my book", originalTitle = "原著 The Book" });
        noContact.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await noContact.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("contact", out _).ShouldBeTrue();
        var noWork = await api.PostAsJsonAsync($"/api/v1/documents/{doc}/reports", new { reason = "infringement", details = "我的书", contact = "holder@report.test" });
        (await noWork.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("originalTitle", out _).ShouldBeTrue();
        var badReason = await api.PostAsJsonAsync($"/api/v1/documents/{doc}/reports", new { reason = "boring", details = "x" });
        (await badReason.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("reason", out _).ShouldBeTrue();
        var tooLong = await api.PostAsJsonAsync($"/api/v1/documents/{doc}/reports", new { reason = "spam", details = new string('长', Report.MaxDetails + 1) });
        (await tooLong.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("details", out _).ShouldBeTrue();
        (await site.WithDbAsync(db => db.Reports.CountAsync(r => r.DocumentId == doc))).ShouldBe(0);

        var id = await CreatedIdAsync(await api.PostAsJsonAsync($"/api/v1/documents/{doc}/reports",
            new { reason = "infringement", details = "整本照搬 copied whole", originalLink = "ISBN 978-7-111-11111-1", contact = "holder@report.test" }));
        var report = await site.WithDbAsync(db => db.Reports.AsNoTracking().SingleAsync(r => r.Id == id));
        (report.Reason, report.OriginalLink, report.Contact, report.OriginalTitle).ShouldBe((ReportReason.Infringement, "ISBN 978-7-111-11111-1", "holder@report.test", null));

        // The site's form says which field is missing and keeps what was typed.
        var (reader, _) = await site.SignedInBrowserAsync(NewEmail("form"));
        var refused = await ReportOnSiteAsync(reader, $"/d/{doc}/report", new() { ["Reason"] = "infringement", ["OriginalTitle"] = "原著 The Book" });
        refused.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var page = Html.Parse(await refused.Content.ReadAsStringAsync());
        page.One("#report-error").GetAttribute("data-field").ShouldBe("contact");
        page.One("#OriginalTitle").GetAttribute("value").ShouldBe("原著 The Book");
        page.One("input[name=Reason][value=infringement]").HasAttribute("checked").ShouldBeTrue();
    }

    [Fact]
    public async Task Reporting_ones_own_document_or_comment_is_refused()
    {
        var email = NewEmail("self");
        var (api, selfId) = await site.ApiClientAsync(email);
        var doc = await site.ReadyDocAsync(selfId, 0);
        (await api.PostAsJsonAsync($"/api/v1/documents/{doc}/reports", new { reason = "spam", details = "我自己 me" })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        var (other, _) = await DocAsync();
        var comment = await CommentAsync(other, selfId);
        (await api.PostAsJsonAsync($"/api/v1/documents/{other}/reports", new { reason = "spam", details = "我的评论", commentId = comment })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await site.WithDbAsync(db => db.Reports.CountAsync(r => r.ReporterId == selfId))).ShouldBe(0);
    }

    [Fact]
    public async Task A_removed_document_cannot_be_reported_and_an_invisible_one_is_not_found()
    {
        var (doc, _) = await DocAsync();
        var adminId = await site.CreateUserAsync(NewEmail("admin"), Roles.Admin);
        await using (var scope = site.Services.CreateAsyncScope())
            (await scope.ServiceProvider.GetRequiredService<DocumentRemovals>().RemoveAsync(doc, RemovalCategory.Illegal, "违法 illegal", adminId, CancellationToken.None))
                .ShouldBeOfType<RemovalOutcome.Done>();
        var (api, _) = await site.ApiClientAsync(NewEmail("late"));
        (await api.PostAsJsonAsync($"/api/v1/documents/{doc}/reports", new { reason = "illegal", details = "x" })).StatusCode.ShouldBe(HttpStatusCode.Gone);
        var (reader, _) = await site.SignedInBrowserAsync(NewEmail("late-site"));
        (await reader.GetAsync($"/d/{doc}/report")).StatusCode.ShouldBe(HttpStatusCode.Gone);

        var failed = await site.ReadyDocAsync(await site.CreateUserAsync(NewEmail("up")), 0, DocumentStatus.Failed);
        (await api.PostAsJsonAsync($"/api/v1/documents/{failed}/reports", new { reason = "spam", details = "x" })).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await reader.GetAsync($"/d/{failed}/report")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Reporter_sees_the_outcome_after_a_dismissal()
    {
        var (doc, _) = await DocAsync();
        var (reader, readerId) = await site.SignedInBrowserAsync(NewEmail("dismissed"));
        (await ReportOnSiteAsync(reader, $"/d/{doc}/report", new() { ["Reason"] = "pornography", ["Details"] = "不雅 indecent" })).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var report = await site.WithDbAsync(db => db.Reports.Where(r => r.DocumentId == doc).Select(r => r.Id).SingleAsync());
        var (staff, _) = await site.ApiClientAsync(NewEmail("mod"), Roles.Moderator);

        var decided = await DecideAsync(staff, report, "dismiss", "内容正常 nothing wrong");
        decided.StatusCode.ShouldBe(HttpStatusCode.OK);
        var body = await decided.Content.ReadFromJsonAsync<JsonElement>();
        (body.GetProperty("id").GetInt64(), body.GetProperty("state").GetString()).ShouldBe((report, "dismissed"));
        (await DecideAsync(staff, report, "remove")).StatusCode.ShouldBe(HttpStatusCode.Conflict);

        var row = (await reader.GetDocumentAsync("/me/reports")).One($"#report-{report}");
        row.One("[data-state-label]").Text().ShouldStartWith("未采纳");
        row.One("[data-decision-reason]").Text().ShouldBe("内容正常 nothing wrong");
        (await site.WithDbAsync(db => db.Documents.Where(d => d.Id == doc).Select(d => d.Status).SingleAsync())).ShouldBe(DocumentStatus.Ready);
        (await site.WithDbAsync(db => db.Notifications.CountAsync(n => n.UserId == readerId && n.Kind == NotificationKinds.ReportDecided))).ShouldBe(1);
        (await AuditCountAsync(AuditKinds.ReportDismiss, "report", report)).ShouldBe(1);
        // A reader can report it again once the first report is closed.
        (await ReportOnSiteAsync(reader, $"/d/{doc}/report", new() { ["Reason"] = "pornography", ["Details"] = "再次 again" })).StatusCode.ShouldBe(HttpStatusCode.Redirect);
    }

    [Fact]
    public async Task Removing_through_a_report_takes_the_document_down_and_closes_every_open_report_of_it()
    {
        var (doc, _) = await DocAsync();
        var (first, firstId) = await site.ApiClientAsync(NewEmail("first"));
        var (second, secondId) = await site.ApiClientAsync(NewEmail("second"));
        var report = await CreatedIdAsync(await first.PostAsJsonAsync($"/api/v1/documents/{doc}/reports",
            new { reason = "infringement", details = "盗版 pirated", originalTitle = "原著", contact = "a@report.test" }));
        var other = await CreatedIdAsync(await second.PostAsJsonAsync($"/api/v1/documents/{doc}/reports", new { reason = "spam", details = "广告" }));
        (await site.CreateClient().GetAsync($"/api/v1/documents/{doc}")).StatusCode.ShouldBe(HttpStatusCode.OK);

        var (staff, staffId) = await site.ApiClientAsync(NewEmail("mod"), Roles.Moderator);
        (await DecideAsync(staff, report, "remove", "")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await DecideAsync(staff, report, "ban")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var decided = await DecideAsync(staff, report, "remove", "权利人已证明 rights proven");
        decided.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await decided.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("state").GetString().ShouldBe("actioned");

        var removal = await site.WithDbAsync(db => db.DocumentRemovals.AsNoTracking().SingleAsync(r => r.DocumentId == doc));
        (removal.Category, removal.ReportId, removal.RemovedById).ShouldBe((RemovalCategory.Infringement, (long?)report, staffId));
        (await site.WithDbAsync(db => db.Documents.Where(d => d.Id == doc).Select(d => d.Status).SingleAsync())).ShouldBe(DocumentStatus.Removed);
        (await site.CreateClient().GetAsync($"/api/v1/documents/{doc}")).StatusCode.ShouldBeOneOf(HttpStatusCode.NotFound, HttpStatusCode.Gone);
        (await site.CreateClient().GetAsync($"/d/{doc}")).StatusCode.ShouldBeOneOf(HttpStatusCode.NotFound, HttpStatusCode.Gone);
        (await site.Browser().GetDocumentAsync("/c/other")).QuerySelector($"a[href='/d/{doc}']").ShouldBeNull();

        var states = await site.WithDbAsync(db => db.Reports.Where(r => r.DocumentId == doc).OrderBy(r => r.Id).Select(r => r.State).ToListAsync());
        states.ShouldBe([ReportState.Actioned, ReportState.Actioned]);
        (await DecideAsync(staff, other, "dismiss")).StatusCode.ShouldBe(HttpStatusCode.Conflict);
        foreach (var reporter in new[] { firstId, secondId })
            (await site.WithDbAsync(db => db.Notifications.CountAsync(n => n.UserId == reporter && n.Kind == NotificationKinds.ReportDecided))).ShouldBe(1);
        (await AuditCountAsync(AuditKinds.DocumentRemove, "document", doc)).ShouldBe(1);

        var (reader, _) = await site.SignedInBrowserAsync(await site.WithDbAsync(db => db.Users.Where(u => u.Id == firstId).Select(u => u.Email!).SingleAsync()));
        var row = (await reader.GetDocumentAsync("/me/reports")).One($"#report-{report}");
        row.One("[data-state-label]").Text().ShouldStartWith("已处理");
        row.One("[data-decision-reason]").Text().ShouldBe("权利人已证明 rights proven");
        row.QuerySelector("[data-document] a").ShouldBeNull(); // no link to a page that is gone
    }

    [Fact]
    public async Task A_reported_comment_hidden_by_a_moderator_is_gone_for_readers_and_marked_for_staff()
    {
        var (doc, _) = await DocAsync();
        var authorId = await site.CreateUserAsync(NewEmail("author"));
        var comment = await CommentAsync(doc, authorId, body: "买粉加微信 spam comment");
        var (reader, readerId) = await site.SignedInBrowserAsync(NewEmail("reader"));

        var page = await reader.GetDocumentAsync($"/d/{doc}");
        page.One($"#comment-{comment} a[data-action=report-comment]").GetAttribute("href").ShouldBe($"/d/{doc}/report?comment={comment}");
        (await site.Browser().GetDocumentAsync($"/d/{doc}")).One("#comments h2").Text().ShouldBe("评论（1）"); // cached for anonymous readers
        var form = await reader.GetDocumentAsync($"/d/{doc}/report?comment={comment}");
        form.One("#reported-comment").Text().ShouldContain("买粉加微信 spam comment");
        (await ReportOnSiteAsync(reader, $"/d/{doc}/report?comment={comment}", new() { ["Reason"] = "spam", ["Details"] = "广告评论 ad" })).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var report = await site.WithDbAsync(db => db.Reports.AsNoTracking().SingleAsync(r => r.CommentId == comment));
        report.DocumentId.ShouldBe(doc);

        var (staffApi, _) = await site.ApiClientAsync(NewEmail("mod"), Roles.Moderator);
        (await DecideAsync(staffApi, report.Id, "remove", "广告 advertising")).StatusCode.ShouldBe(HttpStatusCode.OK);

        var anonymous = await site.Browser().GetDocumentAsync($"/d/{doc}");
        anonymous.QuerySelector($"#comment-{comment}").ShouldBeNull();
        anonymous.One("#comments h2").Text().ShouldBe("评论（0）");
        (await reader.GetDocumentAsync($"/d/{doc}")).QuerySelector($"#comment-{comment}").ShouldBeNull();
        var (staff, _) = await site.SignedInBrowserAsync(NewEmail("mod-site"), Roles.Moderator);
        var marked = (await staff.GetDocumentAsync($"/d/{doc}")).One($"#comment-{comment}");
        marked.GetAttribute("data-state").ShouldBe("hidden");
        marked.One("[data-comment-mark]").Text().ShouldBe("已隐藏（仅版主可见）");
        (await site.WithDbAsync(db => db.Documents.Where(d => d.Id == doc).Select(d => d.Status).SingleAsync())).ShouldBe(DocumentStatus.Ready);

        (await site.WithDbAsync(db => db.Notifications.CountAsync(n => n.UserId == authorId && n.Kind == NotificationKinds.CommentHidden))).ShouldBe(1);
        (await site.WithDbAsync(db => db.Notifications.CountAsync(n => n.UserId == readerId && n.Kind == NotificationKinds.ReportDecided))).ShouldBe(1);
        (await AuditCountAsync(AuditKinds.CommentHide, "comment", comment)).ShouldBe(1);
        (await AuditCountAsync(AuditKinds.ReportAction, "report", report.Id)).ShouldBe(1);
        (await reader.GetDocumentAsync("/me/reports")).One($"#report-{report.Id} [data-state-label]").Text().ShouldStartWith("已处理");
        await using var scope = site.Services.CreateAsyncScope();
        (await scope.ServiceProvider.GetRequiredService<AuditLog>().VerifyAsync(CancellationToken.None)).ShouldBeNull();
    }

    [Fact]
    public async Task A_pending_comment_is_shown_only_to_its_author_and_staff_until_approved()
    {
        var (doc, _) = await DocAsync();
        var (author, authorId) = await site.SignedInBrowserAsync(NewEmail("author"));
        var comment = await CommentAsync(doc, authorId, CommentState.Pending, "待审的话 words under review");

        var own = await author.GetDocumentAsync($"/d/{doc}");
        own.One($"#comment-{comment} [data-comment-mark]").Text().ShouldBe("待审核");
        own.One("#comments h2").Text().ShouldBe("评论（0）");
        var (other, _) = await site.SignedInBrowserAsync(NewEmail("other"));
        (await other.GetDocumentAsync($"/d/{doc}")).QuerySelector($"#comment-{comment}").ShouldBeNull();
        (await site.Browser().GetDocumentAsync($"/d/{doc}")).QuerySelector($"#comment-{comment}").ShouldBeNull();
        (await other.GetAsync($"/d/{doc}/report?comment={comment}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        var (staff, _) = await site.SignedInBrowserAsync(NewEmail("mod"), Roles.Moderator);
        var seen = (await staff.GetDocumentAsync($"/d/{doc}")).One($"#comment-{comment}");
        seen.GetAttribute("data-state").ShouldBe("pending");
        seen.One("form[data-moderate] button[value=approve]").ShouldNotBeNull();
        (await staff.PostFormAsync($"/d/{doc}", $"/comments/{comment}/moderate", new() { ["action"] = "approve", ["reason"] = "无问题 fine" }))
            .StatusCode.ShouldBe(HttpStatusCode.Redirect);

        var anonymous = await site.Browser().GetDocumentAsync($"/d/{doc}");
        anonymous.One($"#comment-{comment}").GetAttribute("data-state").ShouldBe("visible");
        anonymous.One("#comments h2").Text().ShouldBe("评论（1）");
        (await AuditCountAsync(AuditKinds.CommentApprove, "comment", comment)).ShouldBe(1);
    }

    [Fact]
    public async Task Staff_delete_a_comment_with_a_reason_and_its_open_reports_are_closed()
    {
        var (doc, _) = await DocAsync();
        var authorId = await site.CreateUserAsync(NewEmail("author"));
        var comment = await CommentAsync(doc, authorId, body: "辱骂 abuse");
        var (api, reporterId) = await site.ApiClientAsync(NewEmail("reporter"));
        var report = await CreatedIdAsync(await api.PostAsJsonAsync($"/api/v1/documents/{doc}/reports", new { reason = "other", details = "辱骂 abusive", commentId = comment }));

        var (reader, _) = await site.SignedInBrowserAsync(NewEmail("reader"));
        (await reader.PostFormAsync($"/d/{doc}", $"/comments/{comment}/moderate", new() { ["action"] = "delete", ["reason"] = "x" }))
            .StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        var (staff, _) = await site.SignedInBrowserAsync(NewEmail("mod"), Roles.Admin);
        (await staff.PostFormAsync($"/d/{doc}", $"/comments/{comment}/moderate", new() { ["action"] = "delete", ["reason"] = "" }))
            .StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await staff.PostFormAsync($"/d/{doc}", $"/comments/{comment}/moderate", new() { ["action"] = "delete", ["reason"] = "辱骂他人 abuse" }))
            .StatusCode.ShouldBe(HttpStatusCode.Redirect);

        (await site.WithDbAsync(db => db.Comments.AnyAsync(c => c.Id == comment))).ShouldBeFalse();
        (await site.WithDbAsync(db => db.Reports.Where(r => r.Id == report).Select(r => r.State).SingleAsync())).ShouldBe(ReportState.Actioned);
        (await site.WithDbAsync(db => db.Notifications.CountAsync(n => n.UserId == reporterId && n.Kind == NotificationKinds.ReportDecided))).ShouldBe(1);
        (await AuditCountAsync(AuditKinds.CommentDelete, "comment", comment)).ShouldBe(1);
    }
}

/// <summary>The hourly limit of reports per reader.</summary>
[Trait(WenkuFactory.Suite, WenkuFactory.OnBothStacks)]
public sealed class ReportRateLimitTests(ReportRateLimitTests.Site site) : IClassFixture<ReportRateLimitTests.Site>
{
    public sealed class Site : CommerceSite
    {
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Wenku:ReportsPerHour"] = "3" };
    }

    [Fact]
    public async Task The_fourth_report_within_an_hour_is_refused_with_429()
    {
        var uploader = await site.CreateUserAsync($"up-{Guid.NewGuid():N}@limit.test");
        var docs = new List<long>();
        for (var i = 0; i < 5; i++) docs.Add(await site.ReadyDocAsync(uploader, 0));
        var (api, readerId) = await site.ApiClientAsync($"reader-{Guid.NewGuid():N}@limit.test");
        var statuses = new List<HttpStatusCode>();
        foreach (var doc in docs.Take(4))
            statuses.Add((await api.PostAsJsonAsync($"/api/v1/documents/{doc}/reports", new { reason = "spam", details = "广告" })).StatusCode);
        statuses.ShouldBe([HttpStatusCode.Created, HttpStatusCode.Created, HttpStatusCode.Created, HttpStatusCode.TooManyRequests]);
        (await site.WithDbAsync(db => db.Reports.CountAsync(r => r.ReporterId == readerId))).ShouldBe(3);

        // Another reader is not limited by this one.
        var (other, _) = await site.ApiClientAsync($"other-{Guid.NewGuid():N}@limit.test");
        (await other.PostAsJsonAsync($"/api/v1/documents/{docs[4]}/reports", new { reason = "spam", details = "广告" })).StatusCode.ShouldBe(HttpStatusCode.Created);
    }
}
