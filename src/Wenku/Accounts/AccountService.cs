using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Localization;
using Wenku.Web.Localization;
using Wenku.Data;

namespace Wenku.Accounts;

/// <summary>Creates users with a role (CLI and registration) and changes passwords.</summary>
/// <remarks>Errors are in the request's language on the site; the CLI, which has no localizer, gets Identity's English.</remarks>
public sealed class AccountService(UserManager<WenkuUser> users, ApiTokens tokens, WenkuDb db, IStringLocalizer<SharedResource>? T = null)
{
    /// <summary>
    /// Registers a new reader; never touches an existing account. For a taken email it does the same work (password
    /// rules, one hash) and reports the same errors, so that neither the answer nor its time tells whether the email
    /// has an account: <c>User</c> is null then, with no errors.
    /// </summary>
    public async Task<(WenkuUser? User, IReadOnlyList<string> Errors)> RegisterAsync(string email, string password, string displayName)
    {
        var user = new WenkuUser { UserName = email, Email = email, DisplayName = displayName };
        if (await users.FindByEmailAsync(email) is not null)
        {
            var rules = await ValidatePasswordAsync(user, password);
            if (!rules.Succeeded) return (null, rules.Errors.Select(Describe).ToList());
            users.PasswordHasher.HashPassword(user, password);
            return (null, []);
        }
        IdentityResult result;
        try { result = await CreateAsync(user, password); }
        catch (DbUpdateException)
        {
            db.Entry(user).State = EntityState.Detached;
            if (await users.FindByEmailAsync(email) is null) throw;
            // Registered a moment ago by a request that ran beside this one: the same answer as for any taken email.
            return (null, []);
        }
        // Taken between the check above and the validator: the same answer as for any taken email.
        if (result.Errors.Any(e => e.Code is nameof(IdentityErrorDescriber.DuplicateEmail) or nameof(IdentityErrorDescriber.DuplicateUserName)))
            return (null, []);
        if (result.Succeeded) result = await users.AddToRoleAsync(user, Roles.User);
        return result.Succeeded ? (user, []) : (null, result.Errors.Select(Describe).ToList());
    }

    /// <summary>
    /// Creates the user; when another user took the same slug between the check and the insert (two registrations with
    /// the same name at once: the unique index refuses the second), gives this one the next free slug and tries again.
    /// </summary>
    private async Task<IdentityResult> CreateAsync(WenkuUser user, string password)
    {
        for (var attempt = 1; ; attempt++)
        {
            try { return await users.CreateAsync(user, password); }
            catch (DbUpdateException) when (attempt < 5 && user.Slug is not null)
            {
                var slug = user.Slug;
                db.Entry(user).State = EntityState.Detached;
                if (!await db.Users.AsNoTracking().AnyAsync(u => u.Slug == slug && u.Id != user.Id)) throw;
                user.Slug = null; // the validator picks the next free one
            }
        }
    }

    /// <summary>
    /// Checks a password for an email that has no account against a stored hash of a random password, so that an
    /// unknown email costs the same hashing time as a known one.
    /// </summary>
    public void SpendPasswordCheck(string password) =>
        users.PasswordHasher.VerifyHashedPassword(Dummy, DummyHash.Value, password);

    private static readonly WenkuUser Dummy = new();
    private static readonly Lazy<string> DummyHash = new(() =>
        new PasswordHasher<WenkuUser>().HashPassword(Dummy, Convert.ToBase64String(RandomNumberGenerator.GetBytes(16))));

