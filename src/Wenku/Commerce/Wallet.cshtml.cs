using System.Globalization;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Wenku.Accounts;
using Wenku.Data;

namespace Wenku.Commerce;

/// <summary>A line of the wallet's history as a reader sees it: the movement in words, the document when there is one.</summary>
/// <param name="Before">Chinese words before the document's title (or all of them when there is no document).</param>
/// <param name="After">Chinese words after the title.</param>
/// <param name="English">The same in English.</param>
public sealed record WalletLine(WalletEntry Entry, string Before, string After, string English, long? DocumentId, string? Title, string? Note);

/// <summary>
/// The reader's wallet: spendable, earned and withdrawable points (and what they are worth in yuan), the way to recharge,
/// redeem a code or withdraw, and the history of movements in words with filters (kind, dates) and pages.
/// </summary>
[Authorize]
public sealed class WalletModel(Ledger ledger, WenkuDb db) : PageModel
{
    public const int PageSize = 20;
    public const int MaxPage = 10_000;

    /// <summary>The kinds a user's own accounts move by, in the order the filter lists them.</summary>
    public static readonly TransactionKind[] FilterKinds =
    [
        TransactionKind.Purchase, TransactionKind.Recharge, TransactionKind.Redeem, TransactionKind.Grant, TransactionKind.Refund,
        TransactionKind.WithdrawalRequested, TransactionKind.WithdrawalRejected, TransactionKind.ClaimTransfer,
    ];

    [BindProperty(SupportsGet = true)] public string? Kind { get; set; }
    [BindProperty(SupportsGet = true)] public string? From { get; set; }
    [BindProperty(SupportsGet = true)] public string? To { get; set; }
    /// <summary>The <c>page</c> query value (read by hand: Razor Pages keep a route value of that name for the page's path).</summary>
    public string? PageNumber => Request.Query["page"].FirstOrDefault();

    public WalletBalance Balance { get; private set; } = new(0, 0, 0);
    public int PointsPerYuan { get; private set; } = 1;
    public IReadOnlyList<WalletLine> Lines { get; private set; } = [];
    public int CurrentPage { get; private set; } = 1;
    public int Total { get; private set; }
    public int Pages => Math.Max(1, (Total + PageSize - 1) / PageSize);
    public List<string> Errors { get; } = [];

