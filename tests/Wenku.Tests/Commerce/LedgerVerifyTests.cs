using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Wenku.Commerce;
using Wenku.Data;
using Wenku.Documents;
using Wenku.Tests.Infrastructure;

namespace Wenku.Tests.Commerce;

/// <summary>Money moved the way the slices not built yet will move it (a paid recharge order, a paid and a rejected withdrawal), straight through the ledger.</summary>
internal static class LedgerMoves
{
    public static async Task<long> PaidRechargeAsync(CommerceSite site, string userId, long points)
    {
        await using var scope = site.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WenkuDb>();
        var ledger = scope.ServiceProvider.GetRequiredService<Ledger>();
        return await ledger.InTransactionAsync(async () =>
        {
            var order = new RechargeOrder { OutTradeNo = $"R{Guid.NewGuid():N}", UserId = userId, AmountFen = points * 10, Points = points, State = RechargeState.Paid };
            db.RechargeOrders.Add(order);
            var book = await ledger.BookAsync(userId, CancellationToken.None);
            var tx = await ledger.PostAsync(TransactionKind.Recharge, [(book.Spendable, points), (book[AccountKind.PaymentClearing], -points)],
                "充值 recharge", CancellationToken.None, reference: order.OutTradeNo);
            order.TransactionId = tx.Id;
            await db.SaveChangesAsync();
            return order.Id;
        }, CancellationToken.None);
    }

    public static async Task<long> WithdrawalAsync(CommerceSite site, string userId, long points, WithdrawalState decision)
    {
        await using var scope = site.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WenkuDb>();
        var ledger = scope.ServiceProvider.GetRequiredService<Ledger>();
        return await ledger.InTransactionAsync(async () =>
        {
            var book = await ledger.BookAsync(userId, CancellationToken.None);
            var request = await ledger.PostAsync(TransactionKind.WithdrawalRequested, [(book.Earned, -points), (book[AccountKind.WithdrawalsPayable], points)],
                "提现 withdrawal", CancellationToken.None, actorId: userId);
            var w = new Withdrawal { UserId = userId, Points = points, Payee = "alipay: test", RequestTransactionId = request.Id, State = decision };
            db.Withdrawals.Add(w);
            await db.SaveChangesAsync();
            if (decision == WithdrawalState.Paid)
                w.DecisionTransactionId = (await ledger.PostAsync(TransactionKind.WithdrawalPaid,
                    [(book[AccountKind.WithdrawalsPayable], -points), (book[AccountKind.Payouts], points)], "paid", CancellationToken.None, reference: $"withdrawal:{w.Id}")).Id;
            else if (decision == WithdrawalState.Rejected)
                w.DecisionTransactionId = (await ledger.PostAsync(TransactionKind.WithdrawalRejected,
                    [(book[AccountKind.WithdrawalsPayable], -points), (book.Earned, points)], "rejected", CancellationToken.None, reference: $"withdrawal:{w.Id}")).Id;
            await db.SaveChangesAsync();
            return w.Id;
        }, CancellationToken.None);
    }

    public static async Task<HttpResponseMessage> BuyAsync(HttpClient buyer, long doc, int price, string? key = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/documents/{doc}/purchase") { Content = JsonContent.Create(new { expectedPrice = price }) };
        request.Headers.Add("Idempotency-Key", key ?? Guid.NewGuid().ToString());
        return await buyer.SendAsync(request);
    }

    /// <summary>Runs <c>wenku admin ledger verify</c> beside the site and returns its first violation (or null when it passes).</summary>
    public static async Task<string?> VerifyViolationAsync(WenkuFactory site)
    {
        try
        {
            (await site.RunCliAsync("admin", "ledger", "verify")).ShouldContain("every invariant holds");
            return null;
        }
        catch (InvalidOperationException e) when (e.Message.Contains("first violation", StringComparison.Ordinal))
        {
            return e.Message;
        }
    }
}

