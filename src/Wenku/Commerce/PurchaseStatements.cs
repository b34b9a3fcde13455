using System.Data;
using System.Data.Common;
using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Wenku.Data;
using Wenku.Documents;

namespace Wenku.Commerce;

/// <summary>A document as a purchase batch reads it (its row locked on PostgreSQL).</summary>
internal sealed record SaleDocument(int Price, DocumentStatus Status, string UploaderId);

/// <summary>An idempotency record a batch found: the request's fingerprint and the first answer.</summary>
internal sealed record KeptAnswer(string Hash, string Json);

/// <summary>Everything the purchases of one batch decide on, read in one command (one round trip).</summary>
internal sealed class BatchFacts
{
    public Dictionary<long, SaleDocument> Documents { get; } = [];
    /// <summary>
    /// The user accounts (spendable, earned) of the batch's buyers and uploaders. The buyers' balances are as read under
    /// lock; an uploader who buys nothing in the batch is only credited, and their accounts are read without a lock
    /// (<see cref="Credited"/>), so their balances here may be stale and are never decided on.
    /// </summary>
    public Dictionary<(string Owner, AccountKind Kind), LedgerAccount> Accounts { get; } = [];
    /// <summary>The ids of the accounts read without a lock: the batch may only add to them.</summary>
    public HashSet<long> Credited { get; } = [];
    public long? RevenueAccountId { get; set; }
    public int? Percent { get; set; }
    public HashSet<(long DocumentId, string UserId)> Entitled { get; } = [];
    public HashSet<(long DocumentId, string UserId)> Downloaded { get; } = [];
    public Dictionary<(string UserId, string Key), KeptAnswer> Kept { get; } = [];

    /// <summary>The owners among <paramref name="owners"/> whose spendable or earned account does not exist yet.</summary>
    public List<string> MissingAccounts(IEnumerable<string> owners) =>
        owners.Distinct().Where(o => !Accounts.ContainsKey((o, AccountKind.Spendable)) || !Accounts.ContainsKey((o, AccountKind.Earned))).ToList();
}

/// <summary>One purchase a batch decided to make: what it writes.</summary>
internal sealed class Sale
{
    public required long DocumentId { get; init; }
    public required string BuyerId { get; init; }
    public required string UploaderId { get; init; }
    public required int Price { get; init; }
    public required int UploaderShare { get; init; }
    public required int PlatformShare { get; init; }
    public required int FromSpendable { get; init; }
    public required int FromEarned { get; init; }
    /// <summary>The postings of its ledger transaction (summing to zero), in account-id order.</summary>
    public required IReadOnlyList<(long AccountId, long Amount)> Postings { get; init; }
    public required bool CountDownload { get; init; }
    public required (string Key, string Hash)? Idempotency { get; init; }
    /// <summary>The buyer's balances right after this purchase (the batch's purchases run in order).</summary>
    public required long SpendableAfter { get; init; }
    public required long EarnedAfter { get; init; }
    public long PurchaseId { get; set; }

    public string Reference => $"purchase:{PurchaseId}";
    public PurchaseReceipt Receipt => new(DocumentId, Price, Price, false, PurchaseId, SpendableAfter, EarnedAfter);
}

/// <summary>
/// The statements of a purchase batch, written by hand on the transaction's connection: a purchase is the hot path of the
/// ledger, and a statement per row per purchase costs many times the work itself (see <c>bench/README.md</c>). Five round
/// trips per batch, whatever its size, plus the commit: the facts, the balances (one conditional update), the purchases,
/// their ledger transactions, and one command with everything else; the rows are the ones the EF model describes
/// (<c>wenku admin ledger verify</c> and the purchase tests read them back through EF).
/// <para>
/// Every statement's text is the same whatever the batch's size: a batch's rows travel as <see cref="RowSet"/>s (on
/// PostgreSQL one array parameter per column, read with <c>unnest</c>; on SQLite one JSON parameter, read with
/// <c>json_each</c>). So PostgreSQL parses and plans each statement once per server connection — they are prepared, and
/// Npgsql keeps prepared statements with the pooled physical connection across open and close — instead of once per
/// batch, which cost its backend ~4 ms of CPU a batch; and neither engine's statement depends on how many parameters one
/// statement may carry (SQLite's 32,766).
/// </para>
/// </summary>
internal sealed class PurchaseStatements(WenkuDb db)
{
    private readonly DbConnection connection = db.Database.GetDbConnection();
    private readonly DbTransaction transaction = (db.Database.CurrentTransaction
        ?? throw new InvalidOperationException("A purchase runs inside Ledger.InTransactionAsync.")).GetDbTransaction();
    private readonly bool postgres = db.Database.IsNpgsql();
    private BatchSql Sql => postgres ? BatchSql.Postgres : BatchSql.Sqlite;

