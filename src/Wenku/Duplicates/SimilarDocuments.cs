using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Wenku.Data;
using Wenku.Documents;

namespace Wenku.Duplicates;

/// <summary>A document that resembles another, as the API and the document page show it.</summary>
/// <param name="Score">Share of the smaller document's text found in the other, in [0, 1].</param>
/// <param name="NearDuplicate">Whether the score reaches the site's near-duplicate threshold.</param>
public sealed record SimilarDocument(long Id, string Title, double Score, bool NearDuplicate);

/// <summary>Stored matches of a document in both directions, limited to the documents the viewer may see.</summary>
public static class SimilarDocuments
{
    public static async Task<List<SimilarDocument>> ForAsync(WenkuDb db, long documentId, ClaimsPrincipal viewer, CancellationToken ct)
    {
        var matches = await Documents.DocumentReads.ListAsync(Documents.DocumentReads.Matches(db, documentId), ct);
        if (matches.Count == 0) return []; // most documents: no query for the others, nor for the settings
        var threshold = await db.SiteSettings.AsNoTracking().Select(s => s.NearDuplicateThreshold).SingleOrDefaultAsync(ct);
        if (threshold <= 0) threshold = NearDuplicates.DefaultThreshold;
        var ids = matches.Select(m => m.Other).ToList();
        var others = await db.Documents.AsNoTracking().Where(d => ids.Contains(d.Id)).ToDictionaryAsync(d => d.Id, ct);
        return matches
            .Where(m => others.TryGetValue(m.Other, out var d) && DocumentAccess.CanView(d, viewer))
            .GroupBy(m => m.Other).Select(g => g.MaxBy(m => m.Score)!)
            .OrderByDescending(m => m.Score).ThenBy(m => m.Other).Take(20)
            .Select(m => new SimilarDocument(m.Other, others[m.Other].Title, m.Score, m.Score >= threshold))
            .ToList();
    }
}
