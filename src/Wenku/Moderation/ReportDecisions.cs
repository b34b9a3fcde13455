using Microsoft.EntityFrameworkCore;
using Wenku.Commerce;
using Wenku.Data;

namespace Wenku.Moderation;

/// <summary>
/// A moderator's decision on a report: <c>dismiss</c> (nothing happens to the document; the reporter is told), or
/// <c>remove</c>: a document report takes the document down (<see cref="DocumentRemovals.RemoveAsync"/>, which closes
/// every open report of it and tells their reporters), a comment report hides the comment and closes its open reports.
/// A report decided already (by someone else meanwhile) answers <see cref="Decision.NotOpen"/> and changes nothing:
/// the report is taken with a conditional update, so two moderators cannot both decide it.
/// </summary>
public sealed class ReportDecisions(WenkuDb db, Ledger ledger, AuditLog audit, DocumentRemovals removals, CommentModeration comments,
    Microsoft.AspNetCore.OutputCaching.IOutputCacheStore cache, TimeProvider clock, ILogger<ReportDecisions> log)
{
    public const string Dismiss = "dismiss";
    public const string Remove = "remove";

    /// <summary>Longest reason a moderator may give (it is shown to the reporter).</summary>
    public const int MaxReason = StaffReason.MaxLength;

    /// <summary>Decides report <paramref name="reportId"/>; <paramref name="action"/> is <see cref="Dismiss"/> or <see cref="Remove"/>.</summary>
    public async Task<Decision> DecideAsync(long reportId, string action, string? reason, string actorId, CancellationToken ct)
    {
        if (action is not (Dismiss or Remove)) return new Decision.BadAction();
        if (StaffReason.Clean(reason) is not { } clean) return new Decision.BadReason();
        var report = await db.Reports.AsNoTracking().SingleOrDefaultAsync(r => r.Id == reportId, ct);
        if (report is null) return new Decision.NotFound();
        if (report.State != ReportState.Open) return new Decision.NotOpen();

        Decision decision;
        if (action == Dismiss) decision = await DismissAsync(report, clean, actorId, ct);
        else if (report.CommentId is { } commentId) decision = await HideCommentAsync(report, commentId, clean, actorId, ct);
        else decision = await RemoveDocumentAsync(report, clean, actorId, ct);
        if (decision is Decision.Done)
            log.LogInformation("Report {ReportId} of document {DocumentId}: {Action} by {UserId}", reportId, report.DocumentId, action, actorId);
        return decision;
    }

    private Task<Decision> DismissAsync(Report report, string reason, string actorId, CancellationToken ct) =>
        ledger.InTransactionAsync<Decision>(async () =>
        {
            if (!await TakeAsync(report, ReportState.Dismissed, reason, actorId, ct)) return new Decision.NotOpen();
            await TellReporterAsync(report, "dismissed", reason, ct);
            await audit.RecordAsync(new AuditRecord(actorId, AuditKinds.ReportDismiss, "report", report.Id.ToString(), reason,
                Before: new { state = nameof(ReportState.Open) },
                After: new { state = nameof(ReportState.Dismissed), document = report.DocumentId, comment = report.CommentId }), ct);
            return new Decision.Done(DecisionTexts.ReportDismissed);
        }, ct);

    private async Task<Decision> HideCommentAsync(Report report, long commentId, string reason, string actorId, CancellationToken ct)
    {
        var decision = await ledger.InTransactionAsync<Decision>(async () =>
        {
            if (!await TakeAsync(report, ReportState.Actioned, reason, actorId, ct)) return new Decision.NotOpen();
            await TellReporterAsync(report, "actioned", reason, ct);
            var comment = await db.Comments.SingleOrDefaultAsync(c => c.Id == commentId, ct);
            var others = 0;
            if (comment is not null)
            {
                if (comment.State != CommentState.Hidden) await comments.HideAsync(comment, reason, actorId, ct);
                others = await comments.ActionOpenReportsAsync(comment, reason, actorId, ct);
            }
            await audit.RecordAsync(new AuditRecord(actorId, AuditKinds.ReportAction, "report", report.Id.ToString(), reason,
                Before: new { state = nameof(ReportState.Open) },
                After: new { state = nameof(ReportState.Actioned), document = report.DocumentId, comment = commentId, commentHidden = comment is not null, otherReports = others }), ct);
            return new Decision.Done(DecisionTexts.ReportCommentHidden);
        }, ct);
        if (decision is Decision.Done)
            await Documents.DocumentPageCache.EvictAsync(cache, report.DocumentId, ct);
        return decision;
    }

    private async Task<Decision> RemoveDocumentAsync(Report report, string reason, string actorId, CancellationToken ct)
    {
        var outcome = await removals.RemoveAsync(report.DocumentId, CategoryOf(report.Reason), reason, actorId, ct, reportId: report.Id);
        switch (outcome)
        {
            case RemovalOutcome.Done:
                // The removal closed every open report of the document; this one may have been dismissed meanwhile.
                return new Decision.Done(DecisionTexts.ReportDocumentRemoved);
            case RemovalOutcome.BadReason:
                return new Decision.BadReason();
            case RemovalOutcome.NotFound:
                // The document was deleted: close the report as actioned (nothing is left to report).
            case RemovalOutcome.AlreadyRemoved:
                return await ledger.InTransactionAsync<Decision>(async () =>
                {
                    if (!await TakeAsync(report, ReportState.Actioned, reason, actorId, ct)) return new Decision.NotOpen();
                    await TellReporterAsync(report, "actioned", reason, ct);
                    await audit.RecordAsync(new AuditRecord(actorId, AuditKinds.ReportAction, "report", report.Id.ToString(), reason,
                        Before: new { state = nameof(ReportState.Open) },
                        After: new { state = nameof(ReportState.Actioned), document = report.DocumentId, alreadyRemoved = outcome is RemovalOutcome.AlreadyRemoved }), ct);
                    return new Decision.Done(DecisionTexts.ReportDocumentGone);
                }, ct);
            default:
                throw new InvalidOperationException($"Unexpected removal outcome {outcome}");
        }
    }

    /// <summary>The removal's public category for a report's reason.</summary>
    public static RemovalCategory CategoryOf(ReportReason reason) => reason switch
    {
        ReportReason.Infringement => RemovalCategory.Infringement,
        ReportReason.Pornography => RemovalCategory.Pornography,
        ReportReason.Illegal => RemovalCategory.Illegal,
        ReportReason.Spam => RemovalCategory.Spam,
        ReportReason.Duplicate => RemovalCategory.Duplicate,
        _ => RemovalCategory.Other,
    };

    /// <summary>Moves the report out of Open if it still is (one conditional update); false when someone decided it first.</summary>
    private async Task<bool> TakeAsync(Report report, ReportState state, string reason, string actorId, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var taken = await db.Reports.Where(r => r.Id == report.Id && r.State == ReportState.Open)
            .ExecuteUpdateAsync(s => s
                .SetProperty(r => r.State, state)
                .SetProperty(r => r.DecidedAt, now)
                .SetProperty(r => r.DecidedById, actorId)
                .SetProperty(r => r.DecisionReason, reason), ct);
        return taken == 1;
    }

    private async Task TellReporterAsync(Report report, string outcome, string reason, CancellationToken ct)
    {
        var title = await db.Documents.Where(d => d.Id == report.DocumentId).Select(d => d.Title).SingleOrDefaultAsync(ct) ?? "";
        Notifications.Add(db, report.ReporterId, NotificationKinds.ReportDecided, new { title, outcome, reason }, "/me/reports");
        await db.SaveChangesAsync(ct);
    }
}
