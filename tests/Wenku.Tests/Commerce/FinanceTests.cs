using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Wenku.Accounts;
using Wenku.Commerce;
using Wenku.Data;
using Wenku.Tests.Infrastructure;

namespace Wenku.Tests.Commerce;

/// <summary>A money site of its own, so the finance page's totals are this class's movements only.</summary>
public sealed class FinanceSite : ClockedCommerceSite;

[Trait(WenkuFactory.Suite, WenkuFactory.OnBothStacks)]
public sealed class FinanceTests(FinanceSite site) : IClassFixture<FinanceSite>
{
    private static string Email(string who) => $"{who}-{Guid.NewGuid():N}@finance.test";

    [Fact]
    public async Task The_finance_page_totals_equal_the_postings_and_the_chart_shows_todays_revenue()
    {
        var (admin, adminId) = await site.SignedInBrowserAsync(Email("admin"), Roles.Admin);
        var uploader = await site.CreateUserAsync(Email("up"));
        var (buyer, buyerId) = await site.ApiClientAsync(Email("buyer"));
        await site.GrantAsync(buyerId, 500);
        await RechargeAsync(buyerId, 200);
        var doc = await site.ReadyDocAsync(uploader, price: 99);
        (await buyer.PostAsync($"/api/v1/documents/{doc}/purchase", System.Net.Http.Json.JsonContent.Create(new { expectedPrice = 99 }))).StatusCode.ShouldBe(HttpStatusCode.OK);
        var batch = await site.BatchAsync(adminId, 4, 25);
        var code = (await site.CodesOfAsync(batch.Id))[0];
        await site.WithCodesAsync(c => c.RedeemAsync(buyerId, code, CancellationToken.None));

        var page = await admin.GetDocumentAsync("/admin/finance");
        long Shown(string total) => long.Parse(page.One($"#totals tr[data-total='{total}'] td").Text());

        // Computed here straight from the postings, independently of the page's query.
        var postings = await site.WithDbAsync(db => (from p in db.LedgerPostings
                                                     join t in db.LedgerTransactions on p.TransactionId equals t.Id
                                                     select new { Account = p.Account.Kind, Tx = t.Kind, p.Amount }).ToListAsync());
        bool IsUser(AccountKind k) => k is AccountKind.Spendable or AccountKind.Earned;
        Shown("recharged").ShouldBe(postings.Where(p => p.Tx == TransactionKind.Recharge && IsUser(p.Account)).Sum(p => p.Amount));
        Shown("recharged").ShouldBe(200);
        Shown("spent").ShouldBe(-postings.Where(p => p.Tx == TransactionKind.Purchase && IsUser(p.Account) && p.Amount < 0).Sum(p => p.Amount));
        Shown("spent").ShouldBe(99);
        Shown("platform-revenue").ShouldBe(postings.Where(p => p.Account == AccountKind.PlatformRevenue).Sum(p => p.Amount));
        Shown("platform-revenue").ShouldBe(30); // 99 − 69 (70% of 99 rounded down)
        Shown("uploader-earnings").ShouldBe(69);
        Shown("paid-out").ShouldBe(postings.Where(p => p.Account == AccountKind.Payouts).Sum(p => p.Amount));
        Shown("user-balances").ShouldBe(postings.Where(p => IsUser(p.Account)).Sum(p => p.Amount));
        Shown("codes-outstanding").ShouldBe(postings.Where(p => p.Account == AccountKind.RedeemCodesOutstanding).Sum(p => p.Amount));
        Shown("codes-outstanding").ShouldBe(75);
        Shown("granted").ShouldBe(-postings.Where(p => p.Account == AccountKind.Grants).Sum(p => p.Amount));

        var bars = page.QuerySelectorAll("#revenue-chart rect.day");
        bars.Length.ShouldBe(30);
        bars[^1].GetAttribute("data-day").ShouldBe(site.Clock.GetUtcNow().ToString("yyyy-MM-dd"));
        bars[^1].GetAttribute("data-points").ShouldBe("30");
        page.QuerySelector("a[href='/admin/finance/withdrawals']").ShouldNotBeNull();
        page.QuerySelector("a[href='/admin/finance/purchases']").ShouldNotBeNull();
    }

