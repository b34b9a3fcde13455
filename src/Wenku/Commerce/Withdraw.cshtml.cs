using Microsoft.Extensions.Localization;
using Wenku.Web.Localization;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Wenku.Accounts;
using Wenku.Data;

namespace Wenku.Commerce;

/// <summary>
/// An uploader's withdrawals: the form (points, payee; the earned balance and the minimum beside it), and their requests
/// with their states; a waiting request may be cancelled (the points return). The form carries a hidden key, generated
/// when the page is shown, so a double submit makes one withdrawal.
/// </summary>
[Authorize(AuthenticationSchemes = Authentication.Cookie)]
public sealed class WithdrawModel(WenkuDb db, Ledger ledger, Withdrawals withdrawals, IStringLocalizer<SharedResource> T) : PageModel
{
    [BindProperty] public long? Points { get; set; }
    [BindProperty] public string Payee { get; set; } = "";
    [BindProperty] public string FormKey { get; set; } = "";

    public WalletBalance Balance { get; private set; } = new(0, 0, 0);
    public int Minimum { get; private set; }
    public IReadOnlyList<Withdrawal> Mine { get; private set; } = [];
    public IReadOnlyList<string> Errors { get; private set; } = [];
    public string? Message { get; private set; }

    public async Task OnGetAsync(long? done, long? cancelled, CancellationToken ct)
    {
        FormKey = Guid.NewGuid().ToString("N");
        if (done is { } d) Message = T.Text("已提交提现申请 #{0}，积分已从可提现余额中扣除，等待处理。", d);
        if (cancelled is { } c) Message = T.Text("已撤回提现申请 #{0}，积分已退回。", c);
        await LoadAsync(ct);
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        var userId = User.UserId()!;
        if (!Idempotency.IsValidKey(FormKey)) return await RefuseAsync(400, T["表单已失效，请刷新页面后重试。"], ct);
        if (Points is not { } points || points <= 0)
            return await RefuseAsync(400, T["请填写要提现的积分（正整数）。"], ct);
        var outcome = await withdrawals.RequestAsync(userId, points, Payee, FormKey, ct);
        return outcome switch
        {
            WithdrawalRequestOutcome.Done done => Redirect($"/me/wallet/withdraw?done={done.Receipt.WithdrawalId}"),
            WithdrawalRequestOutcome.BelowMinimum low => await RefuseAsync(400,
                T.Text("每次至少提现 {0} 积分。", low.Minimum), ct),
            WithdrawalRequestOutcome.TooFewPoints poor => await RefuseAsync(400,
                T.Text("可提现积分不足：你有 {0}。", poor.Earned), ct),
            WithdrawalRequestOutcome.BadPayee => await RefuseAsync(400,
                T.Text("请填写收款信息（1–{0} 字）。", Withdrawals.MaxPayeeLength), ct),
            WithdrawalRequestOutcome.KeyReused => await RefuseAsync(422,
                T["这个表单已提交过另一个请求，请再提交一次。"], ct, newKey: true),
            _ => throw new InvalidOperationException($"Unexpected outcome {outcome}"),
        };
    }

    /// <summary>Cancels one's own waiting request: a rejection by oneself, the points return to earned.</summary>
    public async Task<IActionResult> OnPostCancelAsync(long id, CancellationToken ct) =>
        await withdrawals.CancelAsync(id, User.UserId()!, ct) switch
        {
            WithdrawalDecisionOutcome.Done => Redirect($"/me/wallet/withdraw?cancelled={id}"),
            WithdrawalDecisionOutcome.AlreadyDecided => await RefuseAsync(409,
                T.Text("提现申请 #{0} 已处理，无法撤回。", id), ct, newKey: true),
            _ => NotFound(),
        };

    private async Task<IActionResult> RefuseAsync(int status, string error, CancellationToken ct, bool newKey = false)
    {
        // A refusal moved nothing and kept nothing under the key: the corrected form may send the same key again.
        if (newKey || !Idempotency.IsValidKey(FormKey)) FormKey = Guid.NewGuid().ToString("N");
        Errors = [error];
        Response.StatusCode = status;
        await LoadAsync(ct);
        return Page();
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        var userId = User.UserId()!;
        Balance = await ledger.BalanceAsync(userId, ct);
        Minimum = await db.SiteSettings.AsNoTracking().Select(s => s.MinimumWithdrawal).SingleAsync(ct);
        Mine = await db.Withdrawals.AsNoTracking().Where(w => w.UserId == userId)
            .OrderByDescending(w => w.RequestedAt).ThenByDescending(w => w.Id).Take(100).ToListAsync(ct);
    }

    public static string StateText(IStringLocalizer T, WithdrawalState state) => state switch
    {
        WithdrawalState.Requested => T["待处理"],
        WithdrawalState.Paid => T["已付款"],
        _ => T["已拒绝"],
    };
}
