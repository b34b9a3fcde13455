using Microsoft.AspNetCore.OutputCaching;
using Microsoft.EntityFrameworkCore;
using Wenku.Commerce;
using Wenku.Data;
using Wenku.Documents;

namespace Wenku.Moderation;

/// <summary>
/// A moderator's decision on a claim: <c>approve</c> (move the document and its earnings, or remove it when asked) or <c>reject</c>.
/// <para>
/// Approving a transfer is one database transaction: the document's row is locked first (so two approvals of claims on
/// one document run one after the other, and the second sees the first), then the document's live purchases that pay the
/// old uploader are pointed at the claimant (so a later refund takes the share back from whoever holds it, and
/// <c>/me/earnings</c> shows them to the claimant), their uploader shares move from the old uploader's earned account to
/// the claimant's in one <see cref="TransactionKind.ClaimTransfer"/> (reference <c>claim:{id}</c>) — what the old uploader
/// no longer has is borne by <see cref="AccountKind.PlatformLosses"/> — and the document's uploader becomes the claimant,
/// with the claim, both notifications and the audit entries.
/// </para>
/// </summary>
public sealed class ClaimDecisions(WenkuDb db, Ledger ledger, AuditLog audit, DocumentRemovals removals, IOutputCacheStore cache,
    TimeProvider clock, ILogger<ClaimDecisions> log)
{
    public const string Approve = "approve";
    public const string Reject = "reject";

    /// <summary>The longest reason a moderator may give (the claim's and the removal's column).</summary>
    public const int MaxReason = DocumentRemoval.MaxReason;

    public async Task<Decision> DecideAsync(long claimId, string action, string? reason, string actorId, CancellationToken ct)
    {
        var verb = (action ?? "").Trim().ToLowerInvariant();
        if (verb is not (Approve or Reject)) return new Decision.BadAction();
        if (StaffReason.Clean(reason) is not { } clean) return new Decision.BadReason();
        var claim = await db.Claims.AsNoTracking().SingleOrDefaultAsync(c => c.Id == claimId, ct);
        if (claim is null) return new Decision.NotFound();
        if (claim.State != ClaimState.Open) return new Decision.NotOpen();
        if (verb == Reject) return await RejectAsync(claimId, clean, actorId, ct);
        if (claim.WantsRemoval) return await ApproveRemovalAsync(claim, clean, actorId, ct);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var decision = await TransferAsync(claimId, clean, actorId, ct);
                if (decision is Decision.Done)
                {
                    await DocumentPageCache.EvictAsync(cache, claim.DocumentId, ct);
                    log.LogInformation("Claim {ClaimId} approved by {UserId}: document {DocumentId} moved to {ClaimantId}", claimId, actorId, claim.DocumentId, claim.ClaimantId);
                }
                return decision;
            }
            catch (InsufficientPointsException) when (attempt < 8)
            {
                // The old uploader spent or withdrew earned points between our read and the debit: split again on the new balance.
            }
        }
    }

    private Task<Decision> RejectAsync(long claimId, string reason, string actorId, CancellationToken ct) =>
        ledger.InTransactionAsync<Decision>(async () =>
        {
            if (!await CloseAsync(claimId, ClaimState.Rejected, reason, actorId, ct)) return new Decision.NotOpen();
            var claim = await db.Claims.AsNoTracking().SingleAsync(c => c.Id == claimId, ct);
            var title = await TitleAsync(claim.DocumentId, ct);
            Notifications.Add(db, claim.ClaimantId, NotificationKinds.ClaimRejected, new { title, reason }, "/me/claims");
            await db.SaveChangesAsync(ct);
            await audit.RecordAsync(new AuditRecord(actorId, AuditKinds.ClaimReject, "claim", claimId.ToString(), reason,
                Before: new { state = nameof(ClaimState.Open) }, After: new { state = nameof(ClaimState.Rejected), document = claim.DocumentId }), ct);
            return new Decision.Done(DecisionTexts.ClaimRejected, claimId);
        }, ct);

    /// <summary>The claimant asked for removal: a takedown for infringement, the claim approved in its transaction.</summary>
    private async Task<Decision> ApproveRemovalAsync(Claim claim, string reason, string actorId, CancellationToken ct)
    {
        RemovalOutcome outcome;
        try
        {
            outcome = await removals.RemoveAsync(claim.DocumentId, RemovalCategory.Infringement, reason, actorId, ct, claimId: claim.Id,
                alsoInTransaction: async (doc, removal) =>
                {
                    if (!await CloseAsync(claim.Id, ClaimState.Approved, reason, actorId, ct)) throw new ClaimNotOpenException();
                    await RecordRemovalApprovalAsync(claim, doc.Title, removal.Id, reason, actorId, ct);
                });
        }
        catch (ClaimNotOpenException)
        {
            return new Decision.NotOpen();
        }
        switch (outcome)
        {
            case RemovalOutcome.Done done:
                return done.Refunded > 0
                    ? new Decision.Done(DecisionTexts.ClaimApprovedRemoved, claim.Id, done.Refunded)
                    : new Decision.Done(DecisionTexts.ClaimApprovedRemovedOnly, claim.Id);
            case RemovalOutcome.AlreadyRemoved already:
                // Taken down already (a report, another claim): what the claimant asked for is done; the claim is approved.
                return await ledger.InTransactionAsync<Decision>(async () =>
                {
                    if (!await CloseAsync(claim.Id, ClaimState.Approved, reason, actorId, ct)) return new Decision.NotOpen();
                    await RecordRemovalApprovalAsync(claim, await TitleAsync(claim.DocumentId, ct), already.Removal.Id, reason, actorId, ct);
                    return new Decision.Done(DecisionTexts.ClaimApprovedRemovedAlready, claim.Id);
                }, ct);
            case RemovalOutcome.NotFound:
                return new Decision.NotFound();
            default:
                return new Decision.BadReason();
        }
    }

    private async Task RecordRemovalApprovalAsync(Claim claim, string title, long removalId, string reason, string actorId, CancellationToken ct)
    {
        Notifications.Add(db, claim.ClaimantId, NotificationKinds.ClaimApproved, new { title, reason, outcome = "removed" }, "/me/claims");
        await db.SaveChangesAsync(ct);
        await audit.RecordAsync(new AuditRecord(actorId, AuditKinds.ClaimApprove, "claim", claim.Id.ToString(), reason,
            Before: new { state = nameof(ClaimState.Open) },
            After: new { state = nameof(ClaimState.Approved), document = claim.DocumentId, outcome = "removed", removal = removalId }), ct);
    }

    private Task<Decision> TransferAsync(long claimId, string reason, string actorId, CancellationToken ct) =>
        ledger.InTransactionAsync<Decision>(async () =>
        {
            var documentId = await db.Claims.Where(c => c.Id == claimId).Select(c => c.DocumentId).SingleAsync(ct);
            // Lock the document's row before reading anything (PostgreSQL: a row lock the other approval waits on; after it,
            // that approval's reads see this one committed. SQLite: the transaction holds the one write lock already).
            var locked = await db.Database.ExecuteSqlAsync($"""UPDATE "Documents" SET "UploaderId" = "UploaderId" WHERE "Id" = {documentId}""", ct);
            if (locked == 0) return new Decision.NotFound();
            var claim = await db.Claims.SingleAsync(c => c.Id == claimId, ct);
            if (claim.State != ClaimState.Open) return new Decision.NotOpen();
            var doc = await db.Documents.SingleAsync(d => d.Id == documentId, ct);
            if (doc.Status == DocumentStatus.Removed)
                return new Decision.NotAllowed(DecisionTexts.ClaimDocumentRemoved);
            if (doc.UploaderId == claim.ClaimantId)
                return new Decision.NotAllowed(DecisionTexts.ClaimantIsUploader);
            // A claim filed against an uploader who has since lost the document to another approved claim is not about
            // the current holder: the moderator rejects it (the claimant may claim again, against the new uploader).
            var claimedMeanwhile = await db.Claims.AnyAsync(c => c.DocumentId == documentId && c.Id != claimId
                && c.State == ClaimState.Approved && !c.WantsRemoval && c.DecidedAt >= claim.CreatedAt, ct);
            if (claimedMeanwhile)
                return new Decision.NotAllowed(DecisionTexts.ClaimMovedMeanwhile);

            var previous = doc.UploaderId;
            var claimant = claim.ClaimantId;
            // The live purchases paying the old uploader now pay the claimant: one statement, so exactly the rows it
            // changed (a refund committed meanwhile is left out; one waiting on these rows re-reads their uploader).
            var moved = await db.Database.SqlQuery<MovedPurchase>($"""
                UPDATE "Purchases" SET "UploaderId" = {claimant}
                WHERE "DocumentId" = {documentId} AND "UploaderId" = {previous} AND "RefundedAt" IS NULL
                RETURNING "Id", "UploaderShare"
                """).ToListAsync(ct);
            var points = moved.Sum(p => (long)p.UploaderShare);
            long fromUploader = 0, loss = 0;
            LedgerTransaction? transfer = null;
            if (points > 0)
            {
                var books = await ledger.BooksAsync([previous, claimant], ct);
                fromUploader = Math.Min(points, Math.Max(0, books[previous].Earned.Balance));
                loss = points - fromUploader;
                transfer = await ledger.PostAsync(TransactionKind.ClaimTransfer,
                    [
                        (books[previous].Earned, -fromUploader),
                        (books[previous][AccountKind.PlatformLosses], -loss),
                        (books[claimant].Earned, points),
                    ],
                    $"claim #{claimId}: earnings of document #{documentId} moved to the rights holder",
                    ct, actorId: actorId, documentId: documentId, reference: $"claim:{claimId}");
            }

            var now = clock.GetUtcNow().UtcDateTime;
            doc.UploaderId = claimant;
            claim.State = ClaimState.Approved;
            claim.DecidedAt = now;
            claim.DecidedById = actorId;
            claim.DecisionReason = reason;
            claim.PreviousUploaderId = previous;
            claim.TransferTransactionId = transfer?.Id;
            Notifications.Add(db, claimant, NotificationKinds.ClaimApproved, new { title = doc.Title, reason, points }, $"/d/{documentId}");
            Notifications.Add(db, previous, NotificationKinds.DocumentClaimedAway, new { title = doc.Title, points, reason }, "/me");
            await db.SaveChangesAsync(ct);
            await audit.RecordAsync(new AuditRecord(actorId, AuditKinds.ClaimApprove, "claim", claimId.ToString(), reason,
                Before: new { state = nameof(ClaimState.Open) },
                After: new { state = nameof(ClaimState.Approved), document = documentId, outcome = "transferred" }), ct);
            await audit.RecordAsync(new AuditRecord(actorId, AuditKinds.ClaimTransfer, "document", documentId.ToString(), reason,
                Before: new { uploader = previous },
                After: new
                {
                    uploader = claimant, claim = claimId, purchases = moved.Count, points, fromUploader, platformLoss = loss, transaction = transfer?.Id,
                }), ct);
            return loss > 0
                ? new Decision.Done(DecisionTexts.ClaimApprovedTransferred, claimId, points, loss)
                : new Decision.Done(DecisionTexts.ClaimApprovedTransferredOnly, claimId, points);
        }, ct);

    /// <summary>Marks an open claim decided (a conditional update: false when someone decided it first).</summary>
    private async Task<bool> CloseAsync(long claimId, ClaimState state, string reason, string actorId, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return await db.Claims.Where(c => c.Id == claimId && c.State == ClaimState.Open).ExecuteUpdateAsync(s => s
            .SetProperty(c => c.State, state).SetProperty(c => c.DecidedAt, now)
            .SetProperty(c => c.DecidedById, actorId).SetProperty(c => c.DecisionReason, reason), ct) == 1;
    }

    private async Task<string> TitleAsync(long documentId, CancellationToken ct) =>
        await db.Documents.Where(d => d.Id == documentId).Select(d => d.Title).FirstOrDefaultAsync(ct) ?? "";

    private sealed class ClaimNotOpenException : Exception;

    /// <summary>A purchase whose earnings a transfer moved.</summary>
    private sealed class MovedPurchase
    {
        public long Id { get; set; }
        public int UploaderShare { get; set; }
    }
}
