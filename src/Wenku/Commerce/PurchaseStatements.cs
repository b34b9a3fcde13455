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
    /// <summary>The user accounts (spendable, earned) of the batch's buyers and uploaders, balances as read under lock.</summary>
    public Dictionary<(string Owner, AccountKind Kind), LedgerAccount> Accounts { get; } = [];
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
/// ledger, and a statement per row per purchase costs many times the work itself (see <c>bench/README.md</c>). The SQL is
/// the same on SQLite and PostgreSQL (both have <c>RETURNING</c>, <c>UPDATE … FROM (VALUES …)</c> and multi-row
/// <c>INSERT</c>); the rows are the ones the EF model describes (<c>wenku admin ledger verify</c> and the purchase tests
/// read them back through EF). Five round trips per batch, whatever its size, plus the commit: the facts, the balances
/// (one conditional update), the purchases, their ledger transactions, and one command with everything else.
/// </summary>
internal sealed class PurchaseStatements(WenkuDb db)
{
    private readonly DbConnection connection = db.Database.GetDbConnection();
    private readonly DbTransaction transaction = (db.Database.CurrentTransaction
        ?? throw new InvalidOperationException("A purchase runs inside Ledger.InTransactionAsync.")).GetDbTransaction();
    private readonly bool postgres = db.Database.IsNpgsql();

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
        var command = Command("");
        var docs = command.List("d", orders.Select(o => o.DocumentId).Distinct());
        var buyers = command.List("b", orders.Select(o => o.BuyerId).Distinct());
        // One IN over a UNION, not two INs joined by OR: the unique (Owner, Kind) index finds each account.
        var buyerRows = string.Join(", ", buyers.Split(", ").Select(b => $"({b})"));
        var keys = orders.Select(o => o.IdempotencyKey).OfType<string>().Distinct().ToList();
        var lockDocuments = postgres ? " FOR NO KEY UPDATE" : "";
        var lockAccounts = postgres ? " FOR NO KEY UPDATE OF a" : "";
        var sql = new StringBuilder().Append(CultureInfo.InvariantCulture, $"""
            SELECT d."Id", d."Price", d."Status", d."UploaderId" FROM "Documents" d WHERE d."Id" IN ({docs}) ORDER BY d."Id"{lockDocuments};
            SELECT a."Id", a."Owner", a."Kind", a."Balance" FROM "LedgerAccounts" a
            WHERE a."Kind" IN ('Spendable', 'Earned')
              AND a."Owner" IN (SELECT x."UploaderId" FROM "Documents" x WHERE x."Id" IN ({docs}) UNION ALL VALUES {buyerRows})
            ORDER BY a."Id"{lockAccounts};
            SELECT a."Id" FROM "LedgerAccounts" a WHERE a."Owner" = '' AND a."Kind" = 'PlatformRevenue';
            SELECT s."UploaderSharePercent" FROM "SiteSettings" s LIMIT 1;
            SELECT e."DocumentId", e."UserId" FROM "Entitlements" e WHERE e."DocumentId" IN ({docs}) AND e."UserId" IN ({buyers});
            SELECT x."DocumentId", x."UserId" FROM "Downloads" x WHERE x."DocumentId" IN ({docs}) AND x."UserId" IN ({buyers});
            """);
        if (keys.Count > 0)
            sql.Append(CultureInfo.InvariantCulture, $"""

                SELECT r."UserId", r."Key", r."RequestHash", r."ResponseJson" FROM "IdempotencyRecords" r WHERE r."UserId" IN ({buyers}) AND r."Key" IN ({command.List("k", keys)});
                """);
        command.CommandText = sql.ToString();

