using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Wenku.Data;

namespace Wenku.Accounts;

/// <summary>A signed-out browser session: its cookie is refused until it would have expired anyway.</summary>
public sealed class EndedSession
{
    /// <summary>The session id the cookie carries (<see cref="Sessions.IdClaim"/>).</summary>
    [MaxLength(64)]
    public required string Id { get; set; }

    public DateTime ExpiresAt { get; set; }
}

/// <summary>
/// Browser sessions end on the server. Every sign-in gets a random session id in its cookie; signing out records the
/// id as ended, so the cookie — or a copy of it someone kept — is anonymous from then on. Together with the security
/// stamp, checked on every request, a demotion or a password change also takes effect at once.
/// </summary>
public static class Sessions
{
    public const string IdClaim = "wenku:session";

    /// <summary>The longest a cookie lives (sliding); an ended session's row is kept that long.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(14);

    /// <summary>Gives a new sign-in its session id.</summary>
    public static Task OnSigningIn(CookieSigningInContext context)
    {
        if (context.Principal?.Identity is ClaimsIdentity identity && !identity.HasClaim(c => c.Type == IdClaim))
            identity.AddClaim(new Claim(IdClaim, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16))));
        return Task.CompletedTask;
    }

    /// <summary>The security stamp (and roles) first, then whether this session was signed out.</summary>
    public static async Task OnValidatePrincipal(CookieValidatePrincipalContext context)
    {
        await SecurityStampValidator.ValidatePrincipalAsync(context);
        // The validator asks for a new cookie each time it checks, which is every request here: the roles it read are
        // used for this request anyway, so the cookie is not sent again (a re-issued cookie also makes every answer
        // no-store, page images included). Sliding expiry still renews it.
        context.ShouldRenew = false;
        if (context.Principal?.FindFirstValue(IdClaim) is not { } id) return;
        var db = context.HttpContext.RequestServices.GetRequiredService<WenkuDb>();
        if (await db.EndedSessions.AnyAsync(s => s.Id == id, context.HttpContext.RequestAborted))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(IdentityConstants.ApplicationScheme);
        }
    }

    /// <summary>Keeps the session id when the stamp check rebuilds the principal from the database.</summary>
    public static Task KeepSessionId(SecurityStampRefreshingPrincipalContext context)
    {
        if (context.CurrentPrincipal?.FindFirst(IdClaim) is { } id && context.NewPrincipal?.Identity is ClaimsIdentity identity
            && !identity.HasClaim(c => c.Type == IdClaim))
            identity.AddClaim(new Claim(IdClaim, id.Value));
        return Task.CompletedTask;
    }

    /// <summary>Ends the session of <paramref name="user"/>'s cookie (if it has one) on the server.</summary>
    public static async Task EndAsync(ClaimsPrincipal user, WenkuDb db, TimeProvider clock, CancellationToken ct)
    {
        if (user.FindFirstValue(IdClaim) is not { } id) return;
        var now = clock.GetUtcNow().UtcDateTime;
        // Rows of sessions that would have expired anyway are not needed any more.
        await db.EndedSessions.Where(s => s.ExpiresAt < now).ExecuteDeleteAsync(ct);
        if (!await db.EndedSessions.AnyAsync(s => s.Id == id, ct))
        {
            db.EndedSessions.Add(new EndedSession { Id = id, ExpiresAt = now + Lifetime });
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException)
            {
                // Two sign-outs with the same cookie at once: fine if the other one ended it.
                db.ChangeTracker.Clear();
                if (!await db.EndedSessions.AsNoTracking().AnyAsync(s => s.Id == id, ct)) throw;
            }
        }
    }
}
