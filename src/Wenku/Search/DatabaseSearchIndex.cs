using Microsoft.EntityFrameworkCore;
using Wenku.Data;
using Wenku.Documents;

namespace Wenku.Search;

/// <summary>
/// The simplest index there is: substring search over titles and page text in the database. Correct for any
/// language (no tokenizer to get wrong) but a scan, so it only suits small libraries. Only the preview pages are
/// searched: a snippet (or a phrase that matches or not) would otherwise read out pages past the preview limit.
/// </summary>
public sealed class DatabaseSearchIndex(IDbContextFactory<WenkuDb> dbFactory) : ISearchIndex
{
    public const int MaxPage = 50;

    public Task IndexAsync(long documentId, CancellationToken ct) => Task.CompletedTask;

    public Task RemoveAsync(long documentId, CancellationToken ct) => Task.CompletedTask;

    public async Task<SearchResults> SearchAsync(SearchQuery query, CancellationToken ct)
    {
        var terms = QueryTerms.Parse(query.Text);
        var page = Math.Clamp(query.Page, 1, MaxPage);
        if (terms.Count == 0) return new SearchResults([], 0, page, query.PageSize);

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var docs = db.Documents.AsNoTracking().Where(d => d.Status == DocumentStatus.Ready);
        if (!string.IsNullOrEmpty(query.Category)) docs = docs.Where(d => d.Category.Slug == query.Category);
        foreach (var term in terms)
        {
            var pattern = "%" + EscapeLike(term) + "%";
            docs = docs.Where(d => EF.Functions.Like(d.Title, pattern, "\\")
                || EF.Functions.Like(d.Tags, pattern, "\\")
                || db.DocumentPages.Any(p => p.DocumentId == d.Id && p.Number <= d.PreviewPages && EF.Functions.Like(p.Text, pattern, "\\")));
        }
        var total = await docs.CountAsync(ct);
        var found = await docs
            .OrderByDescending(d => EF.Functions.Like(d.Title, "%" + EscapeLike(terms[0]) + "%", "\\"))
            .ThenByDescending(d => d.Downloads).ThenByDescending(d => d.Id)
            .Skip((page - 1) * query.PageSize).Take(query.PageSize)
            .Select(d => new { d.Id, d.Title, d.PreviewPages })
            .ToListAsync(ct);

        var hits = new List<SearchHit>(found.Count);
        foreach (var d in found)
        {
            var first = terms[0];
            var pattern = "%" + EscapeLike(first) + "%";
            var match = await db.DocumentPages.AsNoTracking()
                .Where(p => p.DocumentId == d.Id && p.Number <= d.PreviewPages && EF.Functions.Like(p.Text, pattern, "\\"))
                .OrderBy(p => p.Number).Select(p => new { p.Number, p.Text }).FirstOrDefaultAsync(ct);
            var snippet = match is null ? "" : Snippets.Around(match.Text, terms);
            hits.Add(new SearchHit(d.Id, d.Title, snippet, match?.Number, 1));
        }
        return new SearchResults(hits, total, page, query.PageSize);
    }

    private static string EscapeLike(string s) => s.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_");
}

/// <summary>Builds a short passage around the first match, with the terms marked.</summary>
public static class Snippets
{
    public sealed record Part(string Text, bool Marked);

    public static string Around(string text, IReadOnlyList<string> terms, int radius = 60)
    {
        var at = terms.Select(t => text.IndexOf(t, StringComparison.OrdinalIgnoreCase)).Where(i => i >= 0).DefaultIfEmpty(0).Min();
        var start = Math.Max(0, at - radius);
        var end = Math.Min(text.Length, at + radius * 2);
        return (start > 0 ? "…" : "") + text[start..end].Replace('\n', ' ') + (end < text.Length ? "…" : "");
    }

    /// <summary>Splits a snippet into marked and unmarked parts, for encoded rendering (never raw HTML).</summary>
    public static IReadOnlyList<Part> Mark(string snippet, IReadOnlyList<string> terms)
    {
        var parts = new List<Part>();
        var i = 0;
        while (i < snippet.Length)
        {
            var best = -1; var len = 0;
            foreach (var t in terms)
            {
                var j = snippet.IndexOf(t, i, StringComparison.OrdinalIgnoreCase);
                if (j >= 0 && (best < 0 || j < best)) { best = j; len = t.Length; }
            }
            if (best < 0) { parts.Add(new Part(snippet[i..], false)); break; }
            if (best > i) parts.Add(new Part(snippet[i..best], false));
            parts.Add(new Part(snippet.Substring(best, len), true));
            i = best + len;
        }
        return parts;
    }
}
