using System.Net;
using AngleSharp.Dom;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Wenku.Data;
using Wenku.Commerce;
using Wenku.Documents;
using Wenku.Tests.Infrastructure;
using Xunit;

namespace Wenku.Tests.Commerce;

/// <summary>The reader's wallet page and the uploader's earnings page, as a browser sees them.</summary>
[Trait(WenkuFactory.Suite, WenkuFactory.OnBothStacks)]
public sealed class WalletPageTests(CommerceSite site) : IClassFixture<CommerceSite>
{
    private static string NewEmail(string who) => $"{who}-{Guid.NewGuid():N}@wallet.test";

    private async Task BuyAsync(long doc, string buyerId, int price)
    {
        await using var scope = site.Services.CreateAsyncScope();
        var outcome = await scope.ServiceProvider.GetRequiredService<Purchases>().BuyAsync(doc, buyerId, false, price, null, CancellationToken.None);
        outcome.ShouldBeOfType<PurchaseOutcome.Done>().Receipt.Charged.ShouldBe(price);
    }

    private async Task<long> GrantAsync(string userId, long points, string reason = "测试 test")
    {
        await using var scope = site.Services.CreateAsyncScope();
        return (await scope.ServiceProvider.GetRequiredService<PointGrants>().GrantAsync(userId, points, reason, null, CancellationToken.None)).Id;
    }

    private DateOnly Today => DateOnly.FromDateTime(site.Services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime);

    private static IElement[] HistoryRows(IDocument page) => page.QuerySelectorAll("#history tbody tr").ToArray();

    [Fact]
    public async Task The_balances_shown_equal_the_ledger_in_points_and_yuan()
    {
        var (uploader, uploaderId) = await site.SignedInBrowserAsync(NewEmail("up"));
        var buyerId = await site.CreateUserAsync(NewEmail("buy"));
        await GrantAsync(buyerId, 100);
        await GrantAsync(uploaderId, 35);
        var doc = await site.ReadyDocAsync(uploaderId, price: 33);
        await BuyAsync(doc, buyerId, 33);

        var ledger = await site.BalanceAsync(uploaderId);
        ledger.ShouldBe(new WalletBalance(35, 23, 23));
        var page = await uploader.GetDocumentAsync("/me/wallet");
        long Points(string which) => long.Parse(page.One($"[data-balance={which}] .points").Text());
        string Yuan(string which) => page.One($"[data-balance={which}] .yuan").Text();
        Points("spendable").ShouldBe(ledger.Spendable);
        Points("earned").ShouldBe(ledger.Earned);
        Points("withdrawable").ShouldBe(ledger.Withdrawable);
        Yuan("spendable").ShouldBe("3.50"); // 10 points a yuan, the default rate
        Yuan("earned").ShouldBe("2.30");
        page.One("a#recharge").GetAttribute("href").ShouldBe("/me/wallet/recharge");
        page.One("a#redeem").GetAttribute("href").ShouldBe("/me/wallet/redeem");
        page.One("a#withdraw").GetAttribute("href").ShouldBe("/me/wallet/withdraw");

        // Reachable from the header and from /me.
        page.QuerySelectorAll("header nav a[href='/me/wallet']").Length.ShouldBe(1);
        var mine = await uploader.GetDocumentAsync("/me");
        mine.QuerySelectorAll("main a[href='/me/wallet']").Length.ShouldBe(1);
        mine.QuerySelectorAll("main a[href='/me/earnings']").Length.ShouldBe(1);
    }