    /// <summary>Creates a user, or resets an existing one's password and role (the CLI's create-user).</summary>
    public async Task<(WenkuUser? User, IReadOnlyList<string> Errors)> CreateOrUpdateAsync(string email, string password, string role, string? displayName = null)
    {
        if (!Roles.All.Contains(role)) return (null, [$"Unknown role {role}; use admin, moderator or user."]);
        var user = await users.FindByEmailAsync(email);
        IdentityResult result;
        if (user is null)
        {
            // The name before the @ may be longer than a display name may be (PostgreSQL, unlike SQLite, refuses it).
            var name = displayName ?? email.Split('@')[0];
            user = new WenkuUser { UserName = email, Email = email, EmailConfirmed = true, DisplayName = name.Length > 40 ? name[..40] : name };
            result = await CreateAsync(user, password);
        }
        else
        {
            // Validate first: a refused password must leave the old one in place.
            result = await ValidatePasswordAsync(user, password);
            if (result.Succeeded) result = await users.RemovePasswordAsync(user);
            if (result.Succeeded) result = await users.AddPasswordAsync(user, password);
            // A reset password (new security stamp: every browser is signed out) also ends every API token.
            if (result.Succeeded) await tokens.RevokeAllAsync(user.Id, null, CancellationToken.None);
        }
        if (!result.Succeeded) return (null, result.Errors.Select(e => e.Description).ToList());

        var current = await users.GetRolesAsync(user);
        if (current.Count == 1 && current[0] == role) return (user, []);
        await users.RemoveFromRolesAsync(user, current.Where(r => r != role));
        if (!current.Contains(role)) await users.AddToRoleAsync(user, role);
        // Roles live in the cookie: a new stamp makes every signed-in browser of this user take the new roles (or
        // sign in again) on its next request.
        await users.UpdateSecurityStampAsync(user);
        return (user, []);
    }

    /// <summary>
    /// Changes a password after checking the current one. The security stamp changes (other browsers are signed
    /// out) and every API token of the user is revoked.
    /// </summary>
    public async Task<IReadOnlyList<string>> ChangePasswordAsync(WenkuUser user, string currentPassword, string newPassword, CancellationToken ct)
    {
        var result = await users.ChangePasswordAsync(user, currentPassword, newPassword);
        if (!result.Succeeded)
            return result.Errors.Select(Describe).ToList();
        await tokens.RevokeAllAsync(user.Id, null, ct);
        return [];
    }

    /// <summary>An Identity error in the reader's language (the rules this site uses; any other keeps Identity's text).</summary>
    private string Describe(IdentityError e) => T is null ? e.Description : e.Code switch
    {
        nameof(IdentityErrorDescriber.PasswordTooShort) => T.Text("密码至少 {0} 位。", users.Options.Password.RequiredLength),
        nameof(IdentityErrorDescriber.PasswordMismatch) => T["当前密码不正确。"],
        nameof(IdentityErrorDescriber.InvalidEmail) => T["邮箱地址无效。"],
        nameof(IdentityErrorDescriber.InvalidUserName) => T["邮箱地址无效。"],
        nameof(IdentityErrorDescriber.DuplicateEmail) or nameof(IdentityErrorDescriber.DuplicateUserName) => T["这个邮箱不能用于注册。"],
        CommonPasswords.Code => T["这个密码太常见，很容易被猜到，请换一个。"],
        _ => e.Description,
    };

    /// <summary>Runs every password rule (length, common passwords) without storing anything.</summary>
    public async Task<IdentityResult> ValidatePasswordAsync(WenkuUser user, string password)
    {
        var errors = new List<IdentityError>();
        foreach (var validator in users.PasswordValidators)
        {
            var result = await validator.ValidateAsync(users, user, password);
            if (!result.Succeeded) errors.AddRange(result.Errors);
        }
        return errors.Count == 0 ? IdentityResult.Success : IdentityResult.Failed([.. errors]);
    }
}

/// <summary>Who holds an API token: the user and the stamps that change with their roles, password or sign-outs.</summary>
public sealed record TokenHolder(string UserId, string? SecurityStamp, string? ConcurrencyStamp);

/// <summary>
/// Personal API tokens: random (256 bits), shown once, stored as SHA-256 (a fast hash is enough for a secret that
/// cannot be guessed). A token has a name, an optional expiry and a last-used time; revoking deletes it.
/// </summary>
public sealed class ApiTokens(WenkuDb db, TimeProvider clock)
{
    public const string Prefix = "wk_";

