using System.ComponentModel.DataAnnotations;
using Wenku.Data;

namespace Wenku.Moderation;

/// <summary>Why a reader reports a document or a comment (举报). The API names them in lower case.</summary>
public enum ReportReason
{
    /// <summary>侵权: the reporter names the original work and a contact.</summary>
    Infringement,
    /// <summary>色情</summary>
    Pornography,
    /// <summary>违法</summary>
    Illegal,
    /// <summary>广告</summary>
    Spam,
    /// <summary>抄袭: a copy of another document.</summary>
    Duplicate,
    /// <summary>其他</summary>
    Other,
}

public enum ReportState { Open, Dismissed, Actioned }

/// <summary>A reader's report of a document, or of one comment on it (<see cref="CommentId"/>).</summary>
public sealed class Report
{
    public const int MaxDetails = 2000;

    public long Id { get; set; }
    public long DocumentId { get; set; }

    /// <summary>The reported comment; null for a report of the document itself.</summary>
    public long? CommentId { get; set; }

    [MaxLength(450)]
    public required string ReporterId { get; set; }

    public ReportReason Reason { get; set; }

    [MaxLength(MaxDetails)]
    public string Details { get; set; } = "";

    /// <summary>Infringement: the original work's title.</summary>
    [MaxLength(200)]
    public string? OriginalTitle { get; set; }

    /// <summary>Infringement: a link to, or the ISBN of, the original work.</summary>
    [MaxLength(500)]
    public string? OriginalLink { get; set; }

    /// <summary>Infringement: how to reach the rights holder (email or phone).</summary>
    [MaxLength(200)]
    public string? Contact { get; set; }

    public ReportState State { get; set; } = ReportState.Open;

    [SetOnInsert]
    public DateTime CreatedAt { get; set; }

    public DateTime? DecidedAt { get; set; }

    [MaxLength(450)]
    public string? DecidedById { get; set; }

    /// <summary>The moderator's reason, shown to the reporter.</summary>
    [MaxLength(500)]
    public string? DecisionReason { get; set; }
}

public enum ClaimState { Open, Approved, Rejected }

/// <summary>
/// A rights holder's claim (认领): "this is my work". Approved, the document moves to the claimant with its past
/// earnings (or is removed, when the claimant asked for that).
/// </summary>
public sealed class Claim
{
    public const int MaxStatement = 4000;

    public long Id { get; set; }
    public long DocumentId { get; set; }

    [MaxLength(450)]
    public required string ClaimantId { get; set; }

    [MaxLength(MaxStatement)]
    public required string Statement { get; set; }

    /// <summary>The evidence file's key in the file store (generated, never from user input); null without one.</summary>
    [MaxLength(200)]
    public string? EvidenceKey { get; set; }

    /// <summary>The evidence file's name as uploaded (cleaned), for staff.</summary>
    [MaxLength(260)]
    public string? EvidenceFileName { get; set; }

    /// <summary>Its format detected from the content (e.g. <c>pdf</c>, <c>jpg</c>).</summary>
    [MaxLength(16)]
    public string? EvidenceFormat { get; set; }

    public long EvidenceBytes { get; set; }

    /// <summary>The claimant asks for the document to be removed instead of moved to them.</summary>
    public bool WantsRemoval { get; set; }

    public ClaimState State { get; set; } = ClaimState.Open;

    [SetOnInsert]
    public DateTime CreatedAt { get; set; }

    public DateTime? DecidedAt { get; set; }

    [MaxLength(450)]
    public string? DecidedById { get; set; }

    [MaxLength(500)]
    public string? DecisionReason { get; set; }

    /// <summary>Approved: who the document belonged to before.</summary>
    [MaxLength(450)]
    public string? PreviousUploaderId { get; set; }

    /// <summary>Approved: the ledger transaction that moved the past earnings (null when there were none).</summary>
    public long? TransferTransactionId { get; set; }
}

/// <summary>Why a document was removed, shown publicly on its 410 page (the category, not the moderator's note).</summary>
public enum RemovalCategory
{
    Infringement,
    Pornography,
    Illegal,
    Spam,
    Duplicate,
    Other,
    /// <summary>The uploader was banned and their documents hidden.</summary>
    UploaderBanned,
}

/// <summary>
/// One takedown of a document (下架). The document's <see cref="Documents.Document.RemovalId"/> points at the current
/// one while its status is <c>Removed</c>; a restore closes it. Files stay until <see cref="FilesDeletedAt"/>.
/// </summary>
public sealed class DocumentRemoval
{
    public const int MaxReason = StaffReason.MaxLength;

    public long Id { get; set; }
    public long DocumentId { get; set; }

    public RemovalCategory Category { get; set; }

    /// <summary>The moderator's reason (required; shown to the uploader, not to the public).</summary>
    [MaxLength(MaxReason)]
    public required string Reason { get; set; }

    [MaxLength(450)]
    public required string RemovedById { get; set; }

    [SetOnInsert]
    public DateTime RemovedAt { get; set; }

    /// <summary>What led to it, when it came from a report or a claim.</summary>
    public long? ReportId { get; set; }
    public long? ClaimId { get; set; }

    /// <summary>The status the document had before (to go back to on restore).</summary>
    [MaxLength(16)]
    public string PreviousStatus { get; set; } = "Ready";

    public DateTime? RestoredAt { get; set; }

    [MaxLength(450)]
    public string? RestoredById { get; set; }

    [MaxLength(MaxReason)]
    public string? RestoreReason { get; set; }

