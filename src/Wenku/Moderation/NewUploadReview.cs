using Wenku.Web.Localization;
using Microsoft.EntityFrameworkCore;
using Wenku.Accounts;
using Wenku.Data;
using Wenku.Documents;

namespace Wenku.Moderation;

/// <summary>
/// Pre-publication review (<see cref="SiteSettings.ReviewNewUploads"/>): whether a new upload waits for a moderator.
/// <list type="bullet">
/// <item><c>Off</c>: never.</item>
/// <item><c>All</c>: every upload but staff's.</item>
/// <item><c>NewUploaders</c>: while the uploader has fewer than <see cref="SiteSettings.ReviewNewUploaderDocuments"/>
/// documents that were published: ready ones, and removed ones that were ready when taken down (a takedown does not make
/// an uploader new again; held, rejected, failed and converting documents were never published and do not count).</item>
/// </list>
/// Staff uploads are never held: they would review them themselves.
/// </summary>
public sealed class NewUploadReview
{
    public static readonly Message EveryUpload = new("hold.new-upload-all", "全部新上传的文档须经审核");
    public static readonly Message FirstUploads = new("hold.new-upload-first", "上传者已发布 {0} 份文档（前 {1} 份须经审核）");

    public async Task<Hold?> CheckAsync(WenkuDb db, Document doc, SiteSettings settings, CancellationToken ct)
    {
        if (settings.ReviewNewUploads == ReviewNewUploads.Off) return null;
        if (await IsStaffAsync(db, doc.UploaderId, ct)) return null;
        if (settings.ReviewNewUploads == ReviewNewUploads.All)
            return new Hold(HoldReason.NewUpload, EveryUpload.With());
        var published = await PublishedCountAsync(db, doc.UploaderId, doc.Id, ct);
        return published >= settings.ReviewNewUploaderDocuments ? null
            : new Hold(HoldReason.NewUpload, FirstUploads.With(published, settings.ReviewNewUploaderDocuments));
    }

    /// <summary>The uploader's documents, other than <paramref name="exceptId"/>, that were published (ready, or removed after being ready).</summary>
    public static Task<int> PublishedCountAsync(WenkuDb db, string uploaderId, long exceptId, CancellationToken ct) =>
        db.Documents.AsNoTracking().CountAsync(d => d.UploaderId == uploaderId && d.Id != exceptId
            && (d.Status == DocumentStatus.Ready
                || (d.Status == DocumentStatus.Removed
                    && db.DocumentRemovals.Any(r => r.Id == d.RemovalId && r.PreviousStatus == nameof(DocumentStatus.Ready)))), ct);

    private static Task<bool> IsStaffAsync(WenkuDb db, string userId, CancellationToken ct) =>
        (from ur in db.UserRoles
         join r in db.Roles on ur.RoleId equals r.Id
         where ur.UserId == userId && (r.Name == Roles.Admin || r.Name == Roles.Moderator)
         select ur).AnyAsync(ct);
}
