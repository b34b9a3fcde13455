using Microsoft.Extensions.Localization;
using Wenku.Web.Localization;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Wenku.Accounts;

namespace Wenku.Commerce;

/// <summary>
/// The uploader's earnings: per document (views, downloads, live sales, earned points), the totals, and bar charts of the
/// last 30 or 90 days of views, downloads and earnings. Only the signed-in user's own documents, whoever asks.
/// </summary>
[Authorize]
public sealed class EarningsModel(Earnings earnings, IStringLocalizer<SharedResource> T) : PageModel
{
    /// <summary>The chart's span: 30 or 90 days.</summary>
    [BindProperty(SupportsGet = true)] public string? Days { get; set; }

    public int ChartDays { get; private set; } = 30;
    public IReadOnlyList<DocumentEarnings> Documents { get; private set; } = [];
    public EarningsTotals Totals { get; private set; } = new(0, 0, 0, 0, 0);
    public IReadOnlyList<EarningsDay> Daily { get; private set; } = [];
    public string? Error { get; private set; }

    public async Task OnGetAsync(CancellationToken ct)
    {
        if (!string.IsNullOrEmpty(Days))
        {
            if (int.TryParse(Days, out var d) && Earnings.ChartDays.Contains(d)) ChartDays = d;
            else
            {
                Error = T["图表只能显示最近 30 天或 90 天。"];
                Response.StatusCode = StatusCodes.Status400BadRequest;
            }
        }
        var userId = User.UserId()!;
        (Documents, Totals) = await earnings.PerDocumentAsync(userId, ct);
        Daily = await earnings.DailyAsync(userId, ChartDays, ct);
    }
}