/// <summary><c>wenku admin ledger verify</c> passes on a healthy ledger and names each invariant broken on purpose.</summary>
[Trait(WenkuFactory.Suite, WenkuFactory.OnBothStacks)]
public sealed class LedgerVerifyTests(CommerceSite site) : IClassFixture<CommerceSite>
{
    /// <summary>A buyer who bought a 33-point document of an uploader: (buyer, uploader, document, purchase).</summary>
    private async Task<(string Buyer, string Uploader, long Doc, Purchase Purchase)> SaleAsync()
    {
        var (_, uploader) = await site.ApiClientAsync($"up-{Guid.NewGuid():N}@ledger.test");
        var (buyer, buyerId) = await site.ApiClientAsync($"buy-{Guid.NewGuid():N}@ledger.test");
        await site.GrantAsync(buyerId, 100);
        var doc = await site.ReadyDocAsync(uploader, price: 33);
        (await LedgerMoves.BuyAsync(buyer, doc, 33)).StatusCode.ShouldBe(HttpStatusCode.OK);
        var purchase = await site.WithDbAsync(db => db.Purchases.AsNoTracking().SingleAsync(p => p.BuyerId == buyerId));
        return (buyerId, uploader, doc, purchase);
    }

    private Task<long> AccountAsync(string owner, AccountKind kind) =>
        site.WithDbAsync(db => db.LedgerAccounts.Where(a => a.Owner == owner && a.Kind == kind).Select(a => a.Id).SingleAsync());

    [Fact]
    public async Task Verify_passes_on_a_healthy_ledger_with_purchases_recharges_and_withdrawals_and_prints_one_summary_line()
    {
        var (_, uploader, _, _) = await SaleAsync();
        var (_, reader) = await site.ApiClientAsync($"r-{Guid.NewGuid():N}@ledger.test");
        await LedgerMoves.PaidRechargeAsync(site, reader, 500);
        await LedgerMoves.WithdrawalAsync(site, uploader, 10, WithdrawalState.Paid);
        await LedgerMoves.WithdrawalAsync(site, uploader, 5, WithdrawalState.Rejected);
        await LedgerMoves.WithdrawalAsync(site, uploader, 3, WithdrawalState.Requested);

        var output = await site.RunCliAsync("admin", "ledger", "verify");
        output.Split('\n').Length.ShouldBe(1, output);
        output.ShouldStartWith("Ledger verified: ");
        output.ShouldContain("every invariant holds");
    }

    [Fact]
    public async Task A_changed_posting_is_named_by_its_transaction()
    {
        var (_, _, _, purchase) = await SaleAsync();
        var platform = await AccountAsync(LedgerAccount.System, AccountKind.PlatformRevenue);
        await site.WithDbAsync(db => db.LedgerPostings.Where(p => p.TransactionId == purchase.TransactionId && p.AccountId == platform)
            .ExecuteUpdateAsync(s => s.SetProperty(p => p.Amount, p => p.Amount + 1)));
        try
        {
            (await LedgerMoves.VerifyViolationAsync(site)).ShouldNotBeNull()
                .ShouldContain($"first violation: transaction-balance: transaction {purchase.TransactionId}: its postings sum to 1, not 0");
        }
        finally
        {
            await site.WithDbAsync(db => db.LedgerPostings.Where(p => p.TransactionId == purchase.TransactionId && p.AccountId == platform)
                .ExecuteUpdateAsync(s => s.SetProperty(p => p.Amount, p => p.Amount - 1)));
        }
        (await LedgerMoves.VerifyViolationAsync(site)).ShouldBeNull();
    }

    [Fact]
    public async Task A_cached_balance_that_differs_from_the_postings_is_named_by_its_account()
    {
        var (buyer, _, _, _) = await SaleAsync();
        var account = await AccountAsync(buyer, AccountKind.Spendable);
        await site.WithDbAsync(db => db.LedgerAccounts.Where(a => a.Id == account).ExecuteUpdateAsync(s => s.SetProperty(a => a.Balance, 1000)));
        try
        {
            (await LedgerMoves.VerifyViolationAsync(site)).ShouldNotBeNull()
                .ShouldContain($"first violation: cached-balance: account {account} (Spendable of user {buyer}): cached balance 1000, its postings sum to 67");
        }
        finally
        {
            await site.WithDbAsync(db => db.LedgerAccounts.Where(a => a.Id == account).ExecuteUpdateAsync(s => s.SetProperty(a => a.Balance, 67)));
        }
    }

