using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Wenku.Accounts;
using Wenku.Commerce;
using Wenku.Data;
using Wenku.Moderation;
using Wenku.Tests.Commerce;
using Wenku.Tests.Infrastructure;
using Xunit;

namespace Wenku.Tests.Moderation;

/// <summary>The staff actions that existed before the audit log write one entry each, in their transaction; the log's page and CSV.</summary>
[Trait(WenkuFactory.Suite, WenkuFactory.OnBothStacks)]
public sealed class AuditLogTests(CommerceSite site) : IClassFixture<CommerceSite>
{
    private Task<List<AuditEntry>> EntriesAsync(string kind, string objectId) =>
        site.WithDbAsync(db => db.AuditEntries.AsNoTracking().Where(a => a.Kind == kind && a.ObjectId == objectId).OrderBy(a => a.Id).ToListAsync());

    private Task<List<Notification>> NotificationsAsync(string userId) =>
        site.WithDbAsync(db => db.Notifications.AsNoTracking().Where(n => n.UserId == userId).OrderBy(n => n.Id).ToListAsync());

    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement;

    private Task<bool> ChainIntactAsync() => site.WithDbAsync(async db => await new AuditLog(db, TimeProvider.System).VerifyAsync(CancellationToken.None) is null);

    [Fact]
    public async Task A_settings_change_records_only_the_changed_fields_with_the_admins_reason()
    {
        var (admin, adminId) = await site.SignedInBrowserAsync($"admin-{Guid.NewGuid():N}@audit.test", Roles.Admin);
        var s = await site.WithDbAsync(db => db.SiteSettings.AsNoTracking().SingleAsync());
        var pages = s.DefaultPreviewPages == 7 ? 8 : 7;
        var before = await site.WithDbAsync(db => db.AuditEntries.CountAsync(a => a.Kind == AuditKinds.SettingsChange));
        var fields = new Dictionary<string, string>
        {
            ["DefaultPreviewPages"] = pages.ToString(CultureInfo.InvariantCulture), ["Notices"] = s.Notices,
            ["NearDuplicatePolicy"] = s.NearDuplicatePolicy.ToString(), ["NearDuplicateThreshold"] = s.NearDuplicateThreshold.ToString(CultureInfo.InvariantCulture),
            ["UploaderSharePercent"] = s.UploaderSharePercent.ToString(CultureInfo.InvariantCulture), ["PointsPerYuan"] = s.PointsPerYuan.ToString(CultureInfo.InvariantCulture),
            ["MinimumWithdrawal"] = s.MinimumWithdrawal.ToString(CultureInfo.InvariantCulture), ["Reason"] = "预览页数调整 more preview pages",
        };
        (await admin.PostFormAsync("/admin/settings", "/admin/settings", fields)).StatusCode.ShouldBe(HttpStatusCode.OK);

        var entry = (await site.WithDbAsync(db => db.AuditEntries.AsNoTracking().Where(a => a.Kind == AuditKinds.SettingsChange).OrderBy(a => a.Id).ToListAsync())).Skip(before).ShouldHaveSingleItem();
        entry.ActorId.ShouldBe(adminId);
        entry.Reason.ShouldBe("预览页数调整 more preview pages");
        Json(entry.Before).GetProperty("DefaultPreviewPages").GetInt32().ShouldBe(s.DefaultPreviewPages);
        Json(entry.After).GetProperty("DefaultPreviewPages").GetInt32().ShouldBe(pages);
        foreach (var unchanged in new[] { "Notices", "UploaderSharePercent", "PointsPerYuan", "MinimumWithdrawal" })
            Json(entry.After).TryGetProperty(unchanged, out _).ShouldBeFalse(unchanged);

        // Saving the same values again changes nothing and records nothing.
        (await admin.PostFormAsync("/admin/settings", "/admin/settings", fields)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await site.WithDbAsync(db => db.AuditEntries.CountAsync(a => a.Kind == AuditKinds.SettingsChange))).ShouldBe(before + 1);
        (await ChainIntactAsync()).ShouldBeTrue();
    }

