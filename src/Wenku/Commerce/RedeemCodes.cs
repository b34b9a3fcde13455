using Microsoft.Extensions.Localization;
using Wenku.Web.Localization;
using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Wenku.Data;
using Wenku.Moderation;

namespace Wenku.Commerce;

/// <summary>How a redeem attempt ended.</summary>
public abstract record RedeemOutcome
{
    /// <summary>The code's points are on the reader's spendable account now (or were already: the same reader sent it again).</summary>
    public sealed record Redeemed(long Points, long Spendable, bool Again) : RedeemOutcome;
    /// <summary>Not a code of ours (or not a code at all).</summary>
    public sealed record Unknown : RedeemOutcome;
    public sealed record Expired(DateTime ExpiresAt) : RedeemOutcome;
    /// <summary>Someone else redeemed it.</summary>
    public sealed record Used : RedeemOutcome;
    /// <summary>Too many wrong codes lately: wait.</summary>
    public sealed record Throttled(TimeSpan RetryAfter) : RedeemOutcome;
}

/// <summary>What the batches list shows.</summary>
public sealed record RedeemBatchSummary(long Id, int Count, long Points, DateTime ExpiresAt, DateTime CreatedAt, string CreatedBy, string Memo, int Redeemed, DateTime? ExpiredAt);

/// <summary>
/// Redeem codes (充值卡). A batch of <c>count</c> codes worth <c>points</c> each puts <c>count × points</c> from the grants
/// account onto <see cref="AccountKind.RedeemCodesOutstanding"/> (one transaction); redeeming a code moves its points from
/// there to the reader's spendable account; when a batch expires, the sweep returns what was not redeemed to grants, once.
/// <para>
/// Redeeming and the sweep both take the batch's row first (a conditional no-op update that fails once the batch is
/// expired), so on PostgreSQL one waits for the other and a code is either redeemed or swept, never both; the code itself
/// is taken by a conditional update (<c>WHERE RedeemedById IS NULL</c>), so two readers with one code cannot both get it.
/// </para>
/// </summary>
public sealed class RedeemCodes(WenkuDb db, Ledger ledger, TimeProvider clock, RedeemThrottle throttle, AuditLog audit, IStringLocalizer<SharedResource> T)
{
    /// <summary>No 0/O, 1/I: nothing a reader can misread from a printed card. 32 symbols, 16 of them: 80 bits per code.</summary>
    public const string Alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    public const int Length = 16;
    public const int MaxCount = 10_000, MaxPoints = 1_000_000, MaxMemo = 400;

    /// <summary>A new code from the crypto RNG, grouped <c>XXXX-XXXX-XXXX-XXXX</c>.</summary>
    public static string NewCode() => Format(RandomNumberGenerator.GetString(Alphabet, Length));

    private static string Format(string bare) => string.Join('-', bare.Chunk(4).Select(c => new string(c)));

    /// <summary>
    /// What a reader typed, as stored: full-width characters folded (NFKC), upper case, spaces and dashes of any width
    /// dropped. Null when it cannot be a code (wrong length or a symbol outside the alphabet).
    /// </summary>
    public static string? Normalize(string? input)
    {
        if (string.IsNullOrWhiteSpace(input) || input.Length > 100) return null;
        var folded = input.Normalize(NormalizationForm.FormKC).ToUpperInvariant();
        var bare = new StringBuilder(Length);
        foreach (var c in folded)
        {
            if (char.IsWhiteSpace(c) || c is '-' or '‐' or '‑' or '–' or '—' or '−' or 'ー' or '_') continue;
            if (!Alphabet.Contains(c)) return null;
            bare.Append(c);
        }
        return bare.Length == Length ? Format(bare.ToString()) : null;
    }

