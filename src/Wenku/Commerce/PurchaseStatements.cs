using System.Data;
using System.Data.Common;
using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Wenku.Data;
using Wenku.Documents;

namespace Wenku.Commerce;

/// <summary>What a purchase decides on, read in one statement (one snapshot on PostgreSQL).</summary>
internal sealed record PurchaseFacts(int Price, DocumentStatus Status, string UploaderId, bool Owned, bool Downloaded, int? Percent, string? PriorHash);

/// <summary>
/// The statements of a purchase, written by hand on the transaction's connection: a purchase is the hot path of the
/// ledger, and EF Core's change tracking, three saves and a statement per row cost ten times the work itself (see
/// <c>bench/README.md</c>). The SQL is the same on SQLite and PostgreSQL (both have <c>RETURNING</c>); the rows are the
/// ones the EF model describes (<c>wenku admin ledger verify</c> and the purchase tests read them back through EF).
/// Six round trips: the facts, the accounts, the debits and credit (one statement each, conditional: the
/// never-negative guard), the purchase, the ledger transaction, and everything else in one batch.
/// </summary>
internal sealed class PurchaseStatements(WenkuDb db)
{
    private readonly DbConnection connection = db.Database.GetDbConnection();
    private readonly DbTransaction transaction = (db.Database.CurrentTransaction
        ?? throw new InvalidOperationException("A purchase runs inside Ledger.InTransactionAsync.")).GetDbTransaction();

    private const string FactsSql = """
        SELECT d."Price", d."Status", d."UploaderId",
          CASE WHEN EXISTS (SELECT 1 FROM "Entitlements" e WHERE e."DocumentId" = @doc AND e."UserId" = @buyer) THEN 1 ELSE 0 END,
          CASE WHEN EXISTS (SELECT 1 FROM "Downloads" x WHERE x."DocumentId" = @doc AND x."UserId" = @buyer) THEN 1 ELSE 0 END,
          (SELECT s."UploaderSharePercent" FROM "SiteSettings" s LIMIT 1),
          (SELECT r."RequestHash" FROM "IdempotencyRecords" r WHERE r."UserId" = @buyer AND r."Key" = @key)
        FROM "Documents" d WHERE d."Id" = @doc
        """;

    /// <summary>
    /// PostgreSQL: the document's row is locked for the purchase (<c>FOR NO KEY UPDATE</c>), so a claim transfer (which
    /// locks the row to change its uploader) and a purchase of the same document go one after the other: a sale either
    /// is among the purchases the transfer moves, or pays the new uploader. Not a share lock: a purchase updates the row
    /// (the download count), and two purchases upgrading their share locks would deadlock; purchases of one document
    /// queue here instead, as they would at that update. Foreign-key checks (<c>KEY SHARE</c>) are not blocked.
    /// SQLite: the transaction holds the one write lock already.
    /// </summary>
    private const string RowLock = " FOR NO KEY UPDATE OF d";

    public async Task<PurchaseFacts?> FactsAsync(long documentId, string buyerId, string? key, CancellationToken ct)
    {
        await using var command = Command(db.Database.IsNpgsql() ? FactsSql + RowLock : FactsSql).With("doc", documentId).With("buyer", buyerId).With("key", key);
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        return new PurchaseFacts(
            reader.GetInt32(0), Enum.Parse<DocumentStatus>(reader.GetString(1)), reader.GetString(2),
            Convert.ToInt64(reader.GetValue(3), CultureInfo.InvariantCulture) == 1, Convert.ToInt64(reader.GetValue(4), CultureInfo.InvariantCulture) == 1,
            reader.IsDBNull(5) ? null : reader.GetInt32(5), reader.IsDBNull(6) ? null : reader.GetString(6));
    }

