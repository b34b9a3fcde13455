using System.Data;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Wenku.Data;
using Wenku.Documents;

namespace Wenku.Commerce;

/// <summary>One broken invariant of the ledger: which rule, and the row that breaks it (a transaction, an account, a purchase…).</summary>
public sealed record LedgerViolation(string Rule, string Subject, string Problem)
{
    public override string ToString() => $"{Rule}: {Subject}: {Problem}";
}

/// <summary>What <c>wenku admin ledger verify</c> looked at, and what it found (empty: every invariant holds).</summary>
public sealed record LedgerVerification(long Transactions, long Postings, long UserAccounts, long Purchases, long RechargeOrders, long Withdrawals,
    IReadOnlyList<LedgerViolation> Violations)
{
    public bool Holds => Violations.Count == 0;

    public string Summary => string.Create(CultureInfo.InvariantCulture,
        $"Ledger verified: {Transactions} transactions, {Postings} postings, {UserAccounts} user accounts, {Purchases} purchases, "
        + $"{RechargeOrders} recharge orders, {Withdrawals} withdrawals; every invariant holds.");
}

/// <summary>
/// Checks every invariant of the ledger against the database: each transaction sums to zero over at least two postings;
/// each user account's cached balance equals the sum of its postings and neither is negative; every purchase entitlement
/// has its live purchase and every live purchase its entitlement; each purchase's transaction moves exactly its price
/// (from the buyer, in shares to the uploader and the platform); each refund has its refund transaction; each paid
/// recharge order exactly one recharge transaction, and pending or closed ones none; each withdrawal the transactions of
/// its state; each claim transfer moves earned points from the previous uploader (and the platform's losses) to the
/// claimant of the approved claim that names it (a purchase a claim moved paid the uploader of its time).
/// <para>
/// Sums are aggregated by the database; the rows checked one by one (purchases, orders, withdrawals) are read in pages
/// of <see cref="PageSize"/>, so memory does not grow with the ledger. Everything is read in one snapshot (a deferred
/// read transaction on SQLite, REPEATABLE READ on PostgreSQL), so a running site's purchases cannot look half-written.
/// </para>
/// </summary>
public sealed class LedgerVerifier(IDbContextFactory<WenkuDb> dbFactory)
{
    public const int PageSize = 1000;

    /// <summary>At most this many violations are collected (the first is what matters; the rest help to see the extent).</summary>
    public const int MaxViolations = 50;

