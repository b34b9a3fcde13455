using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Wenku.Commerce;
using Wenku.Tests.Infrastructure;
using Xunit;

namespace Wenku.Tests.Commerce;

[Trait(WenkuFactory.Suite, WenkuFactory.OnBothStacks)]
public sealed class PurchaseTests(CommerceSite site) : IClassFixture<CommerceSite>
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Theory]
    [InlineData(0, 70, 0, 0)]
    [InlineData(1, 70, 0, 1)]
    [InlineData(2, 70, 1, 1)]
    [InlineData(3, 70, 2, 1)]
    [InlineData(9, 70, 6, 3)]
    [InlineData(10, 70, 7, 3)]
    [InlineData(99, 70, 69, 30)]
    [InlineData(100_000, 70, 70_000, 30_000)]
    [InlineData(7, 0, 0, 7)]
    [InlineData(7, 100, 7, 0)]
    [InlineData(7, 33, 2, 5)]
    [InlineData(int.MaxValue, 99, 2_126_008_810, 21_474_837)]
    public void The_uploader_share_rounds_down_and_the_platform_gets_the_rest(int price, int percent, int uploader, int platform)
    {
        var split = Shares.Split(price, percent);
        split.ShouldBe((uploader, platform));
        (split.Uploader + split.Platform).ShouldBe(price);
    }

    private static HttpRequestMessage Buy(long doc, int expectedPrice, string? key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/documents/{doc}/purchase") { Content = JsonContent.Create(new { expectedPrice }) };
        if (key is not null) request.Headers.Add("Idempotency-Key", key);
        return request;
    }

    [Fact]
    public async Task A_purchase_pays_the_uploader_70_percent_rounded_down_and_entitles_the_buyer_at_once()
    {
        var (_, uploader) = await site.ApiClientAsync($"up-{Guid.NewGuid():N}@shop.test");
        var (buyer, buyerId) = await site.ApiClientAsync($"buy-{Guid.NewGuid():N}@shop.test");
        await site.GrantAsync(buyerId, 100);
        var doc = await site.ReadyDocAsync(uploader, price: 33);

        (await buyer.GetAsync($"/api/v1/documents/{doc}/pages/2")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        var response = await buyer.SendAsync(Buy(doc, 33, Guid.NewGuid().ToString()));
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var receipt = (await response.Content.ReadFromJsonAsync<PurchaseReceipt>(Json))!;
        receipt.ShouldBe(receipt with { DocumentId = doc, Price = 33, Charged = 33, AlreadyOwned = false, Spendable = 67, Earned = 0 });

        (await site.BalanceAsync(uploader)).Earned.ShouldBe(23); // 33 × 70% = 23.1 → 23; the platform gets 10
        var wallet = await buyer.GetFromJsonAsync<JsonElement>("/api/v1/wallet", Json);
        wallet.GetProperty("spendable").GetInt64().ShouldBe(67);
        wallet.GetProperty("earned").GetInt64().ShouldBe(0);
        wallet.GetProperty("withdrawable").GetInt64().ShouldBe(0);
        wallet.EnumerateObject().Select(p => p.Name).ShouldBe(["spendable", "earned", "withdrawable"]); // the contract, nothing more
        var platform = await site.WithDbAsync(db => db.LedgerPostings.Where(p => p.Account.Kind == AccountKind.PlatformRevenue).SumAsync(p => p.Amount));
        platform.ShouldBeGreaterThanOrEqualTo(10);

        // The whole document is the buyer's now: pages past the preview, and the purchase counted as a download.
        (await site.WithDbAsync(db => db.Entitlements.AnyAsync(e => e.DocumentId == doc && e.UserId == buyerId))).ShouldBeTrue();
        (await site.WithDbAsync(db => db.Documents.Where(d => d.Id == doc).Select(d => d.Downloads).SingleAsync())).ShouldBe(1);

        var history = await buyer.GetFromJsonAsync<WalletEntries>("/api/v1/wallet/transactions", Json);
        history!.Items.Select(i => (i.Kind, i.Account, i.Amount)).ShouldBe([("Purchase", "spendable", -33L), ("Grant", "spendable", 100L)]);
    }

    [Fact]
    public async Task A_reader_who_owns_a_document_is_never_charged_again_whatever_the_key()
    {
        var (_, uploader) = await site.ApiClientAsync($"up-{Guid.NewGuid():N}@shop.test");
        var (buyer, buyerId) = await site.ApiClientAsync($"buy-{Guid.NewGuid():N}@shop.test");
        await site.GrantAsync(buyerId, 50);
        var doc = await site.ReadyDocAsync(uploader, price: 20);

        (await buyer.SendAsync(Buy(doc, 20, "first"))).StatusCode.ShouldBe(HttpStatusCode.OK);
        foreach (var key in new[] { "second", null })
        {
            var again = await buyer.SendAsync(Buy(doc, 20, key));
            var receipt = (await again.Content.ReadFromJsonAsync<PurchaseReceipt>(Json))!;
            (receipt.Charged, receipt.AlreadyOwned).ShouldBe((0, true));
        }
        (await site.BalanceAsync(buyerId)).Spendable.ShouldBe(30);

        // The uploader has it already, and never pays for their own document.
        var uploaderClient = await site.ApiClientAsync($"up2-{Guid.NewGuid():N}@shop.test");
        var own = await site.ReadyDocAsync(uploaderClient.UserId, price: 20);
        var ownReceipt = (await (await uploaderClient.Client.SendAsync(Buy(own, 20, "own"))).Content.ReadFromJsonAsync<PurchaseReceipt>(Json))!;
        (ownReceipt.Charged, ownReceipt.AlreadyOwned).ShouldBe((0, true));
    }

    [Fact]
    public async Task The_same_key_replays_the_first_answer_and_another_request_with_it_is_refused()
    {
        var (_, uploader) = await site.ApiClientAsync($"up-{Guid.NewGuid():N}@shop.test");
        var (buyer, buyerId) = await site.ApiClientAsync($"buy-{Guid.NewGuid():N}@shop.test");
        await site.GrantAsync(buyerId, 100);
        var doc = await site.ReadyDocAsync(uploader, price: 40);
        var other = await site.ReadyDocAsync(uploader, price: 10);
        var key = Guid.NewGuid().ToString();

        var first = await (await buyer.SendAsync(Buy(doc, 40, key))).Content.ReadAsStringAsync();
        var replay = await buyer.SendAsync(Buy(doc, 40, key));
        replay.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await replay.Content.ReadAsStringAsync()).ShouldBe(first);

        var reused = await buyer.SendAsync(Buy(other, 10, key));
        reused.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await site.BalanceAsync(buyerId)).Spendable.ShouldBe(60);
        (await site.WithDbAsync(db => db.Purchases.CountAsync(p => p.BuyerId == buyerId))).ShouldBe(1);

        (await buyer.SendAsync(Buy(doc, 40, new string('k', 101)))).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Two_requests_with_one_key_at_the_same_moment_charge_once()
    {
        var (_, uploader) = await site.ApiClientAsync($"up-{Guid.NewGuid():N}@shop.test");
        var (buyer, buyerId) = await site.ApiClientAsync($"buy-{Guid.NewGuid():N}@shop.test");
        await site.GrantAsync(buyerId, 1000);
        var docs = new List<long>();
        for (var i = 0; i < 5; i++) docs.Add(await site.ReadyDocAsync(uploader, price: 10));

        // Each document bought by eight simultaneous requests sharing one key.
        foreach (var doc in docs)
        {
            var key = Guid.NewGuid().ToString();
            var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => buyer.SendAsync(Buy(doc, 10, key))));
            answers.ShouldAllBe(a => a.StatusCode == HttpStatusCode.OK);
            var bodies = await Task.WhenAll(answers.Select(a => a.Content.ReadFromJsonAsync<PurchaseReceipt>(Json)));
            bodies.Select(b => b!.PurchaseId).Distinct().Count().ShouldBe(1);
        }
        (await site.BalanceAsync(buyerId)).Spendable.ShouldBe(950);
        (await site.BalanceAsync(uploader)).Earned.ShouldBe(35);
    }

    [Fact]
    public async Task Too_few_points_answers_402_with_the_balance_and_a_changed_price_409_with_the_new_one()
    {
        var (_, uploader) = await site.ApiClientAsync($"up-{Guid.NewGuid():N}@shop.test");
        var (buyer, buyerId) = await site.ApiClientAsync($"buy-{Guid.NewGuid():N}@shop.test");
        await site.GrantAsync(buyerId, 15);
        var doc = await site.ReadyDocAsync(uploader, price: 20);

        var poor = await buyer.SendAsync(Buy(doc, 20, "k1"));
        poor.StatusCode.ShouldBe(HttpStatusCode.PaymentRequired);
        var problem = await poor.Content.ReadFromJsonAsync<JsonElement>(Json);
        problem.GetProperty("spendable").GetInt64().ShouldBe(15);
        problem.GetProperty("price").GetInt32().ShouldBe(20);
        problem.GetProperty("recharge").GetString().ShouldBe("/me/wallet/recharge");
        (await buyer.GetAsync($"/api/v1/documents/{doc}/original")).StatusCode.ShouldBe(HttpStatusCode.PaymentRequired);

        var stale = await buyer.SendAsync(Buy(doc, 12, "k2"));
        stale.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await stale.Content.ReadFromJsonAsync<JsonElement>(Json)).GetProperty("price").GetInt32().ShouldBe(20);

        // After a recharge the same key goes through: refusals that moved nothing are not kept under it.
        await site.GrantAsync(buyerId, 5);
        (await buyer.SendAsync(Buy(doc, 20, "k1"))).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await site.BalanceAsync(buyerId)).Spendable.ShouldBe(0);
    }

    [Fact]
    public async Task Earned_points_pay_for_what_spendable_points_do_not_cover()
    {
        var (seller, sellerId) = await site.ApiClientAsync($"seller-{Guid.NewGuid():N}@shop.test");
        var (reader, readerId) = await site.ApiClientAsync($"reader-{Guid.NewGuid():N}@shop.test");
        var (_, third) = await site.ApiClientAsync($"third-{Guid.NewGuid():N}@shop.test");
        await site.GrantAsync(readerId, 100);
        (await reader.SendAsync(Buy(await site.ReadyDocAsync(sellerId, 100), 100, null))).StatusCode.ShouldBe(HttpStatusCode.OK);
        await site.GrantAsync(sellerId, 10);
        (await site.BalanceAsync(sellerId)).ShouldBe(new WalletBalance(10, 70, 70));

        var doc = await site.ReadyDocAsync(third, 50);
        (await seller.SendAsync(Buy(doc, 50, null))).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await site.BalanceAsync(sellerId)).ShouldBe(new WalletBalance(0, 30, 30));
        var purchase = await site.WithDbAsync(db => db.Purchases.SingleAsync(p => p.DocumentId == doc));
        (purchase.FromSpendable, purchase.FromEarned).ShouldBe((10, 40));
    }
}

