using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Wenku.Commerce;
using Wenku.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Wenku.Tests.Commerce;

/// <summary>200 purchases at once by 20 readers whose points cover only some of them, while staff grant points: nothing is made, lost or paid twice.</summary>
[Trait(WenkuFactory.Suite, WenkuFactory.OnBothStacks)]
public sealed class LedgerConcurrencyTests(CommerceSite site, ITestOutputHelper output) : IClassFixture<CommerceSite>
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task Two_hundred_purchases_at_once_with_grants_leave_a_ledger_that_verifies_and_no_one_paid_twice()
    {
        var random = new Random(20261130);
        var uploaders = new List<string>();
        for (var i = 0; i < 4; i++) uploaders.Add((await site.ApiClientAsync($"up{i}-{Guid.NewGuid():N}@race.test")).UserId);
        var docs = new List<(long Id, int Price)>();
        for (var i = 0; i < 24; i++)
        {
            var price = random.Next(5, 40);
            docs.Add((await site.ReadyDocAsync(uploaders[i % uploaders.Count], price), price));
        }
        var readers = new List<(HttpClient Client, string Id)>();
        var granted = new Dictionary<string, long>();
        for (var i = 0; i < 20; i++)
        {
            var reader = await site.ApiClientAsync($"r{i}-{Guid.NewGuid():N}@race.test");
            readers.Add(reader);
            granted[reader.UserId] = random.Next(20, 160); // a few documents' worth: most readers run out
            await site.GrantAsync(reader.UserId, granted[reader.UserId]);
        }

        // 200 requests: random reader, random document, a fresh key — or, for one in eight, a key the reader used before
        // (the same request again, or another document with it).
        var requests = new List<(int Reader, long Doc, int Price, string Key)>();
        for (var i = 0; i < 200; i++)
        {
            var r = random.Next(readers.Count);
            var (doc, price) = docs[random.Next(docs.Count)];
            var earlier = requests.Where(q => q.Reader == r).ToList();
            var key = earlier.Count > 0 && random.Next(8) == 0 ? earlier[random.Next(earlier.Count)].Key : Guid.NewGuid().ToString();
            requests.Add((r, doc, price, key));
        }

        var answers = new ConcurrentBag<(int Reader, long Doc, HttpStatusCode Status, PurchaseReceipt? Receipt)>();
        var extraGrants = new ConcurrentBag<(string User, long Points)>();
        using var start = new SemaphoreSlim(0);
        var purchases = requests.Select(q => Task.Run(async () =>
        {
            await start.WaitAsync();
            var response = await LedgerMoves.BuyAsync(readers[q.Reader].Client, q.Doc, q.Price, q.Key);
            var receipt = response.StatusCode == HttpStatusCode.OK ? await response.Content.ReadFromJsonAsync<PurchaseReceipt>(Json) : null;
            answers.Add((q.Reader, q.Doc, response.StatusCode, receipt));
        }));
        var grants = Enumerable.Range(0, 20).Select(i => Task.Run(async () =>
        {
            await start.WaitAsync();
            var user = readers[i].Id;
            await site.GrantAsync(user, 15, "并发赠送 concurrent grant");
            extraGrants.Add((user, 15));
        }));
        // Recharges (Alipay notifications) and a withdrawal join this race once their slices land: add their tasks here;
        // the checks below already count recharges (PaymentClearing) and payouts.
        var all = purchases.Concat(grants).ToList();
        start.Release(all.Count);
        await Task.WhenAll(all);

        var statuses = answers.GroupBy(a => a.Status).ToDictionary(g => g.Key, g => g.Count());
        output.WriteLine(string.Join(", ", statuses.Select(s => $"{(int)s.Key}: {s.Value}")));
        statuses.Keys.ShouldBeSubsetOf([HttpStatusCode.OK, HttpStatusCode.PaymentRequired, HttpStatusCode.UnprocessableEntity]);
        statuses.GetValueOrDefault(HttpStatusCode.OK).ShouldBeGreaterThan(20);
        statuses.GetValueOrDefault(HttpStatusCode.PaymentRequired).ShouldBeGreaterThan(0, "the readers' points should cover only some purchases");

        // The real CLI, beside the running site, finds every invariant holding.
        (await site.RunCliAsync("admin", "ledger", "verify")).ShouldContain("every invariant holds");

        var bought = await site.WithDbAsync(db => db.Purchases.AsNoTracking().ToListAsync());
        bought.GroupBy(p => (p.DocumentId, p.BuyerId)).ShouldAllBe(g => g.Count() == 1, "a reader paid twice for one document");
        (await site.WithDbAsync(db => db.LedgerAccounts.Where(a => a.Owner != "" && a.Balance < 0).CountAsync())).ShouldBe(0);

        // Every 200 has its purchase: the one it names, or (already owned) the one that bought it.
        foreach (var (reader, doc, _, receipt) in answers.Where(a => a.Status == HttpStatusCode.OK))
        {
            var buyer = readers[reader].Id;
            bought.ShouldContain(p => p.DocumentId == doc && p.BuyerId == buyer, $"a 200 for document {doc} has no purchase");
            if (receipt!.PurchaseId is { } id) bought.ShouldContain(p => p.Id == id && p.DocumentId == doc && p.BuyerId == buyer);
        }
        // What each reader has left is what they were given less what they bought.
        foreach (var (_, id) in readers)
        {
            var balance = await site.BalanceAsync(id);
            balance.Total.ShouldBe(granted[id] + extraGrants.Where(g => g.User == id).Sum(g => g.Points) - bought.Where(p => p.BuyerId == id).Sum(p => (long)p.Price));
        }

        // Points are neither made nor lost: the accounts sum to zero, and what users, the platform and payouts hold is
        // exactly what came in through grants and recharges.
        var byKind = await site.WithDbAsync(db => db.LedgerPostings.GroupBy(p => p.Account.Kind).Select(g => new { g.Key, Sum = g.Sum(p => p.Amount) }).ToListAsync());
        long Of(AccountKind k) => byKind.SingleOrDefault(x => x.Key == k)?.Sum ?? 0;
        byKind.Sum(x => x.Sum).ShouldBe(0);
        (Of(AccountKind.Spendable) + Of(AccountKind.Earned) + Of(AccountKind.PlatformRevenue) + Of(AccountKind.WithdrawalsPayable) + Of(AccountKind.Payouts))
            .ShouldBe(-Of(AccountKind.Grants) - Of(AccountKind.PaymentClearing));
        (-Of(AccountKind.Grants)).ShouldBe(granted.Values.Sum() + extraGrants.Sum(g => g.Points));
        Of(AccountKind.PlatformRevenue).ShouldBe(bought.Sum(p => (long)p.PlatformShare));
    }
}
