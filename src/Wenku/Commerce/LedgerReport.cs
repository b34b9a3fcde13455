using Microsoft.EntityFrameworkCore;
using Wenku.Data;

namespace Wenku.Commerce;

/// <summary>
/// The figures of <c>wenku admin ledger report</c>, in points, for transactions in [<see cref="From"/>, <see cref="To"/>):
/// <see cref="Sales"/> (prices paid), <see cref="Revenue"/> (the platform's share of them), <see cref="UploaderEarnings"/>,
/// <see cref="Recharges"/>, <see cref="Grants"/> (net of take-backs), <see cref="Payouts"/>, <see cref="Refunds"/> (returned to
/// buyers) and <see cref="Losses"/> (what the platform bore); and the balance of each kind of account at <see cref="To"/>.
/// </summary>
public sealed record LedgerFigures(DateTime? From, DateTime? To, long Sales, long SalesCount, long Revenue, long UploaderEarnings, long Recharges,
    long Grants, long Payouts, long Refunds, long Losses, IReadOnlyList<(AccountKind Kind, long Accounts, long Balance)> Outstanding);

/// <summary>Sums the ledger's postings by transaction kind and account kind, in the database.</summary>
public sealed class LedgerReport(IDbContextFactory<WenkuDb> dbFactory)
{
    public async Task<LedgerFigures> FiguresAsync(DateTime? from, DateTime? to, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var inPeriod = db.LedgerTransactions.Where(t => (from == null || t.At >= from) && (to == null || t.At < to));
        var sums = await (from p in db.LedgerPostings
                          join t in inPeriod on p.TransactionId equals t.Id
                          group p by new { t.Kind, Account = p.Account.Kind, Credit = p.Amount > 0 } into g
                          select new { g.Key.Kind, g.Key.Account, g.Key.Credit, Sum = g.Sum(p => p.Amount) }).ToListAsync(ct);
        long Sum(TransactionKind? kind, AccountKind? account = null, bool? credit = null) => sums
            .Where(s => (kind is null || s.Kind == kind) && (account is null || s.Account == account) && (credit is null || s.Credit == credit))
            .Sum(s => s.Sum);
        long UserCredits(TransactionKind kind) => Sum(kind, AccountKind.Spendable, true) + Sum(kind, AccountKind.Earned, true);

        var salesCount = await inPeriod.LongCountAsync(t => t.Kind == TransactionKind.Purchase, ct);

        var atEnd = db.LedgerTransactions.Where(t => to == null || t.At < to);
        var balances = await (from p in db.LedgerPostings
                              join t in atEnd on p.TransactionId equals t.Id
                              group p by p.Account.Kind into g
                              select new { Kind = g.Key, Balance = g.Sum(p => p.Amount) }).ToListAsync(ct);
        var counts = await db.LedgerAccounts.GroupBy(a => a.Kind).Select(g => new { Kind = g.Key, Count = g.LongCount() }).ToListAsync(ct);
        var outstanding = Enum.GetValues<AccountKind>()
            .Select(k => (k, counts.SingleOrDefault(c => c.Kind == k)?.Count ?? 0, balances.SingleOrDefault(b => b.Kind == k)?.Balance ?? 0))
            .ToList();

        return new LedgerFigures(from, to,
            Sales: Sum(TransactionKind.Purchase, credit: true),
            SalesCount: salesCount,
            Revenue: Sum(null, AccountKind.PlatformRevenue),
            UploaderEarnings: Sum(TransactionKind.Purchase, AccountKind.Earned, true),
            Recharges: -Sum(TransactionKind.Recharge, AccountKind.PaymentClearing),
            Grants: -Sum(TransactionKind.Grant, AccountKind.Grants),
            Payouts: Sum(TransactionKind.WithdrawalPaid, AccountKind.Payouts),
            Refunds: UserCredits(TransactionKind.Refund),
            Losses: Math.Abs(Sum(null, AccountKind.PlatformLosses)),
            Outstanding: outstanding);
    }
}