    /// <summary>Checks a batch request; null when it is fine, else the reason (zh-CN and English).</summary>
    public string? Validate(int count, long points, DateTime expiresAt, string memo)
    {
        if (count is < 1 or > MaxCount) return T.Text("数量须在 1 到 {0} 之间。", MaxCount);
        if (points is < 1 or > MaxPoints) return T.Text("每张积分须在 1 到 {0} 之间。", MaxPoints);
        if (expiresAt <= clock.GetUtcNow().UtcDateTime) return T["过期时间须在将来。"];
        if (expiresAt > clock.GetUtcNow().UtcDateTime.AddYears(10)) return T["过期时间最多十年后。"];
        if (memo.Length > MaxMemo) return T.Text("备注最多 {0} 字。", MaxMemo);
        return null;
    }

    /// <summary>
    /// Generates a batch (see <see cref="Validate"/>): the batch, its codes and the issuing transaction in one database
    /// transaction. With an <paramref name="idempotencyKey"/> (the form's hidden key), sending the form twice makes one batch.
    /// </summary>
    public async Task<RedeemBatch> GenerateAsync(int count, long points, DateTime expiresAt, string memo, string actorId, string? idempotencyKey, CancellationToken ct)
    {
        memo = Text.SafeText.OneLine(memo);
        if (Validate(count, points, expiresAt, memo) is { } error) throw new ArgumentException(error);
        var hash = Idempotency.RequestHash("redeem-batch", count, points, expiresAt.ToString("O", CultureInfo.InvariantCulture), memo);
        return await ledger.InTransactionAsync(async () =>
        {
            if (await Idempotency.FindAsync(db, actorId, idempotencyKey, ct) is { } prior)
            {
                if (prior.RequestHash != hash) throw new IdempotencyKeyReusedException();
                var id = long.Parse(prior.ResponseJson, CultureInfo.InvariantCulture);
                return await db.RedeemBatches.AsNoTracking().SingleAsync(b => b.Id == id, ct);
            }
            var codes = new HashSet<string>(count);
            while (codes.Count < count) codes.Add(NewCode());
            var batch = new RedeemBatch
            {
                Count = count, Points = points, ExpiresAt = DateTime.SpecifyKind(expiresAt, DateTimeKind.Utc), CreatedById = actorId, Memo = memo,
                Codes = codes.Select(c => new RedeemCode { Code = c }).ToList(),
            };
            db.RedeemBatches.Add(batch);
            await db.SaveChangesAsync(ct); // a code that exists already (2^-80) fails here and the whole batch is drawn again
            var book = await ledger.BookAsync(actorId, ct);
            var tx = await ledger.PostAsync(TransactionKind.RedeemCodesIssued,
                [(book[AccountKind.Grants], -(count * points)), (book[AccountKind.RedeemCodesOutstanding], count * points)],
                $"redeem code batch #{batch.Id}: {count} × {points}. {memo}", ct, actorId: actorId, reference: $"batch:{batch.Id}");
            batch.TransactionId = tx.Id;
            await audit.RecordAsync(new AuditRecord(actorId, AuditKinds.CodesIssue, "redeem-batch", batch.Id.ToString(CultureInfo.InvariantCulture), memo,
                After: new { count, points, total = count * points, expiresAt = batch.ExpiresAt, transaction = tx.Id }), ct);
            Idempotency.Remember(db, actorId, idempotencyKey, hash, batch.Id.ToString(CultureInfo.InvariantCulture));
            await db.SaveChangesAsync(ct);
            return batch;
        }, ct);
    }

    /// <summary>Redeems what <paramref name="userId"/> typed. Wrong codes count against the reader (<see cref="RedeemThrottle"/>).</summary>
    public async Task<RedeemOutcome> RedeemAsync(string userId, string? input, CancellationToken ct)
    {
        if (throttle.RetryAfter(userId) is { } wait) return new RedeemOutcome.Throttled(wait);
        var outcome = await TryRedeemAsync(userId, Normalize(input), ct);
        if (outcome is RedeemOutcome.Unknown or RedeemOutcome.Used or RedeemOutcome.Expired) throttle.Failed(userId);
        return outcome;
    }

