using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Wenku.Accounts;
using Microsoft.Extensions.DependencyInjection;
using Wenku.Commerce;
using Wenku.Tests.Infrastructure;
using Xunit;

namespace Wenku.Tests.Commerce;

[Trait(WenkuFactory.Suite, WenkuFactory.OnBothStacks)]
public sealed class RefundTests(CommerceSite site) : IClassFixture<CommerceSite>
{
    private const string Admin = "/admin/finance/purchases";

    private static HttpRequestMessage Buy(long doc, int expectedPrice) =>
        new(HttpMethod.Post, $"/api/v1/documents/{doc}/purchase") { Content = JsonContent.Create(new { expectedPrice }) };

    private async Task<HttpClient> AdminAsync() => (await site.SignedInBrowserAsync($"admin-{Guid.NewGuid():N}@shop.test", Roles.Admin)).Browser;

    private Task<Dictionary<AccountKind, long>> PostingsAsync(long transactionId) => site.WithDbAsync(db =>
        db.LedgerPostings.Where(p => p.TransactionId == transactionId).GroupBy(p => p.Account.Kind)
            .Select(g => new { g.Key, Sum = g.Sum(p => p.Amount) }).ToDictionaryAsync(x => x.Key, x => x.Sum));

    [Fact]
    public async Task A_refund_gives_the_buyer_the_whole_price_back_takes_the_shares_back_and_removes_the_entitlement()
    {
        var (_, uploaderId) = await site.ApiClientAsync($"up-{Guid.NewGuid():N}@shop.test");
        var (buyer, buyerId) = await site.ApiClientAsync($"buy-{Guid.NewGuid():N}@shop.test");
        await site.GrantAsync(buyerId, 100);
        var doc = await site.ReadyDocAsync(uploaderId, price: 100);
        (await buyer.SendAsync(Buy(doc, 100))).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await buyer.GetAsync($"/api/v1/documents/{doc}/pages/2")).StatusCode.ShouldNotBe(HttpStatusCode.Forbidden);
        var purchase = await site.WithDbAsync(db => db.Purchases.SingleAsync(p => p.DocumentId == doc));

        var admin = await AdminAsync();
        var search = await admin.GetDocumentAsync($"{Admin}?q={doc}");
        search.QuerySelectorAll("tr[data-purchase]").Select(r => r.GetAttribute("data-purchase")).ShouldBe([purchase.Id.ToString()]);
        (await admin.PostFormAsync(Admin, $"{Admin}?handler=refund&id={purchase.Id}", new() { ["reason"] = "" })).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var refunded = await admin.PostFormAsync(Admin, $"{Admin}?handler=refund&id={purchase.Id}", new() { ["reason"] = "文档与描述不符 not as described" });
        refunded.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var shown = await admin.GetDocumentAsync(refunded.Headers.Location!.OriginalString);
        shown.One("#message").Text().ShouldContain("not as described");

        (await site.BalanceAsync(buyerId)).ShouldBe(new WalletBalance(100, 0, 0));
        (await site.BalanceAsync(uploaderId)).Earned.ShouldBe(0);
        purchase = await site.WithDbAsync(db => db.Purchases.SingleAsync(p => p.Id == purchase.Id));
        purchase.RefundedAt.ShouldNotBeNull();
        purchase.RefundReason.ShouldBe("文档与描述不符 not as described");
        var postings = await PostingsAsync(purchase.RefundTransactionId!.Value);
        postings.ShouldBe(new Dictionary<AccountKind, long> { [AccountKind.Spendable] = 100, [AccountKind.PlatformRevenue] = -30, [AccountKind.Earned] = -70 }, ignoreOrder: true);

        // The entitlement went with it: pages past the preview and the original are refused again.
        (await buyer.GetAsync($"/api/v1/documents/{doc}/pages/2")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await buyer.GetAsync($"/api/v1/documents/{doc}/original")).StatusCode.ShouldBe(HttpStatusCode.PaymentRequired);

