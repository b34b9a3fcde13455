using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Wenku.Data;

namespace Wenku.Commerce;

/// <summary>
/// Keys that make a request which moves points safe to send again. The first answer that moved points is kept with the
/// key (in the same database transaction as the movement); a repeat with the same request gets that answer back and
/// moves nothing, the same key with a different request is refused (422). Answers that moved nothing (402, 409) are not
/// kept: a reader who recharges and tries again with the same key is not stuck with the old refusal.
/// </summary>
public static class Idempotency
{
    public const string Header = "Idempotency-Key";
    public const int MaxKeyLength = 100;

    /// <summary>How long keys are kept (at least 24 hours is promised; two days covers clients that retry the next day).</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromHours(48);

    /// <summary>A key is 1–100 visible ASCII characters (a UUID, a ULID, a counter…).</summary>
    public static bool IsValidKey(string? key) =>
        !string.IsNullOrEmpty(key) && key.Length <= MaxKeyLength && key.All(c => c is > ' ' and < '\u007f');

    /// <summary>The fingerprint of a request: the operation, its target and its body, each part length-prefixed.</summary>
    public static string RequestHash(params object[] parts)
    {
        var text = string.Join("\n", parts.Select(p => Convert.ToString(p, System.Globalization.CultureInfo.InvariantCulture) ?? ""));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    /// <summary>The answer kept under <paramref name="key"/> of <paramref name="userId"/>, if any (none without a key).</summary>
    public static async Task<IdempotencyRecord?> FindAsync(WenkuDb db, string userId, string? key, CancellationToken ct) =>
        key is null ? null : await db.IdempotencyRecords.AsNoTracking().SingleOrDefaultAsync(r => r.UserId == userId && r.Key == key, ct);

    /// <summary>Keeps the first answer under the key (saved with the caller's next save, in its transaction); nothing without a key.</summary>
    public static void Remember(WenkuDb db, string userId, string? key, string requestHash, string responseJson)
    {
        if (key is null) return;
        db.IdempotencyRecords.Add(new IdempotencyRecord { UserId = userId, Key = key, RequestHash = requestHash, StatusCode = 200, ResponseJson = responseJson });
    }

    /// <summary>Deletes keys older than <see cref="Retention"/>.</summary>
    public static Task<int> PurgeAsync(WenkuDb db, DateTime now, CancellationToken ct)
    {
        var before = now - Retention;
        return db.IdempotencyRecords.Where(r => r.CreatedAt < before).ExecuteDeleteAsync(ct);
    }
}
