using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Wenku.Web;

namespace Wenku.Accounts;

[EnableRateLimiting(RateLimits.SignIn)]
public sealed class LoginModel(SignInManager<WenkuUser> signIn, UserManager<WenkuUser> users) : PageModel
{
    [BindProperty, Required, EmailAddress, MaxLength(256)] public string Email { get; set; } = "";
    [BindProperty, Required, MaxLength(200)] public string Password { get; set; } = "";
    [BindProperty] public bool Remember { get; set; }
    public string? Error { get; private set; }

    public void OnGet() { }

    public async Task<IActionResult> OnPostAsync(string? returnUrl)
    {
        if (!ModelState.IsValid)
        {
            Error = "请输入邮箱和密码。Enter your email and password.";
            return Page();
        }
        var user = await users.FindByEmailAsync(Email);
        var result = user is null ? Microsoft.AspNetCore.Identity.SignInResult.Failed : await signIn.PasswordSignInAsync(user, Password, Remember, lockoutOnFailure: true);
        if (result.Succeeded) return LocalRedirect(Url.IsLocalUrl(returnUrl) ? returnUrl : "/");
        Error = result.IsLockedOut
            ? "尝试次数过多，账号已暂时锁定。Too many attempts; the account is locked for a while."
            : "邮箱或密码错误。Wrong email or password.";
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }
}
