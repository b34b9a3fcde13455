using Microsoft.EntityFrameworkCore;
using Wenku.Data;
using Wenku.Moderation;

namespace Wenku.Commerce;

/// <summary>
/// Staff giving points (promotions) or taking granted points back (corrections, a negative amount): from or to the site's
/// grants account, into or out of the user's spendable points, always with a reason. A correction never takes a balance
/// below zero.
/// </summary>
public sealed class PointGrants(Ledger ledger, WenkuDb db, AuditLog audit)
{
    public const long MaxPoints = 100_000_000;
    public const int MaxReason = 300;

    /// <summary>Grants <paramref name="points"/> (negative: takes them back). Throws <see cref="InsufficientPointsException"/> if a take-back exceeds the spendable balance.</summary>
    public Task<LedgerTransaction> GrantAsync(string userId, long points, string reason, string? actorId, CancellationToken ct) =>
        GrantAsync(userId, points, reason, actorId, idempotencyKey: null, ct);

    /// <summary>
    /// As <see cref="GrantAsync(string,long,string,string?,CancellationToken)"/>; with an <paramref name="idempotencyKey"/>
    /// (the admin form's hidden key, kept under the actor) the same form sent twice grants once and returns the first
    /// transaction; the key with another request throws <see cref="IdempotencyKeyReusedException"/>.
    /// </summary>
    public Task<LedgerTransaction> GrantAsync(string userId, long points, string reason, string? actorId, string? idempotencyKey, CancellationToken ct)
    {
        if (points == 0 || Math.Abs(points) > MaxPoints)
            throw new ArgumentOutOfRangeException(nameof(points), $"Points must be between -{MaxPoints} and {MaxPoints}, and not 0.");
        if (string.IsNullOrWhiteSpace(reason)) throw new ArgumentException("A grant needs a reason.", nameof(reason));
        if (idempotencyKey is not null && actorId is null) throw new ArgumentException("An idempotency key is kept under the actor.", nameof(actorId));
        var hash = Idempotency.RequestHash("grant", userId, points, reason);
        // One reference per call: if PostgreSQL's retry runs the transaction again after a commit that succeeded but
        // was reported failed, the grant is found instead of made twice.
        var reference = $"grant:{Guid.NewGuid():N}";
        return ledger.InTransactionAsync(async () =>
        {
            if (await db.LedgerTransactions.AsNoTracking().SingleOrDefaultAsync(t => t.Kind == TransactionKind.Grant && t.Reference == reference, ct) is { } done)
                return done;
            if (actorId is not null && await Idempotency.FindAsync(db, actorId, idempotencyKey, ct) is { } prior)
            {
                if (prior.RequestHash != hash) throw new IdempotencyKeyReusedException();
                var id = long.Parse(prior.ResponseJson, System.Globalization.CultureInfo.InvariantCulture);
                return await db.LedgerTransactions.AsNoTracking().SingleAsync(t => t.Id == id, ct);
            }
            var book = await ledger.BookAsync(userId, ct);
            var tx = await ledger.PostAsync(TransactionKind.Grant, [(book.Spendable, points), (book[AccountKind.Grants], -points)], reason, ct, actorId: actorId, reference: reference);
            // No actor: the operator's command line (wenku admin grant-points).
            var spendable = tx.BalancesAfter.GetValueOrDefault(book.Spendable.Id, book.Spendable.Balance + points);
            await audit.RecordAsync(new AuditRecord(actorId ?? AuditLog.CliActor, AuditKinds.PointsGrant, "user", userId, reason,
                Before: new { spendable = spendable - points }, After: new { spendable, points, transaction = tx.Id }), ct);
            if (idempotencyKey is not null)
            {
                Idempotency.Remember(db, actorId!, idempotencyKey, hash, tx.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
                await db.SaveChangesAsync(ct);
            }
            return tx;
        }, ct);
    }
}