    [Fact]
    public async Task An_entitlement_without_a_purchase_is_named()
    {
        var (buyer, uploader, _, _) = await SaleAsync();
        var unpaid = await site.ReadyDocAsync(uploader, price: 12);
        await site.WithDbAsync(async db =>
        {
            db.Entitlements.Add(new Entitlement { DocumentId = unpaid, UserId = buyer, Source = Entitlement.PurchaseSource });
            return await db.SaveChangesAsync();
        });
        try
        {
            (await LedgerMoves.VerifyViolationAsync(site)).ShouldNotBeNull()
                .ShouldContain($"first violation: entitlement-without-purchase: entitlement of user {buyer} to document {unpaid}");
        }
        finally
        {
            await site.WithDbAsync(db => db.Entitlements.Where(e => e.DocumentId == unpaid).ExecuteDeleteAsync());
        }
    }

    [Fact]
    public async Task A_purchase_without_its_entitlement_is_named()
    {
        var (buyer, _, doc, purchase) = await SaleAsync();
        await site.WithDbAsync(db => db.Entitlements.Where(e => e.DocumentId == doc && e.UserId == buyer).ExecuteDeleteAsync());
        try
        {
            (await LedgerMoves.VerifyViolationAsync(site)).ShouldNotBeNull()
                .ShouldContain($"first violation: purchase-without-entitlement: purchase {purchase.Id}: user {buyer} bought document {doc}");
        }
        finally
        {
            await site.WithDbAsync(async db =>
            {
                db.Entitlements.Add(new Entitlement { DocumentId = doc, UserId = buyer, Source = Entitlement.PurchaseSource });
                return await db.SaveChangesAsync();
            });
        }
    }

    [Fact]
    public async Task A_negative_balance_is_named_even_when_cache_and_postings_agree()
    {
        var (buyer, _, _, _) = await SaleAsync();
        var account = await AccountAsync(buyer, AccountKind.Spendable);
        var grants = await AccountAsync(LedgerAccount.System, AccountKind.Grants);
        // A correction that took 72 of the buyer's 67 points: balanced, cached, and below zero.
        var tx = await site.WithDbAsync(async db =>
        {
            var t = new LedgerTransaction { Kind = TransactionKind.Grant, Memo = "broken on purpose", Postings = [new() { AccountId = account, Amount = -72 }, new() { AccountId = grants, Amount = 72 }] };
            db.LedgerTransactions.Add(t);
            await db.SaveChangesAsync();
            await db.LedgerAccounts.Where(a => a.Id == account).ExecuteUpdateAsync(s => s.SetProperty(a => a.Balance, -5));
            return t.Id;
        });
        try
        {
            (await LedgerMoves.VerifyViolationAsync(site)).ShouldNotBeNull()
                .ShouldContain($"first violation: negative-balance: account {account} (Spendable of user {buyer}): balance -5 is negative");
        }
        finally
        {
            await site.WithDbAsync(async db =>
            {
                await db.LedgerPostings.Where(p => p.TransactionId == tx).ExecuteDeleteAsync();
                await db.LedgerTransactions.Where(t => t.Id == tx).ExecuteDeleteAsync();
                return await db.LedgerAccounts.Where(a => a.Id == account).ExecuteUpdateAsync(s => s.SetProperty(a => a.Balance, 67));
            });
        }
    }

    [Fact]
    public async Task Purchase_postings_that_differ_from_the_purchase_are_named()
    {
        var (_, _, _, purchase) = await SaleAsync();
        await site.WithDbAsync(db => db.Purchases.Where(p => p.Id == purchase.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(p => p.UploaderShare, 24).SetProperty(p => p.PlatformShare, 9)));
        try
        {
            (await LedgerMoves.VerifyViolationAsync(site)).ShouldNotBeNull()
                .ShouldContain($"first violation: purchase-postings: purchase {purchase.Id} (transaction {purchase.TransactionId}): its postings are [");
        }
        finally
        {
            await site.WithDbAsync(db => db.Purchases.Where(p => p.Id == purchase.Id)
                .ExecuteUpdateAsync(s => s.SetProperty(p => p.UploaderShare, 23).SetProperty(p => p.PlatformShare, 10)));
        }
    }

