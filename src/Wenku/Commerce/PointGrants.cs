namespace Wenku.Commerce;

/// <summary>
/// Staff giving points (promotions) or taking granted points back (corrections, a negative amount): from or to the site's
/// grants account, into or out of the user's spendable points, always with a reason. A correction never takes a balance
/// below zero.
/// </summary>
public sealed class PointGrants(Ledger ledger)
{
    public const long MaxPoints = 100_000_000;

    /// <summary>Grants <paramref name="points"/> (negative: takes them back). Throws <see cref="InsufficientPointsException"/> if a take-back exceeds the spendable balance.</summary>
    public Task<LedgerTransaction> GrantAsync(string userId, long points, string reason, string? actorId, CancellationToken ct)
    {
        if (points == 0 || Math.Abs(points) > MaxPoints)
            throw new ArgumentOutOfRangeException(nameof(points), $"Points must be between -{MaxPoints} and {MaxPoints}, and not 0.");
        if (string.IsNullOrWhiteSpace(reason)) throw new ArgumentException("A grant needs a reason.", nameof(reason));
        return ledger.InTransactionAsync(async () =>
        {
            var book = await ledger.BookAsync(userId, ct);
            return await ledger.PostAsync(TransactionKind.Grant, [(book.Spendable, points), (book[AccountKind.Grants], -points)], reason, ct, actorId: actorId);
        }, ct);
    }
}
