using Wenku.Web.Localization;
using Microsoft.Extensions.Localization;
using Microsoft.AspNetCore.Http.HttpResults;
using Wenku.Data;
using Wenku.Telemetry;

namespace Wenku.Search;

public sealed record SearchHitDto(
    long Id, string Title, string TitleHighlighted, string Snippet, IReadOnlyList<TextPart> SnippetParts, int? Page, string Url,
    string Category, string Format, int Pages, int Price, long Downloads, DateTime UploadedAt, string Uploader);

public sealed record FacetValueDto(string Value, string Label, int Count);

public sealed record SearchFacetsDto(
    IReadOnlyList<FacetValueDto> Category, IReadOnlyList<FacetValueDto> Format, IReadOnlyList<FacetValueDto> Price, IReadOnlyList<FacetValueDto> Pages)
{
    /// <summary>
    /// True when some counts are estimates (those of <c>estimatedFacets</c>): on the PostgreSQL backend a facet whose
    /// matches (with the other filters applied) are more than 10,000 is counted in 10,000 of them and scaled to all;
    /// <c>total</c> is always exact, and so is every facet not listed.
    /// </summary>
    public bool Estimated { get; init; }

    /// <summary>The facets whose counts are estimates: any of <c>category</c>, <c>format</c>, <c>price</c>, <c>pages</c>; empty when all are exact.</summary>
    public IReadOnlyList<string> EstimatedFacets { get; init; } = [];
}

public sealed record SearchResponse(string Query, int Total, int Page, int PageSize, int PageCount, IReadOnlyList<SearchHitDto> Hits, SearchFacetsDto Facets)
{
    /// <summary>
    /// PostgreSQL search only (null on the embedded index): <c>source</c> <c>primary</c> or <c>replica</c> (with
    /// <c>Wenku:Search:ReadConnectionString</c>), <c>applied</c> the outbox rounds the answer reflects, <c>current</c>
    /// whether that is all the primary had applied. A signed-in caller's search is always current: a replica that
    /// has not caught up is skipped for the primary.
    /// </summary>
    public SearchFreshness? Freshness { get; init; }
}

public static class SearchApi
{
    public const int MaxPage = 50;

    public static void MapSearchApi(this RouteGroupBuilder api)
    {
        api.MapGet("/search", SearchAsync).AllowAnonymous().RequireRateLimiting(Web.RateLimits.Search)
            .WithSummary("Search ready documents")
            .WithDescription("""
                `q`: words, "quoted phrases", `-excluded` words, `a OR b`; Chinese and English may be mixed and any input is
                accepted. Filters: `category` (slug), `format` (e.g. `pdf`), `price` (`free`|`paid`), `pages`
                (`1-5`|`6-20`|`21-50`|`51-100`|`100+`). `sort`: `relevance` (default), `newest`, `downloads`. `page`: 1–50.
                Snippets and highlighted titles mark matches with « and »; `snippetParts` gives the same as marked/unmarked
                parts. `page` of a hit is the page the snippet comes from. `facets` count results per filter value with the
                other filters applied (`facets.estimated`: counted in 10,000 of more matches and scaled; `total` is exact). An empty `q` with a filter lists that filter's documents, newest first.
                `freshness` (PostgreSQL search): where the answer was read and whether it holds every applied change; a signed-in caller's is always current.
                """);
        api.MapGet("/search/suggest", SuggestAsync).AllowAnonymous().RequireRateLimiting(Web.RateLimits.Search)
            .WithSummary("Title suggestions while typing")
            .WithDescription("`q`: what has been typed so far (the last word may be unfinished). Up to `max` (1–20, default 8) titles.");
    }

    /// <summary>Reads the query string the API and the search page share, lenient about values it does not know.</summary>
    public static SearchQuery ToQuery(string? q, int? page, string? category, string? format, string? price, string? pages, string? sort, int pageSize = 20) =>
        new((q ?? "").Trim(), Math.Clamp(page ?? 1, 1, MaxPage), pageSize,
            Blank(category), Blank(format)?.ToLowerInvariant(),
            price is "free" or "paid" ? price : null,
            PageRanges.IsKey(pages) ? pages : null,
            sort?.ToLowerInvariant() switch { "newest" => SearchSort.Newest, "downloads" => SearchSort.Downloads, _ => SearchSort.Relevance });

