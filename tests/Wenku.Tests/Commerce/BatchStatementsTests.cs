using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Wenku.Commerce;
using Wenku.Data;
using Wenku.Tests.Infrastructure;

namespace Wenku.Tests.Commerce;

/// <summary>
/// The batch's statements have one text whatever the batch's size (rows as arrays on PostgreSQL, JSON on SQLite): a batch
/// far larger than the queue ever makes still decides each purchase in order and writes every row, and on PostgreSQL the
/// statements are prepared once per connection, not once per size.
/// </summary>
[Trait(WenkuFactory.Suite, WenkuFactory.OnBothStacks)]
public sealed class BatchStatementsTests(CommerceSite site) : IClassFixture<CommerceSite>
{
    private PurchaseQueue Queue => site.Services.GetRequiredService<PurchaseQueue>();

    private async Task<string> ReaderAsync(long points)
    {
        var (_, id) = await site.ApiClientAsync($"bs-{Guid.NewGuid():N}@batch.test");
        if (points > 0) await site.GrantAsync(id, points);
        return id;
    }

    [Fact]
    public async Task A_batch_of_six_hundred_purchases_with_refusals_and_replays_writes_each_sale_once_and_the_ledger_verifies()
    {
        const int Buyers = 12, Documents = 50, Price = 2, Covered = 45; // each buyer's points cover 45 of the 50
        var uploader = await ReaderAsync(0);
        var docs = new List<long>();
        for (var d = 0; d < Documents; d++) docs.Add(await site.ReadyDocAsync(uploader, Price));
        var buyers = new List<string>();
        for (var b = 0; b < Buyers; b++) buyers.Add(await ReaderAsync(Covered * Price));
        // Every buyer walks the documents in order, the buyers interleaved; the first buyer's first three requests come
        // again at the end (same key, same body: replays), and once more with another price (the key reused: 422).
        var orders = docs.SelectMany(doc => buyers.Select(buyer => new PurchaseOrder(doc, buyer, false, Price, Guid.NewGuid().ToString()))).ToList();
        var firstThree = orders.Where(o => o.BuyerId == buyers[0]).Take(3).ToList();
        orders.AddRange(firstThree);
        orders.Add(firstThree[0] with { ExpectedPrice = Price + 1 });

        var outcomes = await Task.WhenAll(await Queue.RunBatchNowAsync(orders));

        var sold = outcomes.Take(Documents * Buyers).ToList();
        sold.Count(o => o is PurchaseOutcome.Done { Receipt.Charged: Price, Replayed: false }).ShouldBe(Covered * Buyers);
        sold.Count(o => o is PurchaseOutcome.TooFewPoints).ShouldBe((Documents - Covered) * Buyers);
        for (var i = 0; i < 3; i++)
        {
            var replay = outcomes[Documents * Buyers + i].ShouldBeOfType<PurchaseOutcome.Done>();
            replay.Replayed.ShouldBeTrue();
            replay.Receipt.ShouldBe(((PurchaseOutcome.Done)outcomes[i * Buyers]).Receipt);
        }
        outcomes[^1].ShouldBeOfType<PurchaseOutcome.KeyReused>();
        // The last purchase each buyer could pay left them nothing; what the receipts said is what the ledger has.
        foreach (var buyer in buyers) (await site.BalanceAsync(buyer)).ShouldBe(new WalletBalance(0, 0, 0));
        (await site.BalanceAsync(uploader)).Earned.ShouldBe(Covered * Buyers * (Price * 70 / 100));
        (await site.WithDbAsync(db => db.Purchases.CountAsync(p => buyers.Contains(p.BuyerId)))).ShouldBe(Covered * Buyers);
        (await site.WithDbAsync(db => db.Purchases.CountAsync(p => buyers.Contains(p.BuyerId) && p.TransactionId == 0))).ShouldBe(0);
        (await site.WithDbAsync(db => db.Entitlements.CountAsync(e => buyers.Contains(e.UserId)))).ShouldBe(Covered * Buyers);
        (await site.WithDbAsync(db => db.IdempotencyRecords.CountAsync(r => buyers.Contains(r.UserId)))).ShouldBe(Covered * Buyers);
        (await site.WithDbAsync(db => db.Documents.Where(d => docs.Contains(d.Id)).SumAsync(d => d.Downloads))).ShouldBe(Covered * Buyers);
        (await LedgerMoves.VerifyViolationAsync(site)).ShouldBeNull();
    }

