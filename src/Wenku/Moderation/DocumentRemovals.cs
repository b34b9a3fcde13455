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
    ILogger<DocumentRemovals> log)
{
    /// <summary>Takes a document down. <paramref name="reportId"/>/<paramref name="claimId"/>: what led to it.</summary>
    /// <param name="alsoInTransaction">
    /// Run inside the removal's transaction, after its audit entry (e.g. the claim that asked for it marked approved): what
    /// it changes commits with the removal, and an exception it throws rolls the removal back and comes out of this call.
    /// </param>
    public async Task<RemovalOutcome> RemoveAsync(long documentId, RemovalCategory category, string? reason, string actorId,
        CancellationToken ct, long? reportId = null, long? claimId = null, Func<Document, DocumentRemoval, Task>? alsoInTransaction = null)
    {
        var clean = Text.SafeText.OneLine(reason);
        if (clean.Length == 0 || clean.Length > DocumentRemoval.MaxReason) return new RemovalOutcome.BadReason();
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
            if (await refunds.RefundAsync(id, actorId, $"文档因侵权下架，自动退款 Removed for infringement: automatic refund (removal #{removal.Id})", ct) is RefundOutcome.Done)
                refunded++;
        return refunded;
    }

    /// <summary>Brings a removed document back to the status it had (an upheld appeal, or a moderator's restore).</summary>
    public async Task<RestoreOutcome> RestoreAsync(long documentId, string? reason, string actorId, CancellationToken ct)
    {
        var clean = Text.SafeText.OneLine(reason);
        if (clean.Length == 0 || clean.Length > DocumentRemoval.MaxReason) return new RestoreOutcome.BadReason();
        var outcome = await ledger.InTransactionAsync<RestoreOutcome>(async () =>
        {
            var doc = await db.Documents.SingleOrDefaultAsync(d => d.Id == documentId, ct);
            if (doc is null) return new RestoreOutcome.NotFound();
            if (doc.Status != DocumentStatus.Removed || doc.RemovalId is null) return new RestoreOutcome.NotRemoved();
            var removal = await db.DocumentRemovals.SingleAsync(r => r.Id == doc.RemovalId, ct);
            if (removal.FilesDeletedAt is not null) return new RestoreOutcome.FilesGone();
            removal.RestoredAt = clock.GetUtcNow().UtcDateTime;
            removal.RestoredById = actorId;
            removal.RestoreReason = clean;
            doc.Status = Enum.TryParse<DocumentStatus>(removal.PreviousStatus, out var previous) && previous != DocumentStatus.Removed
                ? previous : DocumentStatus.Ready;
            doc.RemovalId = null;
            Notifications.Add(db, doc.UploaderId, NotificationKinds.DocumentRestored, new { title = doc.Title, reason = clean }, $"/d/{documentId}");
            await db.SaveChangesAsync(ct);
            await audit.RecordAsync(new AuditRecord(actorId, AuditKinds.DocumentRestore, "document", documentId.ToString(), clean,
                Before: new { status = nameof(DocumentStatus.Removed), removal = removal.Id }, After: new { status = doc.Status.ToString() }), ct);
            return new RestoreOutcome.Done(doc);
        }, ct);
        if (outcome is RestoreOutcome.Done)
        {
            await DocumentPageCache.EvictAsync(cache, documentId, ct);
            log.LogInformation("Document {DocumentId} restored by {UserId}", documentId, actorId);
        }
        return outcome;
    }
}
