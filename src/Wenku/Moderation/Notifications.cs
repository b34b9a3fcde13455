using System.Text.Json;
using Wenku.Data;

namespace Wenku.Moderation;

/// <summary>The kinds of notifications, as stored. Each is rendered in the reader's language from its arguments.</summary>
public static class NotificationKinds
{
    /// <summary>Your document was removed. Args: title, category, reason.</summary>
    public const string DocumentRemoved = "document.removed";
    /// <summary>Your document was restored. Args: title, reason.</summary>
    public const string DocumentRestored = "document.restored";
    /// <summary>Your held document was published / rejected. Args: title, reason.</summary>
    public const string DocumentReleased = "document.released";
    public const string DocumentRejected = "document.rejected";
    /// <summary>Your report was decided. Args: title, outcome (dismissed|actioned), reason.</summary>
    public const string ReportDecided = "report.decided";
    /// <summary>Your claim was approved / rejected. Args: title, reason.</summary>
    public const string ClaimApproved = "claim.approved";
    public const string ClaimRejected = "claim.rejected";
    /// <summary>A document of yours was claimed by its rights holder and moved to them. Args: title, points (earnings moved).</summary>
    public const string DocumentClaimedAway = "document.claimed-away";
    /// <summary>Your appeal was upheld / rejected. Args: title, reason.</summary>
    public const string AppealUpheld = "appeal.upheld";
    public const string AppealRejected = "appeal.rejected";
    /// <summary>A purchase of yours was refunded. Args: title, points.</summary>
    public const string PurchaseRefunded = "purchase.refunded";
    /// <summary>Your withdrawal was paid / rejected. Args: points, reason.</summary>
    public const string WithdrawalPaid = "withdrawal.paid";
    public const string WithdrawalRejected = "withdrawal.rejected";
    /// <summary>Your comment was hidden. Args: title, reason.</summary>
    public const string CommentHidden = "comment.hidden";
    /// <summary>You were banned / unbanned. Args: reason.</summary>
    public const string AccountBanned = "account.banned";
    public const string AccountUnbanned = "account.unbanned";
}

/// <summary>
/// Tells users in the site (站内信) about decisions on their documents, reports, claims, appeals and withdrawals.
/// <see cref="Add"/> adds the row to the caller's unit of work, so the notice commits with the decision it reports.
/// </summary>
public static class Notifications
{
    /// <summary>Adds a notification for <paramref name="userId"/> to <paramref name="db"/> (saved with the caller's changes).</summary>
    /// <param name="args">An object whose properties the text needs (e.g. <c>new { title, reason }</c>).</param>
    /// <param name="link">A site-relative link built by the site (e.g. <c>$"/d/{id}"</c>), never user input.</param>
    public static Notification Add(WenkuDb db, string userId, string kind, object? args = null, string? link = null)
    {
        var json = args is null ? "{}" : JsonSerializer.Serialize(args);
        if (json.Length > 4000) json = "{}";
        var notification = new Notification { UserId = userId, Kind = kind, Args = json, Link = link };
        db.Notifications.Add(notification);
        return notification;
    }
}
