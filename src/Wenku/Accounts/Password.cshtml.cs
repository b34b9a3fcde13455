using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Wenku.Web;

namespace Wenku.Accounts;

/// <summary>
/// Changes one's password (current + new). A new security stamp signs out every other browser; this one is signed in
/// again with the new stamp. Every API token of the user is revoked.
/// </summary>
[Authorize(AuthenticationSchemes = Authentication.Cookie), EnableRateLimiting(RateLimits.SignIn)]
public sealed class PasswordModel(AccountService accounts, SignInManager<WenkuUser> signIn, Microsoft.Extensions.Localization.IStringLocalizer<SharedResource> T) : PageModel
{
    [BindProperty, Required, MaxLength(200)] public string CurrentPassword { get; set; } = "";
    [BindProperty, Required, StringLength(200, MinimumLength = 8)] public string NewPassword { get; set; } = "";
    public IReadOnlyList<string> Errors { get; private set; } = [];
    public bool Changed { get; private set; }

    public void OnGet() { }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        var user = await signIn.UserManager.GetUserAsync(User);
        if (user is null) return Challenge();
        if (!ModelState.IsValid) Errors = [T["请填写当前密码和至少 8 位的新密码。"]];
        else Errors = await accounts.ChangePasswordAsync(user, CurrentPassword, NewPassword, ct);
        if (Errors.Count > 0)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }
        await signIn.RefreshSignInAsync(user);
        Changed = true;
        return Page();
    }
}