    private async Task<RedeemOutcome> TryRedeemAsync(string userId, string? code, CancellationToken ct)
    {
        if (code is null) return new RedeemOutcome.Unknown();
        return await ledger.InTransactionAsync<RedeemOutcome>(async () =>
        {
            var found = await db.RedeemCodes.AsNoTracking().Where(c => c.Code == code)
                .Select(c => new { c.Id, c.BatchId, c.RedeemedById, c.Batch.Points, c.Batch.ExpiresAt }).SingleOrDefaultAsync(ct);
            if (found is null) return new RedeemOutcome.Unknown();
            if (found.RedeemedById == userId)
                return new RedeemOutcome.Redeemed(found.Points, (await ledger.BalanceAsync(userId, ct)).Spendable, Again: true);
            if (found.RedeemedById is not null) return new RedeemOutcome.Used();
            var now = clock.GetUtcNow().UtcDateTime;
            // The batch's row first: the sweep takes it too, so a code is redeemed or swept, never both.
            var live = await db.RedeemBatches.Where(b => b.Id == found.BatchId && b.ExpiredAt == null && b.ExpiresAt > now)
                .ExecuteUpdateAsync(s => s.SetProperty(b => b.ExpiredAt, b => b.ExpiredAt), ct);
            if (live == 0) return new RedeemOutcome.Expired(found.ExpiresAt);
            var taken = await db.RedeemCodes.Where(c => c.Id == found.Id && c.RedeemedById == null)
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.RedeemedById, userId).SetProperty(c => c.RedeemedAt, now), ct);
            if (taken == 0) return new RedeemOutcome.Used(); // another reader, a moment earlier (SQLite cannot get here: writers queue)

            var book = await ledger.BookAsync(userId, ct);
            var tx = await ledger.PostAsync(TransactionKind.Redeem,
                [(book[AccountKind.RedeemCodesOutstanding], -found.Points), (book.Spendable, found.Points)],
                $"redeemed code {code[..4]}-…", ct, actorId: userId, reference: $"code:{found.Id}");
            await db.RedeemCodes.Where(c => c.Id == found.Id).ExecuteUpdateAsync(s => s.SetProperty(c => c.TransactionId, tx.Id), ct);
            return new RedeemOutcome.Redeemed(found.Points, (await ledger.BalanceAsync(userId, ct)).Spendable, Again: false);
        }, ct);
    }

    /// <summary>
    /// Returns the unredeemed points of every batch past its expiry to grants, once per batch (the batch is marked in the
    /// same transaction, and the transaction's reference is unique): safe to run any number of times, by many at once.
    /// Returns the number of batches swept.
    /// </summary>
    public async Task<int> SweepExpiredAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var due = await db.RedeemBatches.AsNoTracking().Where(b => b.ExpiredAt == null && b.ExpiresAt <= now).Select(b => b.Id).ToListAsync(ct);
        var swept = 0;
        foreach (var id in due)
        {
            var done = await ledger.InTransactionAsync(async () =>
            {
                var mine = await db.RedeemBatches.Where(b => b.Id == id && b.ExpiredAt == null)
                    .ExecuteUpdateAsync(s => s.SetProperty(b => b.ExpiredAt, now), ct);
                if (mine == 0) return false;
                var batch = await db.RedeemBatches.AsNoTracking().SingleAsync(b => b.Id == id, ct);
                var left = await db.RedeemCodes.CountAsync(c => c.BatchId == id && c.RedeemedById == null, ct);
                if (left > 0)
                {
                    var book = await ledger.BookAsync(batch.CreatedById, ct);
                    await ledger.PostAsync(TransactionKind.RedeemCodesExpired,
                        [(book[AccountKind.RedeemCodesOutstanding], -(left * batch.Points)), (book[AccountKind.Grants], left * batch.Points)],
                        $"redeem code batch #{id} expired: {left} unredeemed × {batch.Points}", ct, reference: $"batch:{id}");
                }
                return true;
            }, ct);
            if (done) swept++;
        }
        return swept;
    }

    public async Task<List<RedeemBatchSummary>> BatchesAsync(CancellationToken ct)
    {
        var rows = await (from b in db.RedeemBatches.AsNoTracking()
                          join u in db.Users on b.CreatedById equals u.Id into users
                          from u in users.DefaultIfEmpty()
                          orderby b.Id descending
                          select new
                          {
                              b.Id, b.Count, b.Points, b.ExpiresAt, b.CreatedAt, Email = u == null ? null : u.Email, b.Memo, b.ExpiredAt,
                              Redeemed = db.RedeemCodes.Count(c => c.BatchId == b.Id && c.RedeemedById != null),
                          }).Take(200).ToListAsync(ct);
        return rows.Select(r => new RedeemBatchSummary(r.Id, r.Count, r.Points, r.ExpiresAt, r.CreatedAt, r.Email ?? "", r.Memo, r.Redeemed, r.ExpiredAt)).ToList();
    }

    /// <summary>A batch as CSV (RFC 4180, UTF-8): code, points, expires, redeemed by, redeemed at. Null for no such batch.</summary>
    public async Task<string?> CsvAsync(long batchId, CancellationToken ct)
    {
        var batch = await db.RedeemBatches.AsNoTracking().SingleOrDefaultAsync(b => b.Id == batchId, ct);
        if (batch is null) return null;
        var codes = await (from c in db.RedeemCodes.AsNoTracking().Where(c => c.BatchId == batchId)
                           join u in db.Users on c.RedeemedById equals u.Id into users
                           from u in users.DefaultIfEmpty()
                           orderby c.Id
                           select new { c.Code, Email = u == null ? null : u.Email, c.RedeemedAt }).ToListAsync(ct);
        var csv = new StringBuilder("code,points,expires,redeemed_by,redeemed_at\r\n");
        var expires = Iso(batch.ExpiresAt);
        foreach (var c in codes)
            csv.Append(CultureInfo.InvariantCulture, $"{c.Code},{batch.Points},{expires},{Field(c.Email ?? "")},{(c.RedeemedAt is { } at ? Iso(at) : "")}\r\n");
        return csv.ToString();
    }

    private static string Iso(DateTime t) => DateTime.SpecifyKind(t, DateTimeKind.Utc).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    /// <summary>Quoted when needed; a leading = + - @ is prefixed with ' so a spreadsheet does not run it as a formula.</summary>
    private static string Field(string s)
    {
        if (s.Length > 0 && s[0] is '=' or '+' or '-' or '@') s = "'" + s;
        return s.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : s;
    }
}

