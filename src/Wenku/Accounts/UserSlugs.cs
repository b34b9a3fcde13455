using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Wenku.Data;

namespace Wenku.Accounts;

/// <summary>Links to a user's page: <c>/u/{slug}</c>, or <c>/u/{id}</c> for a user not given a slug yet (it redirects once they have one).</summary>
public static class UserLinks
{
    public static string Url(WenkuUser user) => Url(user.Id, user.Slug);

    public static string Url(string userId, string? slug) => "/u/" + Uri.EscapeDataString(string.IsNullOrEmpty(slug) ? userId : slug);
}

/// <summary>
/// The readable part of a user's URL (<see cref="WenkuUser.Slug"/>): the display name when it is plain ASCII
/// (letters, digits, spaces, dots, hyphens, underscores); else <c>u</c> and a number (never from the e-mail address). Made unique with <c>-2</c>, <c>-3</c> …
/// </summary>
/// <remarks>
/// A user validator, because Identity runs validators on every create and update: registration, the CLI, the demo
/// seeder and the tests' users all get a slug with no call to remember, and a user saved before slugs gets one at
/// their next update (<see cref="UserSlugBackfill"/> gives the rest theirs at start).
/// </remarks>
public sealed partial class UserSlugs : IUserValidator<WenkuUser>
{
    public const int MaxLength = 40;
    private const int MaxBase = 30; // room for "-123"

    public async Task<IdentityResult> ValidateAsync(UserManager<WenkuUser> manager, WenkuUser user)
    {
        if (string.IsNullOrEmpty(user.Slug))
            user.Slug = await UniqueAsync(Base(user), manager.Users.Where(u => u.Id != user.Id), new HashSet<string>());
        return IdentityResult.Success;
    }

    /// <summary>
    /// The slug a user would get if nobody had it yet: the display name when it is ASCII letters, digits, spaces, dots,
    /// hyphens and underscores (<c>Bob Smith</c> → <c>bob-smith</c>), else <c>u</c> and six digits. Never the e-mail address or a part of it: the page URL is public, and the part
    /// before the @ is often the whole address (a QQ number).
    /// </summary>
    public static string Base(WenkuUser user)
    {
        var name = user.DisplayName.Trim();
        if (name.Length > 0 && AsciiName().IsMatch(name) && Clean(name) is { Length: >= 2 } fromName) return fromName;
        return "u" + Random.Shared.Next(100_000, 1_000_000).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Lower-case letters, digits and single hyphens; anything else becomes a hyphen.</summary>
    public static string Clean(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (var c in text.ToLowerInvariant())
        {
            var ok = c is >= 'a' and <= 'z' or >= '0' and <= '9';
            if (ok) sb.Append(c);
            else if (sb.Length > 0 && sb[^1] != '-') sb.Append('-');
            if (sb.Length >= MaxBase) break;
        }
        return sb.ToString().Trim('-');
    }

    /// <summary>
    /// <paramref name="baseSlug"/>, or the first of <c>base-2</c>, <c>base-3</c> … that no user in <paramref name="users"/>
    /// has and <paramref name="alsoTaken"/> (given in the same batch) does not hold.
    /// </summary>
    public static async Task<string> UniqueAsync(string baseSlug, IQueryable<WenkuUser> users, ISet<string> alsoTaken, CancellationToken ct = default)
    {
        var prefix = baseSlug + "-";
        var taken = (await users.Where(u => u.Slug == baseSlug || u.Slug!.StartsWith(prefix)).Select(u => u.Slug!).ToListAsync(ct))
            .Concat(alsoTaken).ToHashSet(StringComparer.Ordinal);
        if (!taken.Contains(baseSlug)) return baseSlug;
        for (var n = 2; ; n++)
            if (!taken.Contains($"{baseSlug}-{n}")) return $"{baseSlug}-{n}";
    }

    [GeneratedRegex("^[A-Za-z0-9 ._-]+$")]
    private static partial Regex AsciiName();
}

/// <summary>
/// Gives every user saved before slugs existed a slug, once, at start, in batches (a big site's users do not sit in
/// memory at once). Several serving processes may run it together: a slug taken by another in between fails the
/// batch's save on the unique index, and the batch is simply read and done again.
/// </summary>
public sealed class UserSlugBackfill(IServiceScopeFactory scopes, ILogger<UserSlugBackfill> log) : BackgroundService
{
    public const int BatchSize = 200;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            var given = await RunAsync(scopes, stoppingToken);
            if (given > 0) log.LogInformation("Gave {Count} users a slug for their page URL", given);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Not fatal: those users' pages keep answering at /u/{id}; the next start tries again.
            log.LogWarning(e, "Giving users their slugs failed");
        }
    }

    /// <summary>Gives every user without a slug one; returns how many were given.</summary>
    public static async Task<int> RunAsync(IServiceScopeFactory scopes, CancellationToken ct)
    {
        var given = 0;
        for (var failures = 0; ;)
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<WenkuDb>();
            var batch = await db.Users.Where(u => u.Slug == null).OrderBy(u => u.Id).Take(BatchSize).ToListAsync(ct);
            if (batch.Count == 0) return given;
            var inBatch = new HashSet<string>(StringComparer.Ordinal);
            foreach (var user in batch)
            {
                user.Slug = await UserSlugs.UniqueAsync(UserSlugs.Base(user), db.Users, inBatch, ct);
                inBatch.Add(user.Slug);
            }
            try
            {
                await db.SaveChangesAsync(ct);
                given += batch.Count;
            }
            catch (DbUpdateException) when (++failures < 10)
            {
                // Another process (or a registration) took one of these slugs meanwhile: read the batch again.
            }
        }
    }
}
