using Microsoft.EntityFrameworkCore;
using Wenku.Data;
using Wenku.Documents;

namespace Wenku.Search;

/// <summary>
/// The last check between the index and the reader: a document that stopped being public (removed, 下架) leaves the
/// index through the outbox within a moment, but must leave search results at once, so hits are checked against the
/// database's status when they are shown (one query over a page of ids, whatever the number of hits).
/// </summary>
public static class SearchListing
{
    private static readonly IReadOnlyDictionary<long, int> NoPreviews = new Dictionary<long, int>();

    public static async Task<SearchResults> OnlyReadyAsync(WenkuDb db, SearchResults results, CancellationToken ct) =>
        (await OnlyReadyWithPreviewsAsync(db, results, ct)).Results;

    /// <summary>
    /// <see cref="OnlyReadyAsync(WenkuDb, SearchResults, CancellationToken)"/>, and in the same query which preview
    /// files each shown hit has (its cover exists from version 1): what the search page needs of the database.
    /// </summary>
    public static async Task<(SearchResults Results, IReadOnlyDictionary<long, int> PreviewVersions)> OnlyReadyWithPreviewsAsync(
        WenkuDb db, SearchResults results, CancellationToken ct)
    {
        if (results.Hits.Count == 0) return (results, NoPreviews);
        var ids = results.Hits.Select(h => h.DocumentId).Distinct().ToArray();
        var ready = await ReadyAsync(db, ids, ct);
        if (ready.Count == results.Hits.Count) return (results, ready);
        var hits = results.Hits.Where(h => ready.ContainsKey(h.DocumentId)).ToList();
        return (results with { Hits = hits, Total = Math.Max(hits.Count, results.Total - (results.Hits.Count - hits.Count)) }, ready);
    }

    /// <summary>The preview version of each of <paramref name="ids"/> that is ready (<see cref="DocumentReads.Ready"/>).</summary>
    private static async Task<Dictionary<long, int>> ReadyAsync(WenkuDb db, long[] ids, CancellationToken ct)
    {
        var ready = new Dictionary<long, int>(ids.Length);
        await foreach (var d in DocumentReads.Ready(db, ids).WithCancellation(ct)) ready[d.Id] = d.PreviewVersion;
        return ready;
    }

    public static async Task<IReadOnlyList<Suggestion>> OnlyReadyAsync(WenkuDb db, IReadOnlyList<Suggestion> suggestions, CancellationToken ct)
    {
        if (suggestions.Count == 0) return suggestions;
        var ready = await ReadyAsync(db, suggestions.Select(s => s.Id).Distinct().ToArray(), ct);
        return ready.Count == suggestions.Count ? suggestions : suggestions.Where(s => ready.ContainsKey(s.Id)).ToList();
    }
}
