using Microsoft.EntityFrameworkCore;
using Wenku.Accounts;
using Wenku.Commerce;
using Wenku.Data;
using Wenku.Documents;

namespace Wenku.Moderation.Users;

/// <summary>What a ban did: the decision, and how many of the user's documents were hidden (or restored, on unban).</summary>
public sealed record UserDecision(Decision Decision, int Documents = 0);

/// <summary>
/// Staff acting on accounts: change a role (admins only), ban and unban (with a required reason). Each is one database
/// transaction with its audit entry and the user's notification. A ban sets <see cref="WenkuUser.BannedAt"/> and a new
/// security stamp: the user's cookies stop authenticating on their next request (the stamp, and the ban itself, are
/// checked on every request by <see cref="BanAwareSignInManager"/>) and their API tokens are refused
/// (<see cref="ApiTokens.FindHolderAsync"/>). Hiding their documents removes each one through
/// <see cref="DocumentRemovals"/> (category <see cref="RemovalCategory.UploaderBanned"/>), after the ban commits.
/// </summary>
public sealed class UserModeration(WenkuDb db, Ledger ledger, AuditLog audit, DocumentRemovals removals, TimeProvider clock,
    ILogger<UserModeration> log)
{
    public const int MaxReason = StaffReason.MaxLength;

    /// <summary>Serializes role changes on PostgreSQL, so two admins cannot demote each other past the last admin.</summary>
    private const long PostgresRoleLockKey = 0x57454E4B55524F4C; // "WENKUROL"

    /// <summary>The role a user has (the highest, should there be several).</summary>
    public async Task<string> RoleOfAsync(string userId, CancellationToken ct)
    {
        var names = await (from ur in db.UserRoles.AsNoTracking()
                           join r in db.Roles.AsNoTracking() on ur.RoleId equals r.Id
                           where ur.UserId == userId
                           select r.Name).ToListAsync(ct);
        return Highest(names);
    }

    public static string Highest(IEnumerable<string?> names)
    {
        var set = names.ToHashSet();
        return set.Contains(Roles.Admin) ? Roles.Admin : set.Contains(Roles.Moderator) ? Roles.Moderator : Roles.User;
    }

    /// <summary>
    /// Gives <paramref name="userId"/> the one role <paramref name="role"/>. The actor must be an admin; the last admin
    /// who is not banned cannot be demoted (an admin demoting themselves included).
    /// </summary>
    public async Task<Decision> ChangeRoleAsync(string userId, string? role, string? reason, string actorId, bool actorIsAdmin, CancellationToken ct)
    {
        if (!actorIsAdmin) return new Decision.NotAllowed(DecisionTexts.RolesAdminOnly);
        if (role is null || !Roles.All.Contains(role)) return new Decision.BadAction();
        if (StaffReason.Clean(reason) is not { } clean) return new Decision.BadReason();
        return await ledger.InTransactionAsync<Decision>(async () =>
        {
            if (db.Database.IsNpgsql()) await db.Database.ExecuteSqlRawAsync($"SELECT pg_advisory_xact_lock({PostgresRoleLockKey})", ct);
            var user = await db.Users.SingleOrDefaultAsync(u => u.Id == userId, ct);
            if (user is null) return new Decision.NotFound();
            var roles = await db.Roles.AsNoTracking().ToListAsync(ct);
            var current = await RoleOfAsync(userId, ct);
            if (current == role) return new Decision.NotOpen();
            if (current == Roles.Admin)
            {
                var adminRole = roles.Single(r => r.Name == Roles.Admin).Id;
                var activeAdmins = await (from ur in db.UserRoles
                                          join u in db.Users on ur.UserId equals u.Id
                                          where ur.RoleId == adminRole && u.BannedAt == null
                                          select u.Id).CountAsync(ct);
                if (activeAdmins <= 1)
                    return new Decision.NotAllowed(DecisionTexts.LastAdmin);
            }
            await db.UserRoles.Where(ur => ur.UserId == userId).ExecuteDeleteAsync(ct);
            db.UserRoles.Add(new Microsoft.AspNetCore.Identity.IdentityUserRole<string> { UserId = userId, RoleId = roles.Single(r => r.Name == role).Id });
            // The cookie's roles are read again on every request (the stamp check rebuilds the principal), so the user
            // keeps their session with the new role; the token's claims are cached per concurrency stamp, changed here.
            user.ConcurrencyStamp = Guid.NewGuid().ToString();
            await db.SaveChangesAsync(ct);
            await audit.RecordAsync(new AuditRecord(actorId, AuditKinds.UserRole, "user", userId, clean,
                Before: new { role = current }, After: new { role }), ct);
            log.LogInformation("User {TargetId} is now {Role} (was {Previous}), by {UserId}", userId, role, current, actorId);
            return new Decision.Done(DecisionTexts.RoleChanged, role);
        }, ct);
    }

    /// <summary>
    /// Bans a user. Staff may ban readers; only an admin may ban staff; nobody bans themselves. With
    /// <paramref name="hideDocuments"/> every public or held document of theirs is removed (category
    /// <see cref="RemovalCategory.UploaderBanned"/>), each in its own transaction after the ban.
    /// </summary>
    public async Task<UserDecision> BanAsync(string userId, string? reason, bool hideDocuments, string actorId, bool actorIsAdmin, CancellationToken ct)
    {
        if (userId == actorId) return new(new Decision.NotAllowed(DecisionTexts.BanSelf));
        if (StaffReason.Clean(reason) is not { } clean) return new(new Decision.BadReason());
        var decision = await ledger.InTransactionAsync<Decision>(async () =>
        {
            var user = await db.Users.SingleOrDefaultAsync(u => u.Id == userId, ct);
            if (user is null) return new Decision.NotFound();
            if (user.BannedAt is not null) return new Decision.NotOpen();
            if (!actorIsAdmin && await RoleOfAsync(userId, ct) != Roles.User)
                return new Decision.NotAllowed(DecisionTexts.BanStaffAdminOnly);
            user.BannedAt = clock.GetUtcNow().UtcDateTime;
            user.BanReason = clean;
            user.BannedById = actorId;
            user.SecurityStamp = Guid.NewGuid().ToString("N");
            user.ConcurrencyStamp = Guid.NewGuid().ToString();
            Notifications.Add(db, userId, NotificationKinds.AccountBanned, new { reason = clean });
            await db.SaveChangesAsync(ct);
            await audit.RecordAsync(new AuditRecord(actorId, AuditKinds.UserBan, "user", userId, clean,
                Before: new { banned = false }, After: new { banned = true, hideDocuments }), ct);
            return new Decision.Done(DecisionTexts.Banned);
        }, ct);
        if (decision is not Decision.Done) return new(decision);
        log.LogInformation("User {TargetId} banned by {UserId}", userId, actorId);
        if (!hideDocuments) return new(decision);

        var visible = await db.Documents.AsNoTracking()
            .Where(d => d.UploaderId == userId && d.Status != DocumentStatus.Removed && d.Status != DocumentStatus.Failed)
            .OrderBy(d => d.Id).Select(d => d.Id).ToListAsync(ct);
        var hidden = 0;
        foreach (var id in visible)
            if (await removals.RemoveAsync(id, RemovalCategory.UploaderBanned, clean, actorId, ct) is RemovalOutcome.Done) hidden++;
        return new(new Decision.Done(DecisionTexts.BannedHidden, hidden), hidden);
    }

    /// <summary>
    /// Lifts a ban. With <paramref name="restoreDocuments"/>, documents removed because of a ban (category
    /// <see cref="RemovalCategory.UploaderBanned"/>, still removed, files kept) are restored.
    /// </summary>
    public async Task<UserDecision> UnbanAsync(string userId, string? reason, bool restoreDocuments, string actorId, bool actorIsAdmin, CancellationToken ct)
    {
        if (StaffReason.Clean(reason) is not { } clean) return new(new Decision.BadReason());
        var decision = await ledger.InTransactionAsync<Decision>(async () =>
        {
            var user = await db.Users.SingleOrDefaultAsync(u => u.Id == userId, ct);
            if (user is null) return new Decision.NotFound();
            if (user.BannedAt is null) return new Decision.NotOpen();
            if (!actorIsAdmin && await RoleOfAsync(userId, ct) != Roles.User)
                return new Decision.NotAllowed(DecisionTexts.UnbanStaffAdminOnly);
            var before = new { banned = true, bannedAt = user.BannedAt, reason = user.BanReason, by = user.BannedById };
            user.BannedAt = null;
            user.BanReason = null;
            user.BannedById = null;
            user.ConcurrencyStamp = Guid.NewGuid().ToString();
            Notifications.Add(db, userId, NotificationKinds.AccountUnbanned, new { reason = clean });
            await db.SaveChangesAsync(ct);
            await audit.RecordAsync(new AuditRecord(actorId, AuditKinds.UserUnban, "user", userId, clean,
                Before: before, After: new { banned = false, restoreDocuments }), ct);
            return new Decision.Done(DecisionTexts.Unbanned);
        }, ct);
        if (decision is not Decision.Done) return new(decision);
        log.LogInformation("User {TargetId} unbanned by {UserId}", userId, actorId);
        if (!restoreDocuments) return new(decision);

        var removed = await (from d in db.Documents.AsNoTracking()
                             join r in db.DocumentRemovals.AsNoTracking() on d.RemovalId equals r.Id
                             where d.UploaderId == userId && d.Status == DocumentStatus.Removed
                                   && r.Category == RemovalCategory.UploaderBanned && r.FilesDeletedAt == null
                             orderby d.Id
                             select d.Id).ToListAsync(ct);
        var restored = 0;
        foreach (var id in removed)
            if (await removals.RestoreAsync(id, clean, actorId, ct) is RestoreOutcome.Done) restored++;
        return new(new Decision.Done(DecisionTexts.UnbannedRestored, restored), restored);
    }
}