    /// <summary>
    /// Reads what the batch decides on. PostgreSQL: the documents' rows and then the buyers' and uploaders' accounts are
    /// locked (<c>FOR NO KEY UPDATE</c>), each in id order — the order every purchase batch takes them in, so batches of
    /// several writers and processes queue for each other instead of deadlocking; a claim transfer (which locks the
    /// document's row to change its uploader) and a sale of the document go one after the other. Not a share lock: the
    /// batch updates those rows. Foreign-key checks (<c>KEY SHARE</c>) are not blocked. The statements after the locks
    /// see what the transactions they waited for committed (READ COMMITTED: a snapshot per statement). SQLite: the
    /// transaction holds the one write lock already (<c>BEGIN IMMEDIATE</c>).
    /// </summary>
    public async Task<BatchFacts> FactsAsync(IReadOnlyList<PurchaseOrder> orders, CancellationToken ct)
    {
        await using var command = Command(Sql.Facts);
        BatchSql.Documents.Bind(command, postgres, orders.Select(o => o.DocumentId).Distinct().Select(d => new object?[] { d }));
        BatchSql.Buyers.Bind(command, postgres, orders.Select(o => o.BuyerId).Distinct().Select(b => new object?[] { b }));
        BatchSql.Pairs.Bind(command, postgres, orders.Select(o => (o.DocumentId, o.BuyerId)).Distinct().Select(p => new object?[] { p.DocumentId, p.BuyerId }));
        BatchSql.Keys.Bind(command, postgres, orders.Where(o => o.IdempotencyKey is not null).Select(o => (o.BuyerId, o.IdempotencyKey!)).Distinct()
            .Select(k => new object?[] { k.BuyerId, k.Item2 }));
        await PrepareAsync(command, ct);

        var facts = new BatchFacts();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            facts.Documents[reader.GetInt64(0)] = new SaleDocument(reader.GetInt32(1), Enum.Parse<DocumentStatus>(reader.GetString(2)), reader.GetString(3));
        await reader.NextResultAsync(ct);
        for (var credited = 0; credited < 2; credited++)
        {
            // First the buyers' accounts (locked on PostgreSQL), then those of uploaders who buy nothing in the batch (not locked).
            while (await reader.ReadAsync(ct))
            {
                var account = new LedgerAccount
                {
                    Id = reader.GetInt64(0), Owner = reader.GetString(1), Kind = Enum.Parse<AccountKind>(reader.GetString(2)), Balance = reader.GetInt64(3),
                };
                facts.Accounts[(account.Owner, account.Kind)] = account;
                if (credited == 1) facts.Credited.Add(account.Id);
            }
            await reader.NextResultAsync(ct);
        }
        if (await reader.ReadAsync(ct)) facts.RevenueAccountId = reader.GetInt64(0);
        await reader.NextResultAsync(ct);
        if (await reader.ReadAsync(ct) && !reader.IsDBNull(0)) facts.Percent = reader.GetInt32(0);
        await reader.NextResultAsync(ct);
        while (await reader.ReadAsync(ct)) facts.Entitled.Add((reader.GetInt64(0), reader.GetString(1)));
        await reader.NextResultAsync(ct);
        while (await reader.ReadAsync(ct)) facts.Downloaded.Add((reader.GetInt64(0), reader.GetString(1)));
        await reader.NextResultAsync(ct);
        while (await reader.ReadAsync(ct))
            facts.Kept[(reader.GetString(0), reader.GetString(1))] = new KeptAnswer(reader.GetString(2), reader.GetString(3));
        return facts;
    }

