using Microsoft.AspNetCore.Http.HttpResults;

namespace Wenku.Search;

public sealed record SearchHitDto(long Id, string Title, string Snippet, int? Page, string Url);

public sealed record SearchResponse(string Query, int Total, int Page, int PageSize, IReadOnlyList<SearchHitDto> Hits);

public static class SearchApi
{
    public static void MapSearchApi(this RouteGroupBuilder api)
    {
        api.MapGet("/search", SearchAsync).AllowAnonymous().RequireRateLimiting(Web.RateLimits.Search)
            .WithSummary("Search ready documents")
            .WithDescription("`q`: words or \"quoted phrases\"; `page`: 1-based. Snippets mark matches with « and ».");
    }

    private static async Task<Ok<SearchResponse>> SearchAsync(string? q, int? page, string? category, ISearchIndex index, CancellationToken ct)
    {
        var query = new SearchQuery(q ?? "", page ?? 1, 20, category);
        var results = await index.SearchAsync(query, ct);
        var terms = QueryTerms.Parse(q);
        var hits = results.Hits.Select(h => new SearchHitDto(h.DocumentId, h.Title,
            string.Concat(Snippets.Mark(h.Snippet, terms).Select(p => p.Marked ? $"«{p.Text}»" : p.Text)),
            h.PageNumber, h.PageNumber is { } n ? $"/d/{h.DocumentId}#page-{n}" : $"/d/{h.DocumentId}")).ToList();
        return TypedResults.Ok(new SearchResponse(q ?? "", results.Total, results.Page, results.PageSize, hits));
    }
}