    /// <summary>
    /// PostgreSQL, at the start of a batch: locks the batch's documents and then its buyers' and uploaders' accounts, each
    /// in id order — the order every purchase batch takes them in, so batches of several writers and processes queue for
    /// each other instead of deadlocking (a single purchase locked its document, then its accounts in id order, too).
    /// </summary>
    public async Task LockInOrderAsync(IEnumerable<long> documentIds, IEnumerable<string> buyerIds, CancellationToken ct)
    {
        var uploaders = new List<string>();
        await using (var documents = Command("""
            SELECT d."UploaderId" FROM "Documents" d WHERE d."Id" = ANY(@docs) ORDER BY d."Id" FOR NO KEY UPDATE
            """).With("docs", documentIds.Distinct().ToArray()))
        await using (var reader = await documents.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct))
                uploaders.Add(reader.GetString(0));
        await using var accounts = Command("""
            SELECT a."Id" FROM "LedgerAccounts" a WHERE a."Owner" = ANY(@owners) ORDER BY a."Id" FOR NO KEY UPDATE
            """).With("owners", buyerIds.Concat(uploaders).Distinct().ToArray());
        await using var rows = await accounts.ExecuteReaderAsync(ct);
        while (await rows.ReadAsync(ct)) { }
    }

    /// <summary>The buyer's and uploader's accounts and the platform's revenue account; null when any is missing yet.</summary>
    public async Task<(LedgerAccount BuyerSpendable, LedgerAccount BuyerEarned, LedgerAccount UploaderEarned, LedgerAccount Revenue)?> AccountsAsync(
        string buyerId, string uploaderId, CancellationToken ct)
    {
        await using var command = Command("""
            SELECT "Id", "Owner", "Kind", "Balance" FROM "LedgerAccounts"
            WHERE "Owner" IN (@buyer, @uploader) OR ("Owner" = '' AND "Kind" = 'PlatformRevenue')
            """).With("buyer", buyerId).With("uploader", uploaderId);
        var accounts = new List<LedgerAccount>(5);
        await using (var reader = await command.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct))
                accounts.Add(new LedgerAccount
                {
                    Id = reader.GetInt64(0), Owner = reader.GetString(1), Kind = Enum.Parse<AccountKind>(reader.GetString(2)), Balance = reader.GetInt64(3),
                });
        LedgerAccount? Find(string owner, AccountKind kind) => accounts.FirstOrDefault(a => a.Owner == owner && a.Kind == kind);
        return (Find(buyerId, AccountKind.Spendable), Find(buyerId, AccountKind.Earned), Find(uploaderId, AccountKind.Earned),
                Find(LedgerAccount.System, AccountKind.PlatformRevenue)) is ({ } bs, { } be, { } ue, { } rev)
            ? (bs, be, ue, rev) : null;
    }

    public async Task<long> InsertPurchaseAsync(Purchase p, DateTime at, CancellationToken ct)
    {
        await using var command = Command("""
            INSERT INTO "Purchases" ("DocumentId", "BuyerId", "UploaderId", "Price", "UploaderShare", "PlatformShare", "FromSpendable", "FromEarned", "TransactionId", "At")
            VALUES (@doc, @buyer, @uploader, @price, @us, @ps, @fs, @fe, 0, @at) RETURNING "Id"
            """).With("doc", p.DocumentId).With("buyer", p.BuyerId).With("uploader", p.UploaderId).With("price", p.Price)
            .With("us", p.UploaderShare).With("ps", p.PlatformShare).With("fs", p.FromSpendable).With("fe", p.FromEarned).With("at", at);
        return Convert.ToInt64(await command.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
    }

    public async Task<long> InsertTransactionAsync(TransactionKind kind, string memo, string actorId, long documentId, string reference, DateTime at, CancellationToken ct)
    {
        await using var command = Command("""
            INSERT INTO "LedgerTransactions" ("Kind", "Memo", "ActorId", "DocumentId", "Reference", "At")
            VALUES (@kind, @memo, @actor, @doc, @ref, @at) RETURNING "Id"
            """).With("kind", kind.ToString()).With("memo", memo).With("actor", actorId).With("doc", documentId).With("ref", reference).With("at", at);
        return Convert.ToInt64(await command.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The rest of a purchase, in one batch: its postings, its transaction id, the entitlement, the first download (row,
    /// count and search outbox row, when the buyer had not downloaded it) and the idempotency record (with a key).
    /// </summary>
    public async Task FinishAsync(long purchaseId, long transactionId, IReadOnlyList<(long AccountId, long Amount)> postings,
        long documentId, string buyerId, bool countDownload, (string Key, string Hash, string Json)? idempotency, DateTime at, CancellationToken ct)
    {
        var sql = new StringBuilder("""INSERT INTO "LedgerPostings" ("TransactionId", "AccountId", "Amount") VALUES """);
        var command = Command("").With("t", transactionId).With("p", purchaseId).With("doc", documentId).With("buyer", buyerId).With("at", at)
            .With("source", Entitlement.PurchaseSource);
        for (var i = 0; i < postings.Count; i++)
        {
            sql.Append(i == 0 ? "" : ", ").Append(CultureInfo.InvariantCulture, $"(@t, @a{i}, @m{i})");
            command.With($"a{i}", postings[i].AccountId).With($"m{i}", postings[i].Amount);
        }
        sql.Append("""
            ;
            UPDATE "Purchases" SET "TransactionId" = @t WHERE "Id" = @p;
            INSERT INTO "Entitlements" ("DocumentId", "UserId", "Source", "GrantedAt") VALUES (@doc, @buyer, @source, @at);
            """);
        if (countDownload)
            sql.Append("""
                INSERT INTO "Downloads" ("DocumentId", "UserId", "At") VALUES (@doc, @buyer, @at);
                UPDATE "Documents" SET "Downloads" = "Downloads" + 1 WHERE "Id" = @doc;
                INSERT INTO "SearchChanges" ("DocumentId", "At") VALUES (@doc, @at);
                """);
        if (idempotency is { } record)
        {
            sql.Append("""
                INSERT INTO "IdempotencyRecords" ("UserId", "Key", "RequestHash", "StatusCode", "ResponseJson", "CreatedAt") VALUES (@buyer, @key, @hash, 200, @json, @at);
                """);
            command.With("key", record.Key).With("hash", record.Hash).With("json", record.Json);
        }
        command.CommandText = sql.ToString();
        await using (command) await command.ExecuteNonQueryAsync(ct);
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
}