    /// <summary>When the original and page images were deleted (after <c>RemovedRetentionDays</c>); no restore after.</summary>
    public DateTime? FilesDeletedAt { get; set; }
}

public enum AppealState { Open, Upheld, Rejected }

/// <summary>The uploader's one appeal against a removal, decided by a moderator other than the one who removed it.</summary>
public sealed class Appeal
{
    public const int MaxStatement = 2000;

    public long Id { get; set; }

    /// <summary>The removal appealed against (one appeal per removal).</summary>
    public long RemovalId { get; set; }

    public long DocumentId { get; set; }

    [MaxLength(450)]
    public required string UploaderId { get; set; }

    [MaxLength(MaxStatement)]
    public required string Statement { get; set; }

    public AppealState State { get; set; } = AppealState.Open;

    [SetOnInsert]
    public DateTime CreatedAt { get; set; }

    public DateTime? DecidedAt { get; set; }

    [MaxLength(450)]
    public string? DecidedById { get; set; }

    [MaxLength(500)]
    public string? DecisionReason { get; set; }
}

public enum WordAction
{
    /// <summary>Refuse the title, description, tag or comment, naming the word.</summary>
    Block,
    /// <summary>Accept, and send the item to the review queue.</summary>
    Review,
}

/// <summary>One entry of the sensitive-word list (敏感词).</summary>
public sealed class SensitiveWord
{
    public const int MaxLength = 100;

    public long Id { get; set; }

    /// <summary>The word or pattern as staff entered it.</summary>
    [MaxLength(MaxLength)]
    public required string Pattern { get; set; }

    /// <summary>The pattern folded (<c>TextFolding</c>) with separators removed: what the matcher looks for (unique).</summary>
    [MaxLength(MaxLength)]
    public required string Folded { get; set; }

    public WordAction Action { get; set; }

    [SetOnInsert]
    public DateTime CreatedAt { get; set; }
}

/// <summary>
/// One staff action (or claim transfer), append-only. <see cref="Hash"/> is SHA-256 over the row's content and
/// <see cref="PreviousHash"/> (the hash of the row before it), so an edited or deleted row breaks the chain
/// (<c>wenku admin audit verify</c>). Written by <see cref="AuditLog"/> only.
/// </summary>
public sealed class AuditEntry
{
    public long Id { get; set; }

    public DateTime At { get; set; }

    /// <summary>Who acted: a user id, or <c>system</c> / <c>cli</c>.</summary>
    [MaxLength(450)]
    public required string ActorId { get; set; }

    /// <summary>The actor's name at the time (users can be renamed).</summary>
    [MaxLength(100)]
    public string ActorName { get; set; } = "";

    /// <summary>What was done, e.g. <c>document.remove</c>, <c>user.ban</c>, <c>settings.change</c> (see <see cref="AuditKinds"/>).</summary>
    [MaxLength(60)]
    public required string Kind { get; set; }

    /// <summary>The object's type (<c>document</c>, <c>user</c>, <c>report</c>, <c>claim</c>, <c>purchase</c> …) and id.</summary>
    [MaxLength(40)]
    public required string ObjectType { get; set; }

    [MaxLength(450)]
    public required string ObjectId { get; set; }

    [MaxLength(1000)]
    public string Reason { get; set; } = "";

    /// <summary>The object's state before and after, as compact JSON (what changed only).</summary>
    [MaxLength(4000)]
    public string Before { get; set; } = "";

    [MaxLength(4000)]
    public string After { get; set; } = "";

    [MaxLength(64)]
    public required string PreviousHash { get; set; }

    [MaxLength(64)]
    public required string Hash { get; set; }
}

/// <summary>A message to a user in the site (站内信), about a decision on their document, report, claim, appeal or withdrawal.</summary>
public sealed class Notification
{
    public long Id { get; set; }

    [MaxLength(450)]
    public required string UserId { get; set; }

    /// <summary>What happened, a code rendered in the reader's language (see <see cref="NotificationKinds"/>).</summary>
    [MaxLength(60)]
    public required string Kind { get; set; }

    /// <summary>The values the text needs (document title, reason …), as a JSON object.</summary>
    [MaxLength(4000)]
    public string Args { get; set; } = "{}";

    /// <summary>A site-relative link to what it is about (e.g. <c>/d/12</c>); never user input.</summary>
    [MaxLength(200)]
    public string? Link { get; set; }

    [SetOnInsert]
    public DateTime CreatedAt { get; set; }

    public DateTime? ReadAt { get; set; }
}

/// <summary>Why a document waits in the review queue (status <c>Held</c>).</summary>
public enum HoldReason
{
    /// <summary>A near duplicate of a document in the library (<c>NearDuplicateOfId</c>).</summary>
    NearDuplicate,
    /// <summary>Pre-publication review of new uploads (<c>ReviewNewUploads</c>).</summary>
    NewUpload,
    /// <summary>Its title, description, tags or text contain a word marked <c>review</c>; <c>HoldDetails</c> lists them.</summary>
    SensitiveWords,
}

/// <summary>Which new uploads wait for a moderator before they are published.</summary>
public enum ReviewNewUploads
{
    Off,
    /// <summary>The first <c>ReviewNewUploaderDocuments</c> documents of each uploader.</summary>
    NewUploaders,
    All,
}

/// <summary>Where a comment is: shown, waiting for review (shown to its author only), or hidden by staff.</summary>
public enum CommentState { Visible, Pending, Hidden }
