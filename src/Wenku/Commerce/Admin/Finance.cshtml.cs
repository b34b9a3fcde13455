using Microsoft.Extensions.Localization;
using Wenku.Web.Localization;
using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Wenku.Accounts;
using Wenku.Data;

namespace Wenku.Commerce.Admin;

/// <summary>The site's money for admins: totals from postings, a 30-day revenue chart, recharge orders by state.</summary>
[Authorize(Policy = Roles.AdminPolicy)]
public sealed class FinanceModel(WenkuDb db, FinanceTotals totals, RedeemCodes codes, IStringLocalizer<SharedResource> T) : PageModel
{
    public FinanceSummary Summary { get; private set; } = null!;
    public RechargeState? State { get; private set; }
    public List<OrderRow> Orders { get; private set; } = [];
    public string ChartSvg { get; private set; } = "";
    public int Swept { get; private set; }

    public sealed record OrderRow(string OutTradeNo, string Email, long AmountFen, long Points, RechargeState State, DateTime CreatedAt, DateTime? PaidAt);

    public async Task OnGetAsync(RechargeState? state, CancellationToken ct)
    {
        // Expired code batches give back their points when anyone with the books open looks (idempotent, see RedeemCodes).
        Swept = await codes.SweepExpiredAsync(ct);
        Summary = await totals.SummaryAsync(ct);
        var days = await totals.DailyRevenueAsync(30, ct);
        ChartSvg = RevenueChart.Svg(days, T.Text("近 30 天每天的平台收入；最高 {0} 积分", Math.Max(1, days.Count == 0 ? 1 : days.Max(d => d.Points))));
        State = state;
        var orders = db.RechargeOrders.AsNoTracking();
        if (state is { } s) orders = orders.Where(o => o.State == s);
        Orders = await (from o in orders
                        join u in db.Users on o.UserId equals u.Id into users
                        from u in users.DefaultIfEmpty()
                        orderby o.CreatedAt descending, o.Id descending
                        select new OrderRow(o.OutTradeNo, u == null ? o.UserId : u.Email ?? o.UserId, o.AmountFen, o.Points, o.State, o.CreatedAt, o.PaidAt))
            .Take(100).ToListAsync(ct);
    }
}

/// <summary>A bar chart of daily revenue as inline SVG: readable without JavaScript, every bar titled with its day and sum.</summary>
public static class RevenueChart
{
    public static string Svg(IReadOnlyList<DailyRevenue> days, string label)
    {
        const int width = 600, height = 160, top = 16, bottom = 20, gap = 2;
        var max = Math.Max(1, days.Count == 0 ? 1 : days.Max(d => d.Points));
        var bar = (width - gap * days.Count) / Math.Max(1, days.Count);
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg id=\"revenue-chart\" role=\"img\" aria-label=\"{WebUtility.HtmlEncode(label)}\" viewBox=\"0 0 {width} {height}\" width=\"100%\" xmlns=\"http://www.w3.org/2000/svg\">");
        for (var i = 0; i < days.Count; i++)
        {
            var d = days[i];
            var h = (int)((long)Math.Max(0, d.Points) * (height - top - bottom) / max);
            var x = i * (bar + gap);
            var y = height - bottom - h;
            svg.Append(CultureInfo.InvariantCulture,
                $"<rect class=\"day\" data-day=\"{d.Day:yyyy-MM-dd}\" data-points=\"{d.Points}\" x=\"{x}\" y=\"{y}\" width=\"{bar}\" height=\"{h}\" fill=\"#2b6cb0\"><title>{d.Day:yyyy-MM-dd}: {d.Points}</title></rect>");
        }
        if (days.Count > 0)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"0\" y=\"{height - 4}\" font-size=\"11\">{days[0].Day:MM-dd}</text>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{width}\" y=\"{height - 4}\" font-size=\"11\" text-anchor=\"end\">{days[^1].Day:MM-dd}</text>");
        }
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"0\" y=\"11\" font-size=\"11\">{WebUtility.HtmlEncode(max.ToString(CultureInfo.InvariantCulture))}</text></svg>");
        return svg.ToString();
    }
}
