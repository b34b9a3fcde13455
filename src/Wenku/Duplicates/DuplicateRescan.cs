using Microsoft.EntityFrameworkCore;
using Wenku.Data;
using Wenku.Documents;

namespace Wenku.Duplicates;

/// <summary>What <c>wenku admin rescan-duplicates</c> found.</summary>
public sealed record RescanSummary(int Documents, int NearDuplicates, int Matches, double Threshold);

/// <summary>
/// Re-checks the whole library, oldest first (so that of two copies the earlier stays the original): recomputes every
/// fingerprint and every match, and records each document's near-duplicate match at the current threshold. Statuses
/// are left alone — a published document is not unpublished by a rescan; held ones stay in the moderators' queue.
/// </summary>
public sealed class DuplicateRescan(IDbContextFactory<WenkuDb> dbFactory, DuplicateDetector detector)
{
    public async Task<int> CountAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await Checkable(db).CountAsync(ct);
    }

    public async Task<RescanSummary> RunAsync(Action? onDocument, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var settings = await db.SiteSettings.AsNoTracking().SingleOrDefaultAsync(ct) ?? new SiteSettings();
        var ids = await Checkable(db).OrderBy(d => d.Id).Select(d => d.Id).ToListAsync(ct);
        int nearDuplicates = 0, matches = 0;
        foreach (var id in ids)
        {
            var check = await detector.CheckAsync(db, id, await DuplicateDetector.TextOfAsync(db, id, ct), ct);
            var near = check.BestMatchId is not null && check.BestScore >= settings.NearDuplicateThreshold;
            if (near) nearDuplicates++;
            matches += check.Matches;
            await db.Documents.Where(d => d.Id == id).ExecuteUpdateAsync(s => s
                .SetProperty(d => d.NearDuplicateOfId, near ? check.BestMatchId : null)
                .SetProperty(d => d.NearDuplicateScore, near ? check.BestScore : null), ct);
            db.ChangeTracker.Clear();
            onDocument?.Invoke();
        }
        return new RescanSummary(ids.Count, nearDuplicates, matches, settings.NearDuplicateThreshold);
    }

    private static IQueryable<Document> Checkable(WenkuDb db) =>
        db.Documents.AsNoTracking().Where(d => d.Status == DocumentStatus.Ready || d.Status == DocumentStatus.Held);
}
