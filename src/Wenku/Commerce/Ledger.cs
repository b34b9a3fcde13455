using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using Wenku.Data;

namespace Wenku.Commerce;

/// <summary>A user's two accounts and the site's, as one lookup for a transaction to post to.</summary>
public sealed record LedgerBook(string UserId, LedgerAccount Spendable, LedgerAccount Earned, IReadOnlyDictionary<AccountKind, LedgerAccount> Site)
{
    public LedgerAccount this[AccountKind kind] => kind switch
    {
        AccountKind.Spendable => Spendable,
        AccountKind.Earned => Earned,
        _ => Site[kind],
    };
}

/// <summary>A debit would take a user's account below zero: its balance, as committed now, does not cover it.</summary>
public sealed class InsufficientPointsException(long accountId) : Exception($"Account {accountId} has too few points for this posting.")
{
    public long AccountId { get; } = accountId;
}

/// <summary>A debit's guard failed although the balance now covers it: another transaction moved it meanwhile. Running again resolves it.</summary>
public sealed class LedgerRaceException(long accountId) : Exception($"Account {accountId} changed during the transaction.");

/// <summary>
/// The double-entry ledger. Every movement of points is one <see cref="LedgerTransaction"/> whose postings sum to zero,
/// posted inside the database transaction of what it pays for (<see cref="InTransactionAsync{T}"/>).
/// <para>
/// No user balance goes negative, under any concurrency, on either engine: a debit is a <em>conditional update</em>
/// (<c>UPDATE … SET Balance = Balance + d WHERE Id = @id AND Balance >= -d</c>) inside the transaction. On PostgreSQL the
/// update takes the row lock and re-checks its condition against the latest committed balance (READ COMMITTED re-reads the
/// row it waited for), so two spenders of the last points cannot both pass; on SQLite the transaction is
/// <c>BEGIN IMMEDIATE</c> (writers queue for the one write lock), so the check and the write are one step. Updates go in
/// account-id order so two transactions touching the same two accounts cannot deadlock.
/// </para>
/// </summary>
public sealed class Ledger(WenkuDb db)
{
    private const int MaxAttempts = 8;

