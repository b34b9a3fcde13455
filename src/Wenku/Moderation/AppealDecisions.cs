using Microsoft.EntityFrameworkCore;
using Wenku.Commerce;
using Wenku.Data;

namespace Wenku.Moderation;

/// <summary>A moderator's decision on an appeal: <c>uphold</c> (restore the document) or <c>reject</c>; never by the moderator who removed it.</summary>
public sealed class AppealDecisions(WenkuDb db, Ledger ledger, AuditLog audit, DocumentRemovals removals, TimeProvider clock, ILogger<AppealDecisions> log)
{
    public const string Uphold = "uphold";
    public const string Reject = "reject";

    /// <summary>
    /// Decides an open appeal. <c>uphold</c> restores the document and marks the appeal upheld in one transaction
    /// (<see cref="DocumentRemovals"/>); <c>reject</c> keeps it removed. Either way the uploader is told and the audit log
    /// records it. The moderator who removed the document, and the uploader, may not decide.
    /// </summary>
    public async Task<Decision> DecideAsync(long appealId, string action, string? reason, string actorId, CancellationToken ct)
    {
        if (action is not (Uphold or Reject)) return new Decision.BadAction();
        if (StaffReason.Clean(reason) is not { } clean) return new Decision.BadReason();
        var appeal = await db.Appeals.AsNoTracking().SingleOrDefaultAsync(a => a.Id == appealId, ct);
        if (appeal is null) return new Decision.NotFound();
        if (appeal.State != AppealState.Open) return new Decision.NotOpen();
        var removal = await db.DocumentRemovals.AsNoTracking().SingleAsync(r => r.Id == appeal.RemovalId, ct);
        if (removal.RemovedById == actorId)
            return new Decision.NotAllowed(DecisionTexts.AppealOwnRemoval);
        if (appeal.UploaderId == actorId)
            return new Decision.NotAllowed(DecisionTexts.AppealOwn);

        if (action == Uphold)
        {
            var uphold = new AppealUphold(appealId);
            var restored = await removals.RestoreAsync(appeal.DocumentId, clean, actorId, uphold, ct);
            switch (restored)
            {
                case RestoreOutcome.Done:
                    log.LogInformation("Appeal {AppealId} upheld by {UserId}: document {DocumentId} restored", appealId, actorId, appeal.DocumentId);
                    return new Decision.Done(DecisionTexts.AppealUpheld);
                case RestoreOutcome.FilesGone:
                    return new Decision.NotAllowed(DecisionTexts.AppealFilesGone);
                default:
                    return new Decision.NotOpen(); // decided meanwhile, or the document is no longer under this removal
            }
        }

        var rejected = await ledger.InTransactionAsync(async () =>
        {
            var now = clock.GetUtcNow().UtcDateTime;
            var changed = await db.Appeals.Where(a => a.Id == appealId && a.State == AppealState.Open)
                .ExecuteUpdateAsync(u => u.SetProperty(a => a.State, AppealState.Rejected).SetProperty(a => a.DecidedAt, now)
                    .SetProperty(a => a.DecidedById, actorId).SetProperty(a => a.DecisionReason, clean), ct);
            if (changed == 0) return false;
            var title = await db.Documents.Where(d => d.Id == appeal.DocumentId).Select(d => d.Title).SingleOrDefaultAsync(ct) ?? "";
            Notifications.Add(db, appeal.UploaderId, NotificationKinds.AppealRejected, new { title, reason = clean }, $"/d/{appeal.DocumentId}");
            await db.SaveChangesAsync(ct);
            await audit.RecordAsync(new AuditRecord(actorId, AuditKinds.AppealReject, "appeal", appealId.ToString(), clean,
                Before: new { state = nameof(AppealState.Open), document = appeal.DocumentId, removal = appeal.RemovalId },
                After: new { state = nameof(AppealState.Rejected) }), ct);
            return true;
        }, ct);
        if (!rejected) return new Decision.NotOpen();
        log.LogInformation("Appeal {AppealId} rejected by {UserId}: document {DocumentId} stays removed", appealId, actorId, appeal.DocumentId);
        return new Decision.Done(DecisionTexts.AppealRejected);
    }
}