        var facts = new BatchFacts();
        await using (command)
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
                facts.Documents[reader.GetInt64(0)] = new SaleDocument(reader.GetInt32(1), Enum.Parse<DocumentStatus>(reader.GetString(2)), reader.GetString(3));
            await reader.NextResultAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var account = new LedgerAccount
                {
                    Id = reader.GetInt64(0), Owner = reader.GetString(1), Kind = Enum.Parse<AccountKind>(reader.GetString(2)), Balance = reader.GetInt64(3),
                };
                facts.Accounts[(account.Owner, account.Kind)] = account;
            }
            await reader.NextResultAsync(ct);
            if (await reader.ReadAsync(ct)) facts.RevenueAccountId = reader.GetInt64(0);
            await reader.NextResultAsync(ct);
            if (await reader.ReadAsync(ct) && !reader.IsDBNull(0)) facts.Percent = reader.GetInt32(0);
            await reader.NextResultAsync(ct);
            while (await reader.ReadAsync(ct)) facts.Entitled.Add((reader.GetInt64(0), reader.GetString(1)));
            await reader.NextResultAsync(ct);
            while (await reader.ReadAsync(ct)) facts.Downloaded.Add((reader.GetInt64(0), reader.GetString(1)));
            if (keys.Count > 0)
            {
                await reader.NextResultAsync(ct);
                while (await reader.ReadAsync(ct))
                    facts.Kept[(reader.GetString(0), reader.GetString(1))] = new KeptAnswer(reader.GetString(2), reader.GetString(3));
            }
        }
        return facts;
    }

    /// <summary>
    /// Moves the user accounts' balances by the batch's net amounts, in one conditional statement: an account whose
    /// balance would go below zero is not updated, and then fewer rows than accounts changed — the batch decided on
    /// balances read under lock, so that means something changed them beside it: <see cref="LedgerRaceException"/>, and
    /// the batch runs again from the start. The guard, not the decision in memory, is what keeps balances from going
    /// negative.
    /// </summary>
    public async Task MoveBalancesAsync(IReadOnlyList<(long AccountId, long Amount)> moves, CancellationToken ct)
    {
        if (moves.Count == 0) return;
        await using var command = Command("");
        var values = command.Rows("m", moves.OrderBy(m => m.AccountId).Select(m => new object?[] { m.AccountId, m.Amount }));
        command.CommandText = $"""
            UPDATE "LedgerAccounts" SET "Balance" = "LedgerAccounts"."Balance" + v.column2
            FROM (VALUES {values}) AS v WHERE "LedgerAccounts"."Id" = v.column1 AND "LedgerAccounts"."Balance" + v.column2 >= 0
            """;
        var changed = await command.ExecuteNonQueryAsync(ct);
        if (changed != moves.Count) throw new LedgerRaceException(moves[0].AccountId);
    }

    /// <summary>Inserts the batch's purchases (one statement) and sets each one's <see cref="Sale.PurchaseId"/>.</summary>
    public async Task InsertPurchasesAsync(IReadOnlyList<Sale> sales, DateTime at, CancellationToken ct)
    {
        await using var command = Command("").With("at", at);
        var values = command.Rows("p", sales.Select(s => new object?[]
        {
            s.DocumentId, s.BuyerId, s.UploaderId, s.Price, s.UploaderShare, s.PlatformShare, s.FromSpendable, s.FromEarned,
        }), "0, @at");
        command.CommandText = $"""
            INSERT INTO "Purchases" ("DocumentId", "BuyerId", "UploaderId", "Price", "UploaderShare", "PlatformShare", "FromSpendable", "FromEarned", "TransactionId", "At")
            VALUES {values} RETURNING "Id", "DocumentId", "BuyerId"
            """;
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
        await using var command = Command("").With("at", at);
        command.CommandText = $"""
            INSERT INTO "LedgerTransactions" ("Kind", "Memo", "ActorId", "DocumentId", "Reference", "At") VALUES {command.Rows("t",
                sales.Select(s => new object?[] { $"purchase of document #{s.DocumentId}", s.BuyerId, s.DocumentId, s.Reference }), after: "@at", before: "'Purchase'")}
            RETURNING "Id", "Reference"
            """;
        var ids = new Dictionary<string, long>(sales.Count);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) ids[reader.GetString(1)] = reader.GetInt64(0);
        return ids;
    }

    /// <summary>
    /// The rest of the batch, in one command: the postings, each purchase's transaction id, the entitlements, the first
    /// downloads (rows, counts and a search outbox row per document) and the idempotency records.
    /// </summary>
    public async Task FinishAsync(IReadOnlyList<Sale> sales, IReadOnlyDictionary<string, long> transactions, Func<Sale, string> receiptJson, DateTime at, CancellationToken ct)
    {
        await using var command = Command("").With("at", at).With("source", Entitlement.PurchaseSource);
        var sql = new StringBuilder();
        sql.Append(CultureInfo.InvariantCulture, $"""
            INSERT INTO "LedgerPostings" ("TransactionId", "AccountId", "Amount") VALUES {command.Rows("l",
                sales.SelectMany(s => s.Postings.Select(p => new object?[] { transactions[s.Reference], p.AccountId, p.Amount })))};
            UPDATE "Purchases" SET "TransactionId" = v.column2
            FROM (VALUES {command.Rows("u", sales.Select(s => new object?[] { s.PurchaseId, transactions[s.Reference] }))}) AS v
            WHERE "Purchases"."Id" = v.column1;
            INSERT INTO "Entitlements" ("DocumentId", "UserId", "Source", "GrantedAt") VALUES {command.Rows("e",
                sales.Select(s => new object?[] { s.DocumentId, s.BuyerId }), "@source, @at")};
            """);
        // A purchase counts as a download (once per reader, like a free download); "most downloaded" follows.
        var downloads = sales.Where(s => s.CountDownload).ToList();
        if (downloads.Count > 0)
        {
            var perDocument = downloads.GroupBy(s => s.DocumentId).Select(g => new object?[] { g.Key, (long)g.Count() }).ToList();
            sql.Append(CultureInfo.InvariantCulture, $"""

                INSERT INTO "Downloads" ("DocumentId", "UserId", "At") VALUES {command.Rows("w", downloads.Select(s => new object?[] { s.DocumentId, s.BuyerId }), "@at")};
                UPDATE "Documents" SET "Downloads" = "Documents"."Downloads" + v.column2
                FROM (VALUES {command.Rows("c", perDocument)}) AS v WHERE "Documents"."Id" = v.column1;
                INSERT INTO "SearchChanges" ("DocumentId", "At") VALUES {command.Rows("s", perDocument.Select(r => new[] { r[0] }), "@at")};
                """);
        }
        var kept = sales.Where(s => s.Idempotency is not null).ToList();
        if (kept.Count > 0)
            sql.Append(CultureInfo.InvariantCulture, $"""

                INSERT INTO "IdempotencyRecords" ("StatusCode", "UserId", "Key", "RequestHash", "ResponseJson", "CreatedAt") VALUES {command.Rows("i",
                    kept.Select(s => new object?[] { s.BuyerId, s.Idempotency!.Value.Key, s.Idempotency.Value.Hash, receiptJson(s) }), after: "@at", before: "200")};
                """);
        command.CommandText = sql.ToString();
        await command.ExecuteNonQueryAsync(ct);
    }

    private DbCommand Command(string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }
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

    /// <summary>Adds one parameter per value (<c>@prefix0, @prefix1…</c>) and returns them as a list for <c>IN (…)</c>.</summary>
    public static string List<T>(this DbCommand command, string prefix, IEnumerable<T> values) =>
        string.Join(", ", values.Select((v, i) => { command.With(prefix + i.ToString(CultureInfo.InvariantCulture), v); return "@" + prefix + i.ToString(CultureInfo.InvariantCulture); }));

    /// <summary>
    /// Adds the parameters of <paramref name="rows"/> and returns them as <c>VALUES</c> rows, <c>(@p0_0, @p0_1…)</c>;
    /// <paramref name="before"/> and <paramref name="after"/> are SQL put first and last in every row (shared parameters, constants).
    /// </summary>
    public static string Rows(this DbCommand command, string prefix, IEnumerable<object?[]> rows, string? after = null, string? before = null)
    {
        var sql = new StringBuilder();
        var r = 0;
        foreach (var row in rows)
        {
            sql.Append(r == 0 ? "(" : ", (");
            if (before is not null) sql.Append(before).Append(", ");
            for (var c = 0; c < row.Length; c++)
            {
                var name = string.Create(CultureInfo.InvariantCulture, $"{prefix}{r}_{c}");
                command.With(name, row[c]);
                sql.Append(c == 0 ? "@" : ", @").Append(name);
            }
            if (after is not null) sql.Append(", ").Append(after);
            sql.Append(')');
            r++;
        }
        return sql.ToString();
    }
}
