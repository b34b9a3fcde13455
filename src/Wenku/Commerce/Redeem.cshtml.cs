using Microsoft.Extensions.Localization;
using Wenku.Web.Localization;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Wenku.Accounts;

namespace Wenku.Commerce;

/// <summary>A signed-in reader redeems a code (充值卡). The code itself makes the form safe to send twice: the same reader gets "redeemed already".</summary>
[Authorize(AuthenticationSchemes = Authentication.Cookie)]
public sealed class RedeemModel(RedeemCodes codes, IStringLocalizer<SharedResource> T) : PageModel
{
    [BindProperty] public string? Code { get; set; }
    public RedeemOutcome.Redeemed? Done { get; private set; }
    public string? Error { get; private set; }

    public void OnGet() { }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        var outcome = await codes.RedeemAsync(User.UserId()!, Code, ct);
        (Response.StatusCode, Error) = outcome switch
        {
            RedeemOutcome.Redeemed => (200, null),
            RedeemOutcome.Unknown => (400, T["没有这张充值卡，请核对卡号。"].Value),
            RedeemOutcome.Used => (409, T["这张充值卡已被兑换。"].Value),
            RedeemOutcome.Expired e => (410, T.Text("这张充值卡已于 {0:yyyy-MM-dd HH:mm} UTC 过期。", e.ExpiresAt)),
            RedeemOutcome.Throttled t => (429, T.Text("错误次数过多，请 {0} 分钟后再试。", Math.Ceiling(t.RetryAfter.TotalMinutes))),
            _ => throw new InvalidOperationException($"Unexpected outcome {outcome}"),
        };
        if (outcome is RedeemOutcome.Redeemed r) { Done = r; Code = null; }
        if (outcome is RedeemOutcome.Throttled th) Response.Headers.RetryAfter = ((int)Math.Ceiling(th.RetryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Page();
    }
}
