using System.Security.Claims;
using Microsoft.AspNetCore.OutputCaching;
using Microsoft.EntityFrameworkCore;
using Wenku.Accounts;
using Wenku.Commerce;
using Wenku.Data;
using Wenku.Moderation;
using Wenku.Storage;

namespace Wenku.Documents;

/// <summary>What became of an edit or a delete asked by the uploader or staff, from the site or the API.</summary>
public enum ChangeOutcome { Done, NotFound, Forbidden, Gone, Invalid, HasBuyers }

/// <summary>
/// The outcome of <see cref="DocumentChanges.EditAsync"/> or <see cref="DocumentChanges.DeleteAsync"/>: the document
/// (also when <see cref="ChangeOutcome.Gone"/>, for its 410), and for <see cref="ChangeOutcome.Invalid"/> the refusal
/// per field (keyed as the upload form's fields) and whether a sensitive word caused it.
/// </summary>
public sealed record ChangeResult(ChangeOutcome Outcome, Document? Document = null, Dictionary<string, string>? Errors = null, bool Blocked = false);

/// <summary>
/// Edits and deletes of a document by its uploader or staff — one implementation for the site's pages and the API's
/// PATCH/DELETE: the upload's rules (<see cref="DocumentRules"/>) and sensitive-word screening for edits, the search
/// outbox (written with the change) and the document page's cache, an audit entry when staff change someone else's
/// document, and buyers protected from a delete.
/// </summary>
public sealed class DocumentChanges(
    WenkuDb db, Ledger ledger, AuditLog audit, IFileStore store, IOutputCacheStore cache, SensitiveWordScreen words,
    IServiceProvider services, ILogger<DocumentChanges> log, Microsoft.Extensions.Localization.IStringLocalizer<SharedResource> T)
{
    public const string AuditEdit = "document.edit";
    public const string AuditDelete = "document.delete";

    /// <summary>Applies <paramref name="edit"/> (a null field stays as it is). Prices change for later buyers only: purchases keep what they paid.</summary>
    public async Task<ChangeResult> EditAsync(long id, DocumentEdit edit, ClaimsPrincipal user, CancellationToken ct)
    {
        var result = await ledger.InTransactionAsync(async () =>
        {
            var doc = await db.Documents.Include(d => d.Category).Include(d => d.Uploader).SingleOrDefaultAsync(d => d.Id == id, ct);
            if (doc is null) return new ChangeResult(ChangeOutcome.NotFound);
            if (Refused(doc, user) is { } refused) return refused;
            var categoryIds = DocumentRules.CategoryIds(await db.Categories.AsNoTracking().ToListAsync(ct));
            var form = new UploadForm(edit.Title ?? doc.Title, edit.Description ?? doc.Description, edit.Category ?? doc.Category.Slug,
                edit.Tags ?? doc.Tags, edit.Price ?? doc.Price, edit.PreviewPages ?? doc.PreviewPages);
            var (meta, errors) = DocumentRules.Validate(form, doc.OriginalFileName, categoryIds, doc.PreviewPages, T);
            if (meta is null) return new ChangeResult(ChangeOutcome.Invalid, doc, errors);
            var blocked = await words.BlockedFieldsAsync(DocumentIngest.SensitiveFields(meta.Title, meta.Description, meta.Tags), ct);
            if (blocked.Count > 0) return new ChangeResult(ChangeOutcome.Invalid, doc, blocked, Blocked: true);
            // A published document whose uploader adds a review word goes back to the queue until a moderator looks.
            var hold = doc.Status == DocumentStatus.Ready && !user.IsStaff()
                ? await words.NewReviewWordsAsync(doc, meta.Title, meta.Description, meta.Tags, ct) : null;
            var before = new { doc.Title, doc.Description, category = doc.Category.Slug, doc.Tags, doc.Price, doc.PreviewPages };
            doc.Title = meta.Title;
            doc.Description = meta.Description;
            doc.Category = (await db.Categories.FindAsync([meta.CategoryId], ct))!;
            doc.Tags = meta.Tags;
            doc.Price = meta.Price;
            doc.PreviewPages = meta.PreviewPages;
            hold?.ApplyTo(doc);
            // The page's description and language follow the title, description and preview pages (DocumentSeo.Keep).
            var previewPages = meta.PreviewPages;
            Discovery.DocumentSeo.Keep(doc, (await db.DocumentPages.AsNoTracking()
                .Where(p => p.DocumentId == id && p.Number <= previewPages).OrderBy(p => p.Number)
                .Select(p => new { p.Number, p.Text }).ToListAsync(ct)).Select(p => (p.Number, p.Text)));
            await db.SaveChangesAsync(ct); // with the search outbox entry
            if (IsSomeoneElses(doc, user))
                await audit.RecordAsync(new AuditRecord(user.UserId()!, AuditEdit, "document", id.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    Before: before, After: new { doc.Title, doc.Description, category = doc.Category.Slug, doc.Tags, doc.Price, doc.PreviewPages }), ct);
            return new ChangeResult(ChangeOutcome.Done, doc);
        }, ct);
        if (result.Outcome == ChangeOutcome.Done) await AfterChangeAsync(id, ct);
        return result;
    }

    /// <summary>
    /// Deletes the document, its rows (pages, comments, jobs cascade) and then its files. Refused while it has live
    /// purchases: buyers keep what they paid for until staff refund them. A removed document is kept (its files wait
    /// for an appeal and the retention sweep).
    /// </summary>
    public async Task<ChangeResult> DeleteAsync(long id, ClaimsPrincipal user, CancellationToken ct)
    {
        var result = await ledger.InTransactionAsync(async () =>
        {
            var doc = await db.Documents.SingleOrDefaultAsync(d => d.Id == id, ct);
            if (doc is null) return new ChangeResult(ChangeOutcome.NotFound);
            if (Refused(doc, user) is { } refused) return refused;
            if (await db.Purchases.AnyAsync(p => p.DocumentId == id && p.RefundedAt == null, ct))
                return new ChangeResult(ChangeOutcome.HasBuyers, doc);
            db.Documents.Remove(doc);
            await db.SaveChangesAsync(ct); // rows first, with the search outbox entry
            if (IsSomeoneElses(doc, user))
                await audit.RecordAsync(new AuditRecord(user.UserId()!, AuditDelete, "document", id.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    Before: new { doc.Title, doc.UploaderId, doc.Status }), ct);
            return new ChangeResult(ChangeOutcome.Done, doc);
        }, ct);
        if (result.Outcome != ChangeOutcome.Done) return result;
        // Then the files; if this process dies here, the janitor removes files that belong to no document.
        await store.DeleteAsync(result.Document!.StorageKey, ct);
        await store.DeletePreviewFilesAsync(id, ct);
        await AfterChangeAsync(id, ct);
        log.LogInformation("Document {DocumentId} deleted by {UserId}", id, user.UserId());
        return result;
    }

    private static ChangeResult? Refused(Document? doc, ClaimsPrincipal user)
    {
        if (doc is not null && DocumentAccess.IsRemoved(doc)) return new ChangeResult(ChangeOutcome.Gone, doc);
        if (doc is null || !DocumentAccess.CanView(doc, user)) return new ChangeResult(ChangeOutcome.NotFound);
        if (!DocumentAccess.IsOwnerOrStaff(doc, user)) return new ChangeResult(ChangeOutcome.Forbidden, doc);
        return null;
    }

    private static bool IsSomeoneElses(Document doc, ClaimsPrincipal user) => doc.UploaderId != user.UserId();

    private async Task AfterChangeAsync(long id, CancellationToken ct)
    {
        await DocumentPageCache.EvictAsync(cache, id, ct);
        services.GetService<Search.SearchSync>()?.Nudge();
    }
}

/// <summary>
/// The rate limit of the site's edit and delete forms: per person, <see cref="PerMinute"/> sends (POST) a minute;
/// showing the forms does not count.
/// </summary>
public static class DocumentChangeLimits
{
    public const string Policy = "document-changes";
    public const int PerMinute = 30;

    public static IServiceCollection AddDocumentChangeLimits(this IServiceCollection services) =>
        services.Configure<Microsoft.AspNetCore.RateLimiting.RateLimiterOptions>(r => r.AddPolicy(Policy, ctx => HttpMethods.IsPost(ctx.Request.Method)
            ? System.Threading.RateLimiting.RateLimitPartition.GetFixedWindowLimiter("change:" + (ctx.User.UserId() ?? "ip:" + ctx.Connection.RemoteIpAddress),
                _ => new System.Threading.RateLimiting.FixedWindowRateLimiterOptions { PermitLimit = PerMinute, Window = TimeSpan.FromMinutes(1) })
            : System.Threading.RateLimiting.RateLimitPartition.GetNoLimiter("change-form")));
}