    /// <summary>
    /// Moves the user accounts' balances by the batch's net amounts, in one conditional statement: an account whose
    /// balance would go below zero is not updated, and then fewer rows than accounts changed — the batch decided on
    /// balances read under lock, so that means something changed them beside it: <see cref="LedgerRaceException"/>, and
    /// the batch runs again from the start. The guard, not the decision in memory, is what keeps balances from going
    /// negative. Called for the buyers' accounts first and, on PostgreSQL, once more for the uploaders' credits last,
    /// just before the commit (<see cref="Purchases.RunBatchAsync"/>).
    /// </summary>
    public async Task MoveBalancesAsync(IReadOnlyList<(long AccountId, long Amount)> moves, CancellationToken ct)
    {
        if (moves.Count == 0) return;
        await using var command = Command(Sql.MoveBalances);
        BatchSql.Moves.Bind(command, postgres, moves.OrderBy(m => m.AccountId).Select(m => new object?[] { m.AccountId, m.Amount }));
        await PrepareAsync(command, ct);
        var changed = await command.ExecuteNonQueryAsync(ct);
        if (changed != moves.Count) throw new LedgerRaceException(moves[0].AccountId);
    }

    /// <summary>Inserts the batch's purchases (one statement) and sets each one's <see cref="Sale.PurchaseId"/>.</summary>
    public async Task InsertPurchasesAsync(IReadOnlyList<Sale> sales, DateTime at, CancellationToken ct)
    {
        await using var command = Command(Sql.InsertPurchases).With("at", at);
        BatchSql.PurchaseRows.Bind(command, postgres, sales.Select(s => new object?[]
        {
            s.DocumentId, s.BuyerId, s.UploaderId, s.Price, s.UploaderShare, s.PlatformShare, s.FromSpendable, s.FromEarned,
        }));
        await PrepareAsync(command, ct);
        // RETURNING's row order is not promised: each row names its (document, buyer), unique among a batch's purchases.
        var bySale = sales.ToDictionary(s => (s.DocumentId, s.BuyerId));
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            bySale[(reader.GetInt64(1), reader.GetString(2))].PurchaseId = reader.GetInt64(0);
    }

    /// <summary>
    /// The batch's ledger transactions, one per purchase (reference <c>purchase:{id}</c>), in one statement; returns each
    /// one's id by its reference.
    /// </summary>
    public async Task<Dictionary<string, long>> InsertTransactionsAsync(IReadOnlyList<Sale> sales, DateTime at, CancellationToken ct)
    {
        await using var command = Command(Sql.InsertTransactions).With("at", at);
        BatchSql.TransactionRows.Bind(command, postgres,
            sales.Select(s => new object?[] { $"purchase of document #{s.DocumentId}", s.BuyerId, s.DocumentId, s.Reference }));
        await PrepareAsync(command, ct);
        var ids = new Dictionary<string, long>(sales.Count);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) ids[reader.GetString(1)] = reader.GetInt64(0);
        return ids;
    }

    /// <summary>
    /// The rest of the batch, in one command: the postings, each purchase's transaction id, the entitlements, the first
    /// downloads (rows, counts and a search outbox row per document) and the idempotency records. Always the same
    /// statements: a part with no rows (no first download, no idempotency key) inserts nothing.
    /// </summary>
    public async Task FinishAsync(IReadOnlyList<Sale> sales, IReadOnlyDictionary<string, long> transactions, Func<Sale, string> receiptJson, DateTime at, CancellationToken ct)
    {
        await using var command = Command(Sql.Finish).With("at", at).With("source", Entitlement.PurchaseSource);
        BatchSql.Postings.Bind(command, postgres,
            sales.SelectMany(s => s.Postings.Select(p => new object?[] { transactions[s.Reference], p.AccountId, p.Amount })));
        BatchSql.PurchaseTransactions.Bind(command, postgres, sales.Select(s => new object?[] { s.PurchaseId, transactions[s.Reference] }));
        BatchSql.Entitlements.Bind(command, postgres, sales.Select(s => new object?[] { s.DocumentId, s.BuyerId }));
        // A purchase counts as a download (once per reader, like a free download); "most downloaded" follows.
        var downloads = sales.Where(s => s.CountDownload).ToList();
        BatchSql.Downloads.Bind(command, postgres, downloads.Select(s => new object?[] { s.DocumentId, s.BuyerId }));
        BatchSql.DownloadCounts.Bind(command, postgres, downloads.GroupBy(s => s.DocumentId).Select(g => new object?[] { g.Key, (long)g.Count() }));
        BatchSql.Kept.Bind(command, postgres, sales.Where(s => s.Idempotency is not null)
            .Select(s => new object?[] { s.BuyerId, s.Idempotency!.Value.Key, s.Idempotency.Value.Hash, receiptJson(s) }));
        await PrepareAsync(command, ct);
        await command.ExecuteNonQueryAsync(ct);
    }

    private DbCommand Command(string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }

    /// <summary>
    /// PostgreSQL: prepares the command's statements on this server connection, once — a statement already prepared there
    /// (an earlier batch on the same pooled connection) is found by its text, without a round trip. SQLite prepares every
    /// command it runs anyway.
    /// </summary>
    private Task PrepareAsync(DbCommand command, CancellationToken ct) => postgres ? command.PrepareAsync(ct) : Task.CompletedTask;
}

