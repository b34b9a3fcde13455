using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Wenku.Data;
using Wenku.Documents;

namespace Wenku.Commerce;

/// <summary>What <c>POST /api/v1/documents/{id}/purchase</c> answers with 200 (and what the site shows after a purchase).</summary>
/// <param name="DocumentId">The document.</param>
/// <param name="Price">Its price in points.</param>
/// <param name="Charged">Points taken by this request: the price, or 0 when the caller already had the document.</param>
/// <param name="AlreadyOwned">True when the caller already had the whole document (bought before, its uploader, staff) and nothing was charged.</param>
/// <param name="PurchaseId">The purchase, when one was made.</param>
/// <param name="Spendable">The buyer's spendable points afterwards.</param>
/// <param name="Earned">The buyer's earned points afterwards.</param>
public sealed record PurchaseReceipt(long DocumentId, int Price, int Charged, bool AlreadyOwned, long? PurchaseId, long Spendable, long Earned);

/// <summary>How a purchase request ended.</summary>
public abstract record PurchaseOutcome
{
    /// <summary>Bought now, or owned already (nothing charged), or the same request answered again.</summary>
    public sealed record Done(PurchaseReceipt Receipt, bool Replayed) : PurchaseOutcome;
    public sealed record NotFound : PurchaseOutcome;
    /// <summary>The document is not for sale now (still converting, held, failed).</summary>
    public sealed record NotReady : PurchaseOutcome;
    /// <summary>The document was removed (下架): nobody buys it (410).</summary>
    public sealed record Removed : PurchaseOutcome;
    /// <summary>The price is not what the buyer was shown (409).</summary>
    public sealed record PriceChanged(int Price) : PurchaseOutcome;
    /// <summary>Too few points (402).</summary>
    public sealed record TooFewPoints(int Price, long Spendable, long Earned) : PurchaseOutcome;
    /// <summary>The idempotency key was used for a different request (422).</summary>
    public sealed record KeyReused : PurchaseOutcome;
}

/// <summary>One purchase request, as it waits in the <see cref="PurchaseQueue"/>.</summary>
public sealed record PurchaseOrder(long DocumentId, string BuyerId, bool BuyerIsStaff, int ExpectedPrice, string? IdempotencyKey);

