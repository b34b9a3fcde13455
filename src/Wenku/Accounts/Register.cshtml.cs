using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Wenku.Web;

namespace Wenku.Accounts;

/// <summary>
/// Registration. A taken email is answered exactly as a new account is (the same redirect to the sign-in form, after
/// the same password rules and hashing), so the form cannot be used to find out who has an account; without email
/// there is no other channel to tell the owner, so nobody is signed in by registering.
/// </summary>
[EnableRateLimiting(RateLimits.SignIn)]
public sealed class RegisterModel(AccountService accounts, Microsoft.Extensions.Localization.IStringLocalizer<SharedResource> T) : PageModel
{
    [BindProperty, Required, EmailAddress, MaxLength(256)] public string Email { get; set; } = "";
    [BindProperty, Required, StringLength(40, MinimumLength = 2)] public string DisplayName { get; set; } = "";
    [BindProperty, Required, StringLength(200, MinimumLength = 8)] public string Password { get; set; } = "";
    public IReadOnlyList<string> Errors { get; private set; } = [];

    public void OnGet() { }

    public async Task<IActionResult> OnPostAsync()
    {
        if (!ModelState.IsValid)
        {
            Errors = [T["请填写有效的邮箱、2–40 字的昵称和至少 8 位的密码。"]];
            Response.StatusCode = 400;
            return Page();
        }
        var (_, errors) = await accounts.RegisterAsync(Email, Password, Text.SafeText.OneLine(DisplayName));
        if (errors.Count > 0)
        {
            Errors = errors;
            Response.StatusCode = 400;
            return Page();
        }
        return Redirect("/account/login?registered=true");
    }
}