/// <summary>The SQL of a purchase batch, one fixed text per statement and engine (see <see cref="PurchaseStatements"/>).</summary>
internal sealed class BatchSql
{
    public static readonly RowSet Documents = new("docs", ("id", RowType.Bigint));
    public static readonly RowSet Buyers = new("buyers", ("id", RowType.Text));
    /// <summary>The (document, buyer) pair of each order: whether that buyer has that document, or downloaded it.</summary>
    public static readonly RowSet Pairs = new("pairs", ("document", RowType.Bigint), ("buyer", RowType.Text));
    /// <summary>The (buyer, key) pairs of the batch's orders that carry an idempotency key: looked up by the records' primary key.</summary>
    public static readonly RowSet Keys = new("keys", ("buyer", RowType.Text), ("idem", RowType.Text));
    public static readonly RowSet Moves = new("m", ("id", RowType.Bigint), ("amount", RowType.Bigint));
    public static readonly RowSet PurchaseRows = new("p",
        ("document", RowType.Bigint), ("buyer", RowType.Text), ("uploader", RowType.Text), ("price", RowType.Integer),
        ("ushare", RowType.Integer), ("pshare", RowType.Integer), ("fspend", RowType.Integer), ("fearn", RowType.Integer));
    public static readonly RowSet TransactionRows = new("t", ("memo", RowType.Text), ("actor", RowType.Text), ("document", RowType.Bigint), ("ref", RowType.Text));
    public static readonly RowSet Postings = new("l", ("tx", RowType.Bigint), ("account", RowType.Bigint), ("amount", RowType.Bigint));
    public static readonly RowSet PurchaseTransactions = new("u", ("id", RowType.Bigint), ("tx", RowType.Bigint));
    public static readonly RowSet Entitlements = new("e", ("document", RowType.Bigint), ("buyer", RowType.Text));
    public static readonly RowSet Downloads = new("w", ("document", RowType.Bigint), ("buyer", RowType.Text));
    public static readonly RowSet DownloadCounts = new("c", ("id", RowType.Bigint), ("n", RowType.Bigint));
    public static readonly RowSet Kept = new("i", ("buyer", RowType.Text), ("idem", RowType.Text), ("hash", RowType.Text), ("answer", RowType.Text));

    public static readonly BatchSql Postgres = new(postgres: true);
    public static readonly BatchSql Sqlite = new(postgres: false);

    public string Facts { get; }
    public string MoveBalances { get; }
    public string InsertPurchases { get; }
    public string InsertTransactions { get; }
    public string Finish { get; }

