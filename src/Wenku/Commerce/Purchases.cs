using System.Text.Json;
using Microsoft.EntityFrameworkCore;
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
/// in one database transaction (<see cref="RunBatchAsync"/>): it reads what they all decide on in one command (their rows
/// locked), decides each purchase in order in memory — so a refused purchase just has its answer and writes nothing — and
/// writes the effects of all of them in a few statements shared by the batch; one commit for all of them, and only then
/// is any of them answered.
/// </para>
/// </summary>
public sealed class Purchases(WenkuDb db, Ledger ledger, TimeProvider clock, PurchaseQueue queue)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Buys the document, answering once the purchase is committed (with the others of its batch).</summary>
    public Task<PurchaseOutcome> BuyAsync(long documentId, string buyerId, bool buyerIsStaff, int expectedPrice, string? idempotencyKey, CancellationToken ct) =>
        queue.BuyAsync(new PurchaseOrder(documentId, buyerId, buyerIsStaff, expectedPrice, idempotencyKey), ct);

    /// <summary>
    /// Runs <paramref name="orders"/> in one database transaction, in order, and commits once: the facts of the whole batch
    /// in one command (on PostgreSQL its documents and then its buyers' accounts locked, each in id order, so batches of
    /// several writers and processes queue instead of deadlocking; uploaders who buy nothing in the batch are only
    /// credited, without a lock until the credit, written last), each purchase decided in memory against
    /// the balances and ownerships the earlier purchases of the batch left, then the sales written together: the balances
    /// in one conditional update (the guard against a negative balance), the purchases, and one command with the rest.
    /// Any failure fails the whole batch and nothing of it is written (<see cref="PurchaseQueue"/> runs it again one by
    /// one); a conflict with a transaction outside the batch runs the batch again from the start (<see cref="Ledger.InTransactionAsync"/>).
    /// <paramref name="beforeCommit"/> runs after the writes, before the commit (tests fail it there).
    /// </summary>
    internal Task<PurchaseOutcome[]> RunBatchAsync(IReadOnlyList<PurchaseOrder> orders, Func<Task>? beforeCommit, CancellationToken ct) =>
        ledger.InTransactionAsync(async () =>
        {
            var sql = new PurchaseStatements(db);
            // The buyers' and the uploaders' accounts the batch needs that do not exist yet (and whether the platform's does).
            static List<string> Missing(IReadOnlyList<PurchaseOrder> orders, BatchFacts facts) =>
                facts.MissingAccounts([.. orders.Select(o => o.BuyerId), .. facts.Documents.Values.Select(d => d.UploaderId)]);
            var facts = await sql.FactsAsync(orders, ct);
            if (facts.RevenueAccountId is null || Missing(orders, facts).Count > 0)
            {
                // New buyers or uploaders (rare): create their accounts, then read (and lock) everything again.
                foreach (var owner in Missing(orders, facts).DefaultIfEmpty(null)) await Ledger.EnsureAccountsAsync(db, owner, ct);
                facts = await sql.FactsAsync(orders, ct);
                if (facts.RevenueAccountId is null || Missing(orders, facts).Count > 0) throw new InvalidOperationException("ledger accounts missing");
            }

            var book = new BatchBook(facts);
            var decided = orders.Select(book.Decide).ToList();
            var sales = decided.OfType<Decision.Sell>().Select(s => s.Sale).ToList();
            if (sales.Count > 0)
            {
                var now = clock.GetUtcNow().UtcDateTime;
                var moves = book.NetMoves();
                // The buyers' accounts (locked by the facts) first; the credits of uploaders who buy nothing in the batch
                // (not locked) last, so their rows are held only from that statement to the commit. A credit is never
                // negative; the conditional update still guards it. Id order within each statement; a deadlock with a
                // batch whose buyer is this batch's uploader (and the other way round) is rare, and PostgreSQL breaks it:
                // the loser runs again (Ledger.IsConflict).
                var credits = moves.Where(m => facts.Credited.Contains(m.AccountId)).ToList();
                if (credits.Any(c => c.Amount < 0)) throw new InvalidOperationException("a purchase batch debits an account it did not lock");
                var creditsLast = credits.Count > 0 && db.Database.IsNpgsql();
                await sql.MoveBalancesAsync(creditsLast ? moves.Where(m => !facts.Credited.Contains(m.AccountId)).ToList() : moves, ct);
                await sql.InsertPurchasesAsync(sales, now, ct);
                var transactions = await sql.InsertTransactionsAsync(sales, now, ct);
                await sql.FinishAsync(sales, transactions, s => JsonSerializer.Serialize(s.Receipt, Json), now, ct);
                if (creditsLast) await sql.MoveBalancesAsync(credits, ct);
            }
            if (beforeCommit is not null) await beforeCommit();
            return decided.Select(d => d.Outcome()).ToArray();
        }, ct);

    /// <summary>What a batch decided for one order; a sale's answer is known once its purchase has an id.</summary>
    private abstract record Decision
    {
        public abstract PurchaseOutcome Outcome();

        public sealed record Answer(PurchaseOutcome Value) : Decision
        {
            public override PurchaseOutcome Outcome() => Value;
        }

        public sealed record Sell(Sale Sale) : Decision
        {
            public override PurchaseOutcome Outcome() => new PurchaseOutcome.Done(Sale.Receipt, Replayed: false);
        }

        /// <summary>The same request as an earlier sale of the batch (same key, same body): its answer again.</summary>
        public sealed record Replay(Sale First) : Decision
        {
            public override PurchaseOutcome Outcome() => new PurchaseOutcome.Done(First.Receipt, Replayed: true);
        }
    }

    /// <summary>
    /// The batch's view of the ledger while it decides: balances, ownerships, downloads and idempotency keys as read under
    /// lock, changed by each sale in order, so a later order of the batch sees what the earlier ones did.
    /// </summary>
    private sealed class BatchBook(BatchFacts facts)
    {
        private readonly Dictionary<long, long> moved = [];
        private readonly Dictionary<(string UserId, string Key), Sale> sold = [];

        public List<(long AccountId, long Amount)> NetMoves() => moved.Where(m => m.Value != 0).Select(m => (m.Key, m.Value)).ToList();

        private LedgerAccount Account(string owner, AccountKind kind) => facts.Accounts[(owner, kind)];

        private long Balance(string owner, AccountKind kind) => facts.Accounts.TryGetValue((owner, kind), out var a) ? a.Balance : 0;

        private void Move(LedgerAccount account, long amount)
        {
            if (amount == 0) return;
            account.Balance += amount;
            moved[account.Id] = moved.GetValueOrDefault(account.Id) + amount;
        }

        public Decision Decide(PurchaseOrder order)
        {
            var (documentId, buyerId, key) = (order.DocumentId, order.BuyerId, order.IdempotencyKey);
            var hash = Idempotency.RequestHash("purchase", documentId, order.ExpectedPrice);
            // A key seen before (committed, or an earlier sale of this batch): the same request gets the first answer,
            // another request is refused. Checked first: a document gone since may still have its purchase replayed.
            if (key is not null && sold.TryGetValue((buyerId, key), out var first))
                return first.Idempotency!.Value.Hash == hash ? new Decision.Replay(first) : Answer(new PurchaseOutcome.KeyReused());
            if (key is not null && facts.Kept.TryGetValue((buyerId, key), out var kept))
                return Answer(kept.Hash == hash
                    ? new PurchaseOutcome.Done(JsonSerializer.Deserialize<PurchaseReceipt>(kept.Json, Json)!, Replayed: true)
                    : new PurchaseOutcome.KeyReused());

            if (!facts.Documents.TryGetValue(documentId, out var document)) return Answer(new PurchaseOutcome.NotFound());
            if (document.Status == DocumentStatus.Removed) return Answer(new PurchaseOutcome.Removed());
            var owns = document.UploaderId == buyerId || order.BuyerIsStaff || facts.Entitled.Contains((documentId, buyerId));
            if (document.Status != DocumentStatus.Ready && !owns)
                return Answer(document.Status == DocumentStatus.Failed ? new PurchaseOutcome.NotFound() : new PurchaseOutcome.NotReady());

            var (spendable, earned) = (Balance(buyerId, AccountKind.Spendable), Balance(buyerId, AccountKind.Earned));
            // Whoever has the document already is never charged again, whatever the key or the price.
            if (owns || document.Price == 0)
            {
                if (document.Price != order.ExpectedPrice && !owns) return Answer(new PurchaseOutcome.PriceChanged(document.Price));
                return Answer(new PurchaseOutcome.Done(new PurchaseReceipt(documentId, document.Price, 0, owns, null, spendable, earned), Replayed: false));
            }
            if (document.Price != order.ExpectedPrice) return Answer(new PurchaseOutcome.PriceChanged(document.Price));
            if (spendable + earned < document.Price) return Answer(new PurchaseOutcome.TooFewPoints(document.Price, spendable, earned));

            var (uploaderShare, platformShare) = Shares.Split(document.Price, facts.Percent ?? Shares.DefaultUploaderPercent);
            var fromSpendable = (int)Math.Min(spendable, document.Price);
            var fromEarned = document.Price - fromSpendable;
            var (buyerSpendable, buyerEarned, uploaderEarned) =
                (Account(buyerId, AccountKind.Spendable), Account(buyerId, AccountKind.Earned), Account(document.UploaderId, AccountKind.Earned));
            // The postings of one Purchase transaction (summing to zero), in account-id order like every ledger posting.
            var postings = new (long AccountId, long Amount)[]
                {
                    (buyerSpendable.Id, -fromSpendable), (buyerEarned.Id, -fromEarned), (uploaderEarned.Id, uploaderShare), (facts.RevenueAccountId!.Value, platformShare),
                }
                .GroupBy(p => p.AccountId).Select(g => (AccountId: g.Key, Amount: g.Sum(p => p.Amount)))
                .Where(p => p.Amount != 0).OrderBy(p => p.AccountId).ToList();
            Move(buyerSpendable, -fromSpendable);
            Move(buyerEarned, -fromEarned);
            Move(uploaderEarned, uploaderShare); // the platform's revenue account keeps no cached balance

            var countDownload = facts.Downloaded.Add((documentId, buyerId));
            facts.Entitled.Add((documentId, buyerId));
            var sale = new Sale
            {
                DocumentId = documentId, BuyerId = buyerId, UploaderId = document.UploaderId, Price = document.Price,
                UploaderShare = uploaderShare, PlatformShare = platformShare, FromSpendable = fromSpendable, FromEarned = fromEarned,
                Postings = postings, CountDownload = countDownload, Idempotency = key is null ? null : (key, hash),
                SpendableAfter = buyerSpendable.Balance, EarnedAfter = buyerEarned.Balance,
            };
            if (key is not null) sold[(buyerId, key)] = sale;
            return new Decision.Sell(sale);
        }

        private static Decision.Answer Answer(PurchaseOutcome outcome) => new(outcome);
    }
}
