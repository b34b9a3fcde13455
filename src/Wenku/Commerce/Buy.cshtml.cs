using Microsoft.Extensions.Localization;
using Wenku.Web.Localization;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.OutputCaching;
using Microsoft.EntityFrameworkCore;
using Wenku.Accounts;
using Wenku.Data;
using Wenku.Documents;

namespace Wenku.Commerce;

/// <summary>
/// Buying a document on the site: <c>GET /d/{id}/buy</c> asks for confirmation (price in points and yuan, the reader's
/// balance, what they get, or the shortfall and where to recharge); <c>POST</c> buys at the price shown, under the hidden
/// idempotency key of that rendering, and goes back to the document page, now downloadable. Whoever has the document
/// already (uploader, staff, a buyer) and free documents go straight to the page's download button.
/// </summary>
[Authorize]
public sealed class BuyModel(WenkuDb db, Ledger ledger, Purchases purchases, IOutputCacheStore cache, IStringLocalizer<SharedResource> T) : PageModel
{
    public Document Doc { get; private set; } = null!;

    /// <summary>The price shown and asked for (the current price).</summary>
    public int Price { get; private set; }
    public int PointsPerYuan { get; private set; } = 1;
    public WalletBalance Balance { get; private set; } = new(0, 0, 0);
    public long Shortfall => Math.Max(0, Price - Balance.Total);

    /// <summary>A new key for each rendering: posting this form twice buys once.</summary>
    public string Key { get; } = Guid.NewGuid().ToString("N");

    /// <summary>Why the confirmation is shown again (the price changed, too few points, a bad form).</summary>
    public string? Notice { get; private set; }

    /// <summary>The price in yuan, for display only (points are integers; yuan = points ÷ points per yuan).</summary>
    public static string Yuan(long points, int pointsPerYuan) => ((decimal)points / pointsPerYuan).ToString("0.00", System.Globalization.CultureInfo.InvariantCulture);

    public async Task<IActionResult> OnGetAsync(long id, CancellationToken ct)
    {
        var state = await LoadAsync(id, forPurchase: false, ct);
        if (state is not null) return state;
        return Page();
    }

    /// <param name="id">The document.</param>
    /// <param name="expectedPrice">The price the confirmation showed.</param>
    /// <param name="key">The idempotency key of that rendering.</param>
    public async Task<IActionResult> OnPostAsync(long id, int? expectedPrice, string? key, CancellationToken ct)
    {
        var state = await LoadAsync(id, forPurchase: true, ct);
        if (state is not null) return state;
        if (expectedPrice is not { } expected || expected < 0 || !Idempotency.IsValidKey(key))
            return Again(400, T["表单不完整，请重新确认。"]);

        var outcome = await purchases.BuyAsync(id, User.UserId()!, User.IsStaff(), expected, key, ct);
        switch (outcome)
        {
            case PurchaseOutcome.Done done:
                if (done.Receipt.Charged > 0 && !done.Replayed) await DocumentPageCache.EvictAsync(cache, id, ct); // the sales count changed
                // The notice is for buyers (a repeated form lands there too); the uploader and staff just get their button.
                return Redirect(await HasPurchaseAsync(id, ct) ? $"/d/{id}?purchase=done#download" : $"/d/{id}#download");
            case PurchaseOutcome.PriceChanged changed:
                Price = changed.Price;
                await LoadBalanceAsync(ct);
                return Again(409, T.Text("价格已变为 {0} 积分，未扣积分；请按新价格确认。", changed.Price));
            case PurchaseOutcome.TooFewPoints:
                await LoadBalanceAsync(ct);
                return Again(402, T["积分不足，未扣积分。"]);
            case PurchaseOutcome.KeyReused:
                return Again(422, T["这个表单已用于另一次购买，请重新确认。"]);
            default:
                return NotFound();
        }
    }

    /// <summary>
    /// Loads the document and the reader's balance; answers for everyone who has nothing to buy here (free, the
    /// uploader, staff). A buyer's post goes on to <see cref="Purchases.BuyAsync"/> even when they have the document
    /// already: it never charges them twice, and a form posted again gets the first answer (the 购买成功 notice) back.
    /// </summary>
    private async Task<IActionResult?> LoadAsync(long id, bool forPurchase, CancellationToken ct)
    {
        var doc = await db.Documents.AsNoTracking().Include(d => d.Uploader).SingleOrDefaultAsync(d => d.Id == id, ct);
        if (doc is not null && DocumentAccess.IsRemoved(doc)) return StatusCode(StatusCodes.Status410Gone); // the error page says so
        if (doc is null || !DocumentAccess.CanView(doc, User)) return NotFound();
        Doc = doc;
        var userId = User.UserId()!;
        if (doc.IsFree || DocumentAccess.IsOwnerOrStaff(doc, User)
            || (!forPurchase && await db.Entitlements.AnyAsync(e => e.DocumentId == id && e.UserId == userId, ct)))
            return Redirect($"/d/{id}#download");
        if (doc.Status != DocumentStatus.Ready) return NotFound();
        Price = doc.Price;
        PointsPerYuan = await db.SiteSettings.AsNoTracking().Select(s => s.PointsPerYuan).SingleAsync(ct);
        await LoadBalanceAsync(ct);
        return null;
    }

    private async Task LoadBalanceAsync(CancellationToken ct) => Balance = await ledger.BalanceAsync(User.UserId()!, ct);

    private Task<bool> HasPurchaseAsync(long id, CancellationToken ct)
    {
        var userId = User.UserId();
        return db.Purchases.AnyAsync(p => p.DocumentId == id && p.BuyerId == userId && p.RefundedAt == null, ct);
    }

    private PageResult Again(int status, string notice)
    {
        Notice = notice;
        Response.StatusCode = status;
        return Page();
    }
}
