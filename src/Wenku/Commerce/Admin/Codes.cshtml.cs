using Microsoft.Extensions.Localization;
using Wenku.Web.Localization;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Wenku.Accounts;

namespace Wenku.Commerce.Admin;

/// <summary>Redeem code batches: list them, generate one (count, points, expiry date, memo), export each as CSV.</summary>
[Authorize(Policy = Roles.AdminPolicy)]
public sealed class CodesModel(RedeemCodes codes, IStringLocalizer<SharedResource> T) : PageModel
{
    [BindProperty] public int? Count { get; set; }
    [BindProperty] public long? Points { get; set; }
    [BindProperty] public DateOnly? ExpiresOn { get; set; }
    [BindProperty] public string? Memo { get; set; }
    [BindProperty] public string? FormKey { get; set; }
    public string? Error { get; private set; }
    public RedeemBatch? Created { get; private set; }
    public List<RedeemBatchSummary> Batches { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken ct)
    {
        FormKey = Guid.NewGuid().ToString("N");
        await codes.SweepExpiredAsync(ct);
        Batches = await codes.BatchesAsync(ct);
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        var memo = Text.SafeText.OneLine(Memo);
        // The card is good through the day it names: it expires at the end of that day, UTC.
        var expires = ExpiresOn < DateOnly.MaxValue ? ExpiresOn?.AddDays(1).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc) : null;
        Error = !ModelState.IsValid || Count is null || Points is null || expires is null
            ? T["请填写数量、积分和过期日期。"]
            : codes.Validate(Count.Value, Points.Value, expires.Value, memo);
        if (Error is null && !Idempotency.IsValidKey(FormKey)) Error = T["表单已失效，请重新打开。"];
        if (Error is null)
        {
            try
            {
                Created = await codes.GenerateAsync(Count!.Value, Points!.Value, expires!.Value, memo, User.UserId()!, FormKey, ct);
                (Count, Points, ExpiresOn, Memo) = (null, null, null, null);
            }
            catch (IdempotencyKeyReusedException)
            {
                Error = T["这个表单已生成过另一批，请重新打开。"];
            }
        }
        if (Error is not null) Response.StatusCode = StatusCodes.Status400BadRequest;
        FormKey = Guid.NewGuid().ToString("N");
        Batches = await codes.BatchesAsync(ct);
        return Page();
    }
}
