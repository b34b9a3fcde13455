using Microsoft.AspNetCore.Antiforgery;
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
            await Sessions.EndAsync(http.User, db, clock, http.RequestAborted);
            await signIn.SignOutAsync();
            return Results.Redirect("/");
        }).WithMetadata(new RequireAntiforgeryTokenAttribute()).ExcludeFromDescription();
    }
}
