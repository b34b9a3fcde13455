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
/// Purchases for the finance staff (admins): search by document id or the buyer's email, newest first, in pages; refund
/// one with a reason (the whole price back to the buyer, the entitlement removed). Each purchase is refunded once.
/// </summary>
[Authorize(Policy = Roles.AdminPolicy)]
public sealed class FinancePurchasesModel(WenkuDb db, Refunds refunds, IStringLocalizer<SharedResource> T) : PageModel
{
    public const int PageSize = 50;
    public const int MaxQueryLength = 256;

    public sealed record Row(long Id, DateTime At, long DocumentId, string? Title, string BuyerId, string? BuyerEmail, int Price,
        int UploaderShare, int PlatformShare, DateTime? RefundedAt, string? RefundReason);

    /// <summary>A document id (digits) or a buyer's email (whole, any case).</summary>
    public string Query { get; private set; } = "";
    public int PageNumber { get; private set; } = 1;
    public int Pages { get; private set; } = 1;
    public int Total { get; private set; }
    public IReadOnlyList<Row> Rows { get; private set; } = [];
    public IReadOnlyList<string> Errors { get; private set; } = [];
    public string? Message { get; private set; }

    public async Task<IActionResult> OnGetAsync(string? q, int? page, long? refunded, CancellationToken ct)
    {
        Query = Text.SafeText.OneLine(q);
        if (Query.Length > MaxQueryLength)
        {
            Errors = [T.Text("搜索词最长 {0} 字。", MaxQueryLength)];
            Response.StatusCode = 400;
            Query = "";
        }
        if (refunded is { } id
            && await db.Purchases.AsNoTracking().Where(p => p.Id == id && p.RefundTransactionId != null)
                .Join(db.LedgerTransactions, p => p.RefundTransactionId, t => t.Id, (p, t) => new { t.Id, t.Memo }).SingleOrDefaultAsync(ct) is { } refund)
        {
            // Who bore the uploader's share is for staff only (the buyer's history shows the memo): from the postings.
            var split = await db.LedgerPostings.AsNoTracking().Where(x => x.TransactionId == refund.Id)
                .Select(x => new { x.Account.Kind, x.Amount }).ToListAsync(ct);
            var fromUploader = -split.Where(x => x.Kind == AccountKind.Earned).Sum(x => x.Amount);
            var loss = -split.Where(x => x.Kind == AccountKind.PlatformLosses).Sum(x => x.Amount);
            Message = loss > 0 ? T.Text("已退款：{0}；上传者退回 {1}，平台承担 {2}", refund.Memo, fromUploader, loss) : T.Text("已退款：{0}", refund.Memo);
        }
        await LoadAsync(page ?? 1, ct);
        return Page();
    }

    /// <summary>Refunds a purchase with a reason.</summary>
    public async Task<IActionResult> OnPostRefundAsync(long id, string? reason, CancellationToken ct)
    {
        switch (await refunds.RefundAsync(id, User.UserId()!, reason, ct))
        {
            case RefundOutcome.Done:
                return Redirect($"/admin/finance/purchases?refunded={id}");
            case RefundOutcome.NotFound:
                return NotFound();
            case RefundOutcome.AlreadyRefunded:
                Errors = [T.Text("购买 #{0} 已退款，未作改动。", id)];
                Response.StatusCode = 409;
                break;
            default:
                Errors = [T.Text("请填写退款理由（1–{0} 字）。", Refunds.MaxReasonLength)];
                Response.StatusCode = 400;
                break;
        }
        await LoadAsync(1, ct);
        return Page();
    }

    private async Task LoadAsync(int page, CancellationToken ct)
    {
        var query = db.Purchases.AsNoTracking();
        if (long.TryParse(Query, out var documentId)) query = query.Where(p => p.DocumentId == documentId);
        else if (Query.Length > 0)
        {
            var normalized = Query.ToUpperInvariant();
            var buyers = db.Users.Where(u => u.NormalizedEmail == normalized).Select(u => u.Id);
            query = query.Where(p => buyers.Contains(p.BuyerId));
        }
        Total = await query.CountAsync(ct);
        Pages = Math.Max(1, (Total + PageSize - 1) / PageSize);
        PageNumber = Math.Clamp(page, 1, Pages);
        var rows = await query.OrderByDescending(p => p.At).ThenByDescending(p => p.Id).Skip((PageNumber - 1) * PageSize).Take(PageSize)
            .Select(p => new
            {
                p,
                Title = db.Documents.Where(d => d.Id == p.DocumentId).Select(d => d.Title).FirstOrDefault(),
                Email = db.Users.Where(u => u.Id == p.BuyerId).Select(u => u.Email).FirstOrDefault(),
            })
            .ToListAsync(ct);
        Rows = rows.Select(r => new Row(r.p.Id, r.p.At, r.p.DocumentId, r.Title, r.p.BuyerId, r.Email, r.p.Price, r.p.UploaderShare,
            r.p.PlatformShare, r.p.RefundedAt, r.p.RefundReason)).ToList();
    }
}
