using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using Wenku.Accounts;
using Wenku.Commerce.Alipay;

namespace Wenku.Commerce;

/// <summary>
/// Where the buyer's browser comes back from Alipay (<c>return_url</c>). The signed parameters prove the trade and its
/// amount, not that it is paid: an unpaid order is settled by asking Alipay once (never from the return itself). The
/// balance is shown to the order's owner only.
/// </summary>
[AllowAnonymous]
public sealed class RechargeReturnModel(RechargeService recharges, Ledger ledger, IOptions<AlipayOptions> alipay, ILogger<RechargeReturnModel> log) : PageModel
{
    public RechargeOrder? Order { get; private set; }
    public WalletBalance? Balance { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        if (!alipay.Value.Enabled) return NotFound();
        Response.Headers.CacheControl = "no-store";
        var check = AlipayNotification.ParseReturn(Request.Query, alipay.Value);
        if (!check.Accepted)
        {
            log.LogWarning("Alipay return refused: {Reason} ({Message})", check.Refusal.Reason, check.Refusal.Message);
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }
        var order = await recharges.FindAsync(check.Notification.OutTradeNo, ct);
        if (order is null || order.AmountFen != check.Notification.TotalFen)
        {
            log.LogWarning("Alipay return for {OutTradeNo} refused: {Why}", check.Notification.OutTradeNo, order is null ? "unknown order" : "amount differs from the order's");
            Response.StatusCode = order is null ? StatusCodes.Status404NotFound : StatusCodes.Status400BadRequest;
            return Page();
        }
        Order = order.State == RechargeState.Paid ? order : await recharges.SettleAsync(order.OutTradeNo, ct);
        if (User.UserId() is { } me && me == order.UserId) Balance = await ledger.BalanceAsync(me, ct);
        return Page();
    }
}
