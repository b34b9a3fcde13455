using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Wenku.Commerce;
using Wenku.Tests.Infrastructure;

namespace Wenku.Tests.Commerce;

/// <summary>
/// A purchase batch locks only its buyers' accounts; the uploaders it credits (who buy nothing in it) are credited last
/// without a lock of their own. Under concurrent batches of two queues (like two processes) no credit may be lost, an
/// uploader who also buys keeps the lock on what they spend, and no balance goes negative.
/// </summary>
[Trait(WenkuFactory.Suite, WenkuFactory.OnBothStacks)]
public sealed class UploaderCreditTests(CommerceSite site) : IClassFixture<CommerceSite>
{
    [Fact]
    public async Task Uploaders_buying_from_each_other_in_concurrent_batches_lose_no_credit_and_never_go_negative()
    {
        const int Traders = 6, DocsEach = 3, Price = 10, Share = 7, Points = 25;
        // Traders upload and buy from each other, and spend what they earn (earned points pay once spendable runs out);
        // a seller only uploads, and every trader buys all of their documents: credits to an account no batch locks.
        var traders = new List<string>();
        for (var t = 0; t < Traders; t++)
        {
            var (_, id) = await site.ApiClientAsync($"trader-{Guid.NewGuid():N}@credit.test");
            await site.GrantAsync(id, Points);
            traders.Add(id);
        }
        var (_, seller) = await site.ApiClientAsync($"seller-{Guid.NewGuid():N}@credit.test");
        var docsOf = new Dictionary<string, List<long>>();
        foreach (var owner in traders.Append(seller))
        {
            docsOf[owner] = [];
            for (var d = 0; d < DocsEach; d++) docsOf[owner].Add(await site.ReadyDocAsync(owner, Price));
        }
        var uploaderOf = docsOf.SelectMany(kv => kv.Value.Select(doc => (doc, kv.Key))).ToDictionary(x => x.doc, x => x.Key);
        using var second = new PurchaseQueue(site.Services.GetRequiredService<IServiceScopeFactory>(),
            site.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<PurchaseOptions>>(), NullLogger<PurchaseQueue>.Instance);
        var queues = new[] { site.Services.GetRequiredService<PurchaseQueue>(), second };

        var orders = traders.SelectMany(buyer => docsOf.Where(kv => kv.Key != buyer).SelectMany(kv => kv.Value).Select(doc => (Buyer: buyer, Doc: doc)))
            .OrderBy(_ => Random.Shared.Next()).ToList();
        var outcomes = await Task.WhenAll(orders.Select(async (o, i) =>
        {
            await Task.Yield();
            return (o.Buyer, o.Doc, Outcome: await queues[i % 2].BuyAsync(new PurchaseOrder(o.Doc, o.Buyer, false, Price, Guid.NewGuid().ToString()), CancellationToken.None));
        }));

        outcomes.ShouldAllBe(o => o.Outcome is PurchaseOutcome.Done || o.Outcome is PurchaseOutcome.TooFewPoints);
        var sold = outcomes.Where(o => o.Outcome is PurchaseOutcome.Done { Receipt.Charged: Price }).ToList();
        sold.Count.ShouldBeGreaterThan(Traders * 2); // at least what the grants pay for, more with what sales earned
        (await site.WithDbAsync(db => db.Purchases.CountAsync(p => orders.Select(o => o.Doc).Contains(p.DocumentId)))).ShouldBe(sold.Count);
        foreach (var owner in traders.Append(seller))
        {
            var bought = sold.Count(s => s.Buyer == owner);
            var sales = sold.Count(s => uploaderOf[s.Doc] == owner);
            var balance = await site.BalanceAsync(owner);
            // Every credit is there, every payment taken once: what they were granted, plus their shares, minus their purchases.
            (balance.Spendable + balance.Earned).ShouldBe((owner == seller ? 0 : Points) + sales * Share - bought * Price, owner);
            balance.Spendable.ShouldBeGreaterThanOrEqualTo(0);
            balance.Earned.ShouldBeGreaterThanOrEqualTo(0);
        }
        (await site.BalanceAsync(seller)).Earned.ShouldBe(sold.Count(s => uploaderOf[s.Doc] == seller) * Share);
        (await site.WithDbAsync(db => db.LedgerAccounts.AnyAsync(a => a.Owner != "" && a.Balance < 0))).ShouldBeFalse();
        (await LedgerMoves.VerifyViolationAsync(site)).ShouldBeNull();
    }
}
