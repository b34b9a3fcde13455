using Microsoft.Extensions.Localization;
using Wenku.Web.Localization;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using Wenku.Accounts;
using Wenku.Commerce.Alipay;

namespace Wenku.Commerce;

/// <summary>
/// The recharge form: an amount in whole yuan and the cashier (chosen from the browser, changeable); posting it creates
/// the order and sends the buyer to Alipay. Without Alipay it points to redeem codes.
/// </summary>
[Authorize(AuthenticationSchemes = Authentication.Cookie)]
public sealed class RechargeModel(RechargeService recharges, IOptions<AlipayOptions> alipay, IStringLocalizer<SharedResource> T) : PageModel
{
    [BindProperty] public int? Yuan { get; set; } = 10;
    [BindProperty] public string? Channel { get; set; }

    public bool AlipayEnabled => alipay.Value.Enabled;
    public int PointsPerYuan { get; private set; }
    public long Points => (long)(Yuan ?? 0) * PointsPerYuan;
    public IReadOnlyList<string> Errors { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken ct)
    {
        Channel = ChannelFor(Request.Headers.UserAgent.ToString());
        PointsPerYuan = await recharges.PointsPerYuanAsync(ct);
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        if (!AlipayEnabled) return NotFound();
        PointsPerYuan = await recharges.PointsPerYuanAsync(ct);
        if (Channel is not ("page" or "wap")) Channel = ChannelFor(Request.Headers.UserAgent.ToString());
        if (!ModelState.IsValid || Yuan is not { } yuan || yuan < RechargeService.MinYuan || yuan > RechargeService.MaxYuan)
            return Refuse(StatusCodes.Status400BadRequest,
                T.Text("金额须为 {0} 到 {1} 元的整数。", RechargeService.MinYuan, RechargeService.MaxYuan));

        var site = new Uri($"{Request.Scheme}://{Request.Host}{Request.PathBase}/");
        var outcome = await recharges.CreateAsync(User.UserId()!, yuan, Channel == "wap" ? AlipayChannel.Wap : AlipayChannel.Page, site, ct);
        return outcome switch
        {
            RechargeRequestOutcome.Created created => Redirect(created.PayUrl),
            RechargeRequestOutcome.TooMany => Refuse(StatusCodes.Status429TooManyRequests,
                T.Text("一小时内最多创建 {0} 个充值订单，请稍后再试。", alipay.Value.OrdersPerHour)),
            RechargeRequestOutcome.Disabled => NotFound(),
            _ => Refuse(StatusCodes.Status400BadRequest, T["金额超出范围。"]),
        };
    }

    private PageResult Refuse(int status, string error)
    {
        Errors = [error];
        Response.StatusCode = status;
        return Page();
    }

    /// <summary>Phones get 手机网站支付 (it opens the Alipay app), everything else 电脑网站支付 (a QR code).</summary>
    public static string ChannelFor(string userAgent) =>
        userAgent.Contains("Mobile", StringComparison.OrdinalIgnoreCase) || userAgent.Contains("Android", StringComparison.OrdinalIgnoreCase)
        || userAgent.Contains("iPhone", StringComparison.OrdinalIgnoreCase) ? "wap" : "page";
}
