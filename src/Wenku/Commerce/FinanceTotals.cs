using Microsoft.EntityFrameworkCore;
using Wenku.Data;

namespace Wenku.Commerce;

/// <summary>
/// The site's money at a glance, summed from postings (never from cached balances, so the page shows what the ledger says).
/// </summary>
/// <param name="Recharged">Points bought through a payment provider (recharge postings into user accounts).</param>
/// <param name="Spent">Points readers paid for documents (gross, before refunds).</param>
/// <param name="Refunded">Points given back by refunds.</param>
/// <param name="PlatformRevenue">The platform's share of sales, net of refunds.</param>
/// <param name="UploaderEarnings">Uploaders' share of sales, net of refunds.</param>
/// <param name="PaidOut">Withdrawals paid to uploaders.</param>
/// <param name="WithdrawalsPending">Withdrawals asked for and not yet decided.</param>
/// <param name="UserBalances">Every user's spendable and earned points together.</param>
/// <param name="CodesOutstanding">Points on redeem codes neither redeemed nor expired.</param>
/// <param name="Granted">Points staff granted, net of corrections and of codes (issued minus expired).</param>
public sealed record FinanceSummary(long Recharged, long Spent, long Refunded, long PlatformRevenue, long UploaderEarnings,
    long PaidOut, long WithdrawalsPending, long UserBalances, long CodesOutstanding, long Granted);

/// <summary>One day of the revenue chart (UTC days).</summary>
public sealed record DailyRevenue(DateOnly Day, long Points);

public sealed class FinanceTotals(WenkuDb db, TimeProvider clock)
{
    public async Task<FinanceSummary> SummaryAsync(CancellationToken ct)
    {
        var sums = await (from p in db.LedgerPostings.AsNoTracking()
                          join t in db.LedgerTransactions on p.TransactionId equals t.Id
                          group p.Amount by new { Account = p.Account.Kind, Tx = t.Kind, In = p.Amount > 0 } into g
                          select new { g.Key.Account, g.Key.Tx, g.Key.In, Sum = g.Sum() }).ToListAsync(ct);
        long Sum(Func<AccountKind, bool> account, Func<TransactionKind, bool> tx, bool? into = null) =>
            sums.Where(s => account(s.Account) && tx(s.Tx) && (into is null || s.In == into)).Sum(s => s.Sum);
        static bool Any<T>(T _) => true;
        var user = (AccountKind k) => LedgerAccount.IsUserKind(k);
        return new FinanceSummary(
            Recharged: Sum(user, t => t == TransactionKind.Recharge),
            // A purchase takes from the buyer (out) and pays the uploader (in): spent is what went out.
            Spent: -Sum(user, t => t == TransactionKind.Purchase, into: false),
            Refunded: Sum(user, t => t == TransactionKind.Refund, into: true),
            PlatformRevenue: Sum(k => k == AccountKind.PlatformRevenue, Any),
            UploaderEarnings: Sum(k => k == AccountKind.Earned, t => t is TransactionKind.Purchase or TransactionKind.Refund),
            PaidOut: Sum(k => k == AccountKind.Payouts, Any),
            WithdrawalsPending: Sum(k => k == AccountKind.WithdrawalsPayable, Any),
            UserBalances: Sum(user, Any),
            CodesOutstanding: Sum(k => k == AccountKind.RedeemCodesOutstanding, Any),
            Granted: -Sum(k => k == AccountKind.Grants, Any));
    }

    /// <summary>The platform's revenue per UTC day, the last <paramref name="days"/> days up to today, days without sales as 0.</summary>
    public async Task<List<DailyRevenue>> DailyRevenueAsync(int days, CancellationToken ct)
    {
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        var first = today.AddDays(1 - days);
        var since = first.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        // Summed per day here: a day's grouping is written differently by each engine, and 30 days of revenue postings are few columns.
        var rows = await (from p in db.LedgerPostings.AsNoTracking()
                          join t in db.LedgerTransactions on p.TransactionId equals t.Id
                          where p.Account.Kind == AccountKind.PlatformRevenue && t.At >= since
                          select new { t.At, p.Amount }).ToListAsync(ct);
        var byDay = rows.GroupBy(r => DateOnly.FromDateTime(r.At)).ToDictionary(g => g.Key, g => g.Sum(r => r.Amount));
        return Enumerable.Range(0, days).Select(i => first.AddDays(i)).Select(d => new DailyRevenue(d, byDay.GetValueOrDefault(d))).ToList();
    }
}