    public async Task<LedgerVerification> VerifyAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        // On PostgreSQL a transaction runs inside the execution strategy (retried whole on a transient failure).
        return await db.Database.CreateExecutionStrategy().ExecuteAsync(async () =>
        {
            await using var snapshot = await BeginSnapshotAsync(db, ct);
            return await VerifyInSnapshotAsync(db, ct);
        });
    }

    private static async Task<LedgerVerification> VerifyInSnapshotAsync(WenkuDb db, CancellationToken ct)
    {
        var found = new List<LedgerViolation>();
        bool Full() => found.Count >= MaxViolations;

        // 1. Each transaction sums to zero and has at least two postings (a transaction without postings has no group).
        var unbalanced = await db.LedgerPostings.GroupBy(p => p.TransactionId)
            .Select(g => new { Id = g.Key, Sum = g.Sum(p => p.Amount), Count = g.Count() })
            .Where(g => g.Sum != 0 || g.Count < 2)
            .OrderBy(g => g.Id).Take(MaxViolations).ToListAsync(ct);
        found.AddRange(unbalanced.Select(t => new LedgerViolation("transaction-balance", $"transaction {t.Id}",
            t.Sum != 0 ? $"its postings sum to {t.Sum}, not 0" : $"it has {t.Count} posting, a transaction needs at least 2")));
        var empty = await db.LedgerTransactions.Where(t => !db.LedgerPostings.Any(p => p.TransactionId == t.Id))
            .OrderBy(t => t.Id).Select(t => t.Id).Take(MaxViolations).ToListAsync(ct);
        found.AddRange(empty.Select(id => new LedgerViolation("transaction-balance", $"transaction {id}", "it has no postings")));

        // 2. Cached balances of user accounts equal their postings; neither is negative.
        if (!Full())
        {
            var accounts = await db.LedgerAccounts.Where(a => a.Owner != LedgerAccount.System)
                .Select(a => new { a.Id, a.Owner, a.Kind, a.Balance, Sum = db.LedgerPostings.Where(p => p.AccountId == a.Id).Sum(p => (long?)p.Amount) ?? 0 })
                .Where(a => a.Balance != a.Sum || a.Balance < 0 || a.Sum < 0)
                .OrderBy(a => a.Id).Take(MaxViolations).ToListAsync(ct);
            foreach (var a in accounts)
            {
                var subject = $"account {a.Id} ({a.Kind} of user {a.Owner})";
                if (a.Balance != a.Sum) found.Add(new("cached-balance", subject, $"cached balance {a.Balance}, its postings sum to {a.Sum}"));
                if (a.Balance < 0 || a.Sum < 0) found.Add(new("negative-balance", subject, $"balance {Math.Min(a.Balance, a.Sum)} is negative"));
            }
        }

        // 3. Entitlements bought and live purchases match one to one.
        if (!Full())
        {
            var unpaid = await db.Entitlements.Where(e => e.Source == Entitlement.PurchaseSource
                    && !db.Purchases.Any(p => p.DocumentId == e.DocumentId && p.BuyerId == e.UserId && p.RefundedAt == null))
                .OrderBy(e => e.DocumentId).ThenBy(e => e.UserId).Select(e => new { e.DocumentId, e.UserId }).Take(MaxViolations).ToListAsync(ct);
            found.AddRange(unpaid.Select(e => new LedgerViolation("entitlement-without-purchase",
                $"entitlement of user {e.UserId} to document {e.DocumentId}", "it says purchase, but no live purchase exists")));
            var unentitled = await db.Purchases.Where(p => p.RefundedAt == null
                    && !db.Entitlements.Any(e => e.DocumentId == p.DocumentId && e.UserId == p.BuyerId && e.Source == Entitlement.PurchaseSource))
                .OrderBy(p => p.Id).Select(p => new { p.Id, p.DocumentId, p.BuyerId }).Take(MaxViolations).ToListAsync(ct);
            found.AddRange(unentitled.Select(p => new LedgerViolation("purchase-without-entitlement",
                $"purchase {p.Id}", $"user {p.BuyerId} bought document {p.DocumentId} but holds no purchase entitlement to it")));
        }

        // 4. Each purchase's transaction moves exactly its price; each refund has its transaction.
        if (!Full()) await CheckPurchasesAsync(db, found, ct);
        if (!Full()) await CheckRechargesAsync(db, found, ct);
        if (!Full()) await CheckWithdrawalsAsync(db, found, ct);
        if (!Full()) await CheckClaimTransfersAsync(db, found, ct);

        return new LedgerVerification(
            await db.LedgerTransactions.LongCountAsync(ct), await db.LedgerPostings.LongCountAsync(ct),
            await db.LedgerAccounts.LongCountAsync(a => a.Owner != LedgerAccount.System, ct), await db.Purchases.LongCountAsync(ct),
            await db.RechargeOrders.LongCountAsync(ct), await db.Withdrawals.LongCountAsync(ct), found.Take(MaxViolations).ToList());
    }

    private static async Task<IAsyncDisposable> BeginSnapshotAsync(WenkuDb db, CancellationToken ct)
    {
        if (db.Database.IsNpgsql()) return await db.Database.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
        // BEGIN DEFERRED: a read snapshot from the first read on (WAL), without taking the write lock the site needs.
        await db.Database.OpenConnectionAsync(ct);
        var connection = (SqliteConnection)db.Database.GetDbConnection();
        var tx = connection.BeginTransaction(deferred: true);
        await db.Database.UseTransactionAsync(tx, ct);
        return tx;
    }

    /// <summary>The postings of some transactions, netted per account, with each account's owner and kind.</summary>
    private static async Task<Dictionary<long, (TransactionKind Kind, Dictionary<(string Owner, AccountKind Kind), long> Lines)>> PostingsOfAsync(
        WenkuDb db, IReadOnlyCollection<long> transactionIds, CancellationToken ct)
    {
        var txs = await db.LedgerTransactions.Where(t => transactionIds.Contains(t.Id)).Select(t => new { t.Id, t.Kind }).ToListAsync(ct);
        var lines = await db.LedgerPostings.Where(p => transactionIds.Contains(p.TransactionId))
            .Select(p => new { p.TransactionId, p.Account.Owner, p.Account.Kind, p.Amount }).ToListAsync(ct);
        return txs.ToDictionary(t => t.Id, t => (t.Kind, lines.Where(l => l.TransactionId == t.Id)
            .GroupBy(l => (l.Owner, l.Kind)).Select(g => (g.Key, Sum: g.Sum(l => l.Amount))).Where(g => g.Sum != 0)
            .ToDictionary(g => g.Key, g => g.Sum)));
    }

    private static string Describe(Dictionary<(string Owner, AccountKind Kind), long> lines) =>
        string.Join(", ", lines.OrderBy(l => l.Key.Kind).ThenBy(l => l.Key.Owner, StringComparer.Ordinal)
            .Select(l => $"{(l.Key.Owner == LedgerAccount.System ? "site" : l.Key.Owner)}/{l.Key.Kind} {l.Value:+#;-#;0}"));

    private static bool Same(Dictionary<(string, AccountKind), long> a, Dictionary<(string, AccountKind), long> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && v == kv.Value);

    private static Dictionary<(string Owner, AccountKind Kind), long> Net(params (string Owner, AccountKind Kind, long Amount)[] lines) =>
        lines.GroupBy(l => (l.Owner, l.Kind)).Select(g => (g.Key, Sum: g.Sum(l => l.Amount))).Where(g => g.Sum != 0).ToDictionary(g => g.Key, g => g.Sum);

    private static async Task CheckPurchasesAsync(WenkuDb db, List<LedgerViolation> found, CancellationToken ct)
    {
        for (long after = 0; found.Count < MaxViolations;)
        {
            var page = await db.Purchases.AsNoTracking().Where(p => p.Id > after).OrderBy(p => p.Id).Take(PageSize).ToListAsync(ct);
            if (page.Count == 0) return;
            after = page[^1].Id;
            var txIds = page.Select(p => p.TransactionId).Concat(page.Where(p => p.RefundTransactionId is not null).Select(p => p.RefundTransactionId!.Value)).ToList();
            var txs = await PostingsOfAsync(db, txIds, ct);
            var docIds = page.Select(p => p.DocumentId).Distinct().ToList();
            var transfers = (await db.Claims.AsNoTracking()
                    .Where(c => docIds.Contains(c.DocumentId) && c.State == Moderation.ClaimState.Approved && c.PreviousUploaderId != null)
                    .Select(c => new { c.Id, c.DocumentId, c.ClaimantId, Previous = c.PreviousUploaderId!, c.DecidedAt }).ToListAsync(ct))
                .ToLookup(c => c.DocumentId);
            // The uploaders a purchase may have paid at the time of sale: its uploader now, and, walking the document's
            // approved claims back from the newest, each claim's previous uploader when its claimant held the purchase.
            IEnumerable<string> UploadersAtSale(Purchase p)
            {
                var holder = p.UploaderId;
                yield return holder;
                foreach (var c in transfers[p.DocumentId].OrderByDescending(c => c.DecidedAt).ThenByDescending(c => c.Id))
                    if (c.ClaimantId == holder) yield return holder = c.Previous;
            }
            foreach (var p in page)
            {
                var subject = $"purchase {p.Id} (transaction {p.TransactionId})";
                if (p.UploaderShare + p.PlatformShare != p.Price || p.FromSpendable + p.FromEarned != p.Price || p.UploaderShare < 0 || p.PlatformShare < 0 || p.FromSpendable < 0 || p.FromEarned < 0)
                    found.Add(new("purchase-postings", subject, $"its shares ({p.UploaderShare} + {p.PlatformShare}) or sources ({p.FromSpendable} + {p.FromEarned}) do not make its price {p.Price}"));
                else if (!txs.TryGetValue(p.TransactionId, out var tx))
                    found.Add(new("purchase-postings", subject, "its transaction does not exist"));
                else if (tx.Kind != TransactionKind.Purchase)
                    found.Add(new("purchase-postings", subject, $"its transaction is a {tx.Kind}, not a Purchase"));
                else
                {
                    Dictionary<(string Owner, AccountKind Kind), long> Expected(string uploader) =>
                        Net((p.BuyerId, AccountKind.Spendable, -p.FromSpendable), (p.BuyerId, AccountKind.Earned, -p.FromEarned),
                            (uploader, AccountKind.Earned, p.UploaderShare), (LedgerAccount.System, AccountKind.PlatformRevenue, p.PlatformShare));
                    var expected = Expected(p.UploaderId);
                    // A claim moved the purchase (and its earnings) from the uploader it paid to the rights holder.
                    if (!Same(expected, tx.Lines) && !UploadersAtSale(p).Skip(1).Any(u => Same(Expected(u), tx.Lines)))
                        found.Add(new("purchase-postings", subject, $"its postings are [{Describe(tx.Lines)}], the purchase says [{Describe(expected)}]"));
                }

                if (p.RefundedAt is not null)
                {
                    if (p.RefundTransactionId is not { } refundId || !txs.TryGetValue(refundId, out var refund))
                        found.Add(new("refund-transaction", $"purchase {p.Id}", "it was refunded but its refund transaction does not exist"));
                    else if (refund.Kind != TransactionKind.Refund)
                        found.Add(new("refund-transaction", $"purchase {p.Id} (transaction {refundId})", $"its refund transaction is a {refund.Kind}, not a Refund"));
                    else if (refund.Lines.GetValueOrDefault((p.BuyerId, AccountKind.Spendable)) + refund.Lines.GetValueOrDefault((p.BuyerId, AccountKind.Earned)) != p.Price)
                        found.Add(new("refund-transaction", $"purchase {p.Id} (transaction {refundId})", $"its refund returns [{Describe(refund.Lines)}] to the buyer, not the price {p.Price}"));
                }
                else if (p.RefundTransactionId is not null)
                    found.Add(new("refund-transaction", $"purchase {p.Id}", $"it has refund transaction {p.RefundTransactionId} but is not refunded"));
            }
        }
    }

    /// <summary>The references a recharge transaction may carry for an order: its number, or <c>recharge:</c> and its number.</summary>
    public static string[] RechargeReferences(string outTradeNo) => [outTradeNo, $"recharge:{outTradeNo}"];

    private static async Task CheckRechargesAsync(WenkuDb db, List<LedgerViolation> found, CancellationToken ct)
    {
        for (long after = 0; found.Count < MaxViolations;)
        {
            var page = await db.RechargeOrders.AsNoTracking().Where(o => o.Id > after).OrderBy(o => o.Id).Take(PageSize).ToListAsync(ct);
            if (page.Count == 0) return;
            after = page[^1].Id;
            var references = page.SelectMany(o => RechargeReferences(o.OutTradeNo)).ToList();
            var byReference = (await db.LedgerTransactions.Where(t => t.Kind == TransactionKind.Recharge && t.Reference != null && references.Contains(t.Reference))
                    .Select(t => new { t.Id, Reference = t.Reference! }).ToListAsync(ct))
                .ToLookup(t => t.Reference.StartsWith("recharge:", StringComparison.Ordinal) ? t.Reference["recharge:".Length..] : t.Reference, t => t.Id);
            var txs = await PostingsOfAsync(db, page.Where(o => o.TransactionId is not null).Select(o => o.TransactionId!.Value).ToList(), ct);
            foreach (var o in page)
            {
                var subject = $"recharge order {o.Id} ({o.OutTradeNo}, {o.State})";
                var recharges = byReference[o.OutTradeNo].ToList();
                if (o.State != RechargeState.Paid)
                {
                    if (recharges.Count > 0 || o.TransactionId is not null)
                        found.Add(new("recharge-transaction", subject, $"it is not paid but has recharge transaction {(recharges.Count > 0 ? recharges[0] : o.TransactionId)}"));
                    continue;
                }
                if (recharges.Count != 1)
                    found.Add(new("recharge-transaction", subject, $"it is paid and has {recharges.Count} recharge transactions with its reference, not exactly 1"));
                else if (o.TransactionId != recharges[0] || !txs.TryGetValue(recharges[0], out var tx))
                    found.Add(new("recharge-transaction", subject, $"it names transaction {o.TransactionId?.ToString(CultureInfo.InvariantCulture) ?? "none"}, its recharge transaction is {recharges[0]}"));
                else
                {
                    var expected = Net((o.UserId, AccountKind.Spendable, o.Points), (LedgerAccount.System, AccountKind.PaymentClearing, -o.Points));
                    if (!Same(expected, tx.Lines))
                        found.Add(new("recharge-transaction", $"{subject} (transaction {recharges[0]})", $"its postings are [{Describe(tx.Lines)}], the order says [{Describe(expected)}]"));
                }
            }
        }
    }

    /// <summary>
    /// Each <see cref="TransactionKind.ClaimTransfer"/> belongs to the approved claim its reference (<c>claim:{id}</c>)
    /// names, which names it back, and moves points only from the previous uploader's earned account and
    /// <see cref="AccountKind.PlatformLosses"/> to the claimant's earned account; each approved claim's transfer exists.
    /// </summary>
    private static async Task CheckClaimTransfersAsync(WenkuDb db, List<LedgerViolation> found, CancellationToken ct)
    {
        for (long after = 0; found.Count < MaxViolations;)
        {
            var page = await db.LedgerTransactions.AsNoTracking().Where(t => t.Kind == TransactionKind.ClaimTransfer && t.Id > after)
                .OrderBy(t => t.Id).Select(t => new { t.Id, t.Reference }).Take(PageSize).ToListAsync(ct);
            if (page.Count == 0) break;
            after = page[^1].Id;
            var txs = await PostingsOfAsync(db, page.Select(t => t.Id).ToList(), ct);
            var claimIds = page.Select(t => t.Reference is { } r && r.StartsWith("claim:", StringComparison.Ordinal)
                && long.TryParse(r["claim:".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : 0).Where(id => id > 0).ToList();
            var claims = await db.Claims.AsNoTracking().Where(c => claimIds.Contains(c.Id)).ToDictionaryAsync(c => c.Id, ct);
            foreach (var t in page)
            {
                var subject = $"claim transfer {t.Id} ({t.Reference ?? "no reference"})";
                var claimId = t.Reference is { } r && r.StartsWith("claim:", StringComparison.Ordinal)
                    && long.TryParse(r["claim:".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : 0;
                if (!claims.TryGetValue(claimId, out var claim) || claim.State != Moderation.ClaimState.Approved || claim.TransferTransactionId != t.Id
                    || claim.PreviousUploaderId is not { } previous)
                {
                    found.Add(new("claim-transfer", subject, "no approved claim names it as its transfer"));
                    continue;
                }
                var lines = txs[t.Id].Lines;
                var allowed = lines.All(l => (l.Key == (previous, AccountKind.Earned) && l.Value < 0)
                    || (l.Key == (LedgerAccount.System, AccountKind.PlatformLosses) && l.Value < 0)
                    || (l.Key == (claim.ClaimantId, AccountKind.Earned) && l.Value > 0));
                if (!allowed)
                    found.Add(new("claim-transfer", subject,
                        $"its postings are [{Describe(lines)}]; a transfer moves earned points from {previous} (and the platform's losses) to {claim.ClaimantId} only"));
            }
        }
        var missing = await db.Claims.AsNoTracking().Where(c => c.TransferTransactionId != null
                && !db.LedgerTransactions.Any(t => t.Id == c.TransferTransactionId && t.Kind == TransactionKind.ClaimTransfer))
            .OrderBy(c => c.Id).Select(c => new { c.Id, c.TransferTransactionId }).Take(MaxViolations).ToListAsync(ct);
        found.AddRange(missing.Select(c => new LedgerViolation("claim-transfer", $"claim {c.Id}", $"its transfer transaction {c.TransferTransactionId} is not a ClaimTransfer")));
    }

    private static async Task CheckWithdrawalsAsync(WenkuDb db, List<LedgerViolation> found, CancellationToken ct)
    {
        for (long after = 0; found.Count < MaxViolations;)
        {
            var page = await db.Withdrawals.AsNoTracking().Where(w => w.Id > after).OrderBy(w => w.Id).Take(PageSize).ToListAsync(ct);
            if (page.Count == 0) return;
            after = page[^1].Id;
            var txs = await PostingsOfAsync(db, page.Select(w => w.RequestTransactionId)
                .Concat(page.Where(w => w.DecisionTransactionId is not null).Select(w => w.DecisionTransactionId!.Value)).ToList(), ct);
            foreach (var w in page)
            {
                var subject = $"withdrawal {w.Id} ({w.State})";
                void Expect(long? txId, TransactionKind kind, Dictionary<(string, AccountKind), long> expected)
                {
                    if (txId is not { } id || !txs.TryGetValue(id, out var tx))
                        found.Add(new("withdrawal-transaction", subject, $"its {kind} transaction does not exist"));
                    else if (tx.Kind != kind)
                        found.Add(new("withdrawal-transaction", $"{subject} (transaction {id})", $"the transaction is a {tx.Kind}, not a {kind}"));
                    else if (!Same(expected, tx.Lines))
                        found.Add(new("withdrawal-transaction", $"{subject} (transaction {id})", $"its postings are [{Describe(tx.Lines)}], the withdrawal says [{Describe(expected)}]"));
                }

                Expect(w.RequestTransactionId, TransactionKind.WithdrawalRequested,
                    Net((w.UserId, AccountKind.Earned, -w.Points), (LedgerAccount.System, AccountKind.WithdrawalsPayable, w.Points)));
                switch (w.State)
                {
                    case WithdrawalState.Requested when w.DecisionTransactionId is not null:
                        found.Add(new("withdrawal-transaction", subject, $"it waits for a decision but has decision transaction {w.DecisionTransactionId}"));
                        break;
                    case WithdrawalState.Paid:
                        Expect(w.DecisionTransactionId, TransactionKind.WithdrawalPaid,
                            Net((LedgerAccount.System, AccountKind.WithdrawalsPayable, -w.Points), (LedgerAccount.System, AccountKind.Payouts, w.Points)));
                        break;
                    case WithdrawalState.Rejected:
                        Expect(w.DecisionTransactionId, TransactionKind.WithdrawalRejected,
                            Net((LedgerAccount.System, AccountKind.WithdrawalsPayable, -w.Points), (w.UserId, AccountKind.Earned, w.Points)));
                        break;
                }
            }
        }
    }
}
