using Microsoft.Extensions.Localization;
using Wenku.Web.Localization;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Wenku.Accounts;

namespace Wenku.Commerce.Admin;

/// <summary>
/// An admin grants points (promotions) or takes granted points back (corrections), with a required reason; the memo
/// records the reason and who did it. The form's hidden key makes a double submit grant once.
/// </summary>
[Authorize(Policy = Roles.AdminPolicy)]
public sealed class GrantModel(PointGrants grants, Ledger ledger, UserManager<WenkuUser> users, IStringLocalizer<SharedResource> T) : PageModel
{
    [BindProperty] public string? Email { get; set; }
    [BindProperty] public long? Points { get; set; }
    [BindProperty] public string? Reason { get; set; }
    [BindProperty] public string? FormKey { get; set; }
    public string? Error { get; private set; }
    public (string Email, long Points, long Spendable)? Granted { get; private set; }

    public void OnGet() => FormKey = Guid.NewGuid().ToString("N");

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        var reason = Text.SafeText.OneLine(Reason);
        var email = (Email ?? "").Trim();
        var user = email.Length is > 0 and <= 256 ? await users.FindByEmailAsync(email) : null;
        Error = (user, Points, reason) switch
        {
            (null, _, _) => T.Text("没有邮箱为 {0} 的用户。", email),
            (_, null or 0, _) => T["请填写积分（不能为 0）。"],
            (_, { } p, _) when Math.Abs(p) > PointGrants.MaxPoints => T.Text("积分须在 -{0} 到 {0} 之间。", PointGrants.MaxPoints),
            (_, _, "") => T["请填写原因。"],
            (_, _, { Length: > PointGrants.MaxReason }) => T.Text("原因最多 {0} 字。", PointGrants.MaxReason),
            _ => null,
        };
        if (Error is null && !Idempotency.IsValidKey(FormKey)) Error = T["表单已失效，请重新打开。"];
        if (Error is null)
        {
            try
            {
                // The reason is what the reader sees; who granted it is the transaction's actor (staff see it), not the memo.
                await grants.GrantAsync(user!.Id, Points!.Value, reason, User.UserId(), FormKey, ct);
                Granted = (user.Email!, Points.Value, (await ledger.BalanceAsync(user.Id, ct)).Spendable);
                (Email, Points, Reason) = (null, null, null);
                FormKey = Guid.NewGuid().ToString("N");
                return Page();
            }
            catch (InsufficientPointsException)
            {
                var balance = await ledger.BalanceAsync(user!.Id, ct);
                Error = T.Text("扣回后余额将为负：{0} 只有 {1} 可用积分。", email, balance.Spendable);
            }
            catch (IdempotencyKeyReusedException)
            {
                Error = T["这个表单已提交过另一次赠送，请重新打开。"];
                FormKey = Guid.NewGuid().ToString("N");
            }
        }
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }
}