    [Fact]
    public async Task Recharge_orders_are_listed_and_filtered_by_state()
    {
        var (admin, _) = await site.SignedInBrowserAsync(Email("admin"), Roles.Admin);
        var reader = await site.CreateUserAsync(Email("reader"));
        var paid = $"P{Guid.NewGuid():N}"[..30];
        var open = $"O{Guid.NewGuid():N}"[..30];
        await site.WithDbAsync(async db =>
        {
            db.RechargeOrders.Add(new RechargeOrder { OutTradeNo = paid, UserId = reader, AmountFen = 1250, Points = 125, State = RechargeState.Paid });
            db.RechargeOrders.Add(new RechargeOrder { OutTradeNo = open, UserId = reader, AmountFen = 500, Points = 50 });
            return await db.SaveChangesAsync();
        });

        var all = await admin.GetDocumentAsync("/admin/finance");
        all.One($"#orders tr[data-order='{paid}']").Text().ShouldContain("¥12.50");
        all.One($"#orders tr[data-order='{open}'] .state").Text().ShouldBe("Pending");

        var onlyPaid = await admin.GetDocumentAsync("/admin/finance?state=Paid");
        onlyPaid.QuerySelector($"#orders tr[data-order='{paid}']").ShouldNotBeNull();
        onlyPaid.QuerySelector($"#orders tr[data-order='{open}']").ShouldBeNull();
    }

    [Fact]
    public async Task An_admin_grants_and_takes_back_points_with_a_recorded_reason_never_below_zero_and_once_per_form()
    {
        var (admin, adminId) = await site.SignedInBrowserAsync(Email("admin"), Roles.Admin);
        var readerEmail = Email("reader");
        var readerId = await site.CreateUserAsync(readerEmail);
        var key = Guid.NewGuid().ToString("N");
        var form = new Dictionary<string, string> { ["Email"] = readerEmail, ["Points"] = "120", ["Reason"] = "活动奖励 promotion", ["FormKey"] = key };

        var granted = await admin.PostFormAsync("/admin/finance/grant", "/admin/finance/grant", form);
        granted.StatusCode.ShouldBe(HttpStatusCode.OK);
        Html.Parse(await granted.Content.ReadAsStringAsync()).One("#balance").Text().ShouldBe("120");
        (await admin.PostFormAsync("/admin/finance/grant", "/admin/finance/grant", form)).StatusCode.ShouldBe(HttpStatusCode.OK); // sent twice
        (await site.BalanceAsync(readerId)).Spendable.ShouldBe(120);
        var grant = await site.WithDbAsync(db => db.LedgerTransactions.AsNoTracking().SingleAsync(t => t.Kind == TransactionKind.Grant && t.ActorId == adminId));
        grant.Memo.ShouldContain("活动奖励 promotion");
        grant.Memo.ShouldNotContain("@"); // the reader sees the memo: who granted it is the actor, not an email in words

        var tooMuch = await admin.PostFormAsync("/admin/finance/grant", "/admin/finance/grant",
            new() { ["Email"] = readerEmail, ["Points"] = "-121", ["Reason"] = "更正 correction", ["FormKey"] = Guid.NewGuid().ToString("N") });
        tooMuch.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        Html.Parse(await tooMuch.Content.ReadAsStringAsync()).One("#grant-error").Text().ShouldContain("扣回后余额将为负");
        (await site.BalanceAsync(readerId)).Spendable.ShouldBe(120);

        (await admin.PostFormAsync("/admin/finance/grant", "/admin/finance/grant",
            new() { ["Email"] = readerEmail, ["Points"] = "-20", ["Reason"] = "更正 correction", ["FormKey"] = Guid.NewGuid().ToString("N") })).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await site.BalanceAsync(readerId)).Spendable.ShouldBe(100);