    [Fact]
    public async Task A_grant_from_the_admin_page_and_one_from_the_command_line_each_record_one_entry()
    {
        var (admin, adminId) = await site.SignedInBrowserAsync($"admin-{Guid.NewGuid():N}@audit.test", Roles.Admin);
        var email = $"reader-{Guid.NewGuid():N}@audit.test";
        var readerId = await site.CreateUserAsync(email);
        var granted = await admin.PostFormAsync("/admin/finance/grant", "/admin/finance/grant",
            new() { ["Email"] = email, ["Points"] = "40", ["Reason"] = "活动奖励 promotion", ["FormKey"] = Guid.NewGuid().ToString("N") });
        granted.StatusCode.ShouldBe(HttpStatusCode.OK);

        var entry = (await EntriesAsync(AuditKinds.PointsGrant, readerId)).ShouldHaveSingleItem();
        entry.ActorId.ShouldBe(adminId);
        entry.ObjectType.ShouldBe("user");
        entry.Reason.ShouldBe("活动奖励 promotion");
        Json(entry.Before).GetProperty("spendable").GetInt64().ShouldBe(0);
        Json(entry.After).GetProperty("spendable").GetInt64().ShouldBe(40);

        await site.RunCliAsync("admin", "grant-points", "--email", email, "--points", "-15", "--reason", "更正 correction");
        var entries = await EntriesAsync(AuditKinds.PointsGrant, readerId);
        entries.Count.ShouldBe(2);
        entries[1].ActorId.ShouldBe(AuditLog.CliActor);
        entries[1].Reason.ShouldStartWith("更正 correction");
        Json(entries[1].Before).GetProperty("spendable").GetInt64().ShouldBe(40);
        Json(entries[1].After).GetProperty("spendable").GetInt64().ShouldBe(25);
        (await ChainIntactAsync()).ShouldBeTrue();
    }

    [Fact]
    public async Task A_role_given_from_the_command_line_records_one_entry_by_cli_and_a_password_reset_none()
    {
        var email = $"cli-role-{Guid.NewGuid():N}@audit.test";
        var userId = await site.CreateUserAsync(email);
        await site.RunCliAsync("admin", "create-user", "--email", email, "--password", TestUsers.Password, "--role", Roles.Moderator);
        var entry = (await EntriesAsync(AuditKinds.UserRole, userId)).ShouldHaveSingleItem();
        entry.ActorId.ShouldBe(AuditLog.CliActor);
        Json(entry.Before).GetProperty("role").GetString().ShouldBe(Roles.User);
        Json(entry.After).GetProperty("role").GetString().ShouldBe(Roles.Moderator);

        await site.RunCliAsync("admin", "create-user", "--email", email, "--password", TestUsers.Password + "!", "--role", Roles.Moderator);
        (await EntriesAsync(AuditKinds.UserRole, userId)).Count.ShouldBe(1);
        (await ChainIntactAsync()).ShouldBeTrue();
    }

    [Fact]
    public async Task A_redeem_code_batch_records_one_entry_with_its_size()
    {
        var adminId = await site.CreateUserAsync($"admin-{Guid.NewGuid():N}@audit.test", Roles.Admin);
        await using var scope = site.Services.CreateAsyncScope();
        var batch = await scope.ServiceProvider.GetRequiredService<RedeemCodes>()
            .GenerateAsync(3, 50, DateTime.UtcNow.AddDays(30), "双十一 promotion", adminId, Guid.NewGuid().ToString("N"), CancellationToken.None);
        var entry = (await EntriesAsync(AuditKinds.CodesIssue, batch.Id.ToString(CultureInfo.InvariantCulture))).ShouldHaveSingleItem();
        entry.ActorId.ShouldBe(adminId);
        entry.Reason.ShouldBe("双十一 promotion");
        Json(entry.After).GetProperty("total").GetInt64().ShouldBe(150);
    }

