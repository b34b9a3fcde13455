using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Shouldly;
using Wenku.Data;
using Wenku.Search;
using Wenku.Tests.Infrastructure;
using Xunit;

namespace Wenku.Tests.Search;

/// <summary>
/// A search backend itself, without the site: ranking, filters, facets, sorting, highlighting, suggestions. Every
/// backend must pass the same tests: Lucene (embedded) and PostgreSQL full-text search (scale-out).
/// </summary>
public abstract class SearchBackendTests
{
    protected abstract void Upsert(SearchDocument doc);
    protected abstract void Delete(long id);
    /// <summary>Makes what was written visible to searches.</summary>
    protected abstract void Publish();
    protected abstract SearchResults Search(SearchQuery query);
    protected abstract IReadOnlyList<Suggestion> Suggest(string prefix, int max);

    /// <summary>The five documents every test searches.</summary>
    protected void AddDocuments()
    {
        Add(1, "北京奥运会开幕式报道", "sports", "pdf", 0, 3, 10, "第一页没有。", "国家体育场举行了盛大的北京奥运会开幕式，观众九万一千人。");
        Add(2, "上海足球联赛综述", "sports", "pdf", 5, 12, 50, "上海申花在联赛中表现出色，足球迷们热情高涨。");
        Add(3, "股市周评", "finance", "docx", 0, 30, 5, "本周股市震荡，北京的投资者情绪谨慎。");
        Add(4, "Running a Document Library", "tech", "pdf", 0, 120, 99, "Libraries of documents need search that works for Chinese and English.");
        Add(5, "體育產業報告", "finance", "pdf", 10, 8, 1, "體育產業在國際市場上增長迅速。");
        Publish();
    }

    private void Add(long id, string title, string cat, string format, int price, int pages, long downloads, params string[] text) =>
        Upsert(new SearchDocument(id, title, "", "", cat, format, price, pages, downloads,
            new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddDays(id), "uploader" + id, text));

    private SearchResults Search(string q, string? category = null, string? format = null, string? price = null, string? pages = null, SearchSort sort = SearchSort.Relevance) =>
        Search(new SearchQuery(q, 1, 20, category, format, price, pages, sort));

    [Fact]
    public void A_long_page_is_searched_to_its_end_and_phrases_match_anywhere_in_it()
    {
        // Far more text than one PostgreSQL tsvector can give positions to (16,383), and the word 中国 far more often
        // than it keeps positions of one word (256): the phrase at the end must still be found as typed.
        var filler = string.Concat(Enumerable.Repeat("中国的经济在增长，市场在扩大。", 2000));
        Upsert(new SearchDocument(9, "长文档", "", "", "other", "pdf", 0, 1, 0, DateTime.UtcNow, "u", [filler + "最后一句话提到了量子纠缠通信卫星。"]));
        Publish();
        Search("\"量子纠缠通信卫星\"").Hits.Single().DocumentId.ShouldBe(9);
        Search("\"中国的经济\"").Hits.Select(h => h.DocumentId).ShouldBe([9]);
        Search("通信卫星量子纠缠").Hits.Select(h => h.DocumentId).ShouldBe([9]); // not as typed, but most of its bigrams
        Search("\"通信卫星量子纠缠\"").Total.ShouldBe(0);
    }

    [Fact]
    public void Odd_characters_in_the_text_and_the_query_are_only_text()
    {
        Upsert(new SearchDocument(8, "It's O'Brien's \\path & <tag> | !x", "", "a'b,c\\d", "other", "pdf", 0, 1, 0, DateTime.UtcNow, "o'neil",
            ["Don't panic: 'quoted' \\back\\slash (a|b) & !c <-> d:* 1:2"]));
        Publish();
        foreach (var q in new[] { "O'Brien", "don't", "'quoted'", "\\back", "(a|b)", "!c", "<->", "d:*", "1:2", "a'b", "o'neil", "&", "'", "\\" })
            Should.NotThrow(() => Search(q), q);
        Search("O'Brien").Hits.Select(h => h.DocumentId).ShouldBe([8]);
        Search("don't panic").Hits.Select(h => h.DocumentId).ShouldBe([8]);
    }

    [Fact]
    public void Chinese_words_find_the_document_that_contains_them() =>
        Search("奥运会开幕").Hits.Select(h => h.DocumentId).ShouldBe([1]);

    [Fact]
    public void A_one_character_query_finds_every_document_with_that_character() =>
        Search("股").Hits.Select(h => h.DocumentId).ShouldBe([3]);

    [Fact]
    public void Traditional_query_finds_simplified_text_and_back()
    {
        Search("體育場").Hits.Select(h => h.DocumentId).ShouldContain(1);
        Search("体育产业").Hits.Select(h => h.DocumentId).ShouldContain(5);
    }

    [Fact]
    public void English_words_match_other_forms() => Search("library document").Hits.Single().DocumentId.ShouldBe(4);

    [Fact]
    public void Exclusion_removes_documents() =>
        Search("北京 -奥运").Hits.Select(h => h.DocumentId).ShouldBe([3]);