        foreach (var bad in new Dictionary<string, string>[]
                 {
                     new() { ["Email"] = readerEmail, ["Points"] = "5", ["Reason"] = " " },
                     new() { ["Email"] = "nobody@finance.test", ["Points"] = "5", ["Reason"] = "x" },
                     new() { ["Email"] = readerEmail, ["Points"] = "0", ["Reason"] = "x" },
                     new() { ["Email"] = readerEmail, ["Points"] = "100000001", ["Reason"] = "x" },
                 })
        {
            bad["FormKey"] = Guid.NewGuid().ToString("N");
            var refused = await admin.PostFormAsync("/admin/finance/grant", "/admin/finance/grant", bad);
            refused.StatusCode.ShouldBe(HttpStatusCode.BadRequest, string.Join(", ", bad));
            Html.Parse(await refused.Content.ReadAsStringAsync()).One("#grant-error").Text().ShouldNotBeEmpty();
        }
        (await site.BalanceAsync(readerId)).Spendable.ShouldBe(100);
    }

    [Fact]
    public async Task The_money_settings_are_saved_within_their_bounds_and_refused_outside_them()
    {
        var (admin, _) = await site.SignedInBrowserAsync(Email("admin"), Roles.Admin);
        var good = new Dictionary<string, string>
        {
            ["DefaultPreviewPages"] = "5", ["Notices"] = SiteSettings.DefaultNotices, ["NearDuplicatePolicy"] = "Hold", ["NearDuplicateThreshold"] = "0.85",
            ["UploaderSharePercent"] = "65", ["PointsPerYuan"] = "12", ["MinimumWithdrawal"] = "500",
        };
        (await admin.PostFormAsync("/admin/settings", "/admin/settings", good)).StatusCode.ShouldBe(HttpStatusCode.OK);
        var page = await admin.GetDocumentAsync("/admin/settings");
        page.One("#UploaderSharePercent").GetAttribute("value").ShouldBe("65");
        page.One("#PointsPerYuan").GetAttribute("value").ShouldBe("12");
        page.One("#MinimumWithdrawal").GetAttribute("value").ShouldBe("500");

        foreach (var (field, value) in new[] { ("UploaderSharePercent", "101"), ("UploaderSharePercent", "-1"), ("PointsPerYuan", "0"), ("PointsPerYuan", "10001"), ("MinimumWithdrawal", "0"), ("MinimumWithdrawal", "") })
        {
            var refused = await admin.PostFormAsync("/admin/settings", "/admin/settings", new Dictionary<string, string>(good) { [field] = value });
            refused.StatusCode.ShouldBe(HttpStatusCode.BadRequest, $"{field}={value}");
            Html.Parse(await refused.Content.ReadAsStringAsync()).One(".error").Text().ShouldNotBeEmpty();
        }
        var missing = new Dictionary<string, string>(good);
        missing.Remove("PointsPerYuan");
        (await admin.PostFormAsync("/admin/settings", "/admin/settings", missing)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);

        var stored = await site.WithDbAsync(db => db.SiteSettings.AsNoTracking().SingleAsync());
        (stored.UploaderSharePercent, stored.PointsPerYuan, stored.MinimumWithdrawal).ShouldBe((65, 12, 500));
        // Back to the defaults, for the purchase in the totals test.
        (await admin.PostFormAsync("/admin/settings", "/admin/settings", new Dictionary<string, string>(good) { ["UploaderSharePercent"] = "70" })).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    /// <summary>A recharge as the payment slice books it: payment clearing to the reader's spendable points.</summary>
    private async Task RechargeAsync(string userId, long points)
    {
        await using var scope = site.Services.CreateAsyncScope();
        var ledger = scope.ServiceProvider.GetRequiredService<Ledger>();
        await ledger.InTransactionAsync(async () =>
        {
            var book = await ledger.BookAsync(userId, CancellationToken.None);
            return await ledger.PostAsync(TransactionKind.Recharge, [(book[AccountKind.PaymentClearing], -points), (book.Spendable, points)],
                "测试充值 test recharge", CancellationToken.None, reference: $"test:{Guid.NewGuid():N}");
        }, CancellationToken.None);
    }
}
