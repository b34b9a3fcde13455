using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Wenku.Accounts;
using Wenku.Documents;
using Wenku.Moderation;
using Wenku.Tests.Commerce;
using Wenku.Tests.Infrastructure;

namespace Wenku.Tests.Moderation;

/// <summary>Staff manage users at /admin/users: search, roles (admins), bans that stop sign-in, cookies and tokens at once.</summary>
[Trait(WenkuFactory.Suite, WenkuFactory.OnBothStacks)]
public sealed class UserAdminTests(CommerceSite site) : IClassFixture<CommerceSite>
{
    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];

    [Fact]
    public async Task Search_finds_users_by_part_of_the_display_name_or_the_email_in_any_case()
    {
        var name = Unique("zhangwei");
        var id = await site.CreateUserAsync($"{name}@Example-Search.test");
        var other = await site.CreateUserAsync($"{Unique("lisi")}@elsewhere.test");
        var (moderator, _) = await site.SignedInBrowserAsync($"{Unique("searchmod")}@test.local", Roles.Moderator);

        var byName = await moderator.GetDocumentAsync($"/admin/users?q={name.ToUpperInvariant()[2..]}");
        var row = byName.One("#users tbody tr");
        row.GetAttribute("data-user").ShouldBe(id);
        row.One(".role").Text().ShouldBe(Roles.User);
        row.One(".state").Text().ShouldContain("正常");

        var byEmail = await moderator.GetDocumentAsync("/admin/users?q=EXAMPLE-search");
        byEmail.QuerySelectorAll("#users tbody tr").Select(r => r.GetAttribute("data-user")).ShouldContain(id);
        byEmail.QuerySelectorAll("#users tbody tr").Select(r => r.GetAttribute("data-user")).ShouldNotContain(other);

        (await moderator.GetDocumentAsync("/admin/users?q=nobody-has-this-name")).One("#no-users");
        (await moderator.GetAsync("/admin/users?q=" + new string('x', 101))).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task A_moderator_cannot_change_roles_and_an_admin_can_with_the_new_role_at_once()
    {
        var email = $"{Unique("promoted")}@test.local";
        var (target, targetId) = await site.SignedInBrowserAsync(email);
        (await target.GetAsync("/admin/users")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        var (moderator, _) = await site.SignedInBrowserAsync($"{Unique("rolemod")}@test.local", Roles.Moderator);
        var (admin, adminId) = await site.SignedInBrowserAsync($"{Unique("roleadmin")}@test.local", Roles.Admin);

        (await moderator.GetDocumentAsync($"/admin/users/{targetId}")).QuerySelector("#role-form").ShouldBeNull();
        (await PostAsync(moderator, targetId, "role", new() { ["role"] = Roles.Moderator, ["reason"] = "试试 try" })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await PostAsync(admin, targetId, "role", new() { ["role"] = Roles.Moderator, ["reason"] = "" })).StatusCode.ShouldBe(HttpStatusCode.BadRequest);

        var changed = await PostAsync(admin, targetId, "role", new() { ["role"] = Roles.Moderator, ["reason"] = "新版主 new moderator" });
        changed.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var page = await admin.GetDocumentAsync(changed.Headers.Location!.OriginalString);
        page.One("#role").Text().ShouldBe(Roles.Moderator);
        page.One("#history tbody tr .kind").Text().ShouldBe(AuditKinds.UserRole);
        // The same cookie takes the new role on its very next request.
        (await target.GetAsync("/admin/users")).StatusCode.ShouldBe(HttpStatusCode.OK);

        var entry = await site.WithDbAsync(db => db.AuditEntries.AsNoTracking().SingleAsync(a => a.ObjectId == targetId && a.Kind == AuditKinds.UserRole));
        entry.ActorId.ShouldBe(adminId);
        entry.Reason.ShouldBe("新版主 new moderator");
        entry.Before.ShouldContain("\"user\"");
        entry.After.ShouldContain("\"moderator\"");
    }

    [Fact]
    public async Task A_banned_users_cookie_and_token_stop_on_the_next_request_sign_in_says_why_and_their_documents_are_removed()
    {
        var email = $"{Unique("banned")}@test.local";
        var (browser, userId) = await site.SignedInBrowserAsync(email);
        var token = await TokenAsync(userId);
        var api = Api(token);
        var doc = await site.ReadyDocAsync(userId, 0);
        var held = await site.ReadyDocAsync(userId, 0, DocumentStatus.Held);
        (await browser.GetAsync("/me")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await api.GetAsync("/api/v1/wallet")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await site.Browser().GetAsync($"/api/v1/documents/{doc}")).StatusCode.ShouldBe(HttpStatusCode.OK);
        var (moderator, moderatorId) = await site.SignedInBrowserAsync($"{Unique("banmod")}@test.local", Roles.Moderator);

        (await PostAsync(moderator, userId, "ban", new() { ["reason"] = "" })).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var banned = await PostAsync(moderator, userId, "ban", new() { ["reason"] = "发布广告 spam uploads", ["hideDocuments"] = "true" });
        banned.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var page = await moderator.GetDocumentAsync(banned.Headers.Location!.OriginalString);
        page.One("#message").Text().ShouldContain("隐藏了 2 篇文档");
        page.One("#ban-reason").Text().ShouldBe("发布广告 spam uploads");
        page.QuerySelectorAll("#documents .status").Select(s => s.Text()).ShouldAllBe(s => s == DocumentStatus.Removed.Label());

        // The very cookie and token that worked a request ago.
        var me = await browser.GetAsync("/me");
        me.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        me.Headers.Location!.AbsolutePath.ShouldBe("/account/login");
        (await api.GetAsync("/api/v1/wallet")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await api.PostAsync($"/api/v1/documents/{doc}/purchase", JsonContent.Create(new { }))).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);

        var signIn = await site.Browser().PostFormAsync("/account/login", "/account/login", new() { ["Email"] = email, ["Password"] = TestUsers.Password });
        signIn.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        var refusal = Html.Parse(await signIn.Content.ReadAsStringAsync()).One("p.error").Text();
        refusal.ShouldContain("账号已被封禁");
        refusal.ShouldContain("发布广告 spam uploads");
        // A wrong password learns nothing about the ban.
        var wrong = await site.Browser().PostFormAsync("/account/login", "/account/login", new() { ["Email"] = email, ["Password"] = "not the password" });
        wrong.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        Html.Parse(await wrong.Content.ReadAsStringAsync()).One("p.error").Text().ShouldNotContain("banned");

        var anonymous = site.Browser();
        foreach (var id in new[] { doc, held })
        {
            (await anonymous.GetAsync($"/d/{id}")).StatusCode.ShouldBeOneOf(HttpStatusCode.Gone, HttpStatusCode.NotFound);
            (await anonymous.GetAsync($"/api/v1/documents/{id}")).StatusCode.ShouldBeOneOf(HttpStatusCode.Gone, HttpStatusCode.NotFound);
        }
        var removals = await site.WithDbAsync(db => db.DocumentRemovals.AsNoTracking().Where(r => r.DocumentId == doc || r.DocumentId == held).ToListAsync());
        removals.Count.ShouldBe(2);
        removals.ShouldAllBe(r => r.Category == RemovalCategory.UploaderBanned && r.RemovedById == moderatorId);

        var (audit, notices) = await site.WithDbAsync(async db => (
            await db.AuditEntries.AsNoTracking().Where(a => a.ObjectType == "user" && a.ObjectId == userId).Select(a => a.Kind).ToListAsync(),
            await db.Notifications.AsNoTracking().Where(n => n.UserId == userId).Select(n => n.Kind).ToListAsync()));
        audit.ShouldBe([AuditKinds.UserBan]);
        notices.ShouldContain(NotificationKinds.AccountBanned);
        notices.Count(k => k == NotificationKinds.DocumentRemoved).ShouldBe(2);

        // Unbanned, with the documents: the same token works again, and the user signs in.
        (await PostAsync(moderator, userId, "unban", new() { ["reason"] = "申诉成功 appeal accepted", ["restoreDocuments"] = "true" })).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        (await api.GetAsync("/api/v1/wallet")).StatusCode.ShouldBe(HttpStatusCode.OK);
        var again = site.Browser();
        (await again.PostFormAsync("/account/login", "/account/login", new() { ["Email"] = email, ["Password"] = TestUsers.Password })).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        (await again.GetAsync("/me")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await anonymous.GetAsync($"/api/v1/documents/{doc}")).StatusCode.ShouldBe(HttpStatusCode.OK);
        var statuses = await site.WithDbAsync(db => db.Documents.AsNoTracking().Where(d => d.Id == doc || d.Id == held).OrderBy(d => d.Id).Select(d => d.Status).ToListAsync());
        statuses.ShouldBe([DocumentStatus.Ready, DocumentStatus.Held]);
        var after = await site.WithDbAsync(async db => (
            await db.AuditEntries.AsNoTracking().Where(a => a.ObjectType == "user" && a.ObjectId == userId).OrderBy(a => a.Id).Select(a => a.Kind).ToListAsync(),
            await db.Notifications.AsNoTracking().AnyAsync(n => n.UserId == userId && n.Kind == NotificationKinds.AccountUnbanned)));
        after.Item1.ShouldBe([AuditKinds.UserBan, AuditKinds.UserUnban]);
        after.Item2.ShouldBeTrue();
    }

    [Fact]
    public async Task Unbanning_without_the_option_leaves_the_documents_removed_and_a_second_ban_is_refused()
    {
        var (_, userId) = await site.SignedInBrowserAsync($"{Unique("keepremoved")}@test.local");
        var doc = await site.ReadyDocAsync(userId, 0);
        var (admin, _) = await site.SignedInBrowserAsync($"{Unique("unbanadmin")}@test.local", Roles.Admin);
        (await PostAsync(admin, userId, "ban", new() { ["reason"] = "测试 test", ["hideDocuments"] = "true" })).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        (await PostAsync(admin, userId, "ban", new() { ["reason"] = "再次 again" })).StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await PostAsync(admin, userId, "unban", new() { ["reason"] = "误封 a mistake" })).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        (await PostAsync(admin, userId, "unban", new() { ["reason"] = "再次 again" })).StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await site.WithDbAsync(db => db.Documents.AsNoTracking().SingleAsync(d => d.Id == doc))).Status.ShouldBe(DocumentStatus.Removed);
        var page = await admin.GetDocumentAsync($"/admin/users/{userId}");
        page.One("#state").Text().ShouldContain("正常");
        page.QuerySelectorAll("#history .kind").Select(k => k.Text()).ShouldBe([AuditKinds.UserUnban, AuditKinds.UserBan]);
    }

    [Fact]
    public async Task Nobody_bans_themselves_and_only_an_admin_bans_staff()
    {
        var (moderator, moderatorId) = await site.SignedInBrowserAsync($"{Unique("selfmod")}@test.local", Roles.Moderator);
        var (admin, adminId) = await site.SignedInBrowserAsync($"{Unique("selfadmin")}@test.local", Roles.Admin);
        var otherModerator = await site.CreateUserAsync($"{Unique("othermod")}@test.local", Roles.Moderator);

        var self = await PostAsync(moderator, moderatorId, "ban", new() { ["reason"] = "自己 myself" });
        self.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        Html.Parse(await self.Content.ReadAsStringAsync()).One("#error").Text().ShouldContain("不能封禁自己");
        (await PostAsync(admin, adminId, "ban", new() { ["reason"] = "自己 myself" })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        var onAdmin = await PostAsync(moderator, adminId, "ban", new() { ["reason"] = "越权 overreach" });
        onAdmin.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        Html.Parse(await onAdmin.Content.ReadAsStringAsync()).One("#error").Text().ShouldContain("只有管理员可以封禁管理人员");
        (await PostAsync(moderator, otherModerator, "ban", new() { ["reason"] = "越权 overreach" })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await moderator.GetDocumentAsync($"/admin/users/{adminId}")).QuerySelector("#ban-form").ShouldBeNull();

        (await PostAsync(admin, otherModerator, "ban", new() { ["reason"] = "管理员可以 an admin may" })).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        (await site.WithDbAsync(db => db.Users.AsNoTracking().Where(u => u.Id == adminId || u.Id == moderatorId).CountAsync(u => u.BannedAt != null))).ShouldBe(0);
        (await site.WithDbAsync(db => db.Users.AsNoTracking().SingleAsync(u => u.Id == otherModerator))).BanReason.ShouldBe("管理员可以 an admin may");
    }

    [Fact]
    public async Task The_user_page_shows_documents_reports_points_and_ban_history()
    {
        var (_, userId) = await site.SignedInBrowserAsync($"{Unique("detail")}@test.local");
        var reporter = await site.CreateUserAsync($"{Unique("reporter")}@test.local");
        var doc = await site.ReadyDocAsync(userId, 3);
        await site.GrantAsync(userId, 40, "活动 promotion");
        await site.WithDbAsync(async db =>
        {
            db.Reports.Add(new Report { DocumentId = doc, ReporterId = reporter, Reason = ReportReason.Spam, Details = "广告 ads" });
            db.Reports.Add(new Report { DocumentId = doc, ReporterId = userId, Reason = ReportReason.Other, Details = "自查 self check" });
            return await db.SaveChangesAsync();
        });
        var (moderator, _) = await site.SignedInBrowserAsync($"{Unique("detailmod")}@test.local", Roles.Moderator);

        var page = await moderator.GetDocumentAsync($"/admin/users/{userId}");
        page.One($"#documents tr[data-document='{doc}'] .status").Text().ShouldBe(DocumentStatus.Ready.Label());
        page.QuerySelectorAll("#reports-against tbody tr").Length.ShouldBe(2);
        page.QuerySelectorAll("#reports-by tbody tr").ShouldHaveSingleItem();
        page.One("#spendable").Text().ShouldBe("40");
        page.One("#postings .amount").Text().ShouldBe("40");
        page.One("#ban-form");
        page.QuerySelector("#history").ShouldBeNull();
        (await moderator.GetAsync("/admin/users/no-such-user")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    private async Task<string> TokenAsync(string userId)
    {
        await using var scope = site.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ApiTokens>().CreateAsync(userId, "script", CancellationToken.None);
    }

    private HttpClient Api(string token)
    {
        var client = site.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static Task<HttpResponseMessage> PostAsync(HttpClient staff, string userId, string handler, Dictionary<string, string> form) =>
        staff.PostFormAsync($"/admin/users/{userId}", $"/admin/users/{userId}?handler={handler}", form);
}

/// <summary>The last admin stays an admin (a site of its own: the other tests make admins).</summary>
[Trait(WenkuFactory.Suite, WenkuFactory.OnBothStacks)]
public sealed class LastAdminTests(CommerceSite site) : IClassFixture<CommerceSite>
{
    [Fact]
    public async Task The_last_admin_cannot_demote_themselves_but_can_once_there_is_another()
    {
        var (admin, adminId) = await site.SignedInBrowserAsync("only-admin@test.local", Roles.Admin);
        var refused = await admin.PostFormAsync($"/admin/users/{adminId}", $"/admin/users/{adminId}?handler=role", new() { ["role"] = Roles.User, ["reason"] = "退休 retiring" });
        refused.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        Html.Parse(await refused.Content.ReadAsStringAsync()).One("#error").Text().ShouldContain("这是最后一位管理员");

        await site.CreateUserAsync("second-admin@test.local", Roles.Admin);
        (await admin.PostFormAsync($"/admin/users/{adminId}", $"/admin/users/{adminId}?handler=role", new() { ["role"] = Roles.User, ["reason"] = "退休 retiring" }))
            .StatusCode.ShouldBe(HttpStatusCode.Redirect);
        (await admin.GetAsync("/admin/users")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }
}
