using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Identity;
using Wenku.Data;

namespace Wenku.Accounts;

public sealed class WenkuUser : IdentityUser
{
    [MaxLength(40)]
    public string DisplayName { get; set; } = "";

    [SetOnInsert]
    public DateTime CreatedAt { get; set; }

    /// <summary>
    /// The readable part of the user's page URL (<c>/u/{slug}</c>): lower-case letters, digits and hyphens, unique.
    /// Null until one is given (the page then answers at <c>/u/{id}</c>, which keeps working and redirects once set).
    /// </summary>
    [MaxLength(40)]
    public string? Slug { get; set; }

    /// <summary>Wrong passwords tried on this account since the owner last dismissed the notice on <c>/me</c>.</summary>
    public int FailedSignIns { get; set; }

    /// <summary>When the first of <see cref="FailedSignIns"/> happened.</summary>
    public DateTime? FailedSignInsSince { get; set; }

    /// <summary>Banned: signing in, sessions and API tokens stop working at once. Null: not banned.</summary>
    public DateTime? BannedAt { get; set; }

    [MaxLength(500)]
    public string? BanReason { get; set; }

    [MaxLength(450)]
    public string? BannedById { get; set; }
}

public static class Roles
{
    public const string Admin = "admin";
    public const string Moderator = "moderator";
    public const string User = "user";
    public static readonly string[] All = [Admin, Moderator, User];

    /// <summary>Policy for moderators and admins.</summary>
    public const string StaffPolicy = "staff";
    public const string AdminPolicy = "admin";
}

/// <summary>A personal API token. Only its SHA-256 is stored; the token itself is shown once.</summary>
public sealed class ApiToken
{
    public long Id { get; set; }

    [MaxLength(450)]
    public required string UserId { get; set; }
    public WenkuUser User { get; set; } = null!;

    [MaxLength(64)]
    public required string Hash { get; set; }

    [MaxLength(80)]
    public string Name { get; set; } = "cli";

    [SetOnInsert]
    public DateTime CreatedAt { get; set; }

    /// <summary>After this the token is refused; null: it does not expire.</summary>
    public DateTime? ExpiresAt { get; set; }

    /// <summary>When the token last authenticated a request, to the minute (written at most once a minute).</summary>
    public DateTime? LastUsedAt { get; set; }
}
