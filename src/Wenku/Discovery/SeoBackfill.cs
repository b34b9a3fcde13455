using Microsoft.EntityFrameworkCore;
using Wenku.Data;
using Wenku.Documents;

namespace Wenku.Discovery;

/// <summary>
/// Gives every published or held document stored before <see cref="Document.SeoDescription"/> was kept (or written by
/// hand, as <c>bench/reads.sh</c> fills its library) its description and language, at start, in batches. Until then
/// the page makes them as it is read, so nothing shows differently meanwhile.
/// </summary>
public sealed class SeoBackfill(IServiceScopeFactory scopes, ILogger<SeoBackfill> log) : BackgroundService
{
    public const int BatchSize = 200;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            var kept = await RunAsync(scopes, stoppingToken);
            if (kept > 0) log.LogInformation("Kept the page description of {Count} documents", kept);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Not fatal: those pages make their description as they are read; the next start tries again.
            log.LogWarning(e, "Keeping the documents' page descriptions failed");
        }
    }

    /// <summary>Fills the description and language of every ready or held document without them; returns how many.</summary>
    public static async Task<int> RunAsync(IServiceScopeFactory scopes, CancellationToken ct)
    {
        var kept = 0;
        for (long after = 0; ;)
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<WenkuDb>();
            // Queued and processing documents get theirs from the conversion, failed ones show no description.
            var batch = await db.Documents.AsNoTracking()
                .Where(d => d.Id > after && d.SeoDescription == null && (d.Status == DocumentStatus.Ready || d.Status == DocumentStatus.Held))
                .OrderBy(d => d.Id).Take(BatchSize).ToListAsync(ct);
            if (batch.Count == 0) return kept;
            after = batch[^1].Id;
            var ids = batch.Select(d => d.Id).ToList();
            var maxPreview = batch.Max(d => d.PreviewPages);
            var pages = (await db.DocumentPages.AsNoTracking()
                    .Where(p => ids.Contains(p.DocumentId) && p.Number <= maxPreview)
                    .Select(p => new { p.DocumentId, p.Number, p.Text }).ToListAsync(ct))
                .ToLookup(p => p.DocumentId);
            foreach (var d in batch) DocumentSeo.Keep(d, pages[d.Id].OrderBy(p => p.Number).Select(p => (p.Number, p.Text)));
            // One transaction a batch (one commit instead of 200 on SQLite).
            kept += await db.Database.CreateExecutionStrategy().ExecuteAsync(async () =>
            {
                await using var tx = await db.Database.BeginTransactionAsync(ct);
                var updated = 0;
                foreach (var (id, description, language) in batch.Select(d => (d.Id, d.SeoDescription, d.SeoLanguage)))
                    // Only where nothing kept one meanwhile: an edit or a conversion since the read above wrote the newer one.
                    updated += await db.Documents.Where(x => x.Id == id && x.SeoDescription == null)
                        .ExecuteUpdateAsync(s => s.SetProperty(x => x.SeoDescription, description).SetProperty(x => x.SeoLanguage, language), ct);
                await tx.CommitAsync(ct);
                return updated;
            });
        }
    }
}