    [Fact]
    public async Task The_history_says_in_words_what_each_movement_was_and_links_the_document()
    {
        var (uploader, uploaderId) = await site.SignedInBrowserAsync(NewEmail("up"));
        var (buyer, buyerId) = await site.SignedInBrowserAsync(NewEmail("buy"));
        await GrantAsync(buyerId, 100, "新用户礼包 welcome gift");
        var doc = await site.ReadyDocAsync(uploaderId, price: 40);
        var title = await site.WithDbAsync(db => db.Documents.Where(d => d.Id == doc).Select(d => d.Title).SingleAsync());
        await BuyAsync(doc, buyerId, 40);

        var rows = HistoryRows(await buyer.GetDocumentAsync("/me/wallet"));
        rows.Length.ShouldBe(2);
        var bought = rows[0];
        bought.One("td.what").Text().ShouldBe($"购买《{title}》");
        bought.One("td.what a").GetAttribute("href").ShouldBe($"/d/{doc}");
        bought.One("td.amount").Text().ShouldBe("-40");
        bought.One("td.account").Text().ShouldBe("可用");
        var granted = rows[1];
        granted.One("td.what").Text().ShouldStartWith("赠送积分");
        granted.One("td.what .note").Text().ShouldBe("新用户礼包 welcome gift");
        granted.One("td.amount").Text().ShouldBe("+100");
        granted.QuerySelectorAll("td.what a").ShouldBeEmpty();

        var sold = HistoryRows(await uploader.GetDocumentAsync("/me/wallet")).ShouldHaveSingleItem();
        sold.One("td.what").Text().ShouldBe($"收益（出售《{title}》）");
        sold.One("td.what a").GetAttribute("href").ShouldBe($"/d/{doc}");
        sold.One("td.amount").Text().ShouldBe("+28"); // 40 × 70%
        sold.One("td.account").Text().ShouldBe("收益");
    }

