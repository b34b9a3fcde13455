using Microsoft.AspNetCore.OutputCaching;
using Microsoft.EntityFrameworkCore;
using Wenku.Comments;
using Wenku.Commerce;
using Wenku.Data;
using Wenku.Documents;

namespace Wenku.Moderation;

/// <summary>
/// Staff actions on a comment: <c>approve</c> (a pending one becomes visible), <c>hide</c> (nobody but staff sees it;
/// its author is told), <c>delete</c> (the row goes; its open reports are closed as actioned, their reporters told).
/// Each is one transaction with its audit entry; the document's cached page is evicted after.
/// </summary>
public sealed class CommentModeration(WenkuDb db, Ledger ledger, AuditLog audit, IOutputCacheStore cache, TimeProvider clock,
    ILogger<CommentModeration> log)
{
    public const string Approve = "approve";
    public const string Hide = "hide";
    public const string Delete = "delete";

    /// <summary>Longest reason a moderator may give.</summary>
    public const int MaxReason = StaffReason.MaxLength;

    public async Task<Decision> DecideAsync(long commentId, string action, string? reason, string actorId, CancellationToken ct)
    {
        if (action is not (Approve or Hide or Delete)) return new Decision.BadAction();
        if (StaffReason.Clean(reason) is not { } clean) return new Decision.BadReason();
        long documentId = 0;
        var decision = await ledger.InTransactionAsync<Decision>(async () =>
        {
            var comment = await db.Comments.SingleOrDefaultAsync(c => c.Id == commentId, ct);
            if (comment is null) return new Decision.NotFound();
            documentId = comment.DocumentId;
            switch (action)
            {
                case Approve:
                    if (comment.State != CommentState.Pending) return new Decision.NotOpen();
                    comment.State = CommentState.Visible;
                    await db.SaveChangesAsync(ct);
                    await audit.RecordAsync(new AuditRecord(actorId, AuditKinds.CommentApprove, "comment", commentId.ToString(), clean,
                        Before: new { state = nameof(CommentState.Pending), words = comment.ReviewWords },
                        After: new { state = nameof(CommentState.Visible), document = comment.DocumentId }), ct);
                    return new Decision.Done(DecisionTexts.CommentApproved);
                case Hide:
                    if (comment.State == CommentState.Hidden) return new Decision.NotOpen();
                    await HideAsync(comment, clean, actorId, ct);
                    await ActionOpenReportsAsync(comment, clean, actorId, ct);
                    return new Decision.Done(DecisionTexts.CommentHidden);
                default:
                    var before = new { state = comment.State.ToString(), author = comment.UserId, body = comment.Body, document = comment.DocumentId };
                    await ActionOpenReportsAsync(comment, clean, actorId, ct);
                    db.Comments.Remove(comment);
                    await db.SaveChangesAsync(ct);
                    await audit.RecordAsync(new AuditRecord(actorId, AuditKinds.CommentDelete, "comment", commentId.ToString(), clean,
                        Before: before, After: new { deleted = true }), ct);
                    return new Decision.Done(DecisionTexts.CommentDeleted);
            }
        }, ct);
        if (decision is Decision.Done)
        {
            await DocumentPageCache.EvictAsync(cache, documentId, ct);
            log.LogInformation("Comment {CommentId} on document {DocumentId}: {Action} by {UserId}", commentId, documentId, action, actorId);
        }
        return decision;
    }

    /// <summary>
    /// Hides <paramref name="comment"/>, tells its author and writes the audit entry. Runs inside the caller's
    /// transaction (a decision on a comment or on a report of it).
    /// </summary>
    internal async Task HideAsync(Comment comment, string reason, string actorId, CancellationToken ct)
    {
        var before = comment.State;
        comment.State = CommentState.Hidden;
        var title = await db.Documents.Where(d => d.Id == comment.DocumentId).Select(d => d.Title).SingleOrDefaultAsync(ct) ?? "";
        Notifications.Add(db, comment.UserId, NotificationKinds.CommentHidden, new { title, reason }, $"/d/{comment.DocumentId}");
        await db.SaveChangesAsync(ct);
        await audit.RecordAsync(new AuditRecord(actorId, AuditKinds.CommentHide, "comment", comment.Id.ToString(), reason,
            Before: new { state = before.ToString() }, After: new { state = nameof(CommentState.Hidden), document = comment.DocumentId }), ct);
    }

    /// <summary>
    /// Closes the comment's open reports as actioned and tells their reporters (inside the caller's transaction).
    /// Returns how many there were.
    /// </summary>
    internal async Task<int> ActionOpenReportsAsync(Comment comment, string reason, string actorId, CancellationToken ct)
    {
        var open = await db.Reports.Where(r => r.CommentId == comment.Id && r.State == ReportState.Open).ToListAsync(ct);
        if (open.Count == 0) return 0;
        var title = await db.Documents.Where(d => d.Id == comment.DocumentId).Select(d => d.Title).SingleOrDefaultAsync(ct) ?? "";
        var now = clock.GetUtcNow().UtcDateTime;
        foreach (var report in open)
        {
            report.State = ReportState.Actioned;
            report.DecidedAt = now;
            report.DecidedById = actorId;
            report.DecisionReason = reason;
            Notifications.Add(db, report.ReporterId, NotificationKinds.ReportDecided, new { title, outcome = "actioned", reason }, "/me/reports");
        }
        await db.SaveChangesAsync(ct);
        return open.Count;
    }
}
