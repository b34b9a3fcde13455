using Microsoft.Extensions.Localization;
using Wenku.Web.Localization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Wenku.Accounts;
using Wenku.Data;

namespace Wenku.Commerce;

/// <summary>The body of a purchase: the price the buyer was shown, so a changed price is never charged unseen.</summary>
public sealed record PurchaseRequest(int? ExpectedPrice);

/// <summary>One movement of the caller's points: <c>amount</c> is positive into, negative out of, the named account.</summary>
public sealed record WalletEntry(long TransactionId, DateTime At, string Kind, string Account, long Amount, long? DocumentId, string Memo);

public sealed record WalletEntries(IReadOnlyList<WalletEntry> Items, int Page, int PageSize, int Total);

public static class CommerceApi
{
    public static void MapCommerceApi(this RouteGroupBuilder api)
    {
        api.MapGet("/wallet", WalletAsync).RequireAuthorization()
            .WithSummary("The caller's points")
            .WithDescription("`spendable` (recharged, granted, refunded), `earned` (the uploader's share of sales; spendable too) and `withdrawable` (what a withdrawal may take: the earned points).");
        api.MapGet("/wallet/transactions", TransactionsAsync).RequireAuthorization()
            .WithSummary("The caller's point movements, newest first")
            .WithDescription("`page` (from 1), `pageSize` (1–100, default 20), `kind` (e.g. `Purchase`, `Recharge`, `Grant`, `Refund`, `WithdrawalRequested`), `from`/`to` (dates). Each entry names the account (`spendable` or `earned`) and the signed amount.");
        api.MapPost("/documents/{id:long}/purchase", PurchaseAsync).RequireAuthorization()
            .DisableAntiforgery() // bearer tokens only
            .WithSummary("Buy a document")
            .WithDescription("""
                Body `{"expectedPrice": N}`: the price the buyer was shown. Send an `Idempotency-Key` header (1–100 visible
                ASCII characters, e.g. a UUID): the same key with the same request returns the first answer and charges
                nothing again; the same key with another request answers 422. 200 with the receipt (`charged` is 0 when
                the caller already had the document: bought before, its uploader, staff); 402 with the balance when the
                points do not cover the price; 409 with the current `price` when it differs from `expectedPrice`; 404 for
                a document that is not for sale.
                """);
    }

    private static async Task<Ok<WalletBalance>> WalletAsync(HttpContext http, Ledger ledger, CancellationToken ct) =>
        TypedResults.Ok(await ledger.BalanceAsync(http.User.UserId()!, ct));

    private static async Task<Results<Ok<WalletEntries>, ProblemHttpResult>> TransactionsAsync(HttpContext http, WenkuDb db, IStringLocalizer<SharedResource> T,
        int? page, int? pageSize, string? kind, DateOnly? from, DateOnly? to, CancellationToken ct)
    {
        var size = Math.Clamp(pageSize ?? 20, 1, 100);
        var number = Math.Clamp(page ?? 1, 1, 10_000);
        TransactionKind? onlyKind = null;
        if (!string.IsNullOrEmpty(kind))
        {
            if (!Enum.TryParse<TransactionKind>(kind, ignoreCase: true, out var k))
                return TypedResults.Problem(statusCode: 400, title: T.Text("没有这种交易类型：{0}。", kind),
                    detail: "Kinds: " + string.Join(", ", Enum.GetNames<TransactionKind>()));
            onlyKind = k;
        }
        var (items, total) = await WalletHistory.PageAsync(db, http.User.UserId()!, number, size, onlyKind, from, to, ct);
        return TypedResults.Ok(new WalletEntries(items, number, size, total));
    }

