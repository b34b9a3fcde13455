using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.EntityFrameworkCore;
using Wenku.Data;
using Wenku.Web;

namespace Wenku.Accounts;

/// <summary>
/// Sign-in by password. Wrong passwords never lock the account (see <see cref="SignInThrottle"/>); the owner is told
/// how many there were on <c>/me</c>. Known and unknown emails cost the same hashing time and get the same answer.
/// </summary>
[EnableRateLimiting(RateLimits.SignIn)]
public sealed class LoginModel(
    SignInManager<WenkuUser> signIn, AccountService accounts, SignInThrottle throttle, WenkuDb db, TimeProvider clock,
    Microsoft.Extensions.Localization.IStringLocalizer<SharedResource> T) : PageModel
{
    [BindProperty, Required, EmailAddress, MaxLength(256)] public string Email { get; set; } = "";
    [BindProperty, Required, MaxLength(200)] public string Password { get; set; } = "";
    [BindProperty] public bool Remember { get; set; }
    public string? Error { get; private set; }

    /// <summary>Set after a registration: the account exists (new, or it did before) and can sign in.</summary>
    [BindProperty(SupportsGet = true)] public bool Registered { get; set; }

    public void OnGet() { }

    public async Task<IActionResult> OnPostAsync(string? returnUrl, CancellationToken ct)
    {
        if (!ModelState.IsValid)
        {
            Error = T["请输入邮箱和密码。"];
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }
        var address = HttpContext.Connection.RemoteIpAddress;
        var user = await signIn.UserManager.FindByEmailAsync(Email);
        if (throttle.IsRefused(Email, address))
        {
            await NoteFailureAsync(user, ct);
            Error = T["从你的地址登录此账号失败次数过多，请稍后再试。"];
            Response.StatusCode = StatusCodes.Status429TooManyRequests;
            return Page();
        }
        if (throttle.DelayFor(Email, address) is var delay && delay > TimeSpan.Zero) await Task.Delay(delay, clock, ct);

        // A banned account is told so, with the reason, only once the password is right (one hash, as for anyone).
        if (user is { BannedAt: not null } && await signIn.UserManager.CheckPasswordAsync(user, Password))
        {
            Error = BanAwareSignInManager.BannedMessage(T, user.BanReason);
            Response.StatusCode = StatusCodes.Status403Forbidden;
            return Page();
        }
        if (user is null) accounts.SpendPasswordCheck(Password);
        var result = user is null ? Microsoft.AspNetCore.Identity.SignInResult.Failed
            : await signIn.PasswordSignInAsync(user, Password, Remember, lockoutOnFailure: false);
        if (result.Succeeded) return LocalRedirect(Url.IsLocalUrl(returnUrl) ? returnUrl : "/");

        throttle.RecordFailure(Email, address);
        await NoteFailureAsync(user, ct);
        Error = T["邮箱或密码错误。"];
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }

    /// <summary>Counts a failed attempt on the account for the owner's notice on <c>/me</c>.</summary>
    private async Task NoteFailureAsync(WenkuUser? user, CancellationToken ct)
    {
        if (user is null) return;
        var now = clock.GetUtcNow().UtcDateTime;
        await db.Users.Where(u => u.Id == user.Id).ExecuteUpdateAsync(s => s
            .SetProperty(u => u.FailedSignIns, u => u.FailedSignIns + 1)
            .SetProperty(u => u.FailedSignInsSince, u => u.FailedSignInsSince ?? now), ct);
    }
}
