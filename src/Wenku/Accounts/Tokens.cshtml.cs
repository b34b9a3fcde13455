using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Wenku.Accounts;

/// <summary>One's own API tokens: list them, create one (named, optionally expiring; the secret is shown once), revoke one.</summary>
[Authorize(AuthenticationSchemes = Authentication.Cookie)]
public sealed class TokensModel(ApiTokens tokens, TimeProvider clock, Microsoft.Extensions.Localization.IStringLocalizer<SharedResource> T) : PageModel
{
    [BindProperty, Required, StringLength(80, MinimumLength = 1)] public string Name { get; set; } = "";
    [BindProperty, Range(1, 3650)] public int? ExpiresDays { get; set; }
    public IReadOnlyList<ApiToken> Tokens { get; private set; } = [];
    public IReadOnlyList<string> Errors { get; private set; } = [];
    public string? NewToken { get; private set; }

    public async Task OnGetAsync(CancellationToken ct) => Tokens = await tokens.ListAsync(User.UserId()!, ct);

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        var userId = User.UserId()!;
        var name = Text.SafeText.OneLine(Name);
        if (!ModelState.IsValid || name.Length == 0)
        {
            Errors = [T["请填写 1–80 字的名称，有效天数为 1–3650 或留空。"]];
            Response.StatusCode = StatusCodes.Status400BadRequest;
        }
        else
        {
            DateTime? expires = ExpiresDays is { } days ? clock.GetUtcNow().UtcDateTime.AddDays(days) : null;
            NewToken = await tokens.CreateAsync(userId, name, ct, expires);
            // The secret is in this page only: no cache keeps a copy.
            Response.Headers.CacheControl = "no-store";
            Name = "";
            ExpiresDays = null;
        }
        Tokens = await tokens.ListAsync(userId, ct);
        return Page();
    }

    public async Task<IActionResult> OnPostRevokeAsync(long id, CancellationToken ct) =>
        await tokens.RevokeAsync(User.UserId()!, id, ct) ? Redirect("/me/tokens") : NotFound();
}