/// <summary>
/// Buying a document: the buyer pays the price (spendable points first, then earned), the uploader's earned account gets
/// <see cref="SiteSettings.UploaderSharePercent"/> of it rounded down, the platform the rest, and the buyer is entitled to
/// the whole document — one ledger transaction, in one database transaction with the purchase, the entitlement, the
/// download count and the idempotency record.
/// <para>
/// Group commit: purchases wait in the process's <see cref="PurchaseQueue"/>, and its writer runs the ones waiting together
/// in one database transaction (<see cref="RunBatchAsync"/>), each inside its own savepoint, so a refused or failed purchase
/// undoes only itself; one commit for all of them, and only then is any of them answered.
/// </para>
/// </summary>
public sealed class Purchases(WenkuDb db, Ledger ledger, TimeProvider clock, PurchaseQueue queue)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Buys the document, answering once the purchase is committed (with the others of its batch).</summary>
    public Task<PurchaseOutcome> BuyAsync(long documentId, string buyerId, bool buyerIsStaff, int expectedPrice, string? idempotencyKey, CancellationToken ct) =>
        queue.BuyAsync(new PurchaseOrder(documentId, buyerId, buyerIsStaff, expectedPrice, idempotencyKey), ct);

    /// <summary>The answer to one order of a batch: an outcome, or the failure its caller gets.</summary>
    internal readonly record struct BatchAnswer(PurchaseOutcome? Outcome, Exception? Error);

    /// <summary>A purchase failed on its own (its savepoint was rolled back); the batch goes on.</summary>
    private sealed class OrderFailedException(Exception inner) : Exception(inner.Message, inner);

    private const string Savepoint = "purchase";

    /// <summary>
    /// Runs <paramref name="orders"/> in one database transaction, in order, each in its own savepoint, and commits once.
    /// On PostgreSQL the batch first locks the rows it will change — documents, then the buyers' and uploaders' accounts,
    /// each in id order — so two batches (of this process or another) meet in the same order and cannot deadlock.
    /// <paramref name="beforeCommit"/> runs after the last purchase, before the commit (tests fail it there).
    /// </summary>
    internal Task<BatchAnswer[]> RunBatchAsync(IReadOnlyList<PurchaseOrder> orders, Func<Task>? beforeCommit, CancellationToken ct) =>
        ledger.InTransactionAsync(async () =>
        {
            var transaction = db.Database.CurrentTransaction!.GetDbTransaction();
            if (db.Database.IsNpgsql())
                await new PurchaseStatements(db).LockInOrderAsync(orders.Select(o => o.DocumentId), orders.Select(o => o.BuyerId), ct);
            var answers = new BatchAnswer[orders.Count];
            for (var i = 0; i < orders.Count; i++)
            {
                try
                {
                    answers[i] = new BatchAnswer(await BuyInBatchAsync(orders[i], transaction, ct), null);
                }
                catch (OrderFailedException e)
                {
                    answers[i] = new BatchAnswer(null, e.InnerException);
                }
            }
            if (beforeCommit is not null) await beforeCommit();
            return answers;
        }, ct);

    /// <summary>
    /// One purchase of a batch, inside its savepoint. A debit that fails because a transaction outside the batch spent or
    /// moved the points meanwhile, or a unique key another transaction took first, undoes the purchase and runs it again
    /// (reading afresh); a failure of the purchase alone becomes <see cref="OrderFailedException"/> for its caller. A
    /// failure to roll back escapes: the batch is lost, and nobody was answered yet.
    /// </summary>
    private async Task<PurchaseOutcome> BuyInBatchAsync(PurchaseOrder order, System.Data.Common.DbTransaction transaction, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            await transaction.SaveAsync(Savepoint, ct);
            try
            {
                var outcome = await TryBuyAsync(order.DocumentId, order.BuyerId, order.BuyerIsStaff, order.ExpectedPrice, order.IdempotencyKey, ct);
                await transaction.ReleaseAsync(Savepoint, ct);
                return outcome;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                await transaction.RollbackAsync(Savepoint, ct);
                db.ChangeTracker.Clear();
                if (attempt < 5 && (e is InsufficientPointsException || Ledger.IsConflict(e))) continue;
                if (e is InsufficientPointsException)
                {
                    var balance = await ledger.BalanceAsync(order.BuyerId, ct);
                    return new PurchaseOutcome.TooFewPoints(order.ExpectedPrice, balance.Spendable, balance.Earned);
                }
                if (Ledger.IsForeignKeyViolation(e) || Ledger.IsForeignKeyViolation(e.InnerException))
                    return new PurchaseOutcome.NotFound(); // the document was deleted while it was being bought
                throw new OrderFailedException(e);
            }
        }
    }

    private async Task<PurchaseOutcome> TryBuyAsync(long documentId, string buyerId, bool buyerIsStaff, int expectedPrice, string? idempotencyKey, CancellationToken ct)
    {
        var hash = Idempotency.RequestHash("purchase", documentId, expectedPrice);
        var sql = new PurchaseStatements(db);
        // Everything the decision needs, in one statement (one snapshot on PostgreSQL): a purchase commits its
        // entitlement and its idempotency key together, so a request that sees the entitlement a parallel twin just
        // made also sees the twin's key, and replays its answer instead of saying "owned".
        var facts = await sql.FactsAsync(documentId, buyerId, idempotencyKey, ct);

        var priorHash = facts is not null ? facts.PriorHash
            : idempotencyKey is null ? null // a document gone since: its purchase may still be replayed
            : await db.IdempotencyRecords.Where(r => r.UserId == buyerId && r.Key == idempotencyKey).Select(r => r.RequestHash).FirstOrDefaultAsync(ct);
        if (idempotencyKey is not null && priorHash is not null)
        {
            if (priorHash != hash) return new PurchaseOutcome.KeyReused();
            var first = await db.IdempotencyRecords.Where(r => r.UserId == buyerId && r.Key == idempotencyKey).Select(r => r.ResponseJson).SingleAsync(ct);
            return new PurchaseOutcome.Done(JsonSerializer.Deserialize<PurchaseReceipt>(first, Json)!, Replayed: true);
        }
        if (facts is null) return new PurchaseOutcome.NotFound();
        if (facts.Status == DocumentStatus.Removed) return new PurchaseOutcome.Removed();
        var owns = facts.UploaderId == buyerId || buyerIsStaff || facts.Owned;
        if (facts.Status != DocumentStatus.Ready && !owns)
            return facts.Status == DocumentStatus.Failed ? new PurchaseOutcome.NotFound() : new PurchaseOutcome.NotReady();

        // Whoever has the document already is never charged again, whatever the key or the price.
        if (owns || facts.Price == 0)
        {
            if (facts.Price != expectedPrice && !owns) return new PurchaseOutcome.PriceChanged(facts.Price);
            var balance = await ledger.BalanceAsync(buyerId, ct);
            return new PurchaseOutcome.Done(new PurchaseReceipt(documentId, facts.Price, 0, owns, null, balance.Spendable, balance.Earned), Replayed: false);
        }
        if (facts.Price != expectedPrice) return new PurchaseOutcome.PriceChanged(facts.Price);

        var accounts = await sql.AccountsAsync(buyerId, facts.UploaderId, ct);
        if (accounts is null)
        {
            await Ledger.EnsureAccountsAsync(db, buyerId, ct);
            await Ledger.EnsureAccountsAsync(db, facts.UploaderId, ct);
            accounts = await sql.AccountsAsync(buyerId, facts.UploaderId, ct) ?? throw new InvalidOperationException("ledger accounts missing");
        }
        var (spendable, earned, uploaderEarned, revenue) = accounts.Value;
        if (spendable.Balance + earned.Balance < facts.Price)
            return new PurchaseOutcome.TooFewPoints(facts.Price, spendable.Balance, earned.Balance);
        var (uploaderShare, platformShare) = Shares.Split(facts.Price, facts.Percent ?? Shares.DefaultUploaderPercent);
        var fromSpendable = (int)Math.Min(spendable.Balance, facts.Price);
        var fromEarned = facts.Price - fromSpendable;

        // The postings of one Purchase transaction (summing to zero), in account-id order like every ledger posting.
        var lines = new (LedgerAccount Account, long Amount)[]
            {
                (spendable, -fromSpendable), (earned, -fromEarned), (uploaderEarned, uploaderShare), (revenue, platformShare),
            }
            .GroupBy(p => p.Account.Id).Select(g => (Account: g.First().Account, Amount: g.Sum(p => p.Amount)))
            .Where(p => p.Amount != 0).OrderBy(p => p.Account.Id).ToList();
        // Debits first: a balance spent meanwhile by another purchase fails here, before anything is written.
        var balances = await ledger.MoveBalancesAsync(lines, ct);

        var now = clock.GetUtcNow().UtcDateTime;
        var purchase = new Purchase
        {
            DocumentId = documentId, BuyerId = buyerId, UploaderId = facts.UploaderId, Price = facts.Price,
            UploaderShare = uploaderShare, PlatformShare = platformShare, FromSpendable = fromSpendable, FromEarned = fromEarned,
        };
        // The unique (document, buyer) index among live purchases stops a parallel second purchase here.
        var purchaseId = await sql.InsertPurchaseAsync(purchase, now, ct);
        var transactionId = await sql.InsertTransactionAsync(TransactionKind.Purchase, $"purchase of document #{documentId}", buyerId, documentId,
            $"purchase:{purchaseId}", now, ct);

        // The balances the debits left; an account the purchase did not touch as read at its start (on PostgreSQL a
        // concurrent credit to it may be missing from this receipt; the ledger itself is exact).
        var receipt = new PurchaseReceipt(documentId, facts.Price, facts.Price, false, purchaseId,
            balances.GetValueOrDefault(spendable.Id, spendable.Balance), balances.GetValueOrDefault(earned.Id, earned.Balance));
        // A purchase counts as a download (once per reader, like a free download); "most downloaded" follows.
        await sql.FinishAsync(purchaseId, transactionId, lines.Select(l => (l.Account.Id, l.Amount)).ToList(), documentId, buyerId,
            countDownload: !facts.Downloaded,
            idempotencyKey is null ? null : (idempotencyKey, hash, JsonSerializer.Serialize(receipt, Json)), now, ct);
        return new PurchaseOutcome.Done(receipt, Replayed: false);
    }
}