    [Fact]
    public async Task A_refund_records_one_entry_and_tells_the_buyer()
    {
        var (admin, adminId) = await site.SignedInBrowserAsync($"admin-{Guid.NewGuid():N}@audit.test", Roles.Admin);
        var uploader = await site.CreateUserAsync($"up-{Guid.NewGuid():N}@audit.test");
        var (purchase, doc, buyer) = await site.SaleAsync(uploader, 20);
        var refunded = await admin.PostFormAsync("/admin/finance/purchases", $"/admin/finance/purchases?handler=refund&id={purchase}", new() { ["reason"] = "重复购买 bought twice" });
        refunded.StatusCode.ShouldBe(HttpStatusCode.Redirect);

        var entry = (await EntriesAsync(AuditKinds.PurchaseRefund, purchase.ToString(CultureInfo.InvariantCulture))).ShouldHaveSingleItem();
        entry.ActorId.ShouldBe(adminId);
        entry.ObjectType.ShouldBe("purchase");
        entry.Reason.ShouldBe("重复购买 bought twice");
        Json(entry.Before).GetProperty("refunded").GetBoolean().ShouldBeFalse();
        Json(entry.After).GetProperty("price").GetInt32().ShouldBe(20);

        var notice = (await NotificationsAsync(buyer)).ShouldHaveSingleItem();
        notice.Kind.ShouldBe(NotificationKinds.PurchaseRefunded);
        notice.Link.ShouldBe($"/d/{doc}");
        TestLocalizer.In("en", T => NotificationText.For(T, notice.Kind, notice.Args)).ShouldContain("20 points");

        // Refused the second time: nothing more recorded.
        await admin.PostFormAsync("/admin/finance/purchases", $"/admin/finance/purchases?handler=refund&id={purchase}", new() { ["reason"] = "again" });
        (await EntriesAsync(AuditKinds.PurchaseRefund, purchase.ToString(CultureInfo.InvariantCulture))).Count.ShouldBe(1);
    }

    [Fact]
    public async Task Paying_and_rejecting_withdrawals_record_one_entry_each_and_tell_the_uploader_but_a_cancel_does_neither()
    {
        var (admin, adminId) = await site.SignedInBrowserAsync($"admin-{Guid.NewGuid():N}@audit.test", Roles.Admin);
        var uploader = await site.CreateUserAsync($"up-{Guid.NewGuid():N}@audit.test");
        var toPay = await site.WithdrawalAsync(uploader);
        var toReject = await site.WithdrawalAsync(uploader);
        var toCancel = await site.WithdrawalAsync(uploader);
        const string Page = "/admin/finance/withdrawals";
        (await admin.PostFormAsync(Page, $"{Page}?handler=pay&id={toPay}", new() { ["reference"] = "ALI-2026-0001" })).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        (await admin.PostFormAsync(Page, $"{Page}?handler=reject&id={toReject}", new() { ["reason"] = "收款人不符 wrong payee" })).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        await using (var scope = site.Services.CreateAsyncScope())
            (await scope.ServiceProvider.GetRequiredService<Withdrawals>().CancelAsync(toCancel, uploader, CancellationToken.None)).ShouldBeOfType<WithdrawalDecisionOutcome.Done>();

        var paid = (await EntriesAsync(AuditKinds.WithdrawalPay, toPay.ToString(CultureInfo.InvariantCulture))).ShouldHaveSingleItem();
        paid.ActorId.ShouldBe(adminId);
        paid.Reason.ShouldBe("ALI-2026-0001");
        Json(paid.Before).GetProperty("state").GetString().ShouldBe("Requested");
        Json(paid.After).GetProperty("state").GetString().ShouldBe("Paid");
        var rejected = (await EntriesAsync(AuditKinds.WithdrawalReject, toReject.ToString(CultureInfo.InvariantCulture))).ShouldHaveSingleItem();
        rejected.Reason.ShouldBe("收款人不符 wrong payee");
        (await EntriesAsync(AuditKinds.WithdrawalReject, toCancel.ToString(CultureInfo.InvariantCulture))).ShouldBeEmpty();

        var notices = (await NotificationsAsync(uploader)).Select(n => n.Kind).ToList();
        notices.ShouldBe([NotificationKinds.WithdrawalPaid, NotificationKinds.WithdrawalRejected]);
        (await ChainIntactAsync()).ShouldBeTrue();
    }

    [Fact]
    public async Task Fifty_actions_recorded_at_once_leave_an_intact_chain_of_fifty()
    {
        var before = await site.WithDbAsync(db => db.AuditEntries.CountAsync());
        var marker = Guid.NewGuid().ToString("N");
        await Task.WhenAll(Enumerable.Range(0, 50).Select(async i =>
        {
            await using var scope = site.Services.CreateAsyncScope();
            var audit = scope.ServiceProvider.GetRequiredService<AuditLog>();
            await scope.ServiceProvider.GetRequiredService<Ledger>().InTransactionAsync(() =>
                audit.RecordAsync(new AuditRecord(AuditLog.SystemActor, AuditKinds.DocumentFilesDeleted, "document", $"{i}", marker), CancellationToken.None), CancellationToken.None);
        }));
        (await site.WithDbAsync(db => db.AuditEntries.CountAsync(a => a.Reason == marker))).ShouldBe(50);
        (await site.WithDbAsync(db => db.AuditEntries.CountAsync())).ShouldBe(before + 50);
        (await ChainIntactAsync()).ShouldBeTrue();
    }