    private static async Task<Results<Ok<PurchaseReceipt>, ProblemHttpResult, NotFound>> PurchaseAsync(long id, HttpContext http,
        [FromBody] PurchaseRequest? body, PurchaseQueue purchases, IStringLocalizer<SharedResource> T, CancellationToken ct)
    {
        if (body?.ExpectedPrice is not { } expected || expected < 0)
            return TypedResults.Problem(statusCode: 400, title: T["请求须含 expectedPrice（页面上显示的价格）。"]);
        string? key = null;
        if (http.Request.Headers.TryGetValue(Idempotency.Header, out var values))
        {
            key = values.ToString();
            if (!Idempotency.IsValidKey(key))
                return TypedResults.Problem(statusCode: 400,
                    title: T.Text("Idempotency-Key 须为 1 到 {0} 个可见 ASCII 字符。", Idempotency.MaxKeyLength));
        }
        // Straight to the queue (a singleton): the request needs no DbContext of its own, the batch's writer has one.
        var outcome = await purchases.BuyAsync(new PurchaseOrder(id, http.User.UserId()!, http.User.IsStaff(), expected, key), ct);
        return ToResult(outcome, http);
    }

    /// <summary>The answer for a purchase outcome (shared by the API; the site renders its own pages).</summary>
    public static Results<Ok<PurchaseReceipt>, ProblemHttpResult, NotFound> ToResult(PurchaseOutcome outcome, HttpContext http)
    {
        var T = http.RequestServices.GetRequiredService<IStringLocalizer<SharedResource>>();
        return outcome switch
    {
        PurchaseOutcome.Done done => TypedResults.Ok(done.Receipt),
        PurchaseOutcome.NotFound or PurchaseOutcome.NotReady => TypedResults.NotFound(),
        PurchaseOutcome.Removed => TypedResults.Problem(statusCode: StatusCodes.Status410Gone, title: Moderation.RemovedDocuments.Title(T)),
        PurchaseOutcome.PriceChanged changed => TypedResults.Problem(statusCode: 409,
            title: T.Text("价格已变为 {0} 积分，请确认后重试。", changed.Price),
            extensions: new Dictionary<string, object?> { ["price"] = changed.Price }),
        PurchaseOutcome.TooFewPoints poor => TypedResults.Problem(statusCode: 402,
            title: T.Text("积分不足：需要 {0}，你有 {1}。", poor.Price, poor.Spendable + poor.Earned),
            extensions: new Dictionary<string, object?>
            {
                ["price"] = poor.Price, ["spendable"] = poor.Spendable, ["earned"] = poor.Earned, ["recharge"] = "/me/wallet/recharge",
            }),
        PurchaseOutcome.KeyReused => TypedResults.Problem(statusCode: 422,
            title: T["这个 Idempotency-Key 已用于另一个请求。"]),
        _ => throw new InvalidOperationException($"Unexpected outcome {outcome}"),
    };
    }
}

/// <summary>A user's postings, as the wallet page and the API list them.</summary>
public static class WalletHistory
{
    public static async Task<(List<WalletEntry> Items, int Total)> PageAsync(WenkuDb db, string userId, int page, int size,
        TransactionKind? kind, DateOnly? from, DateOnly? to, CancellationToken ct)
    {
        var postings = db.LedgerPostings.AsNoTracking().Where(p => p.Account.Owner == userId);
        var query = from p in postings
                    join t in db.LedgerTransactions on p.TransactionId equals t.Id
                    select new { p, t };
        if (kind is { } k) query = query.Where(x => x.t.Kind == k);
        if (from is { } f) { var start = f.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc); query = query.Where(x => x.t.At >= start); }
        if (to is { } u && u < DateOnly.MaxValue) { var end = u.AddDays(1).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc); query = query.Where(x => x.t.At < end); }
        var total = await query.CountAsync(ct);
        var rows = await query.OrderByDescending(x => x.t.Id).ThenBy(x => x.p.Id)
            .Skip((page - 1) * size).Take(size)
            .Select(x => new { x.t.Id, x.t.At, TxKind = x.t.Kind, AccountKind = x.p.Account.Kind, x.p.Amount, x.t.DocumentId, x.t.Memo })
            .ToListAsync(ct);
        return (rows.Select(r => new WalletEntry(r.Id, r.At, r.TxKind.ToString(), r.AccountKind == AccountKind.Earned ? "earned" : "spendable", r.Amount, r.DocumentId, r.Memo)).ToList(), total);
    }
}
