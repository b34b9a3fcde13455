using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Wenku.Data;

namespace Wenku.Moderation;

/// <summary>The kinds of audit entries, as stored (dotted: object type, then the action).</summary>
public static class AuditKinds
{
    public const string DocumentRemove = "document.remove";
    public const string DocumentRestore = "document.restore";
    public const string DocumentRelease = "document.release";
    public const string DocumentReject = "document.reject";
    public const string DocumentFilesDeleted = "document.files-deleted";
    public const string ReportDismiss = "report.dismiss";
    public const string ReportAction = "report.action";
    public const string ClaimApprove = "claim.approve";
    public const string ClaimReject = "claim.reject";
    public const string ClaimTransfer = "claim.transfer";
    public const string AppealUphold = "appeal.uphold";
    public const string AppealReject = "appeal.reject";
    public const string CommentHide = "comment.hide";
    public const string CommentApprove = "comment.approve";
    public const string CommentDelete = "comment.delete";
    public const string UserBan = "user.ban";
    public const string UserUnban = "user.unban";
    public const string UserRole = "user.role";
    public const string SettingsChange = "settings.change";
    public const string WordsChange = "words.change";
    public const string PointsGrant = "points.grant";
    public const string CodesIssue = "codes.issue";
    public const string PurchaseRefund = "purchase.refund";
    public const string WithdrawalPay = "withdrawal.pay";
    public const string WithdrawalReject = "withdrawal.reject";
}

/// <summary>What <see cref="AuditLog.RecordAsync"/> writes: who did what to which object, why, and the state before and after.</summary>
/// <param name="Before">Anything JSON-serialisable (an anonymous object of the changed fields), or null.</param>
public sealed record AuditRecord(string ActorId, string Kind, string ObjectType, string ObjectId, string? Reason = null,
    object? Before = null, object? After = null, string? ActorName = null);

/// <summary>
/// The append-only audit log of staff actions. Each entry's hash covers its content and the previous entry's hash, so
/// changing or deleting any entry but the newest breaks the chain from there on (<see cref="VerifyAsync"/>).
/// <para>
/// <see cref="RecordAsync"/> must run inside the caller's database transaction (the action and its entry commit
/// together): the chain's head is read and extended under a lock — on SQLite the transaction's write lock
/// (<c>BEGIN IMMEDIATE</c>), on PostgreSQL a transaction-scoped advisory lock — so two actions cannot both extend the
/// same head. Nothing in the site edits or deletes entries.
/// </para>
/// </summary>
public sealed class AuditLog(WenkuDb db, TimeProvider clock)
{
    public const string Genesis = "0000000000000000000000000000000000000000000000000000000000000000";
    public const string SystemActor = "system";
    public const string CliActor = "cli";

    /// <summary>The advisory lock key on PostgreSQL (any constant the site uses for nothing else).</summary>
    private const long PostgresLockKey = 0x57454E4B55415544; // "WENKUAUD"

    private const int MaxJson = 4000;
    private static readonly JsonSerializerOptions Json = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// Appends one entry and saves it. Call inside a transaction (<c>Ledger.InTransactionAsync</c> or
    /// <c>db.Database.BeginTransactionAsync</c>); the entry commits with it. Throws when there is no transaction.
    /// </summary>
    public async Task<AuditEntry> RecordAsync(AuditRecord record, CancellationToken ct)
    {
        if (db.Database.CurrentTransaction is null)
            throw new InvalidOperationException("An audit entry is written in the transaction of the action it records.");
        if (db.Database.IsNpgsql())
            await db.Database.ExecuteSqlRawAsync($"SELECT pg_advisory_xact_lock({PostgresLockKey})", ct);
        var previous = await db.AuditEntries.AsNoTracking().OrderByDescending(a => a.Id).Select(a => a.Hash).FirstOrDefaultAsync(ct) ?? Genesis;
        var actorName = record.ActorName ?? await ActorNameAsync(record.ActorId, ct);
        var entry = new AuditEntry
        {
            // To the microsecond: what PostgreSQL keeps, so the hash reads back the same on both engines.
            At = Truncate(clock.GetUtcNow().UtcDateTime),
            ActorId = record.ActorId,
            ActorName = Cut(actorName, 100),
            Kind = record.Kind,
            ObjectType = record.ObjectType,
            ObjectId = record.ObjectId,
            Reason = Cut(Text.SafeText.OneLine(record.Reason), 1000),
            Before = ToJson(record.Before),
            After = ToJson(record.After),
            PreviousHash = previous,
            Hash = "",
        };
        entry.Hash = HashOf(entry);
        db.AuditEntries.Add(entry);
        await db.SaveChangesAsync(ct);
        return entry;
    }

    /// <summary>
    /// Walks the chain in id order: each entry's previous hash is the hash of the entry before, and its hash is that of
    /// its content. Returns null when intact, else the first broken entry and why.
    /// </summary>
    public async Task<AuditBreak?> VerifyAsync(CancellationToken ct)
    {
        var previous = Genesis;
        long? lastId = null;
        const int batch = 5000;
        long after = 0;
        while (true)
        {
            var rows = await db.AuditEntries.AsNoTracking().Where(a => a.Id > after).OrderBy(a => a.Id).Take(batch).ToListAsync(ct);
            if (rows.Count == 0) return null;
            foreach (var row in rows)
            {
                if (row.PreviousHash != previous)
                    return new AuditBreak(row.Id, lastId is null
                        ? $"entry {row.Id} is the first, but does not start the chain (an earlier entry was deleted)"
                        : $"entry {row.Id} does not follow entry {lastId} (an entry between them was deleted, or {lastId} was changed)");
                if (HashOf(row) != row.Hash)
                    return new AuditBreak(row.Id, $"entry {row.Id} was changed after it was written (its content no longer matches its hash)");
                previous = row.Hash;
                lastId = row.Id;
            }
            after = rows[^1].Id;
        }
    }

    /// <summary>SHA-256 (hex) over the entry's fields, each length-prefixed, and the previous hash.</summary>
    public static string HashOf(AuditEntry e)
    {
        var text = new StringBuilder();
        foreach (var field in new[]
                 {
                     e.PreviousHash, e.At.ToString("yyyy-MM-ddTHH:mm:ss.ffffff", CultureInfo.InvariantCulture), e.ActorId, e.ActorName,
                     e.Kind, e.ObjectType, e.ObjectId, e.Reason, e.Before, e.After,
                 })
            text.Append(field.Length.ToString(CultureInfo.InvariantCulture)).Append(':').Append(field).Append('\n');
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    private async Task<string> ActorNameAsync(string actorId, CancellationToken ct)
    {
        if (actorId is SystemActor or CliActor) return actorId;
        return await db.Users.AsNoTracking().Where(u => u.Id == actorId).Select(u => u.DisplayName).FirstOrDefaultAsync(ct) ?? "";
    }

    private static DateTime Truncate(DateTime at) => new(at.Ticks - at.Ticks % 10, DateTimeKind.Utc);

    private static string ToJson(object? value)
    {
        if (value is null) return "";
        var json = value as string ?? JsonSerializer.Serialize(value, Json);
        return Cut(json, MaxJson);
    }

    private static string Cut(string text, int max) =>
        text.Length <= max ? text : text[..(char.IsHighSurrogate(text[max - 1]) ? max - 1 : max)];
}

/// <summary>The first entry where the chain is broken.</summary>
public sealed record AuditBreak(long EntryId, string Reason);
