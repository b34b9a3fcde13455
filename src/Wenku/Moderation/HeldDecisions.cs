using Microsoft.Extensions.Localization;
using Wenku.Web.Localization;
using Microsoft.AspNetCore.OutputCaching;
using Microsoft.EntityFrameworkCore;
using Wenku.Commerce;
using Wenku.Data;
using Wenku.Documents;
using Wenku.Duplicates;
using Wenku.Storage;

namespace Wenku.Moderation;

/// <summary>
/// A moderator's decision on a held document (near duplicate, new upload, sensitive words): <c>release</c> or <c>reject</c>.
/// One database transaction: the status (which puts the document in the search outbox: a release is indexed, a reject
/// never was), the uploader's notification and the audit entry. After the commit the cached page is evicted and, for a
/// reject, the fingerprints are forgotten (no later upload is held as its copy) and the page images deleted; the original
/// stays with the failed document until its uploader deletes it, as for any failed conversion.
/// </summary>
public sealed class HeldDecisions(WenkuDb db, Ledger ledger, AuditLog audit, DuplicateDetector detector, IFileStore store,
    IOutputCacheStore cache, ILogger<HeldDecisions> log)
{
    public const string Release = "release";
    public const string Reject = "reject";

    public const int MaxReason = StaffReason.MaxLength;

    public async Task<Decision> DecideAsync(long documentId, string action, string? reason, string actorId, CancellationToken ct)
    {
        if (action is not (Release or Reject)) return new Decision.BadAction();
        if (StaffReason.Clean(reason) is not { } clean) return new Decision.BadReason();
        var outcome = await ledger.InTransactionAsync<Decision>(async () =>
        {
            var doc = await db.Documents.SingleOrDefaultAsync(d => d.Id == documentId, ct);
            if (doc is null) return new Decision.NotFound();
            if (doc.Status != DocumentStatus.Held) return new Decision.NotOpen();
            var hold = doc.HoldReason ?? HoldReason.NearDuplicate;
            if (action == Release)
            {
                doc.Status = DocumentStatus.Ready;
                Notifications.Add(db, doc.UploaderId, NotificationKinds.DocumentReleased, new { title = doc.Title, reason = clean }, $"/d/{documentId}");
            }
            else
            {
                doc.Status = DocumentStatus.Failed;
                // Stored as a code and its arguments: the uploader reads it in their own language.
                var (message, args) = Rejection(hold, doc.NearDuplicateOfId, clean);
                doc.Error = Cut(message.Format(args), 1000);
                var stored = Message.StoreArgs(args);
                (doc.ErrorCode, doc.ErrorArgs) = stored.Length > 1000 ? (null, null) : (message.Code, stored);
                Notifications.Add(db, doc.UploaderId, NotificationKinds.DocumentRejected, new { title = doc.Title, reason = clean }, $"/d/{documentId}");
            }
            await db.SaveChangesAsync(ct);
            await audit.RecordAsync(new AuditRecord(actorId, action == Release ? AuditKinds.DocumentRelease : AuditKinds.DocumentReject,
                "document", documentId.ToString(), clean,
                Before: new { status = nameof(DocumentStatus.Held), hold = hold.ToString(), nearDuplicateOf = doc.NearDuplicateOfId },
                After: new { status = doc.Status.ToString() }), ct);
            return new Decision.Done(action == Release ? DecisionTexts.Released : DecisionTexts.Rejected, documentId);
        }, ct);
        if (outcome is not Decision.Done) return outcome;
        if (action == Reject)
        {
            await detector.ForgetAsync(db, documentId, ct);
            await store.DeletePreviewFilesAsync(documentId, ct);
        }
        await DocumentPageCache.EvictAsync(cache, documentId, ct);
        log.LogInformation("Held document {DocumentId}: {Decision} by {UserId}", documentId, action, actorId);
        return outcome;
    }

    public static readonly Message RejectedDuplicate = new("held.rejected-duplicate", "版主认定为 /d/{0} 的重复文档，未予发布。理由：{1}");
    public static readonly Message RejectedWords = new("held.rejected-words", "版主审核了文档中需审核的词语，未予发布。理由：{0}");
    public static readonly Message RejectedNewUpload = new("held.rejected-new-upload", "版主审核新上传的文档后未予发布。理由：{0}");

    /// <summary>Why the document was not published (the moderator's own reason last), as a stored message.</summary>
    public static (Message Message, object?[] Args) Rejection(HoldReason hold, long? nearDuplicateOf, string reason) => hold switch
    {
        HoldReason.NearDuplicate => (RejectedDuplicate, [nearDuplicateOf, reason]),
        HoldReason.SensitiveWords => (RejectedWords, [reason]),
        _ => (RejectedNewUpload, [reason]),
    };

    private static string Cut(string text, int max) => text.Length <= max ? text : text[..max];
}
