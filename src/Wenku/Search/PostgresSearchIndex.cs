using System.Globalization;
using System.IO.Hashing;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using NpgsqlTypes;
using Wenku.Data;
using Wenku.Documents;

namespace Wenku.Search;

/// <summary>
/// The shared search backend of a scale-out site: PostgreSQL full-text search over the tokens of
/// <see cref="SearchAnalyzer"/> (folded text, CJK bigrams and unigrams, stemmed words, bigrams of Latin words), so it
/// finds what the Lucene backend finds. Every machine reads the same tables; any <c>serve</c> applies the outbox.
/// <para>
/// Tables (created by this class, format <see cref="Format"/>, rebuilt automatically when the format changes):
/// <c>SearchEntries</c>, one row per searchable document with what filters, facets and sorting need;
/// <c>SearchParts</c>, the title, each of tags/description/uploader, and the preview pages packed into pieces of at
/// most <see cref="PieceChars"/> characters (several short pages in one piece, a long page cut into several), each
/// with its pages' text (for highlighting), a <c>tsvector</c> of the analyzer's tokens at the analyzer's positions
/// (GIN-indexed), its pair keys (<c>Pairs</c>, GIN-indexed, <see cref="PartMatch.PairKey"/>) and the vector's number
/// of lexemes (<c>Length</c>), pages <see cref="PageGap"/> positions apart as in Lucene. Pieces keep positions far below
/// PostgreSQL's limit of 16,383 and every lexeme below its 256 positions, so phrases match as typed anywhere;
/// <c>SearchProgress</c>, a counter of the outbox rounds applied, which tells a replica's reader how fresh it is.
/// </para>
/// <para>
/// A clause is matched within one part (as Lucene matches it within one field), a query's clauses may match in
/// different parts. Matching reads no vector where it can (since format 3): single lexemes and their <c>&amp;</c>/<c>|</c>
/// combinations through the GIN index of the vectors, a phrase of two tokens through its pair key (a 64-bit hash
/// of the two and their distance, every pair of a part one or two positions apart computed when it is written), a
/// longer phrase through its keys and then the vectors of the parts that hold them all. Score: per clause the best part's one occurrence divided by log₂
/// of its length, plus one where the text occurs as typed, times four in the title; the first
/// <see cref="RerankDepth"/> results are then ranked again by <c>ts_rank</c> of their matched parts (KnownItemTests on
/// PostgreSQL: 92.2% first, 97.2% top 3; by length alone 94.2% and 96.8%). The outbox is consumed by deleting the rows
/// applied in the same transaction that writes the search tables, so a change that commits late (its <c>Seq</c> below
/// one already applied) is still applied.
/// </para>
/// </summary>
public sealed class PostgresSearchIndex(IDbContextFactory<WenkuDb> dbFactory, ILogger<PostgresSearchIndex> log, string? readConnectionString = null)
    : ISearchIndex, IAsyncDisposable
{
    /// <summary>Longest piece of a page in one <c>tsvector</c> (positions ≈ characters for CJK text).</summary>
    public const int PieceChars = 4000;

    /// <summary>The layout of the search tables; another value in the table comment makes the next start rebuild them.</summary>
    public const int Format = 4;

    private const string FormatComment = "wenku search format 4";

    /// <summary>
    /// Format 3's function of its pair-key expression index (keys at distances 1 and 2, hashed by PostgreSQL at every
    /// insert: ~12 ms a piece, a tenth of the build's speed). Format 4 computes the keys in C# into a column; a rebuild
    /// drops the function with format 3's tables.
    /// </summary>
    private const string Format3PairKeysFunction = "wenku_search_pair_keys";

    /// <summary>Positions between two pages of a piece (Lucene's gap between values): a phrase never spans two pages.</summary>
    private const int PageGap = 100;

    /// <summary>Most pages packed into one piece, so that the gaps keep positions below PostgreSQL's limit.</summary>
    private const int MaxPagesPerPiece = 20;

    private const int Batch = 200;
    private const int MaxPositionsPerLexeme = 255;
    private const int MaxPosition = 16383;
    private const string GramPrefix = "~";

    /// <summary>Advisory lock held while a process writes the search tables: one writer at a time across machines.</summary>
    internal const long WriterLock = 0x57656E6B7553; // "WenkuS"

    /// <summary>
    /// Most matches whose filter values are counted for a facet (among the matches that pass the other filters, since
    /// a facet's counts are with the other filters applied). Past it the facet's counts come from that many of those
    /// matches, scaled to all of them, and are marked <see cref="SearchFacets.Estimated"/>; the total stays exact.
    /// </summary>
    public const int FacetLimit = 10_000;

    /// <summary>
    /// The first results (sorted by relevance) that are ranked again with <c>ts_rank</c>, reading their matched parts'
    /// vectors: format 3 finds and orders matches without reading any, by length alone, which cannot tell a part that
    /// holds the words once from one that holds them often.
    /// </summary>
    public const int RerankDepth = 20;

    /// <summary>
    /// Time limit of the writer's statements whose work grows with the library rather than with a batch (waiting for
    /// another writer, building the GIN index of a rebuild, swapping tables): none. Each batch statement has the
    /// connection's usual limit, since its work is bounded by <see cref="Batch"/>; so do reading the ids of every
    /// document (verification, rebuild), which grows with the library.
    /// </summary>
    public const int MaintenanceTimeoutSeconds = 0;

    /// <summary>How long an outbox round waits for another writer before it is skipped (left to the next round).</summary>
    private static readonly TimeSpan SyncLockWait = TimeSpan.FromSeconds(5);

    /// <summary>Where searches read when <c>Wenku:Search:ReadConnectionString</c> is set (a streaming replica); else null.</summary>
    private readonly NpgsqlDataSource? _reads = string.IsNullOrWhiteSpace(readConnectionString) ? null : NpgsqlDataSource.Create(readConnectionString);

    /// <summary>Documents a statement of the writer reads or writes at most (smaller in tests, to force batching).</summary>
    internal int BatchSize { get; init; } = Batch;

    /// <summary>Outbox batches one round (one transaction) applies at most; a longer outbox takes more rounds.</summary>
    internal int BatchesPerRound { get; init; } = 20;

    /// <summary>Matches the facets are counted in (<see cref="FacetLimit"/>; smaller in tests).</summary>
    internal int FacetSample { get; init; } = FacetLimit;

    /// <summary>Searches with format 2's statement (every matching part ranked by <c>ts_rank</c>, phrases checked in the vectors) on the same tables: the benchmark's baseline.</summary>
    internal bool Format2Statement { get; init; }

    /// <summary>
    /// The benchmark's <c>--explain</c>: runs in a search's transaction with its statement before it is executed. The
    /// statement's text is <see cref="StatementSettings"/> and then one statement.
    /// </summary>
    internal Func<NpgsqlCommand, CancellationToken, Task>? BeforeStatement { get; init; }

    /// <summary>The <c>SET LOCAL</c>s a search statement starts with (see <see cref="SearchCommand"/>).</summary>
    internal const string StatementSettings = "SET LOCAL jit = off; SET LOCAL enable_seqscan = off; SET LOCAL enable_indexscan = off; ";

    /// <summary>Tests: runs in a search's transaction right after its statement (before the texts of the hits are read).</summary>
    internal Func<NpgsqlConnection, CancellationToken, Task>? AfterStatement { get; init; }

    public ValueTask DisposeAsync() => _reads?.DisposeAsync() ?? ValueTask.CompletedTask;

    private volatile bool _formatChecked;

    /// <summary>
    /// Once a process: the tables are in format <see cref="Format"/>, or are brought to it before this search reads
    /// them (a site's first search may come before its start-up check has built them; it waits for that instead of
    /// reading tables of another layout).
    /// </summary>
    private async Task EnsureFormatAsync(CancellationToken ct)
    {
        if (_formatChecked) return;
        bool current;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            await OpenAsync(db, ct);
            current = await FormatCurrentAsync(db, ct);
        }
        if (!current) await VerifyAsync(ct);
        _formatChecked = true;
    }

    public async Task<SearchResults> SearchAsync(SearchQuery query, CancellationToken ct)
    {
        var syntax = SearchSyntax.Parse(query.Text);
        var page = Math.Max(1, query.Page);
        var pageSize = Math.Clamp(query.PageSize, 1, 100);
        var groups = new List<GroupQuery>();
        foreach (var group in syntax.Required)
            if (GroupQuery.For(group) is { } g) groups.Add(g);
        if (!syntax.IsEmpty && groups.Count == 0) return new SearchResults([], 0, page, pageSize, SearchFacets.None);
        var excluded = syntax.Excluded.Select(c => ClausePlan.For(c) is { } p ? TsQuery.Match(p) : null).OfType<string>().ToList();

        var sort = query.Sort == SearchSort.Relevance && syntax.IsEmpty ? SearchSort.Newest : query.Sort;
        await EnsureFormatAsync(ct);
        // A fresh search on a replica: what the primary has applied now is what the replica must have replayed.
        long? required = query.Fresh && _reads is not null ? await PrimaryAppliedAsync(ct) : null;
        var results = await ReadAsync(Search, onPrimary: false, ct);
        if (required is { } r && results.Freshness!.Applied < r)
        {
            log.LogDebug("Replica behind the search tables ({Applied} of {Required} rounds): searching the primary", results.Freshness.Applied, r);
            results = await ReadAsync(Search, onPrimary: true, ct);
        }
        else if (required is not null) results = results with { Freshness = results.Freshness! with { Current = true } };
        return results;

        async Task<SearchResults> Search(NpgsqlConnection connection, bool replica, CancellationToken ct)
        {
            var shown = new List<Row>();
            var total = 0;
            long applied = 0;
            // How many matches pass the filters other than a facet's own (its counts are over those): c, f, p, r.
            var counted = new Dictionary<string, long>();
            Dictionary<string, int> categories = [], formats = [];
            var price = new int[2];
            var pages = new int[PageRanges.All.Count];
            // A transaction of its own for the statement's SET LOCALs (on a replica too: a read-only one).
            await using var transaction = await connection.BeginTransactionAsync(ct);
            await using (var command = SearchCommand(connection, groups, excluded, query, sort, (page - 1) * pageSize, pageSize,
                FacetSample, Format2Statement))
            {
                if (BeforeStatement is not null) await BeforeStatement(command, ct);
                await using var reader = await command.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                {
                    var kind = reader.GetString(0);
                    var count = reader.IsDBNull(2) ? 0 : (int)reader.GetInt64(2);
                    switch (kind)
                    {
                        case "n" when reader.GetString(1) == "t": total = count; break;
                        case "n": counted[reader.GetString(1)] = reader.GetInt64(2); break;
                        case "g": applied = reader.GetInt64(2); break;
                        case "h":
                            shown.Add(new Row(count, reader.GetInt64(3), reader.GetString(1), reader.GetString(4), reader.GetInt32(5), reader.GetInt32(6),
                                reader.GetFieldValue<DateTime>(7), reader.GetInt64(8), reader.GetDouble(9)));
                            break;
                        case "c": categories[reader.GetString(1)] = count; break;
                        case "f": formats[reader.GetString(1)] = count; break;
                        case "p": price[reader.GetString(1) == "paid" ? 1 : 0] = count; break;
                        case "r" when int.TryParse(reader.GetString(1), CultureInfo.InvariantCulture, out var range) && range >= 0 && range < pages.Length:
                            pages[range] = count;
                            break;
                    }
                }
            }
            shown.Sort((a, b) => a.Rank.CompareTo(b.Rank));
            if (AfterStatement is not null) await AfterStatement(connection, ct);
            var hits = await HitsAsync(connection, shown, new Highlighter(syntax.Terms), ct);
            await transaction.CommitAsync(ct);
            // A facet whose matches (with the other filters) are more than the sample was counted in FacetSample of them:
            // its counts are scaled to all of them (a value seen at all counts at least one). The others are exact.
            var estimated = new List<string>();
            double Scale(string facet, string name)
            {
                if (!counted.TryGetValue(facet, out var n) || n <= FacetSample) return 1;
                estimated.Add(name);
                return (double)n / FacetSample;
            }
            static int Scaled(int n, double scale) => n == 0 || scale == 1 ? n : Math.Max(1, (int)Math.Round(n * scale));
            var cs = Scale("c", "category");
            foreach (var key in categories.Keys.ToList()) categories[key] = Scaled(categories[key], cs);
            var fs = Scale("f", "format");
            foreach (var key in formats.Keys.ToList()) formats[key] = Scaled(formats[key], fs);
            var ps = Scale("p", "price");
            for (var i = 0; i < price.Length; i++) price[i] = Scaled(price[i], ps);
            var rs = Scale("r", "pages");
            for (var i = 0; i < pages.Length; i++) pages[i] = Scaled(pages[i], rs);
            return new SearchResults(hits, total, page, pageSize, SearchFacets.From(categories, formats, price, pages) with { EstimatedFacets = estimated })
            {
                Freshness = new SearchFreshness(replica ? "replica" : "primary", applied, !replica),
            };
        }
    }

    /// <summary>The outbox rounds the primary's search tables have applied.</summary>
    private async Task<long> PrimaryAppliedAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var command = new NpgsqlCommand("""SELECT "Applied" FROM "SearchProgress" """, await OpenAsync(db, ct));
        return await command.ExecuteScalarAsync(ct) is long n ? n : 0;
    }

    public async Task<IReadOnlyList<Suggestion>> SuggestAsync(string prefix, int max, CancellationToken ct)
    {
        var terms = SuggestionTerm.For(prefix);
        if (terms.Count == 0) return [];
        var parts = terms.Select(t => t.Typing is null ? TsQuery.Lexeme(t.Term) : $"({TsQuery.Lexeme(t.Typing)}:* | {TsQuery.Lexeme(t.Term)})");
        await EnsureFormatAsync(ct);
        return await ReadAsync<IReadOnlyList<Suggestion>>(async (connection, _, ct) =>
        {
            await using var command = new NpgsqlCommand(
                """
                SELECT e."DocumentId", e."Title" FROM "SearchParts" p JOIN "SearchEntries" e ON e."DocumentId" = p."DocumentId"
                WHERE p."Page" = 0 AND p."Terms" @@ @q::tsquery
                ORDER BY ts_rank(p."Terms", @q::tsquery) DESC, e."DocumentId" LIMIT @n
                """, connection);
            command.Parameters.AddWithValue("q", string.Join(" & ", parts));
            command.Parameters.AddWithValue("n", Math.Clamp(max, 1, 20));
            var result = new List<Suggestion>();
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) result.Add(new Suggestion(reader.GetInt64(0), reader.GetString(1)));
            return result;
        }, onPrimary: false, ct);
    }

    /// <summary>
    /// Runs a search on the read connection (the replica of <c>Wenku:Search:ReadConnectionString</c>, else the site's
    /// database). A hot standby cancels a query whose rows its replay must remove or lock (a rebuild's table swap, a
    /// vacuum), and a deadlock with a writer is resolved by cancelling one side: such a query is run again, up to
    /// three times. <paramref name="read"/> learns whether it reads a replica; <paramref name="onPrimary"/> reads the
    /// site's database in any case.
    /// </summary>
    private async Task<T> ReadAsync<T>(Func<NpgsqlConnection, bool, CancellationToken, Task<T>> read, bool onPrimary, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                if (_reads is not null && !onPrimary)
                {
                    await using var connection = await _reads.OpenConnectionAsync(ct);
                    return await read(connection, true, ct);
                }
                await using var db = await dbFactory.CreateDbContextAsync(ct);
                return await read(await OpenAsync(db, ct), false, ct);
            }
            catch (PostgresException e) when (attempt < 3 && e.SqlState is PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected)
            {
                log.LogInformation("Search cancelled by a conflict with a writer or the replica's replay ({Reason}); retrying", e.MessageText);
            }
        }
    }

    public async Task<int> SyncAsync(CancellationToken ct)
    {
        // Every serve asks twice a second; most of the time there is nothing to apply and no lock to take.
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
            if (!await db.SearchChanges.AnyAsync(ct)) return 0;
        // Another serve's round ends in moments; a rebuild may write for minutes (and leaves the outbox to the next
        // round): wait a few seconds, then skip this round instead of failing on the command timeout. A long outbox
        // (a bulk import) is applied in rounds of their own transactions, so none grows with the outbox.
        var total = 0;
        while (true)
        {
            var more = false;
            total += await WriteLockedAsync(async (db, ct) =>
            {
                var (applied, full) = await ApplyOutboxAsync(db, ct);
                more = full;
                return applied;
            }, ct, SyncLockWait);
            if (!more) return total;
        }
    }

    /// <summary>The search rows; the outbox is consumed as it is applied, so every row still in it is pending.</summary>
    public async Task<SearchContents> ContentsAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await db.Database.OpenConnectionAsync(ct);
        var ids = new HashSet<long>();
        // Every document's id: grows with the library, so without the command timeout.
        await using (var command = new NpgsqlCommand("""SELECT "DocumentId" FROM "SearchEntries" """, Connection(db)) { CommandTimeout = MaintenanceTimeoutSeconds })
        await using (var reader = await command.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct)) ids.Add(reader.GetInt64(0));
        return new SearchContents(ids, 0);
    }

    public Task<int> VerifyAsync(CancellationToken ct) => WriteLockedAsync(async (db, ct) =>
    {
        if (!await FormatCurrentAsync(db, ct))
        {
            // As the Lucene index does: tables of another layout (or none) are built afresh, here at start.
            log.LogWarning("Search tables are not in format {Format}: rebuilding them from the documents", Format);
            return await RebuildLockedAsync(db, null, ct);
        }
        var (applied, _) = await ApplyOutboxAsync(db, ct); // a longer outbox: the rest by the next rounds
        var inDb = (await WithoutTimeLimit(db, () => db.Documents.AsNoTracking().Where(d => d.Status == DocumentStatus.Ready).Select(d => d.Id).ToListAsync(ct))).ToHashSet();
        var inIndex = new HashSet<long>();
        await using (var command = new NpgsqlCommand("""SELECT "DocumentId" FROM "SearchEntries" """, Connection(db), Transaction(db)) { CommandTimeout = MaintenanceTimeoutSeconds })
        await using (var reader = await command.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct)) inIndex.Add(reader.GetInt64(0));
        var missing = inDb.Where(id => !inIndex.Contains(id)).ToList();
        var extra = inIndex.Where(id => !inDb.Contains(id)).ToList();
        foreach (var chunk in extra.Chunk(BatchSize)) await RemoveAsync(db, chunk, SearchTables.Live, ct);
        foreach (var chunk in missing.Chunk(BatchSize)) await WriteAsync(db, chunk, await SearchDocuments.LoadAsync(db, chunk, ct), ct);
        if (missing.Count + extra.Count > 0)
            log.LogWarning("Search tables repaired: {Missing} documents added, {Extra} removed", missing.Count, extra.Count);
        return applied + missing.Count + extra.Count;
    }, ct);

    /// <summary>
    /// Builds the search tables afresh from the database into tables of their own (<c>…_next</c>, filled in batches
    /// without the GIN index, which is built once at the end), then swaps them in: searches read the old tables until
    /// the rebuild commits and wait only for the swap. Outbox rows seen before the documents were read are consumed;
    /// later ones are applied by the next sync (which skips its rounds while the rebuild holds the writer lock).
    /// </summary>
    public Task<int> RebuildAsync(IProgress<(int Done, int Total)>? progress, CancellationToken ct) =>
        WriteLockedAsync((db, ct) => RebuildLockedAsync(db, progress, ct), ct);

    private async Task<int> RebuildLockedAsync(WenkuDb db, IProgress<(int Done, int Total)>? progress, CancellationToken ct)
    {
        var seen = await WithoutTimeLimit(db, () => db.SearchChanges.AsNoTracking().Select(c => c.Seq).ToListAsync(ct));
        var ids = await WithoutTimeLimit(db, () => db.Documents.AsNoTracking().Where(d => d.Status == DocumentStatus.Ready).OrderBy(d => d.Id).Select(d => d.Id).ToListAsync(ct));
        await ExecuteAsync(db, """DROP TABLE IF EXISTS "SearchParts_next", "SearchEntries_next";""" + TablesSql("_next"), ct);
        var done = 0;
        foreach (var chunk in ids.Chunk(BatchSize))
        {
            await WriteAsync(db, [], await SearchDocuments.LoadAsync(db, chunk, ct), SearchTables.Next, ct);
            done += chunk.Length;
            progress?.Report((done, ids.Count));
        }
        // Work that grows with the library, each statement without a time limit. The swap locks the tables in the order
        // every search statement names them (parts, then entries), so a search running meanwhile finishes first
        // instead of deadlocking with it.
        // (The first build of the tables has none to lock or drop.)
        await ExecuteAsync(db, "SET LOCAL maintenance_work_mem = '256MB';" + IndexesSql("_next") + """
            DO $$ BEGIN
                IF to_regclass('"SearchParts"') IS NOT NULL THEN LOCK TABLE "SearchParts", "SearchEntries" IN ACCESS EXCLUSIVE MODE; END IF;
            END $$;
            DROP TABLE IF EXISTS "SearchParts", "SearchEntries";
            ALTER TABLE "SearchParts_next" RENAME TO "SearchParts";
            ALTER TABLE "SearchEntries_next" RENAME TO "SearchEntries";
            ALTER INDEX "SearchParts_next_pkey" RENAME TO "SearchParts_pkey";
            ALTER INDEX "SearchEntries_next_pkey" RENAME TO "SearchEntries_pkey";
            ALTER INDEX "IX_SearchParts_Terms_next" RENAME TO "IX_SearchParts_Terms";
            ALTER INDEX "IX_SearchParts_Pairs_next" RENAME TO "IX_SearchParts_Pairs";
            CREATE TABLE IF NOT EXISTS "SearchProgress" ("Id" integer PRIMARY KEY, "Applied" bigint NOT NULL);
            INSERT INTO "SearchProgress" VALUES (1, 0) ON CONFLICT DO NOTHING;
            """ + $"""DROP FUNCTION IF EXISTS {Format3PairKeysFunction}(tsvector); COMMENT ON TABLE "SearchParts" IS '{FormatComment}';""", ct, MaintenanceTimeoutSeconds);
        foreach (var chunk in seen.Chunk(Math.Max(BatchSize, 1000)))
            await db.SearchChanges.Where(c => chunk.Contains(c.Seq)).ExecuteDeleteAsync(ct);
        return ids.Count;
    }

    /// <summary>The search tables of format <see cref="Format"/>, without the indexes of <see cref="IndexesSql"/> (built once filled).</summary>
    private static string TablesSql(string suffix) => $"""
        CREATE TABLE "SearchEntries{suffix}" (
            "DocumentId" bigint NOT NULL PRIMARY KEY,
            "Title" text NOT NULL,
            "Category" text NOT NULL,
            "Format" text NOT NULL,
            "Price" integer NOT NULL,
            "PageCount" integer NOT NULL,
            "Downloads" bigint NOT NULL,
            "CreatedAt" timestamp with time zone NOT NULL,
            "Uploader" text NOT NULL);
        CREATE TABLE "SearchParts{suffix}" (
            "DocumentId" bigint NOT NULL,
            "Part" integer NOT NULL,
            "Page" integer NOT NULL,
            "Texts" text[] COMPRESSION lz4 NOT NULL,
            "Terms" tsvector COMPRESSION lz4 NOT NULL,
            "Length" integer NOT NULL,
            "Pairs" bigint[] NOT NULL);
        ALTER TABLE "SearchParts{suffix}" ALTER COLUMN "Pairs" SET STORAGE EXTERNAL;
        """;

    /// <summary>
    /// The pending list of the GIN index is kept small (512 kB, the default is 4 MB): a search reads it whole, and an
    /// insert that fills it merges it, so a small one keeps both short under a steady stream of uploads.
    /// </summary>
    private static string IndexesSql(string suffix) => $"""
        ALTER TABLE "SearchParts{suffix}" ADD CONSTRAINT "SearchParts{suffix}_pkey" PRIMARY KEY ("DocumentId", "Part");
        CREATE INDEX "IX_SearchParts_Terms{suffix}" ON "SearchParts{suffix}" USING GIN ("Terms") WITH (gin_pending_list_limit = 512);
        CREATE INDEX "IX_SearchParts_Pairs{suffix}" ON "SearchParts{suffix}" USING GIN ("Pairs") WITH (gin_pending_list_limit = 512);
        """;

    private static async Task<bool> FormatCurrentAsync(WenkuDb db, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("""SELECT obj_description(to_regclass('"SearchParts"'), 'pg_class')""", Connection(db), Transaction(db));
        return await command.ExecuteScalarAsync(ct) as string == FormatComment;
    }

    /// <summary>
    /// Runs <paramref name="work"/> in a transaction holding the writer lock, retried whole on a transient failure.
    /// Waits until another process's writer has finished: without a time limit, or up to <paramref name="lockWait"/>
    /// and then returns 0 without doing the work.
    /// </summary>
    private async Task<int> WriteLockedAsync(Func<WenkuDb, CancellationToken, Task<int>> work, CancellationToken ct, TimeSpan? lockWait = null)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Database.CreateExecutionStrategy().ExecuteAsync(async ct =>
        {
            db.ChangeTracker.Clear();
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            var timeout = lockWait is { } w ? $"SET LOCAL lock_timeout = {(int)w.TotalMilliseconds}; " : "";
            await using (var lockCommand = new NpgsqlCommand(timeout + "SELECT pg_advisory_xact_lock(@k)", Connection(db), Transaction(db))
                { CommandTimeout = MaintenanceTimeoutSeconds })
            {
                lockCommand.Parameters.AddWithValue("k", WriterLock);
                try
                {
                    await lockCommand.ExecuteNonQueryAsync(ct);
                }
                catch (PostgresException e) when (lockWait is not null && e.SqlState == PostgresErrorCodes.LockNotAvailable)
                {
                    log.LogInformation("Search tables busy with another writer for {Wait}; this round is skipped", lockWait);
                    return 0;
                }
                if (lockWait is not null) await ExecuteAsync(db, "SET LOCAL lock_timeout = 0", ct);
            }
            var n = await work(db, ct);
            // One more round applied: a replica that has replayed this counter has replayed the round.
            if (n > 0) await ExecuteAsync(db, """UPDATE "SearchProgress" SET "Applied" = "Applied" + 1""", ct);
            await tx.CommitAsync(ct);
            return n;
        }, ct);
    }

    private static async Task ExecuteAsync(WenkuDb db, string sql, CancellationToken ct, int? timeoutSeconds = null)
    {
        await using var command = new NpgsqlCommand(sql, Connection(db), Transaction(db));
        if (timeoutSeconds is { } t) command.CommandTimeout = t;
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>A read of the whole library (every document's id), which grows with it: without the command timeout.</summary>
    private static async Task<T> WithoutTimeLimit<T>(WenkuDb db, Func<Task<T>> read)
    {
        var before = db.Database.GetCommandTimeout();
        db.Database.SetCommandTimeout(MaintenanceTimeoutSeconds);
        try
        {
            return await read();
        }
        finally
        {
            db.Database.SetCommandTimeout(before);
        }
    }

    /// <summary>
    /// One round: up to <see cref="BatchesPerRound"/> batches of the outbox, each consumed as it is applied. Returns the
    /// documents written and whether the round stopped at its limit with more perhaps waiting.
    /// </summary>
    private async Task<(int Applied, bool More)> ApplyOutboxAsync(WenkuDb db, CancellationToken ct)
    {
        var total = 0;
        for (var round = 0; ; round++)
        {
            if (round == BatchesPerRound) return (total, true);
            var changes = await db.SearchChanges.AsNoTracking().OrderBy(c => c.Seq).Take(BatchSize).Select(c => new { c.Seq, c.DocumentId, c.CountsOnly }).ToListAsync(ct);
            if (changes.Count == 0) return (total, false);
            var ids = changes.Where(c => !c.CountsOnly).Select(c => c.DocumentId).Distinct().ToList();
            await WriteAsync(db, ids, await SearchDocuments.LoadAsync(db, ids, ct), ct);
            var counted = changes.Where(c => c.CountsOnly).Select(c => c.DocumentId).Except(ids).ToArray();
            await UpdateDownloadsAsync(db, counted, ct);
            total += counted.Length;
            var seqs = changes.Select(c => c.Seq).ToList();
            await db.SearchChanges.Where(c => seqs.Contains(c.Seq)).ExecuteDeleteAsync(ct);
            total += ids.Count;
        }
    }

    /// <summary>
    /// Replaces what the search tables hold for <paramref name="ids"/> (and for every document of <paramref name="docs"/>)
    /// with <paramref name="docs"/>: an id without a document is removed. Runs in the context's current transaction.
    /// </summary>
    public static Task WriteAsync(WenkuDb db, IReadOnlyCollection<long> ids, IReadOnlyList<SearchDocument> docs, CancellationToken ct) =>
        WriteAsync(db, ids, docs, SearchTables.Live, ct);

    private static async Task WriteAsync(WenkuDb db, IReadOnlyCollection<long> ids, IReadOnlyList<SearchDocument> docs, SearchTables tables, CancellationToken ct)
    {
        if (tables == SearchTables.Live) await RemoveAsync(db, ids.Concat(docs.Select(d => d.Id)).Distinct().ToArray(), tables, ct);
        if (docs.Count == 0) return;
        var connection = Connection(db);
        var suffix = tables == SearchTables.Next ? "_next" : "";
        // Bounded by the batch, except that an insert also merges the GIN index's pending list into the index when
        // the list is full, work that grows with the index (at 20,000 documents on a busy machine it passed the 30 s
        // command timeout, and the outbox would have retried it for ever).
        await using var batch = new NpgsqlBatch(connection, Transaction(db)) { Timeout = MaintenanceTimeoutSeconds };
        foreach (var doc in docs)
        {
            var entry = new NpgsqlBatchCommand(
                $"""
                INSERT INTO "SearchEntries{suffix}" ("DocumentId", "Title", "Category", "Format", "Price", "PageCount", "Downloads", "CreatedAt", "Uploader")
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                """);
            entry.Parameters.Add(new() { Value = doc.Id });
            entry.Parameters.Add(new() { Value = doc.Title });
            entry.Parameters.Add(new() { Value = doc.Category });
            entry.Parameters.Add(new() { Value = doc.Format });
            entry.Parameters.Add(new() { Value = doc.Price });
            entry.Parameters.Add(new() { Value = doc.PageCount });
            entry.Parameters.Add(new() { Value = doc.Downloads });
            entry.Parameters.Add(new() { Value = DateTime.SpecifyKind(doc.CreatedAt, DateTimeKind.Utc) });
            entry.Parameters.Add(new() { Value = doc.Uploader });
            batch.BatchCommands.Add(entry);

            var parts = Parts(doc);
            for (var i = 0; i < parts.Count; i++)
            {
                var insert = new NpgsqlBatchCommand(
                    $"""INSERT INTO "SearchParts{suffix}" ("DocumentId", "Part", "Page", "Texts", "Terms", "Length", "Pairs") VALUES ($1, $2, $3, $4, $5::tsvector, $6, $7)""");
                var (vector, lexemes, pairs) = Vector(parts[i].Texts);
                insert.Parameters.Add(new() { Value = doc.Id });
                insert.Parameters.Add(new() { Value = i });
                insert.Parameters.Add(new() { Value = parts[i].Page });
                insert.Parameters.Add(new() { Value = parts[i].Texts });
                insert.Parameters.Add(new() { Value = vector });
                insert.Parameters.Add(new() { Value = lexemes });
                insert.Parameters.Add(new() { Value = pairs });
                batch.BatchCommands.Add(insert);
            }
        }
        await batch.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// A download or a sale changed only these documents' counts: their entries take the count from the document, and
    /// nothing is analysed or written again (a document no longer ready is removed, as a full change would).
    /// </summary>
    private static async Task UpdateDownloadsAsync(WenkuDb db, long[] ids, CancellationToken ct)
    {
        if (ids.Length == 0) return;
        await using var command = new NpgsqlCommand(
            """
            UPDATE "SearchEntries" e SET "Downloads" = d."Downloads" FROM "Documents" d
            WHERE e."DocumentId" = ANY(@ids) AND d."Id" = e."DocumentId" AND d."Status" = 'Ready' AND e."Downloads" <> d."Downloads";
            DELETE FROM "SearchParts" p WHERE p."DocumentId" = ANY(@ids)
              AND NOT EXISTS (SELECT 1 FROM "Documents" d WHERE d."Id" = p."DocumentId" AND d."Status" = 'Ready');
            DELETE FROM "SearchEntries" e WHERE e."DocumentId" = ANY(@ids)
              AND NOT EXISTS (SELECT 1 FROM "Documents" d WHERE d."Id" = e."DocumentId" AND d."Status" = 'Ready');
            """, Connection(db), Transaction(db));
        command.Parameters.AddWithValue("ids", ids);
        await command.ExecuteNonQueryAsync(ct);
    }

    private static async Task RemoveAsync(WenkuDb db, long[] ids, SearchTables tables, CancellationToken ct)
    {
        if (ids.Length == 0 || tables != SearchTables.Live) return;
        await using var command = new NpgsqlCommand(
            """
            DELETE FROM "SearchParts" WHERE "DocumentId" = ANY(@ids);
            DELETE FROM "SearchEntries" WHERE "DocumentId" = ANY(@ids);
            """, Connection(db), Transaction(db));
        command.Parameters.AddWithValue("ids", ids);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The tables searches read, or those a rebuild fills before it swaps them in.</summary>
    private enum SearchTables { Live, Next }

    /// <summary>
    /// The parts of a document: the title (page 0); tags, description and uploader (page −1, each on its own, so a
    /// phrase never runs from one into the next); the preview pages (pages 1…) packed into pieces of at most
    /// <see cref="PieceChars"/> characters: consecutive short pages share one (<c>Page</c> is the first, the texts are
    /// the following pages in order), a long page is cut into pieces of its own where a sentence or a word ends. An
    /// empty page still has its text, so page numbers are kept for highlighting. Fewer, fuller pieces: a matching
    /// document is unpacked once instead of once a page, and the lexemes its pages share are stored once.
    /// </summary>
    private static List<(int Page, string[] Texts)> Parts(SearchDocument doc)
    {
        var parts = new List<(int, string[])> { (0, [doc.Title]) };
        foreach (var meta in new[] { doc.Tags.Replace(',', ' '), doc.Description, doc.Uploader })
            if (!string.IsNullOrWhiteSpace(meta)) parts.Add((-1, [meta]));
        var packed = new List<string>();
        int first = 0, chars = 0;
        void Flush()
        {
            if (packed.Count > 0) parts.Add((first, packed.ToArray()));
            packed.Clear();
            chars = 0;
        }
        for (var p = 0; p < doc.Pages.Count; p++)
        {
            var text = doc.Pages[p];
            if (text.Length > PieceChars)
            {
                Flush();
                foreach (var piece in Pieces(text)) parts.Add((p + 1, [piece]));
                continue;
            }
            if (chars + text.Length > PieceChars || packed.Count == MaxPagesPerPiece) Flush();
            if (packed.Count == 0) first = p + 1;
            packed.Add(text);
            chars += text.Length;
        }
        Flush();
        return parts;
    }

    private static IEnumerable<string> Pieces(string text)
    {
        if (text.Length <= PieceChars) { yield return text; yield break; }
        var start = 0;
        while (start < text.Length)
        {
            var end = Math.Min(text.Length, start + PieceChars);
            if (end < text.Length)
            {
                // Cut after the last sentence end, space or punctuation of the piece's last tenth, if any.
                for (var i = end - 1; i > end - PieceChars / 10; i--)
                    if (char.IsWhiteSpace(text[i]) || char.IsPunctuation(text[i])) { end = i + 1; break; }
                if (char.IsHighSurrogate(text[end - 1])) end--;
            }
            yield return text[start..end];
            start = end;
        }
    }

    /// <summary>
    /// The <c>tsvector</c> of a piece's texts in PostgreSQL's input form: every token of <see cref="SearchAnalyzer.Tokens"/>
    /// at its position (1-based; each text <see cref="PageGap"/> positions after the previous one), and the character
    /// bigrams of each Latin word or number, prefixed <c>~</c>, at positions of their own (consecutive within a word,
    /// a gap between words), for fragments; its number of lexemes (PostgreSQL's <c>length(tsvector)</c>), the
    /// length a part is ranked by; and its pair keys: <see cref="PartMatch.PairKey"/> of every two keyed lexemes (see
    /// <see cref="PartMatch.Keyed"/>) the vector holds one or two positions apart, each once, taken from the positions
    /// the vector keeps (so a key is there exactly when the phrase of the two at that distance matches the vector).
    /// </summary>
    private static (string Vector, int Length, long[] Pairs) Vector(IReadOnlyList<string> texts)
    {
        var lexemes = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        void Add(string lexeme, int position)
        {
            if (!lexemes.TryGetValue(lexeme, out var positions)) lexemes[lexeme] = positions = [];
            if (positions.Count < MaxPositionsPerLexeme) positions.Add(Math.Min(position, MaxPosition));
        }
        int offset = 1, gram = 1;
        foreach (var text in texts)
        {
            var last = -1;
            foreach (var t in SearchAnalyzer.Tokens(text, PieceChars * 3))
            {
                Add(t.Term, offset + t.Position);
                last = t.Position;
                if (!t.IsWord) continue;
                foreach (var g in SearchAnalyzer.WordGrams(text[t.Start..t.End])) Add(GramPrefix + g, gram++);
                gram++;
            }
            offset += last + 1 + PageGap;
            gram += PageGap;
        }
        var sb = new StringBuilder(lexemes.Count * 12);
        var keyed = new Dictionary<int, List<string>>();
        foreach (var (lexeme, positions) in lexemes)
        {
            if (PartMatch.Keyed(lexeme))
                foreach (var p in positions)
                {
                    if (!keyed.TryGetValue(p, out var at)) keyed[p] = at = new List<string>(1);
                    if (!at.Contains(lexeme)) at.Add(lexeme);
                }
            if (sb.Length > 0) sb.Append(' ');
            sb.Append(TsQuery.Lexeme(lexeme)).Append(':');
            var last = -1;
            foreach (var p in positions)
            {
                if (p == last) continue;
                if (last >= 0) sb.Append(',');
                sb.Append(p.ToString(CultureInfo.InvariantCulture));
                last = p;
            }
        }
        var pairs = new HashSet<long>();
        foreach (var (p, first) in keyed)
            for (var distance = 1; distance <= 2; distance++)
                if (keyed.TryGetValue(p + distance, out var next))
                    foreach (var a in first)
                        foreach (var b in next) pairs.Add(PartMatch.PairKey(a, distance, b));
        var keys = pairs.ToArray();
        Array.Sort(keys);
        return (sb.ToString(), lexemes.Count, keys);
    }

    /// <summary>
    /// One statement for a whole search: the matched documents with their scores (<c>m</c>), then rows of what the
    /// page needs — counts (<c>n</c>: <c>t</c> the total with every filter, <c>c</c>/<c>f</c>/<c>p</c>/<c>r</c> the
    /// matches each facet counts in), the outbox rounds applied (<c>g</c>), each facet's counts with the other filters
    /// (<c>c</c> category, <c>f</c> format, <c>p</c> free/paid, <c>r</c> page range) and the page of results in order (<c>h</c>).
    /// Everything typed arrives as parameters; the SQL is built only from the query's shape.
    /// </summary>
    private static NpgsqlCommand SearchCommand(NpgsqlConnection connection, List<GroupQuery> groups, List<string> excluded,
        SearchQuery query, SearchSort sort, int offset, int limit, int facetSample, bool format2)
    {
        var command = new NpgsqlCommand { Connection = connection };
        // The planner's cost of a search grows with the matches it expects, and past jit_above_cost PostgreSQL compiles
        // the query first, which takes longer than running it. A part's keys and vector are read only through their GIN
        // indexes: no sequential scan, and no plain index scan — with statistics the planner would walk a small table's
        // primary key in order and test `"Pairs" @>` on every part (reading every key array from TOAST: `@>` is cheap
        // in its eyes), and a common key could make it do so on a large one. Lookups by key become bitmap scans.
        // (Both for the search's own transaction; the reader skips the SETs.)
        var sql = new StringBuilder(StatementSettings);
        var relevance = sort == SearchSort.Relevance;
        var rerank = relevance && !format2 && groups.Count > 0;
        const string columns = """e."DocumentId", e."Category", e."Format", e."Price", e."PageCount", e."CreatedAt", e."Downloads" """;
        const string weight = """CASE WHEN p."Page" = 0 THEN 4 ELSE 1 END""";
        if (groups.Count == 0)
        {
            sql.Append($"""WITH m AS MATERIALIZED (SELECT {columns}, 0::float8 AS score FROM "SearchEntries" e""");
        }
        else if (format2)
        {
            // Format 2's statement (the benchmark's "today"): every matching part ranked by ts_rank, which reads its vector.
            sql.Append("WITH hits AS (SELECT p.\"DocumentId\" AS id");
            for (var i = 0; i < groups.Count; i++)
            {
                var g = groups[i];
                command.Parameters.AddWithValue("m" + i, g.Match);
                command.Parameters.AddWithValue("r" + i, g.Rank);
                var boost = "0";
                if (g.Boost is not null)
                {
                    command.Parameters.AddWithValue("b" + i, g.Boost);
                    boost = $"""CASE WHEN p."Terms" @@ @b{i}::tsquery THEN 1 ELSE 0 END""";
                }
                var score = sort == SearchSort.Relevance ? $"""{weight} * (ts_rank(p."Terms", @r{i}::tsquery, 1) + {boost})""" : "0";
                sql.Append(groups.Count == 1
                    ? $""", max({score}) AS s{i}"""
                    : $""", max(CASE WHEN p."Terms" @@ @m{i}::tsquery THEN {score} END) AS s{i}""");
            }
            command.Parameters.AddWithValue("any", string.Join(" | ", groups.Select(g => "(" + g.Match + ")")));
            sql.Append(""" FROM "SearchParts" p WHERE p."Terms" @@ @any::tsquery GROUP BY p."DocumentId"), """);
            sql.Append($"""m AS MATERIALIZED (SELECT {columns}, (""");
            sql.Append(string.Join(" + ", groups.Select((_, i) => "h.s" + i)));
            sql.Append(""")::float8 AS score FROM hits h JOIN "SearchEntries" e ON e."DocumentId" = h.id WHERE """);
            sql.Append(string.Join(" AND ", groups.Select((_, i) => $"h.s{i} IS NOT NULL")));
        }
        else
        {
            // Format 3: each group's parts found through the indexes alone — a phrase of two tokens by its pair key, a
            // longer one by its pairs' keys and then the vector of the few parts that have them all —, and scored without
            // reading a vector: one occurrence divided by log₂ of the part's length (lexemes), plus one where the text
            // occurs as typed (the parts that do are found the same way), four times in the title. A document matches
            // when every group has a part; its score is the sum of the groups' best parts. Each group also keeps the
            // parts that matched (part × 2 + 1 where the text is as typed), for ranking the first results again below.
            // (0.1 / log₂(length + 1), in float8: the two-argument log is numeric's, slow.)
            string Score(string boost) => relevance ? $"""{weight} * (0.0693147180559945 / ln(p."Length" + 1::float8){boost})""" : "0";
            sql.Append("WITH ");
            for (var i = 0; i < groups.Count; i++)
            {
                var g = groups[i];
                var boost = "";
                if (g.Boosts.Count > 0 && relevance)
                {
                    sql.Append($"""b{i} AS MATERIALIZED (SELECT p."DocumentId", p."Part" FROM {Matching(command, $"b{i}", g.Boosts)} p), """);
                    boost = $""" + CASE WHEN b."Part" IS NULL THEN 0 ELSE 1 END""";
                }
                var parts = relevance ? $""", array_agg(p."Part" * 2{(boost.Length > 0 ? """ + CASE WHEN b."Part" IS NULL THEN 0 ELSE 1 END""" : "")}) AS ps""" : "";
                sql.Append($"""g{i} AS (SELECT p."DocumentId" AS id, max({Score(boost)}) AS s{parts} FROM {Matching(command, $"m{i}", g.Matches)} p""");
                if (boost.Length > 0) sql.Append($""" LEFT JOIN b{i} b ON b."DocumentId" = p."DocumentId" AND b."Part" = p."Part" """);
                sql.Append(" GROUP BY 1), ");
            }
            var sum = string.Join(" + ", groups.Select((_, i) => $"g{i}.s"));
            var kept = relevance ? ", " + string.Join(", ", groups.Select((_, i) => $"g{i}.ps AS ps{i}")) : "";
            var joined = "g0" + string.Concat(groups.Skip(1).Select((_, i) => $" JOIN g{i + 1} ON g{i + 1}.id = g0.id"));
            sql.Append($"""m AS MATERIALIZED (SELECT {columns}, ({sum})::float8 AS score{kept} FROM {joined} JOIN "SearchEntries" e ON e."DocumentId" = g0.id""");
        }
        if (excluded.Count > 0)
        {
            command.Parameters.AddWithValue("x", string.Join(" | ", excluded.Select(x => "(" + x + ")")));
            sql.Append(groups.Count == 0 || !format2 ? " WHERE " : " AND ");
            sql.Append("""NOT EXISTS (SELECT 1 FROM "SearchParts" x WHERE x."DocumentId" = e."DocumentId" AND x."Terms" @@ @x::tsquery)""");
        }
        sql.Append(") ");

        // The filters, each TRUE when not set.
        var category = "TRUE";
        if (!string.IsNullOrEmpty(query.Category)) { category = """m."Category" = @category"""; command.Parameters.AddWithValue("category", query.Category); }
        var format = "TRUE";
        if (!string.IsNullOrEmpty(query.Format)) { format = """m."Format" = @format"""; command.Parameters.AddWithValue("format", query.Format); }
        var price = query.Price switch { "free" => """m."Price" = 0""", "paid" => """m."Price" > 0""", _ => "TRUE" };
        var pages = "TRUE";
        if (PageRanges.All.FirstOrDefault(r => r.Key == query.Pages) is { Key: not null } range)
        {
            pages = """m."PageCount" BETWEEN @pmin AND @pmax""";
            command.Parameters.AddWithValue("pmin", range.Min);
            command.Parameters.AddWithValue("pmax", range.Max);
        }
        var rangeOf = "CASE " + string.Concat(PageRanges.All.Select((r, i) =>
            $"""WHEN m."PageCount" BETWEEN {r.Min} AND {r.Max} THEN '{i}' """)) + "END";
        var order = sort switch
        {
            SearchSort.Newest => """m."CreatedAt" DESC, m."DocumentId" DESC""",
            SearchSort.Downloads => """m."Downloads" DESC, m."CreatedAt" DESC, m."DocumentId" DESC""",
            _ when rerank => """rr.rs IS NULL, rr.rs DESC, m.score DESC, m."DocumentId" """,
            _ => """m.score DESC, m."DocumentId" """,
        };
        var shownScore = rerank ? "coalesce(rr.rs, m.score)" : "m.score";
        var reranked = "";
        if (rerank)
        {
            // The first RerankDepth results (by the score above, with every filter) ranked again as format 2 ranks: per
            // group the best of its matched parts by ts_rank (how often the words occur, over log₂ of the part's
            // length), plus one where the text is as typed, four times in the title. Only these parts' vectors are
            // read. They come first, in that order; the rest follow by the score above.
            var again = new List<string>(groups.Count);
            for (var i = 0; i < groups.Count; i++)
            {
                command.Parameters.AddWithValue("r" + i, groups[i].Rank);
                again.Add($"""
                    coalesce((SELECT max(CASE WHEN p."Page" = 0 THEN 4 ELSE 1 END * (ts_rank(p."Terms", @r{i}::tsquery, 1) + x % 2))
                        FROM unnest(t.ps{i}) x JOIN "SearchParts" p ON p."DocumentId" = t."DocumentId" AND p."Part" = x / 2), 0)
                    """);
            }
            sql.Append($"""
                , top AS MATERIALIZED (SELECT * FROM m WHERE {category} AND {format} AND {price} AND {pages} ORDER BY m.score DESC, m."DocumentId" LIMIT {RerankDepth.ToString(CultureInfo.InvariantCulture)}),
                rr AS MATERIALIZED (SELECT t."DocumentId" AS id, ({string.Join(" + ", again)})::float8 AS rs FROM top t)
                """);
            reranked = """ LEFT JOIN rr ON rr.id = m."DocumentId" """;
        }
        // One pass over the matches counts the total (n/t, every filter) and, per facet, the matches its counts are
        // over (n/c … n/r: the other filters). Each facet is then counted in at most facetSample of those — the
        // filters applied before the sample is taken, so a narrow filter is counted exactly —, and the reader scales a
        // facet whose matches are more than the sample.
        const string none = "NULL::bigint, NULL::text, NULL::integer, NULL::integer, NULL::timestamptz, NULL::bigint, NULL::float8";
        var sampleLimit = $" LIMIT {facetSample.ToString(CultureInfo.InvariantCulture)}";
        string Sample(string filters) => $"(SELECT * FROM m WHERE {filters}{sampleLimit}) m";
        sql.Append($"""
            SELECT 'n', k.kind, k.n, {none} FROM (SELECT
                count(*) FILTER (WHERE {category} AND {format} AND {price} AND {pages}) AS t,
                count(*) FILTER (WHERE {format} AND {price} AND {pages}) AS c,
                count(*) FILTER (WHERE {category} AND {price} AND {pages}) AS f,
                count(*) FILTER (WHERE {category} AND {format} AND {pages}) AS p,
                count(*) FILTER (WHERE {category} AND {format} AND {price} AND {rangeOf} IS NOT NULL) AS r FROM m) x
              CROSS JOIN LATERAL (VALUES ('t', x.t), ('c', x.c), ('f', x.f), ('p', x.p), ('r', x.r)) k(kind, n)
            UNION ALL SELECT 'g', '', "Applied", {none} FROM "SearchProgress"
            UNION ALL SELECT 'c', m."Category", count(*), {none} FROM {Sample($"{format} AND {price} AND {pages}")} GROUP BY m."Category"
            UNION ALL SELECT 'f', m."Format", count(*), {none} FROM {Sample($"{category} AND {price} AND {pages}")} GROUP BY m."Format"
            UNION ALL SELECT 'p', CASE WHEN m."Price" > 0 THEN 'paid' ELSE 'free' END, count(*), {none} FROM {Sample($"{category} AND {format} AND {pages}")} GROUP BY 2
            UNION ALL SELECT 'r', {rangeOf}, count(*), {none} FROM {Sample($"{category} AND {format} AND {price} AND {rangeOf} IS NOT NULL")} GROUP BY 2
            UNION ALL (SELECT 'h', m."Category", row_number() OVER (ORDER BY {order}), m."DocumentId", m."Format", m."Price", m."PageCount", m."CreatedAt", m."Downloads", {shownScore}
                FROM m{reranked} WHERE {category} AND {format} AND {price} AND {pages} ORDER BY {order} LIMIT @limit OFFSET @offset)
            """);
        command.Parameters.AddWithValue("limit", limit);
        command.Parameters.AddWithValue("offset", offset);
        command.CommandText = sql.ToString();
        return command;
    }

    private static async Task<List<SearchHit>> HitsAsync(NpgsqlConnection connection, List<Row> shown, Highlighter highlighter, CancellationToken ct)
    {
        if (shown.Count == 0) return [];
        var titles = new Dictionary<long, (string Title, string Uploader)>();
        var pages = new Dictionary<long, SortedDictionary<int, StringBuilder>>();
        await using (var command = new NpgsqlCommand(
            """
            SELECT e."DocumentId", e."Title", e."Uploader", p."Page", p."Texts"
            FROM "SearchParts" p RIGHT JOIN "SearchEntries" e ON p."DocumentId" = e."DocumentId" AND p."Page" > 0
            WHERE e."DocumentId" = ANY(@ids) ORDER BY e."DocumentId", p."Part"
            """, connection))
        {
            command.Parameters.AddWithValue("ids", shown.Select(r => r.Id).ToArray());
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var id = reader.GetInt64(0);
                titles[id] = (reader.GetString(1), reader.GetString(2));
                if (reader.IsDBNull(3)) continue;
                if (!pages.TryGetValue(id, out var byPage)) pages[id] = byPage = [];
                var number = reader.GetInt32(3);
                // A piece's texts are consecutive pages; the pieces of a page cut in several follow each other.
                foreach (var piece in reader.GetFieldValue<string[]>(4))
                {
                    if (!byPage.TryGetValue(number, out var text)) byPage[number] = text = new StringBuilder();
                    text.Append(piece);
                    number++;
                }
            }
        }
        var hits = new List<SearchHit>(shown.Count);
        foreach (var row in shown)
        {
            if (!titles.TryGetValue(row.Id, out var t)) continue; // removed between the two reads
            var texts = new List<string>();
            if (pages.TryGetValue(row.Id, out var byPage))
                foreach (var (number, text) in byPage)
                {
                    while (texts.Count < number - 1) texts.Add("");
                    texts.Add(text.ToString());
                }
            var passage = highlighter.BestPassage(texts);
            hits.Add(new SearchHit(row.Id, t.Title, highlighter.Mark(t.Title), passage?.Parts ?? [], passage?.Page, row.Score,
                row.Category, row.Format, row.PageCount, row.Price, row.Downloads, row.CreatedAt, t.Uploader));
        }
        return hits;
    }

    private static async Task<NpgsqlConnection> OpenAsync(WenkuDb db, CancellationToken ct)
    {
        await db.Database.OpenConnectionAsync(ct);
        return Connection(db);
    }

    private static NpgsqlConnection Connection(WenkuDb db) =>
        db.Database.GetDbConnection() as NpgsqlConnection ?? throw new InvalidOperationException("The postgres search backend needs the postgres database provider.");

    private static NpgsqlTransaction? Transaction(WenkuDb db) => (NpgsqlTransaction?)db.Database.CurrentTransaction?.GetDbTransaction();

    /// <summary>A result on the page; <paramref name="Rank"/> is its place in the order (UNION ALL keeps none).</summary>
    private sealed record Row(int Rank, long Id, string Category, string Format, int Price, int PageCount, DateTime CreatedAt, long Downloads, double Score);

    /// <summary>
    /// One group of alternatives (a b OR c → the group "b OR c"): since format 3, how a part matches each alternative and
    /// how a part holds the text as typed (which scores more, if anything); for format 2's statement the same as three
    /// <c>tsquery</c> texts: what a part must match, the terms whose frequency ranks it, and the text as typed.
    /// </summary>
    private sealed record GroupQuery(IReadOnlyList<PartMatch> Matches, IReadOnlyList<PartMatch> Boosts, string Match, string Rank, string? Boost)
    {
        public static GroupQuery? For(IReadOnlyList<QueryClause> group)
        {
            var plans = group.Select(ClausePlan.For).OfType<ClausePlan>().ToList();
            if (plans.Count == 0) return null;
            var boosts = plans.Where(p => p.BoostPhrase).Select(p => TsQuery.Phrase(p.Phrase)).ToList();
            return new GroupQuery(
                plans.Select(p => p.Exact ? PartMatch.Phrase(p.Phrase) : new PartMatch(TsQuery.Match(p), null, true)).ToList(),
                plans.Where(p => p.BoostPhrase).Select(p => PartMatch.Phrase(p.Phrase)).ToList(),
                Or(plans.Select(TsQuery.Match)),
                Or(plans.Select(TsQuery.Rank)),
                boosts.Count == 0 ? null : Or(boosts));
        }

        private static string Or(IEnumerable<string> queries)
        {
            var list = queries.ToList();
            return list.Count == 1 ? list[0] : string.Join(" | ", list.Select(q => "(" + q + ")"));
        }
    }

    /// <summary>
    /// How a part is found to match: by its pair keys (<paramref name="Keys"/>, see <see cref="PairKey"/>), by its vector (<paramref name="Query"/>, a <c>tsquery</c>), or by the keys and then the
    /// vector (<paramref name="NeedsQuery"/>: the keys of a phrase of more than two tokens say only that every pair of it
    /// occurs somewhere in the part). A single lexeme, or lexemes combined with <c>&amp;</c> and <c>|</c>, is answered by
    /// the GIN index of the vectors without reading them.
    /// </summary>
    private sealed record PartMatch(string Query, long[]? Keys, bool NeedsQuery)
    {
        public static PartMatch Phrase(IReadOnlyList<SearchAnalyzer.Token> tokens)
        {
            var query = TsQuery.Phrase(tokens);
            var keys = new List<long>();
            var every = true;
            for (var i = 1; i < tokens.Count; i++)
            {
                var distance = tokens[i].Position - tokens[i - 1].Position;
                if (distance is 1 or 2 && Keyed(tokens[i - 1].Term) && Keyed(tokens[i].Term))
                    keys.Add(PairKey(tokens[i - 1].Term, distance, tokens[i].Term));
                else every = false;
            }
            if (keys.Count == 0) return new PartMatch(query, null, true);
            var distinct = keys.Distinct().ToArray();
            return new PartMatch(query, distinct, !every || keys.Count > 1);
        }

        /// <summary>Lexemes pair keys are made of: not a single character (a CJK unigram), not a fragment's gram.</summary>
        internal static bool Keyed(string lexeme) => lexeme.EnumerateRunes().Take(2).Count() > 1 && !lexeme.StartsWith(GramPrefix, StringComparison.Ordinal);

        /// <summary>
        /// The key of <paramref name="a"/> followed by <paramref name="b"/> <paramref name="distance"/> (1 or 2) positions
        /// later: XXH3 (64 bits, seed 0) of their UTF-8 with U+0001, the distance's digit and U+0001 between. Part of
        /// the format: stored in the tables, so a change needs a new one. At 64 bits a key shared by another pair is not
        /// expected in a library's lifetime (a two-token phrase is answered by its key alone). The phrases of a query are
        /// thinned (<see cref="ClausePlan"/>: 文库系统 is 文库 and 系统 two apart), hence distance 2.
        /// </summary>
        internal static long PairKey(string a, int distance, string b)
        {
            var length = Encoding.UTF8.GetByteCount(a) + 3 + Encoding.UTF8.GetByteCount(b);
            Span<byte> bytes = length <= 512 ? stackalloc byte[length] : new byte[length];
            var n = Encoding.UTF8.GetBytes(a, bytes);
            bytes[n++] = 1;
            bytes[n++] = (byte)('0' + distance);
            bytes[n++] = 1;
            Encoding.UTF8.GetBytes(b, bytes[n..]);
            return unchecked((long)XxHash3.HashToUInt64(bytes));
        }
    }

    /// <summary>
    /// The parts (<c>DocumentId</c>, <c>Part</c>, <c>Page</c>, <c>Length</c>) that match any of <paramref name="matches"/>,
    /// their values added to <paramref name="command"/> as parameters named from <paramref name="name"/>. Each alternative
    /// is a scan of its own, and a phrase's vector is checked with <c>ts_match_vq</c>, which no index answers: combined
    /// in one condition, a bitmap that needs a recheck (a phrase through the vectors' index, a lossy page) would
    /// recheck the whole condition — in format 3, whose keys were an expression index, computing every candidate's
    /// pair keys again (8 s instead of 30 ms, measured); now reading every candidate's keys and vector.
    /// </summary>
    private static string Matching(NpgsqlCommand command, string name, IReadOnlyList<PartMatch> matches)
    {
        var scans = new List<string>(matches.Count);
        for (var j = 0; j < matches.Count; j++)
        {
            var m = matches[j];
            var conditions = new List<string>(2);
            if (m.Keys is not null)
            {
                command.Parameters.AddWithValue($"{name}k{j}", m.Keys);
                conditions.Add($"""p."Pairs" @> @{name}k{j}::bigint[]""");
            }
            if (m.Keys is null || m.NeedsQuery)
            {
                command.Parameters.AddWithValue($"{name}q{j}", m.Query);
                conditions.Add(m.Keys is null ? $"""p."Terms" @@ @{name}q{j}::tsquery""" : $"""ts_match_vq(p."Terms", @{name}q{j}::tsquery)""");
            }
            scans.Add($"""SELECT p."DocumentId", p."Part", p."Page", p."Length" FROM "SearchParts" p WHERE {string.Join(" AND ", conditions)}""");
        }
        return "(" + string.Join(" UNION ALL ", scans) + ")";
    }
}

/// <summary>Writes <c>tsquery</c> text for <see cref="ClausePlan"/>s; lexemes are quoted, so they are taken as they are.</summary>
internal static class TsQuery
{
    /// <summary>Most alternatives "at least k of n" is spelled out as; beyond, the terms are taken in four runs, three needed.</summary>
    private const int MaxCombinations = 40;

    public static string Lexeme(string lexeme) => "'" + lexeme.Replace("\\", "\\\\").Replace("'", "''") + "'";

    /// <summary>What a part must contain to match the clause.</summary>
    public static string Match(ClausePlan plan)
    {
        if (plan.Exact) return Phrase(plan.Phrase);
        var terms = plan.Terms.Select(Term).ToList();
        return AtLeast(terms, plan.MinimumMatch);
    }

    /// <summary>The clause's terms, any of them, for <c>ts_rank</c>.</summary>
    public static string Rank(ClausePlan plan) =>
        plan.Exact ? Phrase(plan.Phrase) : string.Join(" | ", plan.Terms.Select(t => Lexeme(t.Token.Term)));

    /// <summary>The tokens at their distances: 文库 &lt;2&gt; 系统 is 文库系统.</summary>
    public static string Phrase(IReadOnlyList<SearchAnalyzer.Token> tokens)
    {
        var sb = new StringBuilder(Lexeme(tokens[0].Term));
        for (var i = 1; i < tokens.Count; i++)
        {
            var distance = tokens[i].Position - tokens[i - 1].Position;
            sb.Append(distance == 1 ? " <-> " : $" <{distance.ToString(CultureInfo.InvariantCulture)}> ").Append(Lexeme(tokens[i].Term));
        }
        return tokens.Count == 1 ? sb.ToString() : "(" + sb + ")";
    }

    private static string Term(PlannedTerm term)
    {
        var lexeme = Lexeme(term.Token.Term);
        if (term.Fragment is null) return lexeme;
        var grams = SearchAnalyzer.WordGrams(term.Fragment);
        var chain = string.Join(" <-> ", grams.Select(g => Lexeme("~" + g)));
        return $"({lexeme} | {(grams.Count == 1 ? chain : "(" + chain + ")")})";
    }

    private static string AtLeast(List<string> terms, int k)
    {
        if (k >= terms.Count) return string.Join(" & ", terms);
        if (Combinations(terms.Count, k) <= MaxCombinations)
            return string.Join(" | ", Subsets(terms.Count, k).Select(s => "(" + string.Join(" & ", s.Select(i => terms[i])) + ")"));
        // Many terms: four consecutive runs, any three of them complete.
        var runs = Enumerable.Range(0, 4).Select(r => terms.Where((_, i) => i * 4 / terms.Count == r).ToList()).Where(r => r.Count > 0).ToList();
        return string.Join(" | ", Subsets(runs.Count, runs.Count - 1)
            .Select(s => "(" + string.Join(" & ", s.SelectMany(i => runs[i])) + ")"));
    }

    private static long Combinations(int n, int k)
    {
        long c = 1;
        for (var i = 1; i <= k; i++) c = c * (n - k + i) / i;
        return c;
    }

    private static IEnumerable<int[]> Subsets(int n, int k)
    {
        var chosen = new int[k];
        for (var i = 0; i < k; i++) chosen[i] = i;
        while (true)
        {
            yield return (int[])chosen.Clone();
            var j = k - 1;
            while (j >= 0 && chosen[j] == n - k + j) j--;
            if (j < 0) yield break;
            chosen[j]++;
            for (var i = j + 1; i < k; i++) chosen[i] = chosen[i - 1] + 1;
        }
    }
}