    /// <summary>How often a token's last-used time is written at most.</summary>
    public static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    public async Task<string> CreateAsync(string userId, string name, CancellationToken ct, DateTime? expiresAt = null)
    {
        var token = Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        db.ApiTokens.Add(new ApiToken { UserId = userId, Name = name, Hash = Hash(token), CreatedAt = Now, ExpiresAt = expiresAt });
        await db.SaveChangesAsync(ct);
        return token;
    }

    /// <summary>
    /// Who holds a token — the user's id and the stamps that version their claims — or null (unknown, revoked, expired, or
    /// its user banned). Notes the use, at most once a minute. Every API request asks this, so it is one compiled query
    /// of the few columns it needs, not the user's whole row (the claims are made from that only when they change).
    /// </summary>
    public async Task<TokenHolder?> FindHolderAsync(string token, CancellationToken ct)
    {
        if (!token.StartsWith(Prefix, StringComparison.Ordinal) || token.Length > 100) return null;
        var hash = Hash(token);
        var now = Now;
        var found = await ByHash.GetOrAdd(db.Model, _ => EF.CompileAsyncQuery((WenkuDb context, string tokenHash, CancellationToken _) =>
            context.ApiTokens.AsNoTracking().Where(t => t.Hash == tokenHash)
                .Select(t => new TokenRow(t.Id, t.ExpiresAt, t.LastUsedAt, t.UserId, t.User.SecurityStamp, t.User.ConcurrencyStamp, t.User.BannedAt))
                .SingleOrDefault()))(db, hash, ct);
        // A banned user's tokens are refused (kept: they work again once the ban is lifted).
        if (found is null || found.ExpiresAt <= now || found.BannedAt is not null) return null;
        if (found.LastUsedAt is not { } last || now - last >= LastUsedResolution)
        {
            // One conditional UPDATE: of concurrent requests in the same minute, at most one writes.
            var stale = now - LastUsedResolution;
            await db.ApiTokens.Where(t => t.Id == found.Id && (t.LastUsedAt == null || t.LastUsedAt <= stale))
                .ExecuteUpdateAsync(s => s.SetProperty(t => t.LastUsedAt, now), ct);
        }
        return new TokenHolder(found.UserId, found.SecurityStamp, found.ConcurrencyStamp);
    }

    /// <summary>The user behind a <see cref="TokenHolder"/>, to make their claims from.</summary>
    public Task<WenkuUser?> UserAsync(string userId, CancellationToken ct) =>
        db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == userId, ct);

    private sealed record TokenRow(long Id, DateTime? ExpiresAt, DateTime? LastUsedAt, string UserId, string? SecurityStamp, string? ConcurrencyStamp, DateTime? BannedAt);

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Microsoft.EntityFrameworkCore.Metadata.IModel,
        Func<WenkuDb, string, CancellationToken, Task<TokenRow?>>> ByHash = new();

    /// <summary>A user's tokens, newest first.</summary>
    public Task<List<ApiToken>> ListAsync(string userId, CancellationToken ct) =>
        db.ApiTokens.AsNoTracking().Where(t => t.UserId == userId).OrderByDescending(t => t.Id).ToListAsync(ct);

    /// <summary>Revokes one of the user's tokens; false if the user has no token with that id.</summary>
    public async Task<bool> RevokeAsync(string userId, long id, CancellationToken ct) =>
        await db.ApiTokens.Where(t => t.UserId == userId && t.Id == id).ExecuteDeleteAsync(ct) > 0;

    /// <summary>Revokes every token of the user, or those with <paramref name="name"/>; returns how many.</summary>
    public Task<int> RevokeAllAsync(string userId, string? name, CancellationToken ct) =>
        db.ApiTokens.Where(t => t.UserId == userId && (name == null || t.Name == name)).ExecuteDeleteAsync(ct);

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
