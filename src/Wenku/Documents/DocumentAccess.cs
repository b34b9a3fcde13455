using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Wenku.Accounts;
using Wenku.Data;

namespace Wenku.Documents;

/// <summary>
/// Who may see what of a document. The preview limit is enforced here, for every door (site and API): a page past
/// <see cref="Document.PreviewPages"/> and the original of a paid document go only to the uploader, staff, or
/// someone entitled (who bought it).
/// </summary>
public sealed class DocumentAccess(WenkuDb db)
{
    /// <summary>
    /// Ready documents are public; one still converting or failed is seen only by its uploader and staff. A removed one
    /// (下架) is seen by nobody: every door answers 410 (<see cref="FindAsync"/>), staff keep only its page images
    /// (<see cref="CanSeePageAsync"/>, for the review of an appeal).
    /// </summary>
    public static bool CanView(Document doc, ClaimsPrincipal user) =>
        doc.Status == DocumentStatus.Ready || (doc.Status != DocumentStatus.Removed && IsOwnerOrStaff(doc, user));

    public static bool IsRemoved(Document doc) => doc.Status == DocumentStatus.Removed;

    /// <summary>
    /// The document if it exists and <paramref name="user"/> may see it (<see cref="DocumentLookup.Visible"/>); a
    /// removed one with its current removal (<see cref="DocumentLookup.Removal"/>: the door answers 410); else nothing (404).
    /// </summary>
    public async Task<DocumentLookup> FindAsync(long id, ClaimsPrincipal user, CancellationToken ct)
    {
        var doc = await db.Documents.AsNoTracking().SingleOrDefaultAsync(d => d.Id == id, ct);
        if (doc is null) return DocumentLookup.None;
        if (IsRemoved(doc)) return new DocumentLookup(doc, await RemovalOfAsync(doc, ct));
        return CanView(doc, user) ? new DocumentLookup(doc, null) : DocumentLookup.None;
    }

    /// <summary>The current removal of a removed document (a stand-in if its row is somehow missing, so that it stays gone).</summary>
    public async Task<Moderation.DocumentRemoval> RemovalOfAsync(Document doc, CancellationToken ct) =>
        await db.DocumentRemovals.AsNoTracking().SingleOrDefaultAsync(r => r.Id == doc.RemovalId, ct)
        ?? new Moderation.DocumentRemoval { DocumentId = doc.Id, Category = Moderation.RemovalCategory.Other, Reason = "", RemovedById = "" };

    public static bool IsOwnerOrStaff(Document doc, ClaimsPrincipal user) =>
        user.Identity?.IsAuthenticated == true && (user.UserId() == doc.UploaderId || user.IsStaff());

    /// <summary>The document if it exists and <paramref name="user"/> may see it, else null (a 404 either way).</summary>
    public async Task<Document?> FindVisibleAsync(long id, ClaimsPrincipal user, CancellationToken ct)
    {
        var doc = await db.Documents.AsNoTracking().SingleOrDefaultAsync(d => d.Id == id, ct);
        return doc is not null && CanView(doc, user) ? doc : null;
    }

    /// <summary>
    /// Of the documents that <paramref name="docs"/> are near duplicates of, those <paramref name="user"/> may see. A
    /// held upload's uploader is told that it matches a document, but is shown which one only if it is public (or
    /// theirs): another user's hidden document stays hidden, its id included.
    /// </summary>
    public async Task<HashSet<long>> VisibleNearDuplicatesAsync(IEnumerable<Document> docs, ClaimsPrincipal user, CancellationToken ct)
    {
        var ids = docs.Where(d => d.NearDuplicateOfId is not null).Select(d => d.NearDuplicateOfId!.Value).Distinct().ToList();
        if (ids.Count == 0) return [];
        var originals = await db.Documents.AsNoTracking().Where(d => ids.Contains(d.Id)).ToListAsync(ct);
        return originals.Where(d => CanView(d, user)).Select(d => d.Id).ToHashSet();
    }

