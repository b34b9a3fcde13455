using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Wenku.Web;

namespace Wenku.Accounts;

[EnableRateLimiting(RateLimits.SignIn)]
public sealed class RegisterModel(AccountService accounts, SignInManager<WenkuUser> signIn) : PageModel
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
            Errors = ["请填写有效的邮箱、2–40 字的昵称和至少 8 位的密码。Enter a valid email, a 2–40 character name and a password of at least 8 characters."];
            Response.StatusCode = 400;
            return Page();
        }
        if (await signIn.UserManager.FindByEmailAsync(Email) is not null)
        {
            Errors = ["该邮箱已注册。This email is already registered."];
            Response.StatusCode = 400;
            return Page();
        }
        var (user, errors) = await accounts.RegisterAsync(Email, Password, Documents.DocumentRules.Clean(DisplayName));
        if (user is null)
        {
            Errors = errors;
            Response.StatusCode = 400;
            return Page();
        }
        await signIn.SignInAsync(user, isPersistent: false);
        return Redirect("/");
    }
}