    /// <summary>
    /// Runs <paramref name="work"/> in one database transaction and commits it. A conflict with a concurrent transaction
    /// (a balance that changed since it was read, a unique key another request took first) runs the whole work again
    /// from a clean change tracker, so it reads what the other committed; transient PostgreSQL failures are retried by
    /// the execution strategy.
    /// </summary>
    public async Task<T> InTransactionAsync<T>(Func<Task<T>> work, CancellationToken ct)
    {
        // SQLite has one writer at a time: money transactions of this process queue here, first come first served,
        // instead of each polling SQLite's lock with growing sleeps (which made the slowest wait seconds). Writers of
        // other processes, and other writers of this one, still meet at SQLite's own lock.
        var gate = db.Database.IsSqlite() && !InsideGate.Value ? SqliteGates.GetOrAdd(db.Database.GetConnectionString() ?? "", _ => new SemaphoreSlim(1, 1)) : null;
        if (gate is null) return await RunAsync(work, ct);
        await gate.WaitAsync(ct);
        InsideGate.Value = true;
        try
        {
            return await RunAsync(work, ct);
        }
        finally
        {
            InsideGate.Value = false;
            gate.Release();
        }
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, SemaphoreSlim> SqliteGates = new();
    private static readonly AsyncLocal<bool> InsideGate = new();

    private async Task<T> RunAsync<T>(Func<Task<T>> work, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await db.Database.CreateExecutionStrategy().ExecuteAsync(async () =>
                {
                    db.ChangeTracker.Clear();
                    await using var tx = await db.Database.BeginTransactionAsync(ct);
                    var result = await work();
                    await tx.CommitAsync(ct);
                    return result;
                });
            }
            catch (Exception e) when (attempt < MaxAttempts && IsConflict(e))
            {
                db.ChangeTracker.Clear();
                await Task.Delay(Random.Shared.Next(1, 5 * attempt), ct);
            }
        }
    }

    /// <summary>True for a failure that running the transaction again (reading afresh) resolves.</summary>
    public static bool IsConflict(Exception e) => e switch
    {
        LedgerRaceException => true,
        DbUpdateException { InnerException: var inner } => IsLostRace(inner),
        _ => IsLostRace(e),
    };

    public static bool IsLostRace(Exception? e) => e switch
    {
        PostgresException pg => pg.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure,
        Microsoft.Data.Sqlite.SqliteException sqlite => sqlite.SqliteErrorCode == 19 && sqlite.SqliteExtendedErrorCode is 2067 or 1555, // UNIQUE, PRIMARY KEY
        DbUpdateException { InnerException: var inner } => IsLostRace(inner),
        _ => false,
    };

    /// <summary>A row refers to one that is gone (a document deleted meanwhile).</summary>
    public static bool IsForeignKeyViolation(Exception? e) => e switch
    {
        PostgresException pg => pg.SqlState == PostgresErrorCodes.ForeignKeyViolation,
        Microsoft.Data.Sqlite.SqliteException sqlite => sqlite.SqliteErrorCode == 19 && sqlite.SqliteExtendedErrorCode == 787,
        DbUpdateException { InnerException: var inner } => IsForeignKeyViolation(inner),
        _ => false,
    };

    /// <summary>The accounts of <paramref name="userId"/> and of the site, creating any that do not exist yet.</summary>
    public async Task<LedgerBook> BookAsync(string userId, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        return (await BooksAsync([userId], ct))[userId];
    }

    /// <summary>The books of several users (a buyer and an uploader) in one query.</summary>
    public async Task<IReadOnlyDictionary<string, LedgerBook>> BooksAsync(IReadOnlyCollection<string> userIds, CancellationToken ct)
    {
        var ids = userIds.Distinct().ToList();
        var accounts = await db.LedgerAccounts.AsNoTracking().Where(a => ids.Contains(a.Owner) || a.Owner == LedgerAccount.System).ToListAsync(ct);
        if (accounts.Count < ids.Count * 2 + SiteKinds.Length)
        {
            foreach (var id in ids) await EnsureAccountsAsync(db, id, ct);
            accounts = await db.LedgerAccounts.AsNoTracking().Where(a => ids.Contains(a.Owner) || a.Owner == LedgerAccount.System).ToListAsync(ct);
        }
        var site = accounts.Where(a => a.Owner == LedgerAccount.System).ToDictionary(a => a.Kind);
        return ids.ToDictionary(id => id, id => new LedgerBook(id,
            accounts.Single(a => a.Owner == id && a.Kind == AccountKind.Spendable),
            accounts.Single(a => a.Owner == id && a.Kind == AccountKind.Earned), site));
    }

    public static readonly AccountKind[] SiteKinds = Enum.GetValues<AccountKind>().Where(k => !LedgerAccount.IsUserKind(k)).ToArray();

    /// <summary>Creates the site's accounts (and a user's, given one) if missing; safe to run by many at once.</summary>
    public static async Task EnsureAccountsAsync(WenkuDb db, string? userId, CancellationToken ct)
    {
        var rows = SiteKinds.Select(k => (LedgerAccount.System, k)).ToList();
        if (!string.IsNullOrEmpty(userId)) rows.AddRange([(userId, AccountKind.Spendable), (userId, AccountKind.Earned)]);
        foreach (var (owner, kind) in rows)
            await db.Database.ExecuteSqlAsync(
                $"""INSERT INTO "LedgerAccounts" ("Owner", "Kind", "Balance") VALUES ({owner}, {kind.ToString()}, 0) ON CONFLICT ("Owner", "Kind") DO NOTHING""", ct);
    }

    /// <summary>
    /// Posts one transaction: checks that its postings sum to zero, moves the cached balances of user accounts (a debit
    /// only if it leaves the balance at zero or above, else <see cref="InsufficientPointsException"/>) and saves it with
    /// every other pending change. Must run inside <see cref="InTransactionAsync{T}"/>.
    /// </summary>
    public async Task<LedgerTransaction> PostAsync(TransactionKind kind, IEnumerable<(LedgerAccount Account, long Amount)> postings,
        string memo, CancellationToken ct, string? actorId = null, long? documentId = null, string? reference = null)
    {
        if (db.Database.CurrentTransaction is null)
            throw new InvalidOperationException("Ledger postings must be made inside a database transaction (Ledger.InTransactionAsync).");
        var lines = postings.Where(p => p.Amount != 0)
            .GroupBy(p => p.Account.Id)
            .Select(g => (Account: g.First().Account, Amount: g.Sum(p => p.Amount)))
            .Where(p => p.Amount != 0)
            .OrderBy(p => p.Account.Id)
            .ToList();
        if (lines.Count == 0) throw new InvalidOperationException($"A {kind} transaction must move points.");
        if (lines.Sum(p => p.Amount) != 0) throw new InvalidOperationException($"The postings of a {kind} transaction do not sum to zero.");

        var balances = await MoveBalancesAsync(lines, ct);
        var transaction = new LedgerTransaction
        {
            Kind = kind, Memo = Cut(Text.SafeText.OneLine(memo), MaxMemo), ActorId = actorId, DocumentId = documentId, Reference = reference,
            Postings = lines.Select(p => new LedgerPosting { AccountId = p.Account.Id, Amount = p.Amount }).ToList(),
        };
        transaction.BalancesAfter = balances;
        db.LedgerTransactions.Add(transaction);
        await db.SaveChangesAsync(ct);
        return transaction;
    }

    /// <summary>
    /// Moves the cached balances of the user accounts among <paramref name="lines"/> (in the order given: account-id order,
    /// so two transactions cannot deadlock) and returns each new balance. A debit the balance does not cover throws
    /// <see cref="InsufficientPointsException"/>, or <see cref="LedgerRaceException"/> when a concurrent change made it fail.
    /// </summary>
    internal async Task<Dictionary<long, long>> MoveBalancesAsync(IEnumerable<(LedgerAccount Account, long Amount)> lines, CancellationToken ct)
    {
        var balances = new Dictionary<long, long>();
        foreach (var (account, amount) in lines)
        {
            if (!LedgerAccount.IsUserKind(account.Kind)) continue;
            var after = await MoveBalanceAsync(account.Id, amount, ct);
            if (after is { } balance)
            {
                balances[account.Id] = balance;
                continue;
            }
            var now = await db.LedgerAccounts.Where(a => a.Id == account.Id).Select(a => a.Balance).SingleAsync(ct);
            throw now >= -amount ? new LedgerRaceException(account.Id) : new InsufficientPointsException(account.Id);
        }
        return balances;
    }

    /// <summary>
    /// Adds <paramref name="amount"/> to a user account's cached balance — a debit only if the balance covers it — and
    /// returns the new balance, or null when the debit's condition failed. One statement (<c>UPDATE … RETURNING</c>, which
    /// SQLite and PostgreSQL both have), on the transaction's connection.
    /// </summary>
    private async Task<long?> MoveBalanceAsync(long accountId, long amount, CancellationToken ct)
    {
        var connection = db.Database.GetDbConnection();
        await using var command = connection.CreateCommand();
        command.Transaction = db.Database.CurrentTransaction!.GetDbTransaction();
        command.CommandText = amount < 0 ? DebitSql : CreditSql;
        Add(command, "id", accountId);
        Add(command, "amount", amount);
        var result = await command.ExecuteScalarAsync(ct);
        return result is null or DBNull ? null : Convert.ToInt64(result, System.Globalization.CultureInfo.InvariantCulture);

        static void Add(System.Data.Common.DbCommand command, string name, long value)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }
    }

    /// <summary>The longest memo kept (the column's length); longer ones are cut, never refused: the money moved anyway.</summary>
    public const int MaxMemo = 400;

    private static string Cut(string text, int max)
    {
        if (text.Length <= max) return text;
        var end = char.IsHighSurrogate(text[max - 2]) ? max - 2 : max - 1;
        return text[..end] + "…";
    }

    private const string DebitSql =
        """UPDATE "LedgerAccounts" SET "Balance" = "Balance" + @amount WHERE "Id" = @id AND "Balance" + @amount >= 0 RETURNING "Balance" """;
    private const string CreditSql =
        """UPDATE "LedgerAccounts" SET "Balance" = "Balance" + @amount WHERE "Id" = @id RETURNING "Balance" """;

    /// <summary>A user's balances as cached (equal to their postings: <c>wenku admin ledger verify</c> checks it).</summary>
    public async Task<WalletBalance> BalanceAsync(string userId, CancellationToken ct)
    {
        var rows = await db.LedgerAccounts.AsNoTracking().Where(a => a.Owner == userId)
            .Select(a => new { a.Kind, a.Balance }).ToListAsync(ct);
        var spendable = rows.Where(r => r.Kind == AccountKind.Spendable).Sum(r => r.Balance);
        var earned = rows.Where(r => r.Kind == AccountKind.Earned).Sum(r => r.Balance);
        return new WalletBalance(spendable, earned, earned);
    }
}

/// <summary>
/// What <c>GET /api/v1/wallet</c> answers. <paramref name="Spendable"/>: points to spend (recharged, granted, refunded);
/// <paramref name="Earned"/>: the uploader's share of sales, spendable too; <paramref name="Withdrawable"/>: what a
/// withdrawal may take (the earned points).
/// </summary>
public sealed record WalletBalance(long Spendable, long Earned, long Withdrawable)
{
    /// <summary>All the points the user can spend (not part of the API's answer, which is the three named fields).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public long Total => Spendable + Earned;
}