    public async Task<bool> IsEntitledAsync(Document doc, ClaimsPrincipal user, CancellationToken ct)
    {
        if (IsOwnerOrStaff(doc, user)) return true;
        var userId = user.UserId();
        return userId is not null && await db.Entitlements.AnyAsync(e => e.DocumentId == doc.Id && e.UserId == userId, ct);
    }

    /// <summary>Whether <paramref name="user"/> may see page <paramref name="page"/> (1-based).</summary>
    public async Task<bool> CanSeePageAsync(Document doc, int page, ClaimsPrincipal user, CancellationToken ct) =>
        page >= 1 && page <= doc.PageCount && (CanView(doc, user) || (IsRemoved(doc) && user.IsStaff()))
        && (page <= doc.PreviewPages || await IsEntitledAsync(doc, user, ct));

    /// <summary>The last page <paramref name="user"/> may see.</summary>
    public async Task<int> VisiblePagesAsync(Document doc, ClaimsPrincipal user, CancellationToken ct) =>
        await IsEntitledAsync(doc, user, ct) ? doc.PageCount : Math.Min(doc.PreviewPages, doc.PageCount);

    /// <summary>
    /// Counts a reader's first download of a document: repeats, and the uploader's or staff's own, do not count, so
    /// "most downloaded" cannot be pumped.
    /// </summary>
    public async Task RecordDownloadAsync(Document doc, ClaimsPrincipal user, CancellationToken ct)
    {
        var userId = user.UserId();
        if (userId is null || IsOwnerOrStaff(doc, user) || await db.Downloads.AnyAsync(e => e.DocumentId == doc.Id && e.UserId == userId, ct)) return;
        // The execution strategy retries the whole transaction after a transient failure (PostgreSQL).
        await db.Database.CreateExecutionStrategy().ExecuteAsync(async () =>
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            var added = await CountFirstDownloadAsync(db, doc.Id, userId, ct);
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException)
            {
                return; // the same reader's parallel download won; the count's increment goes with the rollback
            }
            finally
            {
                foreach (var entry in added) entry.State = EntityState.Detached; // a retry adds them afresh
            }
            await tx.CommitAsync(ct);
        });
    }

    /// <summary>
    /// A reader's first download, inside the caller's transaction (a free download, a purchase): the download row (its key
    /// refuses a second one at the caller's save), the document's count, and a search outbox row ("most downloaded" sorts
    /// by it). Returns the added entries.
    /// </summary>
    public static async Task<EntityEntry[]> CountFirstDownloadAsync(WenkuDb db, long documentId, string userId, CancellationToken ct)
    {
        var download = db.Downloads.Add(new Download { DocumentId = documentId, UserId = userId });
        await db.Documents.Where(d => d.Id == documentId).ExecuteUpdateAsync(s => s.SetProperty(d => d.Downloads, d => d.Downloads + 1), ct);
        var change = db.SearchChanges.Add(new Search.SearchChange { DocumentId = documentId, CountsOnly = true });
        return [download, change];
    }

    /// <summary>Free documents: any signed-in reader. Paid ones: the entitled (commerce comes later).</summary>
    public async Task<bool> CanDownloadAsync(Document doc, ClaimsPrincipal user, CancellationToken ct) =>
        user.Identity?.IsAuthenticated == true && doc.Status == DocumentStatus.Ready
        && (doc.IsFree || await IsEntitledAsync(doc, user, ct));
}

/// <summary>
/// What a door finds: <see cref="Document"/> is null for no such document (or one the caller may not know of: 404);
/// with <see cref="Removal"/> set it was removed (410, whoever asks).
/// </summary>
public sealed record DocumentLookup(Document? Document, Moderation.DocumentRemoval? Removal)
{
    public static readonly DocumentLookup None = new(null, null);

    public bool Gone => Removal is not null;

    /// <summary>The document when the caller may see it (not removed).</summary>
    public Document? Visible => Gone ? null : Document;
}
