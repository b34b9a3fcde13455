using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Identity;

namespace Wenku.Accounts;

public sealed class WenkuUser : IdentityUser
{
    [MaxLength(40)]
    public string DisplayName { get; set; } = "";

    public DateTime CreatedAt { get; set; } = DateTime.UtcNow;
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

    public DateTime CreatedAt { get; set; } = DateTime.UtcNow;
}
