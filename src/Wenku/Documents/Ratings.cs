using Microsoft.EntityFrameworkCore;
using Wenku.Data;

namespace Wenku.Documents;

/// <summary>
/// Readers' ratings and the document's running count and sum (<see cref="Document.RatingCount"/>,
/// <see cref="Document.RatingSum"/>), changed together in one transaction. The counts are changed by relative updates
/// in the database (<c>RatingCount = RatingCount + 1</c>), never written back from what was read, so parallel raters
/// never lose one another's stars; a reader's replaced rating is changed only if it still has the stars read
/// (otherwise it is read again), so two parallel changes by one reader cannot both count their difference.
/// </summary>
public sealed class Ratings(WenkuDb db, TimeProvider clock, ILogger<Ratings> log)
{
    private const int Attempts = 8;

    /// <summary>Sets <paramref name="userId"/>'s rating of the document to <paramref name="stars"/> (1–5).</summary>
    public async Task RateAsync(long documentId, string userId, int stars, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(stars, Rating.MinStars);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(stars, Rating.MaxStars);
        for (var attempt = 1; ; attempt++)
        {
            // The execution strategy retries the whole transaction after a transient failure (PostgreSQL).
            var done = await db.Database.CreateExecutionStrategy().ExecuteAsync(() => TryRateAsync(documentId, userId, stars, ct));
            if (done) return;
            if (attempt == Attempts) throw new InvalidOperationException($"rating of document {documentId} kept changing under a parallel request");
            log.LogDebug("Rating of document {DocumentId} changed meanwhile; trying again", documentId);
        }
    }

    /// <summary>One attempt; false when a parallel request of the same reader got in between (nothing was changed).</summary>
    private async Task<bool> TryRateAsync(long documentId, string userId, int stars, CancellationToken ct)
    {
        db.ChangeTracker.Clear();
        var now = clock.GetUtcNow().UtcDateTime;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var old = await db.Ratings.Where(r => r.UserId == userId && r.DocumentId == documentId).Select(r => (int?)r.Stars).SingleOrDefaultAsync(ct);
        if (old is null)
        {
            db.Ratings.Add(new Rating { UserId = userId, DocumentId = documentId, Stars = stars, CreatedAt = now, UpdatedAt = now });
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException)
            {
                // The same reader's parallel first rating won the key: this one becomes a replacement on the next attempt.
                await tx.RollbackAsync(ct);
                return false;
            }
            await db.Documents.Where(d => d.Id == documentId).ExecuteUpdateAsync(s => s
                .SetProperty(d => d.RatingCount, d => d.RatingCount + 1)
                .SetProperty(d => d.RatingSum, d => d.RatingSum + stars), ct);
        }
        else
        {
            var changed = await db.Ratings.Where(r => r.UserId == userId && r.DocumentId == documentId && r.Stars == old)
                .ExecuteUpdateAsync(s => s.SetProperty(r => r.Stars, stars).SetProperty(r => r.UpdatedAt, now), ct);
            if (changed == 0)
            {
                await tx.RollbackAsync(ct);
                return false;
            }
            var difference = stars - old.Value;
            if (difference != 0)
                await db.Documents.Where(d => d.Id == documentId).ExecuteUpdateAsync(s => s.SetProperty(d => d.RatingSum, d => d.RatingSum + difference), ct);
        }
        await tx.CommitAsync(ct);
        return true;
    }
}
