using Microsoft.Extensions.Caching.Memory;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Wenku.Accounts;

public static class Authentication
{
    public const string Bearer = "Bearer";

    /// <summary>
    /// The browser's sign-in cookie (<c>IdentityConstants.ApplicationScheme</c>, as a constant for attributes). Pages that
    /// manage the account itself (tokens, password) take only it: an API token, which the site also accepts, must not
    /// be able to mint a token without its expiry or sign every browser out.
    /// </summary>
    public const string Cookie = "Identity.Application";
    private const string Smart = "Wenku";

    /// <summary>
    /// Cookies for the site, bearer tokens for the API. Requests under <c>/api</c> never authenticate with the
    /// cookie, so the API cannot be driven by cross-site requests and needs no antiforgery token.
    /// </summary>
    public static IServiceCollection AddWenkuAuthentication(this IServiceCollection services)
    {
        services.AddMemoryCache(); // the bearer handler keeps users' claims a minute
        services.AddAuthentication(o =>
            {
                o.DefaultScheme = Smart;
                o.DefaultChallengeScheme = Smart;
            })
            .AddPolicyScheme(Smart, "Cookie or bearer token", o => o.ForwardDefaultSelector = ctx =>
                ctx.Request.Path.StartsWithSegments("/api")
                || ctx.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
                    ? Bearer
                    : IdentityConstants.ApplicationScheme)
            .AddScheme<AuthenticationSchemeOptions, TokenAuthenticationHandler>(Bearer, null)
            .AddIdentityCookies(c => c.ApplicationCookie?.Configure(o =>
            {
                o.LoginPath = "/account/login";
                o.LogoutPath = "/account/logout";
                // The cookie only ever signs in browsers (the API takes tokens), so a missing sign-in always goes to
                // the sign-in form, also from endpoints ASP.NET would take for API ones (it answers those 401).
                o.Events.OnRedirectToLogin = ctx =>
                {
                    ctx.Response.Redirect(ctx.RedirectUri);
                    return Task.CompletedTask;
                };
                // A real 403, shown by the status-code pages as the 没有权限 page; a redirect would lose the status.
                o.Events.OnRedirectToAccessDenied = ctx =>
                {
                    ctx.Response.StatusCode = StatusCodes.Status403Forbidden;
                    return Task.CompletedTask;
                };
                o.Events.OnSigningIn = Sessions.OnSigningIn;
                o.Events.OnValidatePrincipal = Sessions.OnValidatePrincipal;
                o.Cookie.Name = "wenku.auth";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Lax;
                o.SlidingExpiration = true;
                o.ExpireTimeSpan = Sessions.Lifetime;
            }));
        // The cookie carries the user's roles and security stamp. Checking the stamp on every request (one read of the
        // user) means a demotion, a password change or a sign-out takes effect at once rather than after 30 minutes:
        // the roles are read again, and a cookie whose stamp is no longer the user's is signed out.
        services.Configure<SecurityStampValidatorOptions>(o =>
        {
            o.ValidationInterval = TimeSpan.Zero;
            o.OnRefreshingPrincipal = Sessions.KeepSessionId;
        });
        services.AddAuthorizationBuilder()
            .AddPolicy(Roles.StaffPolicy, p => p.RequireRole(Roles.Admin, Roles.Moderator))
            .AddPolicy(Roles.AdminPolicy, p => p.RequireRole(Roles.Admin));
        services.AddAntiforgery(o => o.Cookie.Name = "wenku.af");
        return services;
    }

    public static string? UserId(this ClaimsPrincipal user) => user.FindFirstValue(ClaimTypes.NameIdentifier);

    public static bool IsStaff(this ClaimsPrincipal user) => user.IsInRole(Roles.Admin) || user.IsInRole(Roles.Moderator);
}

/// <summary>Authenticates <c>Authorization: Bearer wk_…</c> with a personal API token.</summary>
public sealed class TokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    ApiTokens tokens, IUserClaimsPrincipalFactory<WenkuUser> principals, IMemoryCache cache)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return AuthenticateResult.NoResult();
        // Failed password sign-ins never touch tokens: a token works until it expires or is revoked.
        var holder = await tokens.FindHolderAsync(header["Bearer ".Length..].Trim(), Context.RequestAborted);
        if (holder is null) return AuthenticateResult.Fail("Invalid, expired or revoked API token.");
        // The user's claims (roles) take four queries to make: they are kept a minute per version of the user's row. Any
        // change of the user (a role, the password, the security stamp) changes its concurrency stamp, so the next
        // request makes them afresh; the token itself is still checked on every request.
        var claims = await cache.GetOrCreateAsync($"token-claims:{holder.UserId}:{holder.SecurityStamp}:{holder.ConcurrencyStamp}", async entry =>
        {
            entry.AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(1);
            var user = await tokens.UserAsync(holder.UserId, Context.RequestAborted);
            return user is null ? null : (await principals.CreateAsync(user)).Claims.ToArray();
        });
        if (claims is null) return AuthenticateResult.Fail("Invalid, expired or revoked API token.");
        return AuthenticateResult.Success(new AuthenticationTicket(
            new ClaimsPrincipal(new ClaimsIdentity(claims, Authentication.Bearer)), Authentication.Bearer));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        var T = Context.RequestServices.GetRequiredService<Microsoft.Extensions.Localization.IStringLocalizer<SharedResource>>();
        await Results.Problem(statusCode: 401, title: T["需要 API 令牌。"],
            detail: T["请发送 Authorization: Bearer <令牌>；在 /me/tokens 或用 `wenku admin create-token --email …` 创建。过期和已吊销的令牌会被拒绝。"]).ExecuteAsync(Context);
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        var T = Context.RequestServices.GetRequiredService<Microsoft.Extensions.Localization.IStringLocalizer<SharedResource>>();
        await Results.Problem(statusCode: 403, title: T["没有权限。"]).ExecuteAsync(Context);
    }
}