    private BatchSql(bool postgres)
    {
        // Each table is reached through a condition on its own key (`"Id" = ANY(@docs0)` on PostgreSQL), never through a
        // join the planner could turn into a scan of the table (see the comment on genericPlans below).
        var (docs, buyers) = (Documents.In(postgres, 0), Buyers.In(postgres, 0));
        // The uploaders of the batch's documents: on PostgreSQL an array computed once (an InitPlan) that the accounts'
        // (Owner, Kind) index is searched with.
        var uploaders = postgres
            ? $"""= ANY(ARRAY(SELECT x."UploaderId" FROM "Documents" x WHERE x."Id" {docs}))"""
            : $"""IN (SELECT x."UploaderId" FROM "Documents" x WHERE x."Id" {docs})""";
        var lockDocuments = postgres ? " FOR NO KEY UPDATE" : "";
        // Only the buyers' accounts are locked: the batch decides on their balances and takes from them. An uploader who
        // buys nothing in the batch is only credited, which can never overdraw, so batches crediting the same uploader
        // do not wait for each other's whole length (only for the credit statement and the commit, see RunBatchAsync).
        var lockAccounts = postgres ? " FOR NO KEY UPDATE OF a" : "";
        // PostgreSQL keeps planning a prepared statement afresh at every execution while its custom plans look cheaper
        // than the generic one — which a join with unnest always does (pg_stat_statements: ~0.1 ms of planning a
        // statement a batch). These statements' plans do not depend on the values (index lookups by key), so the batch
        // uses the generic plans; SET LOCAL ends with the transaction.
        // A generic plan is made once per server connection and kept until the table's statistics change. Made while a
        // table was still small (a new site, or before autovacuum's first ANALYZE of a table that grew fast), it scans
        // the table instead of its key: the purchase benchmark's batches scanned every Entitlements and Downloads row,
        // ~4 ms of the server's CPU a purchase at 26,000 rows, growing with the site. Every statement here has a key to
        // look up by, so sequential scans are off for the batch: its plans use the keys whatever the statistics said.
        // That alone was not enough: with a join to the batch's rows (`IN (SELECT … FROM unnest(…))`) a plan made on
        // small tables walked a whole index instead (every document of every uploader with an account, by the uploader
        // index), so every lookup is a condition on the key itself, which only reads the rows asked for.
        // Sequential scans being off adds a huge cost to any plan that still has one (the one-row settings table), and a
        // plan that costly is compiled by PostgreSQL's JIT at every execution (tens of milliseconds of the server's CPU
        // a batch): JIT is off for the batch too; its statements are key lookups that JIT cannot make faster.
        var genericPlans = postgres ? "SET LOCAL plan_cache_mode = force_generic_plan;\nSET LOCAL enable_seqscan = off;\nSET LOCAL jit = off;\n" : "";
        // Whether each order's buyer has its document, or downloaded it, and the answers kept for the orders' keys: one
        // search of a two-column key per pair. On PostgreSQL a lateral subquery that cannot be flattened (OFFSET 0): as a
        // join, or with `= ANY` on both columns, the generic plan searched the first column and filtered the second,
        // reading a document's every entitlement and a buyer's every kept answer. SQLite runs the join that way anyway.
        var owned = postgres
            ? $"""
                SELECT e."DocumentId", e."UserId" FROM {Pairs.From(true)} CROSS JOIN LATERAL
                  (SELECT x."DocumentId", x."UserId" FROM "Entitlements" x WHERE x."DocumentId" = pairs.document AND x."UserId" = pairs.buyer OFFSET 0) e;
                SELECT w."DocumentId", w."UserId" FROM {Pairs.From(true)} CROSS JOIN LATERAL
                  (SELECT x."DocumentId", x."UserId" FROM "Downloads" x WHERE x."DocumentId" = pairs.document AND x."UserId" = pairs.buyer OFFSET 0) w;
                SELECT r."UserId", r."Key", r."RequestHash", r."ResponseJson" FROM {Keys.From(true)} CROSS JOIN LATERAL
                  (SELECT x."UserId", x."Key", x."RequestHash", x."ResponseJson" FROM "IdempotencyRecords" x WHERE x."UserId" = keys.buyer AND x."Key" = keys.idem OFFSET 0) r
                """
            : $"""
                SELECT e."DocumentId", e."UserId" FROM {Pairs.From(false)} JOIN "Entitlements" e ON e."DocumentId" = pairs.document AND e."UserId" = pairs.buyer;
                SELECT w."DocumentId", w."UserId" FROM {Pairs.From(false)} JOIN "Downloads" w ON w."DocumentId" = pairs.document AND w."UserId" = pairs.buyer;
                SELECT r."UserId", r."Key", r."RequestHash", r."ResponseJson" FROM {Keys.From(false)} JOIN "IdempotencyRecords" r ON r."UserId" = keys.buyer AND r."Key" = keys.idem
                """;
        Facts = genericPlans + $"""
            SELECT d."Id", d."Price", d."Status", d."UploaderId" FROM "Documents" d WHERE d."Id" {docs} ORDER BY d."Id"{lockDocuments};
            SELECT a."Id", a."Owner", a."Kind", a."Balance" FROM "LedgerAccounts" a
            WHERE a."Kind" IN ('Spendable', 'Earned') AND a."Owner" {buyers}
            ORDER BY a."Id"{lockAccounts};
            SELECT a."Id", a."Owner", a."Kind", a."Balance" FROM "LedgerAccounts" a
            WHERE a."Kind" IN ('Spendable', 'Earned') AND a."Owner" {uploaders} AND NOT (a."Owner" {buyers});
            SELECT a."Id" FROM "LedgerAccounts" a WHERE a."Owner" = '' AND a."Kind" = 'PlatformRevenue';
            SELECT s."UploaderSharePercent" FROM "SiteSettings" s LIMIT 1;
            {owned};
            """;
        MoveBalances = $"""
            UPDATE "LedgerAccounts" SET "Balance" = "LedgerAccounts"."Balance" + m.amount
            FROM {Moves.From(postgres)} WHERE "LedgerAccounts"."Id" = m.id AND "LedgerAccounts"."Id" {Moves.In(postgres, 0)}
              AND "LedgerAccounts"."Balance" + m.amount >= 0
            """;
        InsertPurchases = $"""
            INSERT INTO "Purchases" ("DocumentId", "BuyerId", "UploaderId", "Price", "UploaderShare", "PlatformShare", "FromSpendable", "FromEarned", "TransactionId", "At")
            SELECT p.document, p.buyer, p.uploader, p.price, p.ushare, p.pshare, p.fspend, p.fearn, 0, @at FROM {PurchaseRows.From(postgres)}
            RETURNING "Id", "DocumentId", "BuyerId"
            """;
        InsertTransactions = $"""
            INSERT INTO "LedgerTransactions" ("Kind", "Memo", "ActorId", "DocumentId", "Reference", "At")
            SELECT 'Purchase', t.memo, t.actor, t.document, t.ref, @at FROM {TransactionRows.From(postgres)}
            RETURNING "Id", "Reference"
            """;
        Finish = $"""
            INSERT INTO "LedgerPostings" ("TransactionId", "AccountId", "Amount") SELECT l.tx, l.account, l.amount FROM {Postings.From(postgres)};
            UPDATE "Purchases" SET "TransactionId" = u.tx FROM {PurchaseTransactions.From(postgres)} WHERE "Purchases"."Id" = u.id AND "Purchases"."Id" {PurchaseTransactions.In(postgres, 0)};
            INSERT INTO "Entitlements" ("DocumentId", "UserId", "Source", "GrantedAt") SELECT e.document, e.buyer, @source, @at FROM {Entitlements.From(postgres)};
            INSERT INTO "Downloads" ("DocumentId", "UserId", "At") SELECT w.document, w.buyer, @at FROM {Downloads.From(postgres)};
            UPDATE "Documents" SET "Downloads" = "Documents"."Downloads" + c.n FROM {DownloadCounts.From(postgres)} WHERE "Documents"."Id" = c.id AND "Documents"."Id" {DownloadCounts.In(postgres, 0)};
            INSERT INTO "SearchChanges" ("DocumentId", "CountsOnly", "At") SELECT c.id, TRUE, @at FROM {DownloadCounts.From(postgres)};
            INSERT INTO "IdempotencyRecords" ("StatusCode", "UserId", "Key", "RequestHash", "ResponseJson", "CreatedAt")
            SELECT 200, i.buyer, i.idem, i.hash, i.answer, @at FROM {Kept.From(postgres)};
            """;
    }
}

