using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Wenku.Data;

namespace Wenku.Accounts;

/// <summary>Creates users with a role (CLI and registration).</summary>
public sealed class AccountService(UserManager<WenkuUser> users)
{
    /// <summary>Registers a new reader; never touches an existing account.</summary>
    public async Task<(WenkuUser? User, IReadOnlyList<string> Errors)> RegisterAsync(string email, string password, string displayName)
    {
        var user = new WenkuUser { UserName = email, Email = email, DisplayName = displayName };
        var result = await users.CreateAsync(user, password);
        if (result.Succeeded) result = await users.AddToRoleAsync(user, Roles.User);
        return result.Succeeded ? (user, []) : (null, result.Errors.Select(e => e.Description).ToList());
    }

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
            result = await users.CreateAsync(user, password);
        }
        else
        {
            result = await users.RemovePasswordAsync(user);
            if (result.Succeeded) result = await users.AddPasswordAsync(user, password);
        }
        if (!result.Succeeded) return (null, result.Errors.Select(e => e.Description).ToList());

        var current = await users.GetRolesAsync(user);
        await users.RemoveFromRolesAsync(user, current.Where(r => r != role));
        if (!current.Contains(role)) await users.AddToRoleAsync(user, role);
        return (user, []);
    }
}

/// <summary>Personal API tokens: random, shown once, stored as SHA-256.</summary>
public sealed class ApiTokens(WenkuDb db)
{
    public const string Prefix = "wk_";

    public async Task<string> CreateAsync(string userId, string name, CancellationToken ct)
    {
        var token = Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        db.ApiTokens.Add(new ApiToken { UserId = userId, Name = name, Hash = Hash(token) });
        await db.SaveChangesAsync(ct);
        return token;
    }

    /// <summary>The user a token belongs to, or null.</summary>
    public async Task<WenkuUser?> FindUserAsync(string token, CancellationToken ct)
    {
        if (!token.StartsWith(Prefix, StringComparison.Ordinal) || token.Length > 100) return null;
        var hash = Hash(token);
        return await db.ApiTokens.Where(t => t.Hash == hash).Select(t => t.User).SingleOrDefaultAsync(ct);
    }

    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
