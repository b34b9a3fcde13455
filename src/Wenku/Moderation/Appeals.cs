using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Wenku.Accounts;
using Wenku.Commerce;
using Wenku.Data;
using Wenku.Documents;

namespace Wenku.Moderation;

public abstract record AppealOutcome
{
    public sealed record Done(Appeal Appeal) : AppealOutcome;
    /// <summary>No such document, or it is not removed.</summary>
    public sealed record NotRemoved : AppealOutcome;
    /// <summary>Only the uploader appeals.</summary>
    public sealed record NotYours : AppealOutcome;
    /// <summary>One appeal per removal: this one was appealed already.</summary>
    public sealed record AlreadyAppealed(Appeal Appeal) : AppealOutcome;
    /// <summary>The retention period passed and the files were deleted: nothing left to restore.</summary>
    public sealed record FilesGone : AppealOutcome;
    /// <summary>No statement, or one longer than <see cref="Appeal.MaxStatement"/>.</summary>
    public sealed record BadStatement : AppealOutcome;
}

/// <summary>The uploader's appeal (申诉) against the removal of their document: once per removal, with a statement.</summary>
public sealed class Appeals(WenkuDb db, Ledger ledger, ILogger<Appeals> log)
{
    /// <summary>Files the uploader's appeal against the document's current removal (not a staff action: no audit entry).</summary>
    public async Task<AppealOutcome> FileAsync(long documentId, string? statement, string uploaderId, CancellationToken ct)
    {
        var clean = Text.SafeText.MultiLine(statement);
        if (clean.Length == 0 || clean.Length > Appeal.MaxStatement) return new AppealOutcome.BadStatement();
        // In a transaction that runs again on a lost race for the one appeal of a removal (its unique key), reading the winner.
        var outcome = await ledger.InTransactionAsync<AppealOutcome>(async () =>
        {
            var doc = await db.Documents.AsNoTracking().SingleOrDefaultAsync(d => d.Id == documentId, ct);
            if (doc is not { Status: DocumentStatus.Removed, RemovalId: { } removalId }) return new AppealOutcome.NotRemoved();
            if (doc.UploaderId != uploaderId) return new AppealOutcome.NotYours();
            if (await db.Appeals.AsNoTracking().SingleOrDefaultAsync(a => a.RemovalId == removalId, ct) is { } earlier)
                return new AppealOutcome.AlreadyAppealed(earlier);
            if (await db.DocumentRemovals.AnyAsync(r => r.Id == removalId && r.FilesDeletedAt != null, ct)) return new AppealOutcome.FilesGone();
            var appeal = new Appeal { RemovalId = removalId, DocumentId = documentId, UploaderId = uploaderId, Statement = clean };
            db.Appeals.Add(appeal);
            await db.SaveChangesAsync(ct);
            return new AppealOutcome.Done(appeal);
        }, ct);
        if (outcome is AppealOutcome.Done done)
            log.LogInformation("Appeal {AppealId} filed against the removal of document {DocumentId}", done.Appeal.Id, documentId);
        return outcome;
    }

    /// <summary>The removals <paramref name="removalIds"/> with their appeals, by document (the uploader's <c>/me</c>).</summary>
    public static async Task<Dictionary<long, (DocumentRemoval Removal, Appeal? Appeal)>> CurrentAsync(WenkuDb db, IReadOnlyCollection<long> removalIds, CancellationToken ct)
    {
        if (removalIds.Count == 0) return [];
        var removals = await db.DocumentRemovals.AsNoTracking().Where(r => removalIds.Contains(r.Id)).ToListAsync(ct);
        var appeals = await db.Appeals.AsNoTracking().Where(a => removalIds.Contains(a.RemovalId)).ToDictionaryAsync(a => a.RemovalId, ct);
        return removals.ToDictionary(r => r.DocumentId, r => (r, appeals.GetValueOrDefault(r.Id)));
    }
}

/// <summary>What the 410 page of a removed document shows to whom (<c>/Moderation/_Removed.cshtml</c>).</summary>
/// <param name="Notice">What a form on the page came back with (<c>?takedown=</c>).</param>
public sealed record RemovedPage(Document Doc, DocumentRemoval Removal, Appeal? Appeal, bool IsUploader, bool IsStaff, string? Notice)
{
    /// <summary>The uploader and staff read the moderator's reason and the title; the public only the category.</summary>
    public bool MaySeeReason => IsUploader || IsStaff;

    public bool FilesDeleted => Removal.FilesDeletedAt is not null;

    public bool CanAppeal => IsUploader && Appeal is null && !FilesDeleted;

    public bool CanRestore => IsStaff && !FilesDeleted;

    public static async Task<RemovedPage> LoadAsync(WenkuDb db, DocumentAccess access, Document doc, ClaimsPrincipal user, string? notice, CancellationToken ct)
    {
        var removal = await access.RemovalOfAsync(doc, ct);
        var isUploader = user.Identity?.IsAuthenticated == true && user.UserId() == doc.UploaderId;
        var isStaff = user.IsStaff();
        var appeal = isUploader || isStaff ? await db.Appeals.AsNoTracking().SingleOrDefaultAsync(a => a.RemovalId == removal.Id, ct) : null;
        return new RemovedPage(doc, removal, appeal, isUploader, isStaff, notice);
    }
}
