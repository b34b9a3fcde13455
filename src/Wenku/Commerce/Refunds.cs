using Microsoft.EntityFrameworkCore;
using Wenku.Data;
using Wenku.Documents;
using Wenku.Moderation;

namespace Wenku.Commerce;

/// <summary>What a refund moved: the whole price back to the buyer, and who gave it back.</summary>
/// <param name="FromUploader">Taken back from the uploader's earned points (as far as their balance covered their share).</param>
/// <param name="PlatformLoss">The part of the uploader's share they had withdrawn or spent already, borne by the platform.</param>
public sealed record RefundReceipt(long PurchaseId, long DocumentId, string BuyerId, int Price, int FromPlatform, long FromUploader, long PlatformLoss, long TransactionId);

public abstract record RefundOutcome
{
    public sealed record Done(RefundReceipt Receipt) : RefundOutcome;
    public sealed record NotFound : RefundOutcome;
    public sealed record AlreadyRefunded : RefundOutcome;
    /// <summary>No reason, or one too long.</summary>
    public sealed record BadReason : RefundOutcome;
}

/// <summary>
/// Staff refunding a purchase: one ledger transaction reversing it, in the database transaction that marks the purchase
/// refunded and removes the buyer's entitlement. The buyer's spendable account gets the whole price back (whatever mix
/// of spendable and earned points paid it: refunded points are never withdrawable); platform revenue gives back the
/// platform's share; the uploader's earned account gives back their share as far as its balance covers it, and
/// <see cref="AccountKind.PlatformLosses"/> bears the rest — so no balance goes negative, and the memo and the postings
/// say who bore what. The purchase is marked by a conditional update (<c>WHERE RefundedAt IS NULL</c>) and the refund
/// carries the purchase as its reference, so a purchase is refunded once. The buyer may buy the document again.
/// </summary>
public sealed class Refunds(WenkuDb db, Ledger ledger, TimeProvider clock, AuditLog audit)
{
    public const int MaxReasonLength = 200;

    public async Task<RefundOutcome> RefundAsync(long purchaseId, string actorId, string? reason, CancellationToken ct)
    {
        var clean = Text.SafeText.OneLine(reason);
        if (clean.Length == 0 || clean.Length > MaxReasonLength) return new RefundOutcome.BadReason();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await TryRefundAsync(purchaseId, actorId, clean, ct);
            }
            catch (InsufficientPointsException) when (attempt < 8)
            {
                // The uploader spent or withdrew earned points between our read and the debit: split again on the new balance.
            }
        }
    }

    private Task<RefundOutcome> TryRefundAsync(long purchaseId, string actorId, string reason, CancellationToken ct) =>
        ledger.InTransactionAsync<RefundOutcome>(async () =>
        {
            var purchase = await db.Purchases.AsNoTracking().SingleOrDefaultAsync(p => p.Id == purchaseId, ct);
            if (purchase is null) return new RefundOutcome.NotFound();
            var now = clock.GetUtcNow().UtcDateTime;
            var taken = await db.Purchases.Where(p => p.Id == purchaseId && p.RefundedAt == null)
                .ExecuteUpdateAsync(s => s.SetProperty(p => p.RefundedAt, now).SetProperty(p => p.RefundReason, reason), ct);
            if (taken == 0) return new RefundOutcome.AlreadyRefunded();
            // Who holds the earnings now, read after the row is ours: an approved claim moves them (and the purchase's
            // uploader) to the rights holder, and one committed while this refund waited for the row must be seen.
            var holder = await db.Purchases.Where(p => p.Id == purchaseId).Select(p => p.UploaderId).SingleAsync(ct);

            var buyer = await ledger.BookAsync(purchase.BuyerId, ct);
            var uploader = await ledger.BookAsync(holder, ct);
            var fromUploader = Math.Min(purchase.UploaderShare, Math.Max(0, uploader.Earned.Balance));
            var loss = purchase.UploaderShare - fromUploader;
            // The buyer reads this memo in their history: who bore what (the uploader's balance) stays in the postings,
            // where staff see it (PlatformLosses), not in words.
            var memo = $"refund of purchase #{purchaseId} (document #{purchase.DocumentId}): {reason}";
            var transaction = await ledger.PostAsync(TransactionKind.Refund,
                [
                    (buyer.Spendable, purchase.Price),
                    (buyer[AccountKind.PlatformRevenue], -purchase.PlatformShare),
                    (uploader.Earned, -fromUploader),
                    (buyer[AccountKind.PlatformLosses], -loss),
                ],
                memo, ct, actorId: actorId, documentId: purchase.DocumentId, reference: $"purchase:{purchaseId}");
            await db.Purchases.Where(p => p.Id == purchaseId)
                .ExecuteUpdateAsync(s => s.SetProperty(p => p.RefundTransactionId, transaction.Id), ct);

            // The right to the whole document came with the purchase and goes with it (an uploader or staff member keeps
            // theirs: it never was an entitlement row).
            await db.Entitlements.Where(e => e.DocumentId == purchase.DocumentId && e.UserId == purchase.BuyerId && e.Source == Entitlement.PurchaseSource)
                .ExecuteDeleteAsync(ct);

            var title = await db.Documents.AsNoTracking().Where(d => d.Id == purchase.DocumentId).Select(d => d.Title).FirstOrDefaultAsync(ct)
                ?? $"#{purchase.DocumentId}";
            Notifications.Add(db, purchase.BuyerId, NotificationKinds.PurchaseRefunded, new { title, points = purchase.Price }, $"/d/{purchase.DocumentId}");
            await audit.RecordAsync(new AuditRecord(actorId, AuditKinds.PurchaseRefund, "purchase", purchaseId.ToString(System.Globalization.CultureInfo.InvariantCulture), reason,
                Before: new { refunded = false },
                After: new { refunded = true, buyer = purchase.BuyerId, document = purchase.DocumentId, price = purchase.Price, fromUploader, platformLoss = loss, transaction = transaction.Id }), ct);
            return new RefundOutcome.Done(new RefundReceipt(purchaseId, purchase.DocumentId, purchase.BuyerId, purchase.Price,
                purchase.PlatformShare, fromUploader, loss, transaction.Id));
        }, ct);
}