    /// <summary>A query with no words and no filter: nothing to search for.</summary>
    public static bool IsBlank(SearchQuery q) => q.Text.Length == 0 && q.Category is null && q.Format is null && q.Price is null && q.Pages is null;

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    private static async Task<Ok<SearchResponse>> SearchAsync(string? q, int? page, string? category, string? format, string? price,
        string? pages, string? sort, ISearchIndex index, WenkuDb db, CategoryNames categories, WenkuMetrics metrics, TimeProvider clock, IStringLocalizer<SharedResource> T,
        System.Security.Claims.ClaimsPrincipal user, CancellationToken ct)
    {
        var query = ToQuery(q, page, category, format, price, pages, sort) with { Fresh = user.Identity?.IsAuthenticated == true };
        var results = IsBlank(query) ? new SearchResults([], 0, 1, query.PageSize, SearchFacets.None)
            : await SearchListing.OnlyReadyAsync(db, await metrics.TimeSearchAsync(index, clock, () => index.SearchAsync(query, ct)), ct);
        var labels = await categories.BySlugAsync(db, ct);
        var hits = results.Hits.Select(h => new SearchHitDto(h.DocumentId, h.Title, Marked(h.TitleParts), Marked(h.Snippet), h.Snippet,
            h.PageNumber, h.PageNumber is { } n ? $"/d/{h.DocumentId}#page-{n}" : $"/d/{h.DocumentId}",
            h.Category, h.Format, h.PageCount, h.Price, h.Downloads, h.CreatedAt, h.Uploader)).ToList();
        var f = results.Facets;
        var facets = new SearchFacetsDto(
            f.Category.Select(v => new FacetValueDto(v.Value, FacetLabels.Category(T, labels, v.Value), v.Count)).ToList(),
            f.Format.Select(v => new FacetValueDto(v.Value, FacetLabels.Format(v.Value), v.Count)).ToList(),
            f.Price.Select(v => new FacetValueDto(v.Value, FacetLabels.Price(T, v.Value), v.Count)).ToList(),
            f.Pages.Select(v => new FacetValueDto(v.Value, FacetLabels.Pages(T, v.Value), v.Count)).ToList()) { Estimated = f.Estimated, EstimatedFacets = f.EstimatedFacets };
        return TypedResults.Ok(new SearchResponse(query.Text, results.Total, results.Page, results.PageSize, results.PageTotal, hits, facets)
            { Freshness = results.Freshness });
    }

    private static async Task<Ok<IReadOnlyList<Suggestion>>> SuggestAsync(string? q, int? max, ISearchIndex index, WenkuDb db, CancellationToken ct) =>
        TypedResults.Ok(await SearchListing.OnlyReadyAsync(db, await index.SuggestAsync(q ?? "", Math.Clamp(max ?? 8, 1, 20), ct), ct));

    private static string Marked(IReadOnlyList<TextPart> parts) => string.Concat(parts.Select(p => p.Marked ? $"«{p.Text}»" : p.Text));
}

/// <summary>How a facet value is named to people, on the search page and in the API alike.</summary>
public static class FacetLabels
{
    /// <summary>A category's name in the reader's language (the default categories have their English in the resx).</summary>
    public static string Category(IStringLocalizer T, IReadOnlyDictionary<string, string> names, string slug) =>
        names.TryGetValue(slug, out var name) ? T[name].Value : slug;

    public static string Format(string format) => format.ToUpperInvariant();

    public static string Price(IStringLocalizer T, string price) => price == "free" ? T["免费"] : T["付费"];

    public static string Pages(IStringLocalizer T, string key) => PageRanges.All.FirstOrDefault(r => r.Key == key) is { Key: not null } range
        ? range.Max == int.MaxValue ? T.Text("{0} 页以上", range.Min - 1) : T.Text("{0}–{1} 页", range.Min, range.Max)
        : key;
}