    [Fact]
    public async Task Batches_of_one_five_and_nine_purchases_on_one_PostgreSQL_connection_prepare_the_same_statements_once()
    {
        if (!WenkuFactory.OnScaleOutStack) return; // SQLite prepares every command it runs; nothing is kept to count
        var uploader = await ReaderAsync(0);
        var doc = await site.ReadyDocAsync(uploader, 1);
        await using var scope = site.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WenkuDb>();
        var purchases = scope.ServiceProvider.GetRequiredService<Purchases>();
        // Opened here, so that every batch of this scope runs on the same server connection.
        await db.Database.OpenConnectionAsync();
        async Task<List<string>> PreparedAsync() =>
            await db.Database.SqlQueryRaw<string>("""SELECT statement AS "Value" FROM pg_prepared_statements ORDER BY statement""").ToListAsync();

        var counts = new List<int>();
        List<string>? afterFirst = null;
        foreach (var size in new[] { 1, 5, 9 })
        {
            var orders = new List<PurchaseOrder>();
            for (var i = 0; i < size; i++) orders.Add(new PurchaseOrder(doc, await ReaderAsync(1), false, 1, Guid.NewGuid().ToString()));
            var outcomes = await purchases.RunBatchAsync(orders, null, CancellationToken.None);
            outcomes.ShouldAllBe(o => o is PurchaseOutcome.Done);
            var prepared = await PreparedAsync();
            afterFirst ??= prepared;
            prepared.ShouldBe(afterFirst);
            counts.Add(prepared.Count(s => s.Contains("\"Purchases\"", StringComparison.Ordinal)));
        }
        counts.ShouldBe([2, 2, 2]); // the INSERT and the UPDATE of "Purchases", whatever the batch's size
        (await LedgerMoves.VerifyViolationAsync(site)).ShouldBeNull();
    }

    [Fact]
    public async Task A_PostgreSQL_batch_reads_every_table_by_its_key_even_on_plans_made_while_the_tables_were_small()
    {
        if (!WenkuFactory.OnScaleOutStack) return; // SQLite plans every statement afresh from its own statistics
        // The batch's generic plans are made once per server connection. Made while a table is small (as here: a few rows,
        // as on a new site or before autovacuum's first ANALYZE), a plan that may scan would scan that table at every
        // batch for as long as the connection lives, however large the table grows: ~4 ms of the server a purchase at
        // 26,000 entitlements in the purchase benchmark. Counted within the batch's own transaction, before its commit.
        var uploader = await ReaderAsync(0);
        var docs = new List<long> { await site.ReadyDocAsync(uploader, 1), await site.ReadyDocAsync(uploader, 1) };
        await using var scope = site.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WenkuDb>();
        var purchases = scope.ServiceProvider.GetRequiredService<Purchases>();
        await db.Database.OpenConnectionAsync();
        // The tables only the batch's own statements read here. Documents and accounts are also read by PostgreSQL's
        // foreign-key checks, whose plans are the server's (cached per connection, a scan while a table is one page).
        string[] keyed = ["Entitlements", "Downloads", "IdempotencyRecords", "Purchases"];
        foreach (var round in new[] { 0, 1 }) // the first batch makes the plans, the second reuses them
        {
            var scans = new Dictionary<string, long>();
            // This backend's counts not yet flushed (what pg_stat_xact_* shows) may hold its earlier transactions' scans:
            // flushed first, so that what is counted below is the batch's.
            await db.Database.ExecuteSqlRawAsync("SELECT pg_stat_force_next_flush()");
            await db.Database.ExecuteSqlRawAsync("SELECT 1");
            var orders = new List<PurchaseOrder> { new(docs[round], await ReaderAsync(1), false, 1, Guid.NewGuid().ToString()), new(docs[round], await ReaderAsync(1), false, 1, null) };
            var outcomes = await purchases.RunBatchAsync(orders, async () =>
            {
                foreach (var row in await db.Database.SqlQueryRaw<TableScans>(
                    """SELECT relname AS "Table", seq_scan AS "Scans" FROM pg_stat_xact_user_tables""").ToListAsync())
                    scans[row.Table] = row.Scans;
                // With sequential scans off, a plan's cost can pass jit_above_cost: no statement of a batch may be JIT-compiled.
                (await db.Database.SqlQueryRaw<string>("""SELECT current_setting('jit') AS "Value" """).SingleAsync()).ShouldBe("off");
            }, CancellationToken.None);
            outcomes.ShouldAllBe(o => o is PurchaseOutcome.Done);
            foreach (var table in keyed) scans.GetValueOrDefault(table).ShouldBe(0, $"sequential scans of {table} in batch {round}");
        }
    }

    private sealed record TableScans(string Table, long Scans);
}