    public async Task OnGetAsync(CancellationToken ct)
    {
        var userId = User.UserId()!;
        Balance = await ledger.BalanceAsync(userId, ct);
        PointsPerYuan = await db.SiteSettings.AsNoTracking().Select(s => s.PointsPerYuan).SingleAsync(ct);

        TransactionKind? kind = null;
        if (!string.IsNullOrEmpty(Kind))
        {
            if (Enum.TryParse<TransactionKind>(Kind, ignoreCase: false, out var k) && FilterKinds.Contains(k) && Kind == k.ToString()) kind = k;
            else Errors.Add("没有这种记录类型。No such kind of movement.");
        }
        var from = ParseDay(From, "开始日期", "start date");
        var to = ParseDay(To, "结束日期", "end date");
        if (from > to) Errors.Add("开始日期晚于结束日期。The start date is after the end date.");
        if (!string.IsNullOrEmpty(PageNumber))
        {
            if (int.TryParse(PageNumber, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p is >= 1 and <= MaxPage) CurrentPage = p;
            else Errors.Add($"页码须为 1 到 {MaxPage}。The page must be 1 to {MaxPage}.");
        }
        if (Errors.Count > 0)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        var (items, total) = await WalletHistory.PageAsync(db, userId, CurrentPage, PageSize, kind, from, to, ct);
        Total = total;
        var ids = items.Where(i => i.DocumentId is not null).Select(i => i.DocumentId!.Value).Distinct().ToList();
        var titles = ids.Count == 0 ? [] : await db.Documents.AsNoTracking().Where(d => ids.Contains(d.Id))
            .ToDictionaryAsync(d => d.Id, d => d.Title, ct);
        Lines = items.Select(i => Describe(i, i.DocumentId is { } id ? titles.GetValueOrDefault(id) : null)).ToList();
    }

    private DateOnly? ParseDay(string? text, string zh, string en)
    {
        if (string.IsNullOrEmpty(text)) return null;
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day) && day.Year is >= 2000 and <= 9998) return day;
        Errors.Add($"{zh}须为 yyyy-MM-dd 格式的日期。The {en} must be a date as yyyy-MM-dd.");
        return null;
    }

    /// <summary>A movement in words, by why it happened and which way it went.</summary>
    public static WalletLine Describe(WalletEntry e, string? title)
    {
        var into = e.Amount > 0;
        var earned = e.Account == "earned";
        var (before, after, english) = Enum.TryParse<TransactionKind>(e.Kind, out var kind) ? kind switch
        {
            TransactionKind.Purchase when into && earned => ("收益（出售", "）", "Earned from a sale"),
            TransactionKind.Purchase => ("购买", "", "Bought"),
            TransactionKind.Refund when into => ("退款", "", "Refunded"),
            TransactionKind.Refund => ("收益退回（退款", "）", "Share returned for a refund"),
            TransactionKind.Recharge => ("充值", "", "Recharge"),
            TransactionKind.Redeem => ("兑换充值卡", "", "Redeemed a code"),
            TransactionKind.Grant when into => ("赠送积分", "", "Points granted"),
            TransactionKind.Grant => ("扣回积分", "", "Points taken back"),
            TransactionKind.WithdrawalRequested => ("提现申请", "", "Withdrawal requested"),
            TransactionKind.WithdrawalRejected => ("提现被拒，积分退回", "", "Withdrawal rejected, points returned"),
            TransactionKind.WithdrawalPaid => ("提现已支付", "", "Withdrawal paid"),
            TransactionKind.ClaimTransfer when into => ("认领转入收益", "", "Earnings moved to you by a claim"),
            TransactionKind.ClaimTransfer => ("认领转出收益", "", "Earnings moved away by a claim"),
            _ => (e.Kind, "", e.Kind),
        } : (e.Kind, "", e.Kind);
        // Staff write a reason on grants and rejections: the reader sees why.
        var note = kind is TransactionKind.Grant or TransactionKind.WithdrawalRejected && !string.IsNullOrWhiteSpace(e.Memo) ? e.Memo : null;
        return new WalletLine(e, before, after, english, e.DocumentId, title, note);
    }

    /// <summary>Points as yuan at the site's rate, for display only.</summary>
    public string Yuan(long points) => ((decimal)points / PointsPerYuan).ToString("0.00", CultureInfo.InvariantCulture);

    /// <summary>This page's address with the current filters and another page number.</summary>
    public string PageUrl(int page)
    {
        var query = new List<string>();
        if (!string.IsNullOrEmpty(Kind)) query.Add("kind=" + Uri.EscapeDataString(Kind));
        if (!string.IsNullOrEmpty(From)) query.Add("from=" + Uri.EscapeDataString(From));
        if (!string.IsNullOrEmpty(To)) query.Add("to=" + Uri.EscapeDataString(To));
        if (page > 1) query.Add("page=" + page.ToString(CultureInfo.InvariantCulture));
        return "/me/wallet" + (query.Count > 0 ? "?" + string.Join('&', query) : "");
    }

    public static string KindWords(TransactionKind kind) => kind switch
    {
        TransactionKind.Purchase => "购买与销售 Purchases and sales",
        TransactionKind.Recharge => "充值 Recharges",
        TransactionKind.Redeem => "充值卡 Redeem codes",
        TransactionKind.Grant => "赠送与扣回 Grants",
        TransactionKind.Refund => "退款 Refunds",
        TransactionKind.WithdrawalRequested => "提现申请 Withdrawals",
        TransactionKind.WithdrawalRejected => "提现被拒 Rejected withdrawals",
        TransactionKind.ClaimTransfer => "认领转移 Claim transfers",
        _ => kind.ToString(),
    };
}
