using System.Globalization;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Localization;
using Wenku.Web.Localization;
using Wenku.Accounts;
using Wenku.Data;

namespace Wenku.Commerce;

/// <summary>A line of the wallet's history as a reader sees it: the movement in words, the document when there is one.</summary>
/// <param name="What">The movement in the reader's language, a format whose <c>{0}</c> is the document (when there is one).</param>
public sealed record WalletLine(WalletEntry Entry, string What, long? DocumentId, string? Title, string? Note);

/// <summary>
/// The reader's wallet: spendable, earned and withdrawable points (and what they are worth in yuan), the way to recharge,
/// redeem a code or withdraw, and the history of movements in words with filters (kind, dates) and pages.
/// </summary>
[Authorize]
public sealed class WalletModel(Ledger ledger, WenkuDb db, IStringLocalizer<SharedResource> T) : PageModel
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
            else Errors.Add(T["没有这种记录类型。"]);
        }
        var from = ParseDay(From, T["开始日期须为 yyyy-MM-dd 格式的日期。"]);
        var to = ParseDay(To, T["结束日期须为 yyyy-MM-dd 格式的日期。"]);
        if (from > to) Errors.Add(T["开始日期晚于结束日期。"]);
        if (!string.IsNullOrEmpty(PageNumber))
        {
            if (int.TryParse(PageNumber, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p is >= 1 and <= MaxPage) CurrentPage = p;
            else Errors.Add(T.Text("页码须为 1 到 {0}。", MaxPage));
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

    private DateOnly? ParseDay(string? text, string error)
    {
        if (string.IsNullOrEmpty(text)) return null;
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day) && day.Year is >= 2000 and <= 9998) return day;
        Errors.Add(error);
        return null;
    }

    /// <summary>A movement in words, by why it happened and which way it went.</summary>
    public WalletLine Describe(WalletEntry e, string? title)
    {
        var into = e.Amount > 0;
        var earned = e.Account == "earned";
        string? what = Enum.TryParse<TransactionKind>(e.Kind, out var kind) ? (kind switch
        {
            TransactionKind.Purchase when into && earned => T["收益（出售《{0}》）"],
            TransactionKind.Purchase => T["购买《{0}》"],
            TransactionKind.Refund when into => T["退款《{0}》"],
            TransactionKind.Refund => T["收益退回（退款《{0}》）"],
            TransactionKind.Recharge => T["充值"],
            TransactionKind.Redeem => T["兑换充值卡"],
            TransactionKind.Grant when into => T["赠送积分"],
            TransactionKind.Grant => T["扣回积分"],
            TransactionKind.WithdrawalRequested => T["提现申请"],
            TransactionKind.WithdrawalRejected => T["提现被拒，积分退回"],
            TransactionKind.WithdrawalPaid => T["提现已支付"],
            TransactionKind.ClaimTransfer when into => T["认领转入收益《{0}》"],
            TransactionKind.ClaimTransfer => T["认领转出收益《{0}》"],
            _ => null,
        })?.Value : null;
        // An unknown kind shows as itself (a format with no placeholder, braces escaped).
        what ??= e.Kind.Replace("{", "{{", StringComparison.Ordinal).Replace("}", "}}", StringComparison.Ordinal);
        // Staff write a reason on grants and rejections: the reader sees why.
        var note = kind is TransactionKind.Grant or TransactionKind.WithdrawalRejected && !string.IsNullOrWhiteSpace(e.Memo) ? e.Memo : null;
        return new WalletLine(e, what, e.DocumentId, title, note);
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

    public string KindWords(TransactionKind kind) => kind switch
    {
        TransactionKind.Purchase => T["购买与销售"],
        TransactionKind.Recharge => T["充值"],
        TransactionKind.Redeem => T["充值卡"],
        TransactionKind.Grant => T["赠送与扣回"],
        TransactionKind.Refund => T["退款"],
        TransactionKind.WithdrawalRequested => T["提现申请"],
        TransactionKind.WithdrawalRejected => T["提现被拒"],
        TransactionKind.ClaimTransfer => T["认领转移"],
        _ => kind.ToString(),
    };
}