        // Refunded once: the second is refused and moves nothing.
        var twice = await admin.PostFormAsync(Admin, $"{Admin}?handler=refund&id={purchase.Id}", new() { ["reason"] = "再退一次 again" });
        twice.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        Html.Parse(await twice.Content.ReadAsStringAsync()).One("p.error").Text().ShouldContain("已退款，未作改动");
        (await site.BalanceAsync(buyerId)).Spendable.ShouldBe(100);
        (await site.WithDbAsync(db => db.LedgerTransactions.CountAsync(t => t.Kind == TransactionKind.Refund && t.Reference == $"purchase:{purchase.Id}"))).ShouldBe(1);

        // The buyer may buy it again.
        (await buyer.SendAsync(Buy(doc, 100))).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await site.BalanceAsync(buyerId)).Spendable.ShouldBe(0);
        (await site.BalanceAsync(uploaderId)).Earned.ShouldBe(70);
        (await buyer.GetAsync($"/api/v1/documents/{doc}/pages/2")).StatusCode.ShouldNotBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task After_the_uploader_withdrew_the_platform_bears_the_withdrawn_part_and_no_balance_goes_negative()
    {
        var uploaderId = await site.CreateUserAsync($"up-{Guid.NewGuid():N}@shop.test");
        var (purchaseId, _, buyerId) = await site.SaleAsync(uploaderId, 2000); // uploader earns 1400, platform 600
        await site.WithdrawalAsync(uploaderId, 1000); // a second sale of 1429 earns 1000 more: 2400, then 1000 withdrawn
        (await site.BalanceAsync(uploaderId)).Earned.ShouldBe(1400);
        // Spend some of the rest: 1000 of the 1400 go on a document.
        var third = await site.CreateUserAsync($"third-{Guid.NewGuid():N}@shop.test");
        await using (var scope = site.Services.CreateAsyncScope())
        {
            var doc = await site.ReadyDocAsync(third, 1000);
            (await scope.ServiceProvider.GetRequiredService<Purchases>().BuyAsync(doc, uploaderId, false, 1000, null, CancellationToken.None))
                .ShouldBeOfType<PurchaseOutcome.Done>();
        }
        (await site.BalanceAsync(uploaderId)).Earned.ShouldBe(400);

        var admin = await AdminAsync();
        var buyerEmail = await site.WithDbAsync(db => db.Users.Where(u => u.Id == buyerId).Select(u => u.Email!).SingleAsync());
        (await admin.GetDocumentAsync($"{Admin}?q={Uri.EscapeDataString(buyerEmail.ToUpperInvariant())}"))
            .QuerySelectorAll("tr[data-purchase]").Select(r => r.GetAttribute("data-purchase")).ShouldBe([purchaseId.ToString()]);
        var refunded = await admin.PostFormAsync(Admin, $"{Admin}?handler=refund&id={purchaseId}", new() { ["reason"] = "盗版 pirated" });
        refunded.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        (await admin.GetDocumentAsync(refunded.Headers.Location!.OriginalString)).One("#message").Text().ShouldContain("平台承担 1000");

        (await site.BalanceAsync(uploaderId)).Earned.ShouldBe(0);
        (await site.BalanceAsync(buyerId)).Spendable.ShouldBe(2000);
        var purchase = await site.WithDbAsync(db => db.Purchases.SingleAsync(p => p.Id == purchaseId));
        var postings = await PostingsAsync(purchase.RefundTransactionId!.Value);
        postings.ShouldBe(new Dictionary<AccountKind, long>
        {
            [AccountKind.Spendable] = 2000, [AccountKind.PlatformRevenue] = -600, [AccountKind.Earned] = -400, [AccountKind.PlatformLosses] = -1000,
        }, ignoreOrder: true);
        (await site.WithDbAsync(db => db.LedgerAccounts.AnyAsync(a => a.Balance < 0))).ShouldBeFalse();
        var memo = await site.WithDbAsync(db => db.LedgerTransactions.Where(t => t.Id == purchase.RefundTransactionId).Select(t => t.Memo).SingleAsync());
        memo.ShouldNotContain("平台承担"); // the buyer reads the memo: another user's balance stays out of it
    }
}
