using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Wenku.Data;

namespace Wenku.Accounts;

public static class AccountEndpoints
{
    public static void MapAccountEndpoints(this IEndpointRouteBuilder app)
    {
        // The session ends on the server: the cookie, or a copy anyone kept, is anonymous from now on.
        app.MapPost("/account/logout", async (HttpContext http, SignInManager<WenkuUser> signIn, WenkuDb db, TimeProvider clock) =>
        {
            // The browser's own cookie, never an API token sent along: signing out ends this browser's session only.
            var cookie = await http.AuthenticateAsync(Authentication.Cookie);
            if (cookie.Principal?.FindFirst(Sessions.IdClaim) is not null) await Sessions.EndAsync(cookie.Principal, db, clock, http.RequestAborted);
            // A cookie from before session ids: only a new stamp ends it (and the user's other sessions with it).
            else if (cookie.Succeeded && await signIn.UserManager.GetUserAsync(cookie.Principal!) is { } user) await signIn.UserManager.UpdateSecurityStampAsync(user);
            await signIn.SignOutAsync();
            return Results.Redirect("/");
        }).WithMetadata(new RequireAntiforgeryTokenAttribute()).ExcludeFromDescription();
    }
}