    [Fact]
    public async Task A_paid_recharge_order_without_its_transaction_is_named()
    {
        var (_, reader) = await site.ApiClientAsync($"r-{Guid.NewGuid():N}@ledger.test");
        var order = await LedgerMoves.PaidRechargeAsync(site, reader, 50);
        await site.WithDbAsync(db => db.RechargeOrders.Where(o => o.Id == order)
            .ExecuteUpdateAsync(s => s.SetProperty(o => o.OutTradeNo, o => o.OutTradeNo + "X")));
        try
        {
            (await LedgerMoves.VerifyViolationAsync(site)).ShouldNotBeNull()
                .ShouldContain($"first violation: recharge-transaction: recharge order {order} (");
        }
        finally
        {
            await site.WithDbAsync(db => db.RechargeOrders.Where(o => o.Id == order)
                .ExecuteUpdateAsync(s => s.SetProperty(o => o.OutTradeNo, o => o.OutTradeNo.Substring(0, o.OutTradeNo.Length - 1))));
        }
    }
}

/// <summary><c>wenku admin ledger report</c> shows what was done, for the period asked.</summary>
[Trait(WenkuFactory.Suite, WenkuFactory.OnBothStacks)]
public sealed class LedgerReportTests(CommerceSite site) : IClassFixture<CommerceSite>
{
    [Fact]
    public async Task Report_figures_equal_what_was_done_and_a_later_period_shows_no_flows()
    {
        var (_, uploader) = await site.ApiClientAsync($"up-{Guid.NewGuid():N}@report.test");
        var (buyer, buyerId) = await site.ApiClientAsync($"buy-{Guid.NewGuid():N}@report.test");
        var (_, other) = await site.ApiClientAsync($"o-{Guid.NewGuid():N}@report.test");
        await site.GrantAsync(buyerId, 1000);
        await site.GrantAsync(other, 500);
        await site.GrantAsync(other, -100);
        await LedgerMoves.PaidRechargeAsync(site, buyerId, 200);
        var a = await site.ReadyDocAsync(uploader, price: 33);
        var b = await site.ReadyDocAsync(uploader, price: 10);
        (await LedgerMoves.BuyAsync(buyer, a, 33)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await LedgerMoves.BuyAsync(buyer, b, 10)).StatusCode.ShouldBe(HttpStatusCode.OK);
        await LedgerMoves.WithdrawalAsync(site, uploader, 20, WithdrawalState.Paid); // uploader earned 23 + 7 = 30
        await LedgerMoves.WithdrawalAsync(site, uploader, 4, WithdrawalState.Requested);

        var today = DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var rows = Rows(await site.RunCliAsync("admin", "ledger", "report", "--from", today, "--to", today));
        rows["sales (prices paid)"].ShouldBe(["43 in 2 purchases"]);
        rows["revenue (platform share, net of refunds)"].ShouldBe(["13"]); // 10 + 3
        rows["uploader earnings"].ShouldBe(["30"]);
        rows["recharges"].ShouldBe(["200"]);
        rows["grants (net)"].ShouldBe(["1,400"]);
        rows["payouts"].ShouldBe(["20"]);
        rows["refunds"].ShouldBe(["0"]);
        rows["losses (borne by the platform)"].ShouldBe(["0"]);
        rows["Spendable"].ShouldBe(["3", "1,557"]); // 1000 + 200 − 43, and 400
        rows["Earned"].ShouldBe(["3", "6"]);
        rows["PlatformRevenue"].ShouldBe(["1", "13"]);
        rows["WithdrawalsPayable"].ShouldBe(["1", "4"]);
        rows["Payouts"].ShouldBe(["1", "20"]);
        rows["Grants"].ShouldBe(["1", "-1,400"]);
        rows["PaymentClearing"].ShouldBe(["1", "-200"]);

        var tomorrow = DateTime.UtcNow.AddDays(1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var later = Rows(await site.RunCliAsync("admin", "ledger", "report", "--from", tomorrow, "--to", tomorrow));
        later["sales (prices paid)"].ShouldBe(["0 in 0 purchases"]);
        later["recharges"].ShouldBe(["0"]);
        later["Spendable"].ShouldBe(["3", "1,557"]); // balances at the end of the period
    }

    /// <summary>The report's table rows by their first cell (box-drawing or ASCII borders).</summary>
    private static Dictionary<string, string[]> Rows(string output) => output.Split('\n')
        .Select(line => line.Split('│', '|').Select(c => c.Trim()).ToArray())
        .Where(cells => cells.Length >= 4 && cells[1].Length > 0)
        .GroupBy(cells => cells[1]).ToDictionary(g => g.Key, g => g.First()[2..^1]);
}