[Trait(WenkuFactory.Suite, WenkuFactory.OnBothStacks)]
public sealed class IdempotencyRetentionTests(CommerceSite site) : IClassFixture<CommerceSite>
{
    [Fact]
    public async Task Keys_are_kept_for_two_days_and_then_deleted()
    {
        var (_, userId) = await site.ApiClientAsync($"keys-{Guid.NewGuid():N}@shop.test");
        var now = DateTime.UtcNow;
        await site.WithDbAsync(async db =>
        {
            db.IdempotencyRecords.AddRange(
                new IdempotencyRecord { UserId = userId, Key = "fresh", RequestHash = "h", CreatedAt = now.AddHours(-25) },
                new IdempotencyRecord { UserId = userId, Key = "old", RequestHash = "h", CreatedAt = now.AddHours(-49) });
            return await db.SaveChangesAsync();
        });
        var removed = await site.WithDbAsync(db => Idempotency.PurgeAsync(db, now, CancellationToken.None));
        removed.ShouldBe(1);
        (await site.WithDbAsync(db => db.IdempotencyRecords.Where(r => r.UserId == userId).Select(r => r.Key).ToListAsync())).ShouldBe(["fresh"]);
    }
}

[Trait(WenkuFactory.Suite, WenkuFactory.OnBothStacks)]
public sealed class LedgerEdgeTests(CommerceSite site) : IClassFixture<CommerceSite>
{
    [Fact]
    public async Task A_document_with_buyers_is_not_deleted_until_their_purchases_are_refunded()
    {
        var (owner, ownerId) = await site.ApiClientAsync($"del-owner-{Guid.NewGuid():N}@shop.test");
        var (buyer, buyerId) = await site.ApiClientAsync($"del-buyer-{Guid.NewGuid():N}@shop.test");
        var (_, adminId) = await site.ApiClientAsync($"del-admin-{Guid.NewGuid():N}@shop.test", Wenku.Accounts.Roles.Admin);
        await site.GrantAsync(buyerId, 10);
        var doc = await site.ReadyDocAsync(ownerId, price: 10);
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/documents/{doc}/purchase") { Content = JsonContent.Create(new { expectedPrice = 10 }) };
        (await buyer.SendAsync(request)).StatusCode.ShouldBe(HttpStatusCode.OK);

        var refused = await owner.DeleteAsync($"/api/v1/documents/{doc}");
        refused.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await site.WithDbAsync(db => db.Entitlements.AnyAsync(e => e.DocumentId == doc && e.UserId == buyerId))).ShouldBeTrue();

