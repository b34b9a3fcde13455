using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Shouldly;
using Wenku.Search;
using Xunit;

namespace Wenku.Tests.Search;

/// <summary>
/// The PostgreSQL search tables (since format 3) find phrases by pair keys (every two tokens of a part one or two positions apart, hashed;
/// format 4 computes them as a part is written, into a GIN-indexed column) instead of reading the vectors. The keys must be exact: every
/// query finds exactly the documents that format 2's statement (the phrase tested against each vector) finds, on the
/// same tables; and a phrase of two tokens must be answered without reading one vector.
/// </summary>
public sealed class PairKeyTests : IDisposable
{
    private readonly PostgresSearchDatabase _db = new();
    private readonly List<(string Category, string Text)> _articles = KnownItemTests.Articles().Take(300).ToList();

    public PairKeyTests()
    {
        foreach (var chunk in Enumerable.Range(0, _articles.Count).Chunk(100))
            _db.Write([], chunk.Select(i => KnownItemTests.AsDocument(i + 1, _articles[i].Category, _articles[i].Text)).ToList());
        // Pairs the random pieces below may miss: a repeated bigram, a Latin word beside Chinese, numbers, one character.
        _db.Write([], [
            KnownItemTests.AsDocument(1001, "game", "哈哈哈哈，这个游戏太好玩了。iPhone 15 发布会在北京举行，价格 5999 元。"),
            KnownItemTests.AsDocument(1002, "game", "哈哈，游戏好玩。在北京举行的 iPhone 发布会上，价格公布。"),
        ]);
    }

    public void Dispose() => _db.Dispose();

    private void Analyze() => Task.Run(async () =>
    {
        await using var connection = new NpgsqlConnection(_db.ConnectionString);
        await connection.OpenAsync();
        await using var analyze = new NpgsqlCommand("""ANALYZE "SearchParts"; ANALYZE "SearchEntries";""", connection);
        await analyze.ExecuteNonQueryAsync();
    }).GetAwaiter().GetResult();

    private SearchResults Run(PostgresSearchIndex index, string q, SearchSort sort = SearchSort.Relevance) =>
        Task.Run(() => index.SearchAsync(new SearchQuery(q, 1, 20, Sort: sort), CancellationToken.None)).GetAwaiter().GetResult();

    [Fact]
    public void Pair_keys_find_exactly_what_the_vectors_find()
    {
        var format2 = new PostgresSearchIndex(_db.Db, NullLogger<PostgresSearchIndex>.Instance) { Format2Statement = true };
        var random = new Random(20261201);
        string Piece(int min, int max)
        {
            var text = _articles[random.Next(_articles.Count)].Text;
            var length = random.Next(min, max + 1);
            var start = random.Next(0, Math.Max(1, text.Length - length));
            return text.Substring(start, Math.Min(length, text.Length - start));
        }
        var queries = new List<string> { "哈哈哈", "哈哈哈哈", "\"iPhone 15 发布会\"", "北京举行", "\"在北京举行\"", "5999 元", "游戏 好玩", "戏" };
        for (var i = 0; i < 60; i++) queries.Add(Piece(3, 4));                       // two tokens: one key, no vector read
        for (var i = 0; i < 40; i++) queries.Add("\"" + Piece(6, 10) + "\"");        // more: keys, then the vectors of their parts
        for (var i = 0; i < 30; i++) queries.Add(Piece(3, 4) + " " + Piece(3, 4));  // two groups
        for (var i = 0; i < 20; i++) queries.Add(Piece(3, 4) + " OR " + Piece(3, 4));
        var found = 0;
        foreach (var q in queries)
        {
            var (a, b) = (Run(_db.Index, q, SearchSort.Newest), Run(format2, q, SearchSort.Newest));
            a.Total.ShouldBe(b.Total, $"total of {q}");
            a.Hits.Select(h => h.DocumentId).ShouldBe(b.Hits.Select(h => h.DocumentId), $"documents of {q}");
            if (a.Total > 0) found++;
        }
        found.ShouldBeGreaterThan(queries.Count / 2); // the pieces come from the texts: most must be found
    }

    [Fact]
    public void A_phrase_of_two_tokens_reads_no_vector_and_format_2_does()
    {
        long VectorsRead(bool format2, string q)
        {
            // Each value read from TOAST is an index scan of the TOAST table, counted in the backend's statistics not yet
            // reported — which, reported at most once a second, may still hold an earlier transaction's (an insert
            // probes the TOAST index too): the statement's reads are the difference across it.
            static async Task<long> ToastScans(NpgsqlConnection connection, CancellationToken ct)
            {
                await using var command = new NpgsqlCommand(
                    """
                    SELECT coalesce(sum(s.idx_scan), 0)::bigint FROM pg_stat_xact_all_tables s
                    WHERE s.relid = (SELECT reltoastrelid FROM pg_class WHERE oid = '"SearchParts"'::regclass)
                    """, connection);
                return (long)(await command.ExecuteScalarAsync(ct))!;
            }
            long before = -1, reads = -1;
            var index = new PostgresSearchIndex(_db.Db, NullLogger<PostgresSearchIndex>.Instance)
            {
                Format2Statement = format2,
                BeforeStatement = async (command, ct) => before = await ToastScans(command.Connection!, ct),
                AfterStatement = async (connection, ct) => reads = await ToastScans(connection, ct) - before,
            };
            Run(index, q, SearchSort.Newest).Total.ShouldBeGreaterThan(0);
            before.ShouldBeGreaterThanOrEqualTo(0);
            return reads;
        }
        // With statistics (autovacuum gathers them some time after the writes) the planner would rather walk this small
        // table's primary key and test every part's keys: the search statement must not let it.
        Analyze();
        VectorsRead(format2: false, "北京举行").ShouldBe(0);
        VectorsRead(format2: true, "北京举行").ShouldBeGreaterThan(0); // the measure sees vectors being read
    }
}