internal enum RowType { Bigint, Integer, Text }

/// <summary>
/// Rows a statement reads as a table, passed in a fixed number of parameters whatever their count: on PostgreSQL one
/// array per column (<c>unnest(@p0::bigint[], @p1::text[]) AS p(a, b)</c>), on SQLite one JSON array of the rows
/// (<c>json_each(@p)</c>; a one-column set is a flat array). The statement's text never depends on the rows.
/// </summary>
internal sealed class RowSet(string alias, params (string Name, RowType Type)[] columns)
{
    /// <summary>The rows as a table named by the alias, for a <c>FROM</c>.</summary>
    public string From(bool postgres) => postgres
        ? $"unnest({string.Join(", ", columns.Select((c, i) => $"@{alias}{i}::{PostgresType(c.Type)}[]"))}) AS {alias}({string.Join(", ", columns.Select(c => c.Name))})"
        : columns.Length == 1
            ? $"(SELECT j.value AS {columns[0].Name} FROM json_each(@{alias}) j) AS {alias}"
            : $"(SELECT {string.Join(", ", columns.Select((c, i) => $"j.value ->> {i} AS {c.Name}"))} FROM json_each(@{alias}) j) AS {alias}";

    /// <summary>
    /// A condition that a key is one of column <paramref name="column"/>'s values, written after the key: on PostgreSQL
    /// <c>= ANY(@p0::bigint[])</c>, which an index searches directly (an <c>IN</c> over <c>unnest</c> is a join, which a
    /// plan may turn into a walk of the whole index); on SQLite <c>IN (SELECT … FROM json_each(@p))</c>.
    /// </summary>
    public string In(bool postgres, int column) => postgres
        ? $"= ANY(@{alias}{column}::{PostgresType(columns[column].Type)}[])"
        : columns.Length == 1
            ? $"IN (SELECT j.value FROM json_each(@{alias}) j)"
            : $"IN (SELECT j.value ->> {column} FROM json_each(@{alias}) j)";