        var purchase = await site.WithDbAsync(db => db.Purchases.Where(p => p.DocumentId == doc).Select(p => p.Id).SingleAsync());
        await using (var scope = site.Services.CreateAsyncScope())
            (await scope.ServiceProvider.GetRequiredService<Refunds>().RefundAsync(purchase, adminId, "删除前退款 refund before deleting", CancellationToken.None))
                .ShouldNotBeOfType<RefundOutcome.NotFound>();
        (await owner.DeleteAsync($"/api/v1/documents/{doc}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await site.BalanceAsync(buyerId)).Spendable.ShouldBe(10);
    }

    [Fact]
    public async Task A_long_memo_is_cut_to_the_column_and_the_points_still_move()
    {
        var (_, userId) = await site.ApiClientAsync($"memo-{Guid.NewGuid():N}@shop.test");
        await site.GrantAsync(userId, 7, reason: new string('长', 1000));
        (await site.BalanceAsync(userId)).Spendable.ShouldBe(7);
        var memo = await site.WithDbAsync(db => db.LedgerTransactions.Where(t => t.Kind == TransactionKind.Grant && t.Postings.Any(p => p.Account.Owner == userId))
            .Select(t => new { t.Memo, t.Reference }).SingleAsync());
        memo.Memo.Length.ShouldBe(Ledger.MaxMemo);
        memo.Memo.ShouldEndWith("…");
        memo.Reference.ShouldStartWith("grant:"); // one reference per grant: a retried commit cannot grant twice
    }

    [Fact]
    public async Task The_history_takes_the_last_day_there_is()
    {
        var (client, _) = await site.ApiClientAsync($"dates-{Guid.NewGuid():N}@shop.test");
        (await client.GetAsync("/api/v1/wallet/transactions?from=0001-01-01&to=9999-12-31")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }
}
