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
/// The finance staff's withdrawals queue (admins): oldest first, filtered by state, in pages; pay one with the payment's
/// reference, or reject it with a reason (the points return to the uploader). Each is decided once.
/// </summary>
[Authorize(Policy = Roles.AdminPolicy)]
public sealed class FinanceWithdrawalsModel(WenkuDb db, Withdrawals withdrawals, IStringLocalizer<SharedResource> T) : PageModel
{
    public const int PageSize = 50;

    public sealed record Row(long Id, string UserId, string? Email, string? DisplayName, long Points, string Payee, WithdrawalState State,
        DateTime RequestedAt, DateTime? DecidedAt, string? DecidedBy, string? Decision, string UserUrl);

    /// <summary>The state shown: <c>Requested</c> (the default: what waits), <c>Paid</c>, <c>Rejected</c> or <c>all</c>.</summary>
    public string State { get; private set; } = nameof(WithdrawalState.Requested);
    public int PageNumber { get; private set; } = 1;
    public int Pages { get; private set; } = 1;
    public int Total { get; private set; }
    public IReadOnlyList<Row> Rows { get; private set; } = [];
    public IReadOnlyList<string> Errors { get; private set; } = [];
    public string? Message { get; private set; }

    public async Task<IActionResult> OnGetAsync(string? state, int? page, long? decided, CancellationToken ct)
    {
        if (!string.IsNullOrEmpty(state) && state != "all" && !Enum.TryParse<WithdrawalState>(state, ignoreCase: true, out _))
        {
            Errors = [T.Text("没有这种状态：{0}。", state)];
            Response.StatusCode = 400;
        }
        else if (!string.IsNullOrEmpty(state)) State = state;
        if (decided is { } id)
            Message = await db.Withdrawals.AsNoTracking().Where(w => w.Id == id).Select(w => (WithdrawalState?)w.State).SingleOrDefaultAsync(ct) is { } s
                ? T.Text("提现申请 #{0}：{1}。", id, WithdrawModel.StateText(T, s))
                : null;
        await LoadAsync(page ?? 1, ct);
        return Page();
    }

    /// <summary>Marks a waiting withdrawal paid, with the payment's reference.</summary>
    public async Task<IActionResult> OnPostPayAsync(long id, string? reference, CancellationToken ct) =>
        await AnswerAsync(id, await withdrawals.PayAsync(id, User.UserId()!, reference, ct), T.Text("请填写付款凭证号（1–{0} 字）。", Withdrawals.MaxDecisionLength), ct);

    /// <summary>Rejects a waiting withdrawal with a reason; the points return to the uploader's earned account.</summary>
    public async Task<IActionResult> OnPostRejectAsync(long id, string? reason, CancellationToken ct) =>
        await AnswerAsync(id, await withdrawals.RejectAsync(id, User.UserId()!, reason, ct), T.Text("请填写拒绝理由（1–{0} 字）。", Withdrawals.MaxDecisionLength), ct);

    private async Task<IActionResult> AnswerAsync(long id, WithdrawalDecisionOutcome outcome, string missing, CancellationToken ct)
    {
        switch (outcome)
        {
            case WithdrawalDecisionOutcome.Done:
                return Redirect($"/admin/finance/withdrawals?decided={id}");
            case WithdrawalDecisionOutcome.NotFound:
                return NotFound();
            case WithdrawalDecisionOutcome.AlreadyDecided already:
                Errors = [T.Text("提现申请 #{0} 已处理（{1}），未作改动。", id, WithdrawModel.StateText(T, already.State))];
                Response.StatusCode = 409;
                break;
            default:
                Errors = [missing];
                Response.StatusCode = 400;
                break;
        }
        await LoadAsync(1, ct);
        return Page();
    }

    private async Task LoadAsync(int page, CancellationToken ct)
    {
        var query = db.Withdrawals.AsNoTracking();
        if (Enum.TryParse<WithdrawalState>(State, ignoreCase: true, out var only)) query = query.Where(w => w.State == only);
        Total = await query.CountAsync(ct);
        Pages = Math.Max(1, (Total + PageSize - 1) / PageSize);
        PageNumber = Math.Clamp(page, 1, Pages);
        var rows = await query.OrderBy(w => w.RequestedAt).ThenBy(w => w.Id).Skip((PageNumber - 1) * PageSize).Take(PageSize)
            .Select(w => new
            {
                w, User = db.Users.Where(u => u.Id == w.UserId).Select(u => new { u.Email, u.DisplayName, u.Slug }).FirstOrDefault(),
                DecidedBy = db.Users.Where(u => u.Id == w.DecidedById).Select(u => u.Email).FirstOrDefault(),
            })
            .ToListAsync(ct);
        Rows = rows.Select(r => new Row(r.w.Id, r.w.UserId, r.User?.Email, r.User?.DisplayName, r.w.Points, r.w.Payee, r.w.State,
            r.w.RequestedAt, r.w.DecidedAt, r.DecidedBy, r.w.Decision, Accounts.UserLinks.Url(r.w.UserId, r.User?.Slug))).ToList();
    }
}