    [Fact]
    public void A_quoted_phrase_must_occur_as_typed()
    {
        Search("\"投资者情绪\"").Hits.Select(h => h.DocumentId).ShouldBe([3]);
        Search("\"情绪投资者\"").Total.ShouldBe(0);
    }

    [Fact]
    public void Title_matches_rank_above_body_matches() =>
        Search("北京").Hits.Select(h => h.DocumentId).ShouldBe([1, 3]);

    [Fact]
    public void Facets_count_each_value_with_the_other_filters_applied()
    {
        var all = Search("", category: null, format: "pdf");
        all.Total.ShouldBe(4);
        all.Facets.Category.ShouldBe([new FacetValue("sports", 2), new FacetValue("finance", 1), new FacetValue("tech", 1)]);
        // The format facet ignores the format filter itself, so the other formats stay visible.
        all.Facets.Format.ShouldBe([new FacetValue("pdf", 4), new FacetValue("docx", 1)]);
        all.Facets.Price.ShouldBe([new FacetValue("free", 2), new FacetValue("paid", 2)]);

        var sports = Search("", category: "sports");
        sports.Hits.Select(h => h.DocumentId).ShouldBe([2, 1]); // browsing sorts newest first
        sports.Facets.Category.Select(f => f.Value).ShouldContain("finance");
    }

    [Fact]
    public void Price_and_page_range_filters()
    {
        Search("", price: "paid").Hits.Select(h => h.DocumentId).OrderBy(x => x).ShouldBe([2, 5]);
        Search("", pages: "100+").Hits.Single().DocumentId.ShouldBe(4);
        Search("", pages: "6-20").Hits.Select(h => h.DocumentId).OrderBy(x => x).ShouldBe([2, 5]);
        Search("", pages: "6-20").Facets.Pages.ShouldBe([new FacetValue("1-5", 1), new FacetValue("6-20", 2), new FacetValue("21-50", 1), new FacetValue("100+", 1)]);
    }

    [Fact]
    public void Sorting_by_downloads_and_by_date()
    {
        Search("", format: "pdf", sort: SearchSort.Downloads).Hits.Select(h => h.DocumentId).ShouldBe([4, 2, 1, 5]);
        Search("", format: "pdf", sort: SearchSort.Newest).Hits.Select(h => h.DocumentId).ShouldBe([5, 4, 2, 1]);
    }

    [Fact]
    public void Paging_splits_the_results()
    {
        var page2 = Search(new SearchQuery("", 2, 2, Format: "pdf", Sort: SearchSort.Newest));
        page2.Total.ShouldBe(4);
        page2.Hits.Select(h => h.DocumentId).ShouldBe([2, 1]);
    }

    [Fact]
    public void Snippet_comes_from_the_page_that_matches_with_the_words_marked()
    {
        var hit = Search("开幕式").Hits.Single();
        hit.PageNumber.ShouldBe(2);
        string.Concat(hit.Snippet.Where(p => p.Marked).Select(p => p.Text)).ShouldBe("开幕式");
        string.Concat(hit.Snippet.Select(p => p.Text)).ShouldContain("盛大的北京奥运会开幕式");
        hit.TitleParts.Where(p => p.Marked).Select(p => p.Text).ShouldBe(["开幕式"]);
    }

    [Fact]
    public void Highlight_marks_the_original_traditional_characters_for_a_simplified_query()
    {
        var hit = Search("国际市场").Hits.Single();
        hit.Snippet.Where(p => p.Marked).Select(p => p.Text).ShouldBe(["國際市場"]);
    }

    [Fact]
    public void Updating_and_deleting_follow_immediately()
    {
        Add(3, "债市周评", "finance", "docx", 0, 30, 5, "债券市场平稳。");
        Delete(2);
        Publish();
        Search("股市").Total.ShouldBe(0);
        Search("债市").Hits.Single().DocumentId.ShouldBe(3);
        Search("足球").Total.ShouldBe(0);
    }

    [Fact]
    public void Suggestions_complete_the_last_word()
    {
        Suggest("北京奥", 5).Select(s => s.Id).ShouldBe([1]);
        Suggest("docu", 5).Select(s => s.Id).ShouldBe([4]);
        Suggest("   ", 5).ShouldBeEmpty();
    }

    [Fact]
    public void A_quoted_phrase_matches_across_punctuation() =>
        Search("\"开幕式，观众\"").Hits.Single().DocumentId.ShouldBe(1);

    [Fact]
    public void A_fragment_of_a_word_or_number_at_the_edge_of_the_query_is_found()
    {
        Search("brari").Hits.Single().DocumentId.ShouldBe(4); // inside "Libraries"
        Search("众九万一千人").Hits.Single().DocumentId.ShouldBe(1);
    }

    [Fact]
    public void Punctuation_only_queries_find_nothing_without_error() => Search("，。！？").Total.ShouldBe(0);

}

