using Microsoft.EntityFrameworkCore;
using Wenku.Commerce;
using Wenku.Data;
using Wenku.Documents;
using Wenku.Storage;

namespace Wenku.Moderation;

/// <summary>What one sweep did.</summary>
public sealed record RetentionResult(int FilesDeleted, int Refunded);

/// <summary>
/// The end of a removal's retention: the files (original and page images) of documents removed more than
/// <c>RemovedRetentionDays</c> ago and not restored are deleted, the removal marked (<see cref="DocumentRemoval.FilesDeletedAt"/>:
/// no restore or appeal after) and the audit log told. It also finishes the automatic infringement refunds an
/// interruption left. Idempotent and safe with several serve processes: a removal is marked by one conditional update
/// (a restore at the same moment makes the other one), files are deleted only after the mark commits, and deleted
/// again by later sweeps for a day in case a process died in between.
/// </summary>
public sealed class RemovedFilesRetention(WenkuDb db, Ledger ledger, AuditLog audit, IFileStore store, DocumentRemovals removals,
    TimeProvider clock, ILogger<RemovedFilesRetention> log)
{
    /// <summary>Removals handled per batch; a sweep runs at most <see cref="MaxBatches"/> batches.</summary>
    public const int BatchSize = 50;
    private const int MaxBatches = 20;

    public async Task<RetentionResult> SweepAsync(CancellationToken ct)
    {
        var settings = await db.SiteSettings.AsNoTracking().SingleOrDefaultAsync(ct);
        var days = Math.Max(0, settings?.RemovedRetentionDays ?? 30);
        var now = clock.GetUtcNow().UtcDateTime;
        var cutoff = now.AddDays(-days);
        var deleted = 0;
        for (var batch = 0; batch < MaxBatches; batch++)
        {
            var due = await (from r in db.DocumentRemovals.AsNoTracking()
                             join d in db.Documents.AsNoTracking() on r.Id equals d.RemovalId
                             where r.FilesDeletedAt == null && r.RestoredAt == null && r.RemovedAt < cutoff && d.Status == DocumentStatus.Removed
                             orderby r.RemovedAt, r.Id
                             select new { Removal = r.Id, Document = d.Id, d.StorageKey, r.RemovedAt })
                .Take(BatchSize).ToListAsync(ct);
            if (due.Count == 0) break;
            foreach (var item in due)
            {
                if (await MarkAsync(item.Removal, item.Document, item.RemovedAt, days, ct))
                {
                    await DeleteFilesAsync(item.Document, item.StorageKey, ct);
                    deleted++;
                }
            }
        }

        // Files of removals marked lately: deleted again, in case a process died between the mark and the deletion.
        var since = now.AddDays(-1);
        var recent = await (from r in db.DocumentRemovals.AsNoTracking()
                            join d in db.Documents.AsNoTracking() on r.Id equals d.RemovalId
                            where r.FilesDeletedAt != null && r.FilesDeletedAt >= since
                            select new { Document = d.Id, d.StorageKey }).Take(BatchSize * MaxBatches).ToListAsync(ct);
        foreach (var item in recent)
            if (await store.ExistsAsync(item.StorageKey, ct)) await DeleteFilesAsync(item.Document, item.StorageKey, ct);

        var refunded = 0;
        if (settings is not { RefundOnInfringementRemoval: false })
        {
            var unrefunded = await (from d in db.Documents.AsNoTracking()
                                    join r in db.DocumentRemovals.AsNoTracking() on d.RemovalId equals r.Id
                                    where d.Status == DocumentStatus.Removed && r.Category == RemovalCategory.Infringement
                                          && db.Purchases.Any(p => p.DocumentId == d.Id && p.RefundedAt == null)
                                    orderby d.Id
                                    select d.Id).Take(BatchSize).ToListAsync(ct);
            foreach (var id in unrefunded) refunded += await removals.RefundLivePurchasesAsync(id, AuditLog.SystemActor, ct);
        }
        if (deleted > 0 || refunded > 0)
            log.LogInformation("Retention sweep: files of {Deleted} removed documents deleted, {Refunded} purchases refunded", deleted, refunded);
        return new RetentionResult(deleted, refunded);
    }

    /// <summary>Marks the removal's files deleted, with its audit entry, if it is still due (not restored, not marked by another process).</summary>
    private Task<bool> MarkAsync(long removalId, long documentId, DateTime removedAt, int days, CancellationToken ct) =>
        ledger.InTransactionAsync(async () =>
        {
            var now = clock.GetUtcNow().UtcDateTime;
            var marked = await db.DocumentRemovals.Where(r => r.Id == removalId && r.FilesDeletedAt == null && r.RestoredAt == null)
                .ExecuteUpdateAsync(u => u.SetProperty(r => r.FilesDeletedAt, now), ct);
            if (marked == 0) return false;
            await audit.RecordAsync(new AuditRecord(AuditLog.SystemActor, AuditKinds.DocumentFilesDeleted, "document", documentId.ToString(),
                $"removed more than {days} days ago: files deleted",
                Before: new { removal = removalId, removedAt = removedAt }, After: new { filesDeletedAt = now }), ct);
            return true;
        }, ct);

    private async Task DeleteFilesAsync(long documentId, string storageKey, CancellationToken ct)
    {
        await store.DeleteAsync(storageKey, ct);
        await store.DeletePreviewFilesAsync(documentId, ct);
        log.LogInformation("Files of removed document {DocumentId} deleted after the retention period", documentId);
    }
}

/// <summary>Runs <see cref="RemovedFilesRetention"/> once at start and then hourly (serve only; any number of serves may run it).</summary>
public sealed class RetentionSweep(IServiceProvider services, TimeProvider time, ILogger<RetentionSweep> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromHours(1), time);
        do
        {
            try
            {
                await using var scope = services.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<RemovedFilesRetention>().SweepAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { return; }
            catch (Exception e)
            {
                log.LogError(e, "Retention sweep of removed documents failed; trying again in an hour");
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}