    /// <summary>Adds the rows' parameters to <paramref name="command"/> (none of them null; integers as long or int).</summary>
    public void Bind(DbCommand command, bool postgres, IEnumerable<object?[]> rows)
    {
        var list = rows as IReadOnlyList<object?[]> ?? rows.ToList();
        if (postgres)
        {
            for (var c = 0; c < columns.Length; c++)
            {
                Array values = columns[c].Type switch
                {
                    RowType.Bigint => list.Select(r => Convert.ToInt64(r[c], CultureInfo.InvariantCulture)).ToArray(),
                    RowType.Integer => list.Select(r => Convert.ToInt32(r[c], CultureInfo.InvariantCulture)).ToArray(),
                    _ => list.Select(r => (string)r[c]!).ToArray(),
                };
                command.With(alias + c.ToString(CultureInfo.InvariantCulture), values);
            }
            return;
        }
        var json = new System.Buffers.ArrayBufferWriter<byte>(64 + list.Count * 16 * columns.Length);
        using (var writer = new System.Text.Json.Utf8JsonWriter(json))
        {
            writer.WriteStartArray();
            foreach (var row in list)
            {
                if (columns.Length > 1) writer.WriteStartArray();
                for (var c = 0; c < columns.Length; c++)
                {
                    if (columns[c].Type == RowType.Text) writer.WriteStringValue((string)row[c]!);
                    else writer.WriteNumberValue(Convert.ToInt64(row[c], CultureInfo.InvariantCulture));
                }
                if (columns.Length > 1) writer.WriteEndArray();
            }
            writer.WriteEndArray();
        }
        command.With(alias, Encoding.UTF8.GetString(json.WrittenSpan));
    }

    private static string PostgresType(RowType type) => type switch
    {
        RowType.Bigint => "bigint",
        RowType.Integer => "integer",
        _ => "text",
    };
}

internal static class CommandParameters
{
    /// <summary>Adds a named parameter (null as <c>DBNull</c>; strings typed, so PostgreSQL need not guess from a null).</summary>
    public static DbCommand With(this DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        if (value is null or string) parameter.DbType = DbType.String;
        command.Parameters.Add(parameter);
        return command;
    }
}