    [Fact]
    public async Task The_history_pages_and_filters_by_kind_and_dates()
    {
        var (reader, readerId) = await site.SignedInBrowserAsync(NewEmail("reader"));
        var uploaderId = await site.CreateUserAsync(NewEmail("up"));
        var grants = new List<long>();
        for (var i = 1; i <= 24; i++) grants.Add(await GrantAsync(readerId, i));
        var doc = await site.ReadyDocAsync(uploaderId, price: 5);
        await BuyAsync(doc, readerId, 5);
        // One grant happened in January.
        var january = grants[0];
        await site.WithDbAsync(db => db.LedgerTransactions.Where(t => t.Id == january)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.At, new DateTime(2026, 1, 15, 8, 0, 0, DateTimeKind.Utc))));

        var first = await reader.GetDocumentAsync("/me/wallet");
        HistoryRows(first).Length.ShouldBe(20);
        HistoryRows(first)[0].GetAttribute("data-kind").ShouldBe("Purchase");
        first.One("#pager").Text().ShouldContain("第 1 / 2 页，共 25 条");
        first.QuerySelectorAll("#pager a[rel=prev]").ShouldBeEmpty();
        first.One("#pager a[rel=next]").GetAttribute("href").ShouldBe("/me/wallet?page=2");
        var second = await reader.GetDocumentAsync("/me/wallet?page=2");
        HistoryRows(second).Length.ShouldBe(5);
        HistoryRows(second)[^1].GetAttribute("data-transaction").ShouldBe(january.ToString());
        second.One("#pager a[rel=prev]").GetAttribute("href").ShouldBe("/me/wallet");

        var onlyPurchases = await reader.GetDocumentAsync("/me/wallet?kind=Purchase");
        HistoryRows(onlyPurchases).ShouldHaveSingleItem().One("td.what a").GetAttribute("href").ShouldBe($"/d/{doc}");
        onlyPurchases.One("#filters select[name=kind] option[selected]").GetAttribute("value").ShouldBe("Purchase");

        var grantsOnly = await reader.GetDocumentAsync("/me/wallet?kind=Grant");
        HistoryRows(grantsOnly).Length.ShouldBe(20);
        grantsOnly.One("#pager a[rel=next]").GetAttribute("href").ShouldBe("/me/wallet?kind=Grant&page=2");

        var inJanuary = await reader.GetDocumentAsync("/me/wallet?from=2026-01-01&to=2026-01-31");
        HistoryRows(inJanuary).ShouldHaveSingleItem().GetAttribute("data-transaction").ShouldBe(january.ToString());
        var sinceFebruary = await reader.GetDocumentAsync("/me/wallet?from=2026-02-01");
        HistoryRows(sinceFebruary).Length.ShouldBe(20);
        sinceFebruary.One("#pager").Text().ShouldContain("共 24 条");
        var before = await reader.GetDocumentAsync("/me/wallet?to=2025-12-31");
        HistoryRows(before).ShouldBeEmpty();
        before.One("#no-history");
    }

    [Theory]
    [InlineData("from=2026-13-01")]
    [InlineData("to=yesterday")]
    [InlineData("from=2026-02-01&to=2026-01-01")]
    [InlineData("kind=Nonsense")]
    [InlineData("kind=3")]
    [InlineData("page=0")]
    [InlineData("page=99999")]
    public async Task A_filter_out_of_bounds_answers_400_with_a_readable_reason(string query)
    {
        var (reader, _) = await site.SignedInBrowserAsync(NewEmail("reader"));
        var response = await reader.GetAsync("/me/wallet?" + query);
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var page = Html.Parse(await response.Content.ReadAsStringAsync());
        page.QuerySelectorAll("p.error[role=alert]").ShouldNotBeEmpty();
        page.QuerySelectorAll("#history").ShouldBeEmpty();
    }

    [Fact]
    public async Task Earnings_per_document_equal_the_live_purchases_and_the_chart_has_one_bar_a_day()
    {
        var (uploader, uploaderId) = await site.SignedInBrowserAsync(NewEmail("up"));
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var id = await site.CreateUserAsync(NewEmail($"buy{i}"));
            await GrantAsync(id, 1000);
            ids.Add(id);
        }
        var dear = await site.ReadyDocAsync(uploaderId, price: 33);
        var cheap = await site.ReadyDocAsync(uploaderId, price: 10);
        var free = await site.ReadyDocAsync(uploaderId, price: 0);
        foreach (var id in ids) await BuyAsync(dear, id, 33);
        await BuyAsync(cheap, ids[0], 10);
        // One sale of the dear document was refunded: it no longer counts (the refund slice moves the points).
        await site.WithDbAsync(db => db.Purchases.Where(p => p.DocumentId == dear && p.BuyerId == ids[2])
            .ExecuteUpdateAsync(s => s.SetProperty(p => p.RefundedAt, DateTime.UtcNow)));
        var views = site.Services.GetRequiredService<ViewCounter>();
        views.Count(dear);
        views.Count(dear);
        views.Count(free);
        await views.FlushAsync(CancellationToken.None);

        var page = await uploader.GetDocumentAsync("/me/earnings");
        var live = await site.WithDbAsync(db => db.Purchases.Where(p => p.UploaderId == uploaderId && p.RefundedAt == null)
            .GroupBy(p => p.DocumentId).Select(g => new { g.Key, Count = g.Count(), Earned = g.Sum(p => p.UploaderShare) }).ToListAsync());
        string Cell(long doc, string column) => page.One($"#earnings tr[data-document='{doc}'] td.{column}").Text();
        foreach (var doc in new[] { dear, cheap, free })
        {
            var sold = live.SingleOrDefault(l => l.Key == doc);
            Cell(doc, "sales").ShouldBe((sold?.Count ?? 0).ToString());
            Cell(doc, "earned").ShouldBe((sold?.Earned ?? 0).ToString());
        }
        Cell(dear, "sales").ShouldBe("2");
        Cell(dear, "earned").ShouldBe("46"); // 2 × 23
        Cell(cheap, "earned").ShouldBe("7");
        Cell(dear, "downloads").ShouldBe("3"); // every purchase counted as a download, the refunded one too
        Cell(dear, "views").ShouldBe("2");
        page.One("#earnings tr[data-document='" + dear + "'] td.title a").GetAttribute("href").ShouldBe($"/d/{dear}");
        page.One("[data-total=sales]").Text().ShouldBe("3");
        page.One("[data-total=earned]").Text().ShouldStartWith("53");
        page.One("[data-total=documents]").Text().ShouldBe("3");

        foreach (var series in new[] { "views", "downloads", "earned" })
        {
            var bars = page.One($"svg#chart-{series}").QuerySelectorAll("rect.bar");
            bars.Length.ShouldBe(30);
            bars[0].GetAttribute("data-day").ShouldBe(Today.AddDays(-29).ToString("yyyy-MM-dd"));
            bars[^1].GetAttribute("data-day").ShouldBe(Today.ToString("yyyy-MM-dd"));
        }
        long Today_(string series) => long.Parse(page.One($"svg#chart-{series} rect.bar[data-day='{Today:yyyy-MM-dd}']").GetAttribute("data-value")!);
        Today_("views").ShouldBe(3);
        Today_("downloads").ShouldBe(4);
        Today_("earned").ShouldBe(53);

        var ninety = await uploader.GetDocumentAsync("/me/earnings?days=90");
        foreach (var series in new[] { "views", "downloads", "earned" })
            ninety.One($"svg#chart-{series}").QuerySelectorAll("rect.bar").Length.ShouldBe(90);
        ninety.One("#charts .switch a").GetAttribute("href").ShouldBe("/me/earnings?days=30");
    }

    [Fact]
    public async Task Views_are_kept_per_day_and_drawn_on_their_day()
    {
        var (uploader, uploaderId) = await site.SignedInBrowserAsync(NewEmail("up"));
        var doc = await site.ReadyDocAsync(uploaderId, price: 0);
        var today = Today;
        var clock = new ManualClock(new DateTimeOffset(today.AddDays(-2).ToDateTime(new TimeOnly(10, 0)), TimeSpan.Zero));
        var views = new ViewCounter(site.Services.GetRequiredService<IDbContextFactory<WenkuDb>>(), clock, NullLogger<ViewCounter>.Instance);
        views.Count(doc);
        views.Count(doc);
        await views.FlushAsync(CancellationToken.None);
        clock.Now = new DateTimeOffset(today.ToDateTime(new TimeOnly(9, 0)), TimeSpan.Zero);
        views.Count(doc);
        views.Count(long.MaxValue); // a document deleted since it was viewed: no row, and the others are still written
        await views.FlushAsync(CancellationToken.None);
        views.Count(doc);
        await views.FlushAsync(CancellationToken.None);

        var days = await site.WithDbAsync(db => db.DocumentViewDays.Where(v => v.DocumentId == doc || v.DocumentId == long.MaxValue)
            .OrderBy(v => v.Day).Select(v => new { v.DocumentId, v.Day, v.Views }).ToListAsync());
        days.ShouldBe([new { DocumentId = doc, Day = today.AddDays(-2), Views = 2L }, new { DocumentId = doc, Day = today, Views = 2L }]);
        (await site.WithDbAsync(db => db.Documents.Where(d => d.Id == doc).Select(d => d.Views).SingleAsync())).ShouldBe(4);

        var page = await uploader.GetDocumentAsync("/me/earnings");
        var bars = page.One("svg#chart-views").QuerySelectorAll("rect.bar");
        bars.Select(b => b.GetAttribute("data-value")).ShouldBe([.. Enumerable.Repeat("0", 27), "2", "0", "2"]);
        double.Parse(bars[27].GetAttribute("height")!, System.Globalization.CultureInfo.InvariantCulture).ShouldBeGreaterThan(0);
        bars[28].GetAttribute("height").ShouldBe("0");
    }

    [Fact]
    public async Task Another_users_earnings_are_never_shown()
    {
        var uploaderId = await site.CreateUserAsync(NewEmail("up"));
        var buyerId = await site.CreateUserAsync(NewEmail("buy"));
        await GrantAsync(buyerId, 100);
        var doc = await site.ReadyDocAsync(uploaderId, price: 50);
        await BuyAsync(doc, buyerId, 50);
        var (other, _) = await site.SignedInBrowserAsync(NewEmail("other"));

        var page = await other.GetDocumentAsync("/me/earnings");
        page.QuerySelectorAll("#earnings").ShouldBeEmpty();
        page.QuerySelectorAll($"[data-document='{doc}']").ShouldBeEmpty();
        page.One("#no-documents");
        page.One("[data-total=earned]").Text().ShouldStartWith("0");
        page.One("svg#chart-earned").QuerySelectorAll("rect.bar").Select(b => b.GetAttribute("data-value")).ShouldAllBe(v => v == "0");
        page.One("svg#chart-downloads").QuerySelectorAll("rect.bar").Select(b => b.GetAttribute("data-value")).ShouldAllBe(v => v == "0");
        HistoryRows(await other.GetDocumentAsync("/me/wallet")).ShouldBeEmpty();
    }
}
