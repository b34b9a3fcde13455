namespace Wenku.Search;

/// <summary>How results are ordered.</summary>
public enum SearchSort { Relevance, Newest, Downloads }

/// <summary>Page-count buckets offered as a filter and a facet.</summary>
public static class PageRanges
{
    public static readonly IReadOnlyList<(string Key, int Min, int Max)> All =
    [
        ("1-5", 1, 5),
        ("6-20", 6, 20),
        ("21-50", 21, 50),
        ("51-100", 51, 100),
        ("100+", 101, int.MaxValue),
    ];

    public static string? KeyFor(int pages) => All.FirstOrDefault(r => pages >= r.Min && pages <= r.Max).Key;

    public static bool IsKey(string? key) => key is not null && All.Any(r => r.Key == key);
}

/// <summary>
/// A search: what was typed, filters (each null when not set), sort and paging.
/// <paramref name="Price"/> is <c>free</c> or <c>paid</c>; <paramref name="Pages"/> a key of <see cref="PageRanges"/>.
/// </summary>
public sealed record SearchQuery(
    string Text,
    int Page = 1,
    int PageSize = 20,
    string? Category = null,
    string? Format = null,
    string? Price = null,
    string? Pages = null,
    SearchSort Sort = SearchSort.Relevance)
{
    /// <summary>
    /// The answer must hold every change search had applied when it began (a reader who has just changed something):
    /// a backend that reads a replica checks the replica has caught up and otherwise asks the primary.
    /// </summary>
    public bool Fresh { get; init; }
}

/// <summary>A stretch of text, marked when it matched the query. Rendered encoded, never as raw HTML.</summary>
public sealed record TextPart(string Text, bool Marked);

/// <summary>One hit: the document as indexed, its title and best passage with matches marked, and that passage's page.</summary>
public sealed record SearchHit(
    long DocumentId,
    string Title,
    IReadOnlyList<TextPart> TitleParts,
    IReadOnlyList<TextPart> Snippet,
    int? PageNumber,
    double Score,
    string Category,
    string Format,
    int PageCount,
    int Price,
    long Downloads,
    DateTime CreatedAt,
    string Uploader);

/// <summary>How many results each value of a filter would give (with the other filters applied).</summary>
public sealed record FacetValue(string Value, int Count);

public sealed record SearchFacets(
    IReadOnlyList<FacetValue> Category,
    IReadOnlyList<FacetValue> Format,
    IReadOnlyList<FacetValue> Price,
    IReadOnlyList<FacetValue> Pages)
{
    public static readonly SearchFacets None = new([], [], [], []);

    /// <summary>
    /// The facets whose counts are estimates (<c>category</c>, <c>format</c>, <c>price</c>, <c>pages</c>): the matches
    /// a facet counts in (those that pass the other filters) were more than a backend counts facets in (the PostgreSQL
    /// backend counts them in <see cref="PostgresSearchIndex.FacetLimit"/> of those and scales them to all); the other
    /// facets and the total are exact.
    /// </summary>
    public IReadOnlyList<string> EstimatedFacets { get; init; } = [];

    /// <summary>Some of the counts are estimates (<see cref="EstimatedFacets"/>).</summary>
    public bool Estimated => EstimatedFacets.Count > 0;

    /// <summary>
    /// The facets from counts as a backend gathers them: values with results only, most first (then by value); free
    /// before paid (<paramref name="price"/>: [free, paid]); page ranges in their order (<paramref name="pages"/>
    /// indexed as <see cref="PageRanges.All"/>).
    /// </summary>
    public static SearchFacets From(IReadOnlyDictionary<string, int> categories, IReadOnlyDictionary<string, int> formats, int[] price, int[] pages)
    {
        static List<FacetValue> Sorted(IReadOnlyDictionary<string, int> d) =>
            d.Where(kv => kv.Value > 0).OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal)
                .Select(kv => new FacetValue(kv.Key, kv.Value)).ToList();
        var prices = new List<FacetValue>();
        if (price[0] > 0) prices.Add(new FacetValue("free", price[0]));
        if (price[1] > 0) prices.Add(new FacetValue("paid", price[1]));
        return new SearchFacets(Sorted(categories), Sorted(formats), prices,
            PageRanges.All.Select((r, i) => new FacetValue(r.Key, pages[i])).Where(f => f.Count > 0).ToList());
    }
}

public sealed record SearchResults(IReadOnlyList<SearchHit> Hits, int Total, int Page, int PageSize, SearchFacets Facets)
{
    /// <summary>Where the answer was read and how fresh it is (the PostgreSQL backend; null for the embedded index, always current).</summary>
    public SearchFreshness? Freshness { get; init; }

    public int PageTotal => Math.Max(1, (Total + PageSize - 1) / PageSize);
}

/// <summary>
/// Where a search was answered: <paramref name="Source"/> <c>primary</c> or <c>replica</c>; <paramref name="Applied"/>
/// the outbox rounds the search tables it read had applied (a counter that only grows, the same on every copy of the
/// database); <paramref name="Current"/> whether that was checked to be everything the primary had applied when the
/// search began (always on the primary; on a replica only for a <see cref="SearchQuery.Fresh"/> search).
/// </summary>
public sealed record SearchFreshness(string Source, long Applied, bool Current);

/// <summary>A title offered while typing.</summary>
public sealed record Suggestion(long Id, string Title);

/// <summary>
/// The full-text index. Implementations: <see cref="LuceneSearchIndex"/> on the local disk (embedded default),
/// <see cref="PostgresSearchIndex"/> in the database, shared by every machine (scale-out).
/// It follows the database: every change to a document that search can see is written, in the same transaction,
/// to the search outbox (<see cref="SearchChange"/>), and <see cref="SyncAsync"/> applies what it has not applied yet.
/// Whatever the implementation, only what anyone may read is searchable: ready documents, and of those the title,
/// tags, description, uploader and the text of the pages within the preview limit.
/// </summary>
public interface ISearchIndex
{
    Task<SearchResults> SearchAsync(SearchQuery query, CancellationToken ct);

    Task<IReadOnlyList<Suggestion>> SuggestAsync(string prefix, int max, CancellationToken ct);

    /// <summary>Applies the outbox changes not yet in the index; returns how many documents it updated.</summary>
    Task<int> SyncAsync(CancellationToken ct);

    /// <summary>Compares the index with the database and repairs what differs (run at start, after a crash).</summary>
    Task<int> VerifyAsync(CancellationToken ct);

    /// <summary>
    /// Builds the whole index afresh from the database (<c>wenku admin reindex</c>, from another process than the
    /// site's); searches keep being answered from the old one until the new one is complete. Returns the documents indexed.
    /// </summary>
    Task<int> RebuildAsync(IProgress<(int Done, int Total)>? progress, CancellationToken ct);

    /// <summary>
    /// The documents search holds as last committed, read without taking the writer that a running site holds
    /// (<c>wenku admin check</c>).
    /// </summary>
    Task<SearchContents> ContentsAsync(CancellationToken ct);
}

/// <summary>
/// What search holds: <paramref name="DocumentIds"/>, reflecting the search outbox up to <paramref name="AppliedThrough"/>
/// (changes after it are still to be applied, so a difference for their documents is not a fault).
/// </summary>
public sealed record SearchContents(IReadOnlySet<long> DocumentIds, long AppliedThrough);
