namespace Wenku.Search;

public sealed record SearchQuery(string Text, int Page = 1, int PageSize = 20, string? Category = null);

/// <summary>One hit: the document, and a passage of its text around the match with the terms marked.</summary>
public sealed record SearchHit(long DocumentId, string Title, string Snippet, int? PageNumber, double Score);

public sealed record SearchResults(IReadOnlyList<SearchHit> Hits, int Total, int Page, int PageSize);

/// <summary>
/// The full-text index. It follows the pipeline: a document is indexed when ready and removed when taken down.
/// Implementations: the database (foundation), Lucene (embedded), a shared backend (scale-out).
/// Whatever the implementation, only text anyone may read is searchable: the pages within a document's preview limit.
/// </summary>
public interface ISearchIndex
{
    Task IndexAsync(long documentId, CancellationToken ct);
    Task RemoveAsync(long documentId, CancellationToken ct);
    Task<SearchResults> SearchAsync(SearchQuery query, CancellationToken ct);
}
