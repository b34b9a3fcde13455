namespace Wenku.Search;

public sealed record SearchQuery(string Text, int Page = 1, int PageSize = 20, string? Category = null);

/// <summary>One hit: the document, and a passage of its text around the match with the terms marked.</summary>
public sealed record SearchHit(long DocumentId, string Title, string Snippet, int? PageNumber, double Score);

public sealed record SearchResults(IReadOnlyList<SearchHit> Hits, int Total, int Page, int PageSize);

/// <summary>What a person typed, as the words and "quoted phrases" to find and to mark in snippets.</summary>
public static class QueryTerms
{
    public const int MaxTerms = 8;

    /// <summary>Words of a query; quotes group a phrase. Empty and overlong input yields no terms rather than an error.</summary>
    public static List<string> Parse(string? text)
    {
        var terms = new List<string>();
        if (string.IsNullOrWhiteSpace(text)) return terms;
        var s = text.Length > 200 ? text[..200] : text;
        var parts = s.Split('"');
        for (var i = 0; i < parts.Length; i++)
        {
            if (i % 2 == 1) { if (parts[i].Trim() is { Length: > 0 } phrase) terms.Add(phrase); }
            else terms.AddRange(parts[i].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        }
        return terms.Select(t => t.Trim()).Where(t => t.Length > 0).Distinct().Take(MaxTerms).ToList();
    }
}

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