    [Fact]
    public async Task The_audit_page_filters_by_kind_actor_object_and_date_and_exports_the_same_rows_as_csv()
    {
        var (admin, adminId) = await site.SignedInBrowserAsync($"admin-{Guid.NewGuid():N}@audit.test", Roles.Admin);
        var readerEmail = $"reader-{Guid.NewGuid():N}@audit.test";
        var readerId = await site.CreateUserAsync(readerEmail);
        await using (var scope = site.Services.CreateAsyncScope())
        {
            var grants = scope.ServiceProvider.GetRequiredService<PointGrants>();
            await grants.GrantAsync(readerId, 5, "=HYPERLINK(\"http://evil.test\") 奖励", adminId, CancellationToken.None);
            await grants.GrantAsync(readerId, 6, "<b>加粗</b> bold", adminId, CancellationToken.None);
        }

        var page = await admin.GetDocumentAsync($"/admin/audit?kind=points.grant&type=user&id={readerId}&actor={Uri.EscapeDataString(adminId)}");
        var rows = page.QuerySelectorAll("#audit tbody tr");
        rows.Length.ShouldBe(2);
        rows[0].QuerySelector(".reason")!.Text().ShouldBe("<b>加粗</b> bold"); // newest first, as text
        rows[0].QuerySelector(".kind")!.Text().ShouldBe("赠送积分");
        rows[0].QuerySelector(".object a")!.GetAttribute("href").ShouldBe($"/admin/users/{readerId}");
        rows[0].QuerySelector(".after")!.Text().ShouldContain("\"spendable\":11");
        page.QuerySelectorAll("#audit b").ShouldBeEmpty();

        // The actor by email finds the same rows; today's date keeps them, a day long past drops them.
        var today = DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var adminEmail = await site.WithDbAsync(db => db.Users.Where(u => u.Id == adminId).Select(u => u.Email).SingleAsync());
        (await admin.GetDocumentAsync($"/admin/audit?actor={Uri.EscapeDataString(adminEmail!)}&id={readerId}&from={today}&to={today}"))
            .QuerySelectorAll("#audit tbody tr").Length.ShouldBe(2);
        (await admin.GetDocumentAsync($"/admin/audit?id={readerId}&to=2001-01-01")).QuerySelectorAll("#audit tbody tr").Length.ShouldBe(0);

        // Bad values answer 400 with the reason in words.
        var bad = await admin.GetAsync("/admin/audit?from=2026-13-45");
        bad.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        Html.Parse(await bad.Content.ReadAsStringAsync()).One("[role=alert]").Text().ShouldContain("yyyy-MM-dd");
        (await admin.GetAsync("/admin/audit?from=2026-05-02&to=2026-05-01")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);

        var csv = await admin.GetAsync($"/admin/audit/export?kind=points.grant&id={readerId}");
        csv.StatusCode.ShouldBe(HttpStatusCode.OK);
        csv.Content.Headers.ContentType!.MediaType.ShouldBe("text/csv");
        var lines = (await csv.Content.ReadAsStringAsync()).TrimStart('\uFEFF').Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        lines.Length.ShouldBe(3);
        lines[0].ShouldStartWith("id,at,actor_id");
        lines[2].ShouldContain(",\"'=HYPERLINK(\"\"http://evil.test\"\") 奖励\",");
        lines.Skip(1).ShouldAllBe(l => l.Contains(readerId));
    }

    [Fact]
    public async Task Moderators_and_readers_cannot_open_the_audit_log_or_its_export()
    {
        var (moderator, _) = await site.SignedInBrowserAsync($"mod-{Guid.NewGuid():N}@audit.test", Roles.Moderator);
        var (reader, _) = await site.SignedInBrowserAsync($"reader-{Guid.NewGuid():N}@audit.test");
        foreach (var client in new[] { moderator, reader })
        {
            (await client.GetAsync("/admin/audit")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
            (await client.GetAsync("/admin/audit/export")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
            (await client.GetDocumentAsync("/me/notifications")).QuerySelectorAll("a[href='/admin/audit']").ShouldBeEmpty();
        }
    }
}