/// <summary>The embedded backend: a Lucene index in a temporary folder.</summary>
public sealed class LuceneBackendTests : SearchBackendTests, IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "wenku-lucene-" + Guid.NewGuid().ToString("N"));
    private readonly LuceneIndex _index;
    private long _commits;

    public LuceneBackendTests()
    {
        _index = new LuceneIndex(_dir);
        AddDocuments();
    }

    protected override void Upsert(SearchDocument doc) => _index.Upsert(doc);
    protected override void Delete(long id) => _index.Delete(id);
    protected override void Publish() => _index.Commit(++_commits);
    protected override SearchResults Search(SearchQuery query) => _index.Search(query);
    protected override IReadOnlyList<Suggestion> Suggest(string prefix, int max) => _index.Suggest(prefix, max);

    [Fact]
    public void A_commit_records_the_outbox_position_and_the_ids()
    {
        _index.Delete(2);
        _index.Commit(42);
        _index.Watermark.ShouldBe(42);
        _index.Ids().Order().ShouldBe([1L, 3, 4, 5]);
    }

    public void Dispose()
    {
        _index.Dispose();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }
}

/// <summary>A migrated PostgreSQL database of its own, with the search backend over it (shared by a test class).</summary>
public sealed class PostgresSearchDatabase : IDisposable
{
    public string ConnectionString { get; }
    public ServiceProvider Services { get; }
    public IDbContextFactory<WenkuDb> Db { get; }
    public PostgresSearchIndex Index { get; }

    public PostgresSearchDatabase() : this(null) { }

    /// <param name="settings">Appended to the connection string (e.g. <c>Command Timeout=2</c>).</param>
    /// <param name="readConnectionString">Given the database's name, where the index reads (a replica); null: the database.</param>
    internal PostgresSearchDatabase(string? settings, Func<string, string>? readConnectionString = null)
    {
        ConnectionString = ScaleOutServices.NewPostgresDatabase("search") + (settings is null ? "" : ";" + settings);
        var services = new ServiceCollection().AddLogging();
        services.AddWenkuDatabase(new DatabaseOptions { Provider = DatabaseProvider.Postgres, ConnectionString = ConnectionString },
            new WenkuOptions { DataDir = Path.GetTempPath() });
        Services = services.BuildServiceProvider();
        Task.Run(() => DatabaseSetup.MigrateAsync(Services)).GetAwaiter().GetResult();
        Db = Services.GetRequiredService<IDbContextFactory<WenkuDb>>();
        Index = new PostgresSearchIndex(Db, NullLogger<PostgresSearchIndex>.Instance,
            readConnectionString?.Invoke(new Npgsql.NpgsqlConnectionStringBuilder(ConnectionString).Database!));
        Task.Run(() => Index.VerifyAsync(CancellationToken.None)).GetAwaiter().GetResult(); // creates the search tables, as a site's start does
    }

    /// <summary>Writes documents (and removes ids) in a transaction of its own, as the outbox does.</summary>
    public void Write(IReadOnlyCollection<long> remove, IReadOnlyList<SearchDocument> docs) => Task.Run(async () =>
    {
        await using var db = await Db.CreateDbContextAsync();
        await using var tx = await db.Database.BeginTransactionAsync();
        await PostgresSearchIndex.WriteAsync(db, remove, docs, CancellationToken.None);
        await tx.CommitAsync();
    }).GetAwaiter().GetResult();

    public void Clear() => Task.Run(async () =>
    {
        await using var db = await Db.CreateDbContextAsync();
        await db.Database.ExecuteSqlRawAsync("""DELETE FROM "SearchParts"; DELETE FROM "SearchEntries";""");
    }).GetAwaiter().GetResult();

    public void Dispose()
    {
        Index.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Services.Dispose();
        ScaleOutServices.DropPostgresDatabaseAsync(ConnectionString).GetAwaiter().GetResult();
    }
}

/// <summary>The scale-out backend: PostgreSQL full-text search over the same tokens.</summary>
public sealed class PostgresBackendTests : SearchBackendTests, IClassFixture<PostgresSearchDatabase>
{
    private readonly PostgresSearchDatabase _db;
    private readonly List<SearchDocument> _pending = [];
    private readonly List<long> _deleted = [];

    public PostgresBackendTests(PostgresSearchDatabase db)
    {
        _db = db;
        _db.Clear();
        AddDocuments();
    }

    protected override void Upsert(SearchDocument doc) => _pending.Add(doc);
    protected override void Delete(long id) => _deleted.Add(id);

    protected override void Publish()
    {
        _db.Write([.. _deleted], [.. _pending]);
        _pending.Clear();
        _deleted.Clear();
    }

    protected override SearchResults Search(SearchQuery query) =>
        Task.Run(() => _db.Index.SearchAsync(query, CancellationToken.None)).GetAwaiter().GetResult();

    protected override IReadOnlyList<Suggestion> Suggest(string prefix, int max) =>
        Task.Run(() => _db.Index.SuggestAsync(prefix, max, CancellationToken.None)).GetAwaiter().GetResult();
}
