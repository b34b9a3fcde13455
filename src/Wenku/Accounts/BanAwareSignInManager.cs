using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Wenku.Web.Localization;

namespace Wenku.Accounts;

/// <summary>
/// Identity's sign-in manager, refusing banned users (<see cref="WenkuUser.BannedAt"/>): they cannot sign in, and a
/// cookie they hold stops authenticating on its next request. A ban also changes the security stamp, which alone signs
/// the cookie out; checking the ban here as well keeps a banned user out even if the stamp were ever restored.
/// </summary>
public sealed class BanAwareSignInManager(
    UserManager<WenkuUser> users, IHttpContextAccessor context, IUserClaimsPrincipalFactory<WenkuUser> claims,
    IOptions<IdentityOptions> options, ILogger<SignInManager<WenkuUser>> logger, IAuthenticationSchemeProvider schemes,
    IUserConfirmation<WenkuUser> confirmation)
    : SignInManager<WenkuUser>(users, context, claims, options, logger, schemes, confirmation)
{
    /// <summary>The message a banned user sees when signing in, with the reason.</summary>
    public static string BannedMessage(Microsoft.Extensions.Localization.IStringLocalizer T, string? reason) =>
        string.IsNullOrWhiteSpace(reason) ? T["账号已被封禁。"] : T.Text("账号已被封禁：{0}", reason);

    public override async Task<bool> CanSignInAsync(WenkuUser user) => user.BannedAt is null && await base.CanSignInAsync(user);

    /// <summary>Runs on every request of a cookie (the validation interval is zero): a banned user's cookie is signed out.</summary>
    public override async Task<WenkuUser?> ValidateSecurityStampAsync(ClaimsPrincipal? principal)
    {
        var user = await base.ValidateSecurityStampAsync(principal);
        return user is { BannedAt: not null } ? null : user;
    }
}
