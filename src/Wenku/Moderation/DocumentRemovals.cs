using Microsoft.AspNetCore.OutputCaching;
using Microsoft.EntityFrameworkCore;
using Wenku.Commerce;
using Wenku.Data;
using Wenku.Documents;

namespace Wenku.Moderation;

public abstract record RemovalOutcome
{
    /// <param name="Refunded">Purchases refunded automatically (removal for infringement with the setting on).</param>
    public sealed record Done(DocumentRemoval Removal, int Refunded) : RemovalOutcome;
    public sealed record NotFound : RemovalOutcome;
    public sealed record AlreadyRemoved(DocumentRemoval Removal) : RemovalOutcome;
    /// <summary>No reason, or one longer than <see cref="DocumentRemoval.MaxReason"/>.</summary>
    public sealed record BadReason : RemovalOutcome;
}

public abstract record RestoreOutcome
{
    public sealed record Done(Document Document) : RestoreOutcome;
    public sealed record NotFound : RestoreOutcome;
    public sealed record NotRemoved : RestoreOutcome;
    /// <summary>The retention period passed and the files were deleted: nothing to restore.</summary>
    public sealed record FilesGone : RestoreOutcome;
    public sealed record BadReason : RestoreOutcome;
}

/// <summary>
/// Takedown (下架) and restore: the one place a document becomes <see cref="DocumentStatus.Removed"/> or comes back.
/// A removal is one database transaction: the <see cref="DocumentRemoval"/> row, the document's status (which puts it
/// in the search outbox, so the index drops it), the document's open reports closed as actioned with their reporters
/// told, the uploader told, and the audit entry. Nothing is deleted: purchases and entitlements stay (a buyer keeps
/// their record), files stay for <c>RemovedRetentionDays</c>. After the commit the cached page is evicted and, for
/// infringement with <c>RefundOnInfringementRemoval</c> on, every live purchase is refunded (each its own idempotent
/// ledger transaction, referenced by the purchase; a sweep finishes any an interruption left).
/// </summary>
public sealed class DocumentRemovals(WenkuDb db, Ledger ledger, AuditLog audit, Refunds refunds, IOutputCacheStore cache, TimeProvider clock,
    Microsoft.Extensions.Options.IOptions<ConversionOptions> conversion, ILogger<DocumentRemovals> log, Search.SearchSync? search = null)
{
    /// <summary>Takes a document down. <paramref name="reportId"/>/<paramref name="claimId"/>: what led to it.</summary>
    /// <param name="alsoInTransaction">
    /// Run inside the removal's transaction, after its audit entry (e.g. the claim that asked for it marked approved): what
    /// it changes commits with the removal, and an exception it throws rolls the removal back and comes out of this call.
    /// </param>
    public async Task<RemovalOutcome> RemoveAsync(long documentId, RemovalCategory category, string? reason, string actorId,
        CancellationToken ct, long? reportId = null, long? claimId = null, Func<Document, DocumentRemoval, Task>? alsoInTransaction = null)
    {
        if (StaffReason.Clean(reason) is not { } clean) return new RemovalOutcome.BadReason();
        var outcome = await ledger.InTransactionAsync<RemovalOutcome>(async () =>
        {
            var doc = await db.Documents.SingleOrDefaultAsync(d => d.Id == documentId, ct);
            if (doc is null) return new RemovalOutcome.NotFound();
            if (doc.Status == DocumentStatus.Removed)
                return new RemovalOutcome.AlreadyRemoved(await db.DocumentRemovals.AsNoTracking().SingleAsync(r => r.Id == doc.RemovalId, ct));
            var removal = new DocumentRemoval
            {
                DocumentId = documentId, Category = category, Reason = clean, RemovedById = actorId,
                ReportId = reportId, ClaimId = claimId, PreviousStatus = doc.Status.ToString(),
            };
            db.DocumentRemovals.Add(removal);
            await db.SaveChangesAsync(ct);
            var before = doc.Status;
            doc.Status = DocumentStatus.Removed;
            doc.RemovalId = removal.Id;

            var now = clock.GetUtcNow().UtcDateTime;
            var open = await db.Reports.Where(r => r.DocumentId == documentId && r.CommentId == null && r.State == ReportState.Open).ToListAsync(ct);
            foreach (var report in open)
            {
                report.State = ReportState.Actioned;
                report.DecidedAt = now;
                report.DecidedById = actorId;
                report.DecisionReason = clean;
                Notifications.Add(db, report.ReporterId, NotificationKinds.ReportDecided,
                    new { title = doc.Title, outcome = "actioned", reason = clean }, $"/me/reports");
            }
            Notifications.Add(db, doc.UploaderId, NotificationKinds.DocumentRemoved,
                new { title = doc.Title, category = category.ToString(), reason = clean }, $"/d/{documentId}");
            await db.SaveChangesAsync(ct);
            await audit.RecordAsync(new AuditRecord(actorId, AuditKinds.DocumentRemove, "document", documentId.ToString(), clean,
                Before: new { status = before.ToString() },
                After: new { status = nameof(DocumentStatus.Removed), category = category.ToString(), removal = removal.Id, report = reportId, claim = claimId }), ct);
            if (alsoInTransaction is not null) await alsoInTransaction(doc, removal);
            return new RemovalOutcome.Done(removal, 0);
        }, ct);
        if (outcome is not RemovalOutcome.Done done) return outcome;
        await DocumentPageCache.EvictAsync(cache, documentId, ct);
        search?.Nudge();
        log.LogInformation("Document {DocumentId} removed ({Category}) by {UserId}", documentId, category, actorId);
        var refunded = category == RemovalCategory.Infringement ? await RefundLivePurchasesAsync(documentId, actorId, ct) : 0;
        return done with { Refunded = refunded };
    }

    /// <summary>
    /// Refunds every live purchase of a removed document (when <c>RefundOnInfringementRemoval</c> is on and its current
    /// removal is for infringement). Idempotent: a purchase is refunded once; run again, it refunds what is left.
    /// </summary>
    public async Task<int> RefundLivePurchasesAsync(long documentId, string actorId, CancellationToken ct)
    {
        var settings = await db.SiteSettings.AsNoTracking().SingleOrDefaultAsync(ct);
        if (settings is { RefundOnInfringementRemoval: false }) return 0;
        var removal = await (from d in db.Documents.AsNoTracking()
                             join r in db.DocumentRemovals.AsNoTracking() on d.RemovalId equals r.Id
                             where d.Id == documentId && d.Status == DocumentStatus.Removed
                             select r).SingleOrDefaultAsync(ct);
        if (removal is not { Category: RemovalCategory.Infringement }) return 0;
        var purchases = await db.Purchases.AsNoTracking().Where(p => p.DocumentId == documentId && p.RefundedAt == null)
            .OrderBy(p => p.Id).Select(p => p.Id).ToListAsync(ct);
        var refunded = 0;
        foreach (var id in purchases)
            if (await refunds.RefundAsync(id, actorId, $"removed for infringement: automatic refund (removal #{removal.Id})", ct) is RefundOutcome.Done)
                refunded++;
        return refunded;
    }

    /// <summary>Brings a removed document back to the status it had (an upheld appeal, or a moderator's restore).</summary>
    public Task<RestoreOutcome> RestoreAsync(long documentId, string? reason, string actorId, CancellationToken ct) =>
        RestoreAsync(documentId, reason, actorId, null, ct);

    /// <summary>
    /// A restore; with <paramref name="uphold"/> it is the decision on that appeal, made in the same transaction: the
    /// appeal (still open, and against the current removal) becomes <see cref="AppealState.Upheld"/>, the uploader is
    /// told the appeal was upheld, and the audit log gets the uphold beside the restore. If the appeal is no longer
    /// open, nothing changes and <see cref="AppealUphold.WasOpen"/> is false.
    /// </summary>
    internal async Task<RestoreOutcome> RestoreAsync(long documentId, string? reason, string actorId, AppealUphold? uphold, CancellationToken ct)
    {
        if (StaffReason.Clean(reason) is not { } clean) return new RestoreOutcome.BadReason();
        RestoreOutcome outcome;
        try
        {
            outcome = await RestoreInTransactionAsync(documentId, clean, actorId, uphold, ct);
        }
        catch (RestoreLostException lost) // the retention sweep or another restore changed the removal meanwhile
        {
            outcome = await db.DocumentRemovals.AsNoTracking().AnyAsync(r => r.Id == lost.RemovalId && r.FilesDeletedAt != null, ct)
                ? new RestoreOutcome.FilesGone() : new RestoreOutcome.NotRemoved();
        }
        if (outcome is RestoreOutcome.Done)
        {
            await DocumentPageCache.EvictAsync(cache, documentId, ct);
            search?.Nudge();
            log.LogInformation("Document {DocumentId} restored by {UserId}", documentId, actorId);
        }
        return outcome;
    }

    private sealed class RestoreLostException(long removalId) : Exception("The removal changed during the restore.")
    {
        public long RemovalId { get; } = removalId;
    }

    private Task<RestoreOutcome> RestoreInTransactionAsync(long documentId, string clean, string actorId, AppealUphold? uphold, CancellationToken ct) =>
        ledger.InTransactionAsync<RestoreOutcome>(async () =>
        {
            var doc = await db.Documents.SingleOrDefaultAsync(d => d.Id == documentId, ct);
            if (doc is null) return new RestoreOutcome.NotFound();
            if (doc.Status != DocumentStatus.Removed || doc.RemovalId is null) return new RestoreOutcome.NotRemoved();
            var removal = await db.DocumentRemovals.SingleAsync(r => r.Id == doc.RemovalId, ct);
            if (removal.FilesDeletedAt is not null) return new RestoreOutcome.FilesGone();
            if (uphold is not null)
            {
                var now = clock.GetUtcNow().UtcDateTime;
                // Check and set in one statement: a second moderator deciding at the same moment changes nothing.
                uphold.WasOpen = await db.Appeals
                    .Where(a => a.Id == uphold.AppealId && a.RemovalId == removal.Id && a.State == AppealState.Open)
                    .ExecuteUpdateAsync(u => u.SetProperty(a => a.State, AppealState.Upheld).SetProperty(a => a.DecidedAt, now)
                        .SetProperty(a => a.DecidedById, actorId).SetProperty(a => a.DecisionReason, clean), ct) == 1;
                if (!uphold.WasOpen) return new RestoreOutcome.NotRemoved();
                Notifications.Add(db, doc.UploaderId, NotificationKinds.AppealUpheld, new { title = doc.Title, reason = clean }, $"/d/{documentId}");
                await audit.RecordAsync(new AuditRecord(actorId, AuditKinds.AppealUphold, "appeal", uphold.AppealId.ToString(), clean,
                    Before: new { state = nameof(AppealState.Open), document = documentId, removal = removal.Id },
                    After: new { state = nameof(AppealState.Upheld) }), ct);
            }
            // Check and set in one statement, so that the retention sweep marking the files deleted at the same moment
            // (also a conditional update of this row) and this restore cannot both win.
            var restoredAt = clock.GetUtcNow().UtcDateTime;
            var restored = await db.DocumentRemovals.Where(r => r.Id == removal.Id && r.FilesDeletedAt == null && r.RestoredAt == null)
                .ExecuteUpdateAsync(u => u.SetProperty(r => r.RestoredAt, restoredAt).SetProperty(r => r.RestoredById, actorId)
                    .SetProperty(r => r.RestoreReason, clean), ct);
            if (restored == 0) throw new RestoreLostException(removal.Id); // rolls back what this transaction wrote
            doc.Status = Enum.TryParse<DocumentStatus>(removal.PreviousStatus, out var previous) && previous != DocumentStatus.Removed
                ? previous : DocumentStatus.Ready;
            if (doc.Status is DocumentStatus.Queued or DocumentStatus.Processing)
            {
                // Removed before its conversion ran (which then skipped it): convert it now.
                doc.Status = DocumentStatus.Queued;
                db.Jobs.Add(Jobs.Job.Convert(doc, conversion.Value.MaxAttempts));
            }
            doc.RemovalId = null;
            Notifications.Add(db, doc.UploaderId, NotificationKinds.DocumentRestored, new { title = doc.Title, reason = clean }, $"/d/{documentId}");
            await db.SaveChangesAsync(ct);
            await audit.RecordAsync(new AuditRecord(actorId, AuditKinds.DocumentRestore, "document", documentId.ToString(), clean,
                Before: new { status = nameof(DocumentStatus.Removed), removal = removal.Id }, After: new { status = doc.Status.ToString() }), ct);
            return new RestoreOutcome.Done(doc);
        }, ct);
}

/// <summary>An appeal decided by the restore it asks for (<see cref="DocumentRemovals.RestoreAsync(long, string?, string, AppealUphold?, CancellationToken)"/>).</summary>
internal sealed class AppealUphold(long appealId)
{
    public long AppealId { get; } = appealId;

    /// <summary>Whether the appeal was still open (and so was decided by this restore).</summary>
    public bool WasOpen { get; set; }
}
