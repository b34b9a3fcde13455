using System.Reflection;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Wenku.Jobs;
using Wenku.Search;
using Wenku.Storage;

namespace Wenku.Data;

/// <summary>Rows of one table, in the source (embedded) and in the target (PostgreSQL).</summary>
public sealed record TableCount(string Table, long Source, long Target);

/// <summary>What the database phase copied: every table's rows (counted in the source's snapshot) and the key files.</summary>
public sealed record DatabaseCopy(IReadOnlyList<TableCount> Tables, TableCount Keys);

/// <summary>What the files phase did; <see cref="Missing"/> are source files the target does not hold with their size.</summary>
public sealed record FileCopy(int Files, long Bytes, int Copied, int AlreadyThere, IReadOnlyList<string> Missing);

/// <summary>
/// <c>wenku admin migrate-storage</c>: moves an embedded install (SQLite + files on the local disk) to PostgreSQL and an
/// object store. Every table of the EF Core model is copied with its ids (the model is enumerated, so a new table is
/// not forgotten), in a transaction per batch; then the identity sequences continue after the highest id, the
/// data-protection keys move from <c>{data}/keys</c> into the database (sign-in cookies and tokens stay valid), and
/// every stored file is copied, skipping objects the target already holds with the same size (a re-run after an
/// interruption copies only what is missing).
/// </summary>
public sealed class ScaleOutMigration(
    WenkuDb source, IFileStore sourceFiles, string sourceKeysDir, IDbContextFactory<PostgresWenkuDb> target, IFileStore targetFiles)
{
    /// <summary>Rows per insert transaction.</summary>
    public const int BatchSize = 500;

    /// <summary>Files copied at once (object stores answer each request slowly but many in parallel).</summary>
    private const int FileParallelism = 8;

    /// <summary>Tables not copied: the search outbox only says what to re-index, and search is rebuilt after moving.</summary>
    private static readonly Type[] Skipped = [typeof(SearchChange)];

    private static readonly MethodInfo CopyTableMethod =
        typeof(ScaleOutMigration).GetMethod(nameof(CopyTableAsync), BindingFlags.NonPublic | BindingFlags.Instance)!;

    /// <summary>The tables of <paramref name="model"/> that are copied, principals before the tables that refer to them.</summary>
    public static IReadOnlyList<IEntityType> TablesInCopyOrder(IModel model)
    {
        var tables = model.GetEntityTypes()
            .Where(t => t.GetTableName() is not null && !t.IsOwned() && !Skipped.Contains(t.ClrType)).ToList();
        var ordered = new List<IEntityType>();
        while (ordered.Count < tables.Count)
        {
            var next = tables.FirstOrDefault(t => !ordered.Contains(t) && t.GetForeignKeys()
                .All(fk => fk.PrincipalEntityType == t || ordered.Contains(fk.PrincipalEntityType) || !tables.Contains(fk.PrincipalEntityType)))
                ?? throw new InvalidOperationException("The model's foreign keys form a cycle: " +
                    string.Join(", ", tables.Except(ordered).Select(t => t.GetTableName())));
            ordered.Add(next);
        }
        return ordered;
    }

    /// <summary>
    /// What in <paramref name="model"/> a copy through the entities' CLR types would lose or get wrong (empty: nothing).
    /// A test keeps it empty, so that a model change that needs more of this class is noticed before an operator runs it.
    /// </summary>
    public static IReadOnlyList<string> Unsupported(IModel model)
    {
        var problems = new List<string>();
        // An owned type kept as JSON in its owner's column (a document's drawing facts) is read and written with its owner's row.
        problems.AddRange(model.GetEntityTypes().Where(t => t.IsOwned() && !t.IsMappedToJson()).Select(t => $"{t.DisplayName()}: an owned type"));
        foreach (var table in TablesInCopyOrder(model))
        {
            if (table.HasSharedClrType) problems.Add($"{table.DisplayName()}: a shared-type entity");
            if (table.BaseType is not null || table.GetDirectlyDerivedTypes().Any()) problems.Add($"{table.DisplayName()}: inheritance");
            if (table.GetForeignKeys().Any(fk => fk.PrincipalEntityType == table)) problems.Add($"{table.DisplayName()}: refers to its own table (rows would need ordering)");
            problems.AddRange(table.GetProperties().Where(p => p.IsShadowProperty()).Select(p => $"{table.DisplayName()}.{p.Name}: a shadow property (read without tracking, its value is lost)"));
        }
        return problems;
    }

    /// <summary>A job a worker is converting right now (its lease has not run out at <paramref name="now"/>): the site is still running.</summary>
    public Task<Job?> LiveJobAsync(DateTimeOffset now, CancellationToken ct)
    {
        var nowMs = now.ToUnixTimeMilliseconds();
        return source.Jobs.AsNoTracking().Where(j => j.State == JobState.Running && j.LeaseUntil > nowMs).FirstOrDefaultAsync(ct);
    }

    /// <summary>The target's tables that hold rows (every table of its model, the keys included).</summary>
    public async Task<IReadOnlyList<(string Table, long Rows)>> TargetContentsAsync(CancellationToken ct)
    {
        await using var db = await target.CreateDbContextAsync(ct);
        var filled = new List<(string, long)>();
        foreach (var table in db.Model.GetEntityTypes().Select(t => t.GetTableName()).OfType<string>().Distinct())
            if (await CountAsync(db, table, ct) is var rows and > 0) filled.Add((table, rows));
        return filled;
    }

    /// <summary>Deletes every row of the target (<c>--replace-target</c>); the schema stays.</summary>
    public async Task EmptyTargetAsync(CancellationToken ct)
    {
        await using var db = await target.CreateDbContextAsync(ct);
        var sql = db.GetService<ISqlGenerationHelper>();
        var tables = db.Model.GetEntityTypes().Where(t => t.GetTableName() is not null)
            .Select(t => sql.DelimitIdentifier(t.GetTableName()!, t.GetSchema())).Distinct();
        var truncate = $"TRUNCATE TABLE {string.Join(", ", tables)} RESTART IDENTITY CASCADE"; // names from the model, delimited
        await db.Database.ExecuteSqlRawAsync(truncate, ct);
    }

    /// <summary>
    /// Copies every table, the data-protection keys and the identity sequences, reading the source in one transaction
    /// (a consistent snapshot; on SQLite it also holds off writers). <paramref name="progress"/> gets (rows copied, total).
    /// </summary>
    public async Task<DatabaseCopy> CopyDatabaseAsync(Action<long, long> progress, CancellationToken ct)
    {
        await using var snapshot = await source.Database.BeginTransactionAsync(ct);
        var tables = TablesInCopyOrder(source.Model);
        var counts = new Dictionary<IEntityType, long>();
        foreach (var table in tables) counts[table] = await CountAsync(source, table.GetTableName()!, ct);
        var total = counts.Values.Sum();
        long done = 0;
        progress(0, total);
        foreach (var table in tables)
        {
            var copy = (Task)CopyTableMethod.MakeGenericMethod(table.ClrType).Invoke(this, [new Action<int>(n => progress(done += n, total)), ct])!;
            await copy;
        }
        var keys = await CopyKeysAsync(ct);
        await ContinueSequencesAsync(ct);
        await snapshot.CommitAsync(ct);

        await using var db = await target.CreateDbContextAsync(ct);
        var result = new List<TableCount>();
        foreach (var table in tables)
            result.Add(new TableCount(table.GetTableName()!, counts[table], await CountAsync(db, table.GetTableName()!, ct)));
        return new DatabaseCopy(result, new TableCount("data-protection keys", keys, await db.DataProtectionKeys.LongCountAsync(ct)));
    }

    private async Task CopyTableAsync<T>(Action<int> copied, CancellationToken ct) where T : class
    {
        var times = source.Model.FindEntityType(typeof(T))!.GetProperties()
            .Where(p => (Nullable.GetUnderlyingType(p.ClrType) ?? p.ClrType) is var t && (t == typeof(DateTime) || t == typeof(DateTimeOffset)))
            .ToList();
        var batch = new List<T>(BatchSize);
        await foreach (var row in source.Set<T>().IgnoreQueryFilters().AsNoTracking().AsAsyncEnumerable().WithCancellation(ct))
        {
            AsUtc(row, times);
            batch.Add(row);
            if (batch.Count < BatchSize) continue;
            await InsertAsync(batch, ct);
            copied(batch.Count);
            batch.Clear();
        }
        if (batch.Count == 0) return;
        await InsertAsync(batch, ct);
        copied(batch.Count);
    }

    private async Task InsertAsync<T>(IReadOnlyList<T> rows, CancellationToken ct) where T : class
    {
        await using var db = await target.CreateDbContextAsync(ct);
        // Retries of transient failures repeat the whole batch, in a new transaction.
        await db.Database.CreateExecutionStrategy().ExecuteAsync(async () =>
        {
            db.ChangeTracker.Clear();
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            db.AddRange(rows);
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        });
    }

    /// <summary>
    /// SQLite gives back times without a kind (they were written as UTC); Npgsql writes only UTC to <c>timestamptz</c>.
    /// Set on the object itself: EF Core compares times without their kind, so setting them on the entry would be ignored.
    /// </summary>
    private static void AsUtc(object row, IReadOnlyList<IProperty> times)
    {
        foreach (var property in times)
        {
            object? utc = (property.PropertyInfo?.GetValue(row) ?? property.FieldInfo?.GetValue(row)) switch
            {
                DateTime { Kind: DateTimeKind.Unspecified } time => DateTime.SpecifyKind(time, DateTimeKind.Utc),
                DateTime { Kind: DateTimeKind.Local } time => time.ToUniversalTime(),
                DateTimeOffset time when time.Offset != TimeSpan.Zero => time.ToUniversalTime(),
                _ => null,
            };
            if (utc is null) continue;
            if (property.PropertyInfo is { CanWrite: true } setter) setter.SetValue(row, utc);
            else property.FieldInfo?.SetValue(row, utc);
        }
    }

    /// <summary>
    /// The keys that protect sign-in cookies and tokens: files under <c>{data}/keys</c> on the embedded default, rows of
    /// <c>DataProtectionKeys</c> on PostgreSQL (the friendly name is the file name, as both repositories write it).
    /// </summary>
    private async Task<int> CopyKeysAsync(CancellationToken ct)
    {
        if (!Directory.Exists(sourceKeysDir)) return 0;
        var keys = Directory.EnumerateFiles(sourceKeysDir, "*.xml").Order(StringComparer.Ordinal)
            .Select(f => new DataProtectionKey
            {
                FriendlyName = Path.GetFileNameWithoutExtension(f),
                Xml = XElement.Load(f).ToString(SaveOptions.DisableFormatting),
            }).ToList();
        await using var db = await target.CreateDbContextAsync(ct);
        await db.Database.CreateExecutionStrategy().ExecuteAsync(async () =>
        {
            db.ChangeTracker.Clear();
            db.DataProtectionKeys.AddRange(keys);
            await db.SaveChangesAsync(ct);
        });
        return keys.Count;
    }

    /// <summary>
    /// Rows were inserted with their ids, which does not advance PostgreSQL's identity sequences: each continues after
    /// the highest id the source ever gave (SQLite's AUTOINCREMENT counter included), so new rows do not collide and
    /// numbers the source used are not handed out again. Tables not copied (the outbox) continue too, so a search index
    /// that remembers an outbox position is not fooled by numbers starting again from 1.
    /// </summary>
    private async Task ContinueSequencesAsync(CancellationToken ct)
    {
        await using var db = await target.CreateDbContextAsync(ct);
        var columns = await db.Database.SqlQueryRaw<SequenceColumn>("""
            SELECT table_name::text AS "Table", column_name::text AS "Column" FROM information_schema.columns
            WHERE table_schema = current_schema() AND pg_get_serial_sequence(quote_ident(table_name::text), column_name::text) IS NOT NULL
            """).ToListAsync(ct);
        var sourceTables = source.Model.GetEntityTypes().Select(t => t.GetTableName()).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var sqliteCounters = source.Database.IsSqlite()
            && await source.Database.SqlQueryRaw<long>("SELECT COUNT(*) AS \"Value\" FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'").SingleAsync(ct) > 0;
        foreach (var c in columns)
        {
            var last = await MaxAsync(db, c.Table, c.Column, ct);
            if (sourceTables.Contains(c.Table))
            {
                last = Math.Max(last, await MaxAsync(source, c.Table, c.Column, ct));
                if (sqliteCounters)
                    last = Math.Max(last, await source.Database.SqlQuery<long>($"SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = {c.Table}), 0) AS \"Value\"").SingleAsync(ct));
            }
            var table = db.GetService<ISqlGenerationHelper>().DelimitIdentifier(c.Table);
            // setval(…, 1, false): the next value is 1 (a sequence cannot be set to 0).
            await db.Database.ExecuteSqlAsync($"SELECT setval(pg_get_serial_sequence({table}, {c.Column}), {Math.Max(last, 1)}, {last > 0})", ct);
        }
    }

    private sealed class SequenceColumn
    {
        public string Table { get; set; } = "";
        public string Column { get; set; } = "";
    }

    /// <summary>
    /// Copies every stored file the target does not already hold with the same size. <paramref name="progress"/> gets
    /// (files done, total). Then lists the target again and names any source file it lacks.
    /// </summary>
    public async Task<FileCopy> CopyFilesAsync(Action<long, long> progress, CancellationToken ct)
    {
        var present = await SizesAsync(targetFiles, ct);
        var files = new List<StoredFile>();
        await foreach (var file in sourceFiles.ListAsync("", ct)) files.Add(file);
        int copied = 0, alreadyThere = 0;
        long done = 0;
        progress(0, files.Count);
        await Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = FileParallelism, CancellationToken = ct }, async (file, ct) =>
        {
            if (present.TryGetValue(file.Key, out var size) && size == file.Size) Interlocked.Increment(ref alreadyThere);
            else
            {
                await using var content = await sourceFiles.OpenReadAsync(file.Key, ct)
                    ?? throw new InvalidOperationException($"{file.Key} disappeared while copying: is the site still running?");
                await targetFiles.PutAsync(file.Key, content, ct);
                Interlocked.Increment(ref copied);
            }
            progress(Interlocked.Increment(ref done), files.Count);
        });

        present = await SizesAsync(targetFiles, ct);
        var missing = files.Where(f => !present.TryGetValue(f.Key, out var size) || size != f.Size).Select(f => f.Key).ToList();
        return new FileCopy(files.Count, files.Sum(f => f.Size), copied, alreadyThere, missing);
    }

    private static async Task<Dictionary<string, long>> SizesAsync(IFileStore store, CancellationToken ct)
    {
        var sizes = new Dictionary<string, long>(StringComparer.Ordinal);
        await foreach (var file in store.ListAsync("", ct)) sizes[file.Key] = file.Size;
        return sizes;
    }

    // Table and column names come from the model or the catalog, and are delimited: no text from outside reaches the SQL.
    private static Task<long> CountAsync(DbContext db, string table, CancellationToken ct)
    {
        var count = $"SELECT COUNT(*) AS \"Value\" FROM {db.GetService<ISqlGenerationHelper>().DelimitIdentifier(table)}";
        return db.Database.SqlQueryRaw<long>(count).SingleAsync(ct);
    }

    private static Task<long> MaxAsync(DbContext db, string table, string column, CancellationToken ct)
    {
        var sql = db.GetService<ISqlGenerationHelper>();
        var max = $"SELECT COALESCE(MAX({sql.DelimitIdentifier(column)}), 0) AS \"Value\" FROM {sql.DelimitIdentifier(table)}";
        return db.Database.SqlQueryRaw<long>(max).SingleAsync(ct);
    }
}