/// <summary>The same idempotency key was sent with a different request (422).</summary>
public sealed class IdempotencyKeyReusedException() : Exception("This idempotency key was used for a different request.");

/// <summary>
/// Wrong redeem codes per reader: after <see cref="RedeemCodeOptions.FailuresPerHour"/> wrong, used or expired codes in
/// an hour, the reader waits until the oldest of them is an hour old. Only failures count: a reader with a stack of real
/// cards is never slowed down. Kept in memory (per process): with N sites a guesser gets N times the budget, still
/// nothing against 2^80 codes.
/// </summary>
public sealed class RedeemThrottle(TimeProvider clock, Microsoft.Extensions.Options.IOptions<RedeemCodeOptions> options)
{
    private static readonly TimeSpan Window = TimeSpan.FromHours(1);
    private readonly ConcurrentDictionary<string, Queue<DateTimeOffset>> _failures = new();

    public TimeSpan? RetryAfter(string userId)
    {
        if (!_failures.TryGetValue(userId, out var q)) return null;
        lock (q)
        {
            var now = clock.GetUtcNow();
            while (q.Count > 0 && q.Peek() <= now - Window) q.Dequeue();
            return q.Count >= options.Value.FailuresPerHour ? q.Peek() + Window - now : null;
        }
    }

    public void Failed(string userId)
    {
        var q = _failures.GetOrAdd(userId, _ => new Queue<DateTimeOffset>());
        lock (q) q.Enqueue(clock.GetUtcNow());
    }
}

/// <summary>Settings of redeem codes (<c>Wenku:RedeemCodes</c>).</summary>
public sealed class RedeemCodeOptions
{
    public const string Section = "Wenku:RedeemCodes";

    /// <summary>Wrong codes a reader may try in an hour before redeeming is refused for a while (default 10).</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 10_000)]
    public int FailuresPerHour { get; set; } = 10;
}
