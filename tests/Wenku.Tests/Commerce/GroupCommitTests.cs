using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Wenku.Commerce;
using Wenku.Tests.Infrastructure;

namespace Wenku.Tests.Commerce;

/// <summary>
/// Group commit: purchases waiting together run in one database transaction, each in its own savepoint, with one commit.
/// A refused purchase undoes only itself and its caller gets its own answer; a batch that fails before its commit leaves
/// nothing and answers nobody with a purchase; and the ledger verifies after each.
/// </summary>
[Trait(WenkuFactory.Suite, WenkuFactory.OnBothStacks)]
public sealed class GroupCommitTests(CommerceSite site) : IClassFixture<CommerceSite>
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private PurchaseQueue Queue => site.Services.GetRequiredService<PurchaseQueue>();

    private async Task<string> ReaderAsync(long points)
    {
        var (_, id) = await site.ApiClientAsync($"gc-{Guid.NewGuid():N}@batch.test");
        if (points > 0) await site.GrantAsync(id, points);
        return id;
    }

    private Task<int> PurchasesOfAsync(string buyerId) => site.WithDbAsync(db => db.Purchases.CountAsync(p => p.BuyerId == buyerId));

    [Fact]
    public async Task A_batch_where_some_purchases_are_refused_commits_the_others_and_answers_each_its_own()
    {
        var uploader = await ReaderAsync(0);
        var (rich, poor, other) = (await ReaderAsync(100), await ReaderAsync(5), await ReaderAsync(100));
        var (a, b, c, d) = (await site.ReadyDocAsync(uploader, 30), await site.ReadyDocAsync(uploader, 30), await site.ReadyDocAsync(uploader, 40), await site.ReadyDocAsync(uploader, 20));
        var key = Guid.NewGuid().ToString();

        var answers = await Queue.RunBatchNowAsync([
            new PurchaseOrder(a, rich, false, 30, key),                       // bought
            new PurchaseOrder(b, poor, false, 30, Guid.NewGuid().ToString()), // 5 points: refused (402)
            new PurchaseOrder(c, other, false, 35, Guid.NewGuid().ToString()),// the price is 40 now (409)
            new PurchaseOrder(b, rich, false, 30, key),                       // the first order's key for another request (422)
            new PurchaseOrder(d, other, false, 20, Guid.NewGuid().ToString()),// bought, after its buyer's refusal
            new PurchaseOrder(d, uploader, false, 20, null),                  // the uploader: owns it, never pays
            new PurchaseOrder(b, rich, false, 30, Guid.NewGuid().ToString()), // bought: 70 points left for it
        ]);
        var outcomes = await Task.WhenAll(answers);

        var bought = outcomes[0].ShouldBeOfType<PurchaseOutcome.Done>().Receipt;
        bought.ShouldBe(new PurchaseReceipt(a, 30, 30, false, bought.PurchaseId, 70, 0));
        bought.PurchaseId.ShouldNotBeNull();
        outcomes[1].ShouldBe(new PurchaseOutcome.TooFewPoints(30, 5, 0));
        outcomes[2].ShouldBe(new PurchaseOutcome.PriceChanged(40));
        outcomes[3].ShouldBeOfType<PurchaseOutcome.KeyReused>();
        outcomes[4].ShouldBeOfType<PurchaseOutcome.Done>().Receipt.Spendable.ShouldBe(80);
        outcomes[5].ShouldBeOfType<PurchaseOutcome.Done>().Receipt.ShouldBe(new PurchaseReceipt(d, 20, 0, true, null, 0, 20 * 70 / 100 + 30 * 70 / 100));
        outcomes[6].ShouldBeOfType<PurchaseOutcome.Done>().Receipt.Spendable.ShouldBe(40);

        (await site.BalanceAsync(rich)).Spendable.ShouldBe(40);
        (await site.BalanceAsync(poor)).Spendable.ShouldBe(5);
        (await site.BalanceAsync(other)).Spendable.ShouldBe(80);
        (await site.BalanceAsync(uploader)).Earned.ShouldBe(21 + 14 + 21);
        (await PurchasesOfAsync(rich, poor, other)).ShouldBe((2, 0, 1));
        (await LedgerMoves.VerifyViolationAsync(site)).ShouldBeNull();
    }

    private async Task<(int, int, int)> PurchasesOfAsync(string x, string y, string z) => (await PurchasesOfAsync(x), await PurchasesOfAsync(y), await PurchasesOfAsync(z));

    [Fact]
    public async Task The_same_request_twice_in_one_batch_charges_once_and_answers_both_with_the_first_receipt()
    {
        var uploader = await ReaderAsync(0);
        var buyer = await ReaderAsync(50);
        var (doc, other) = (await site.ReadyDocAsync(uploader, 10), await site.ReadyDocAsync(uploader, 15));
        var key = Guid.NewGuid().ToString();

        var outcomes = await Task.WhenAll(await Queue.RunBatchNowAsync([
            new PurchaseOrder(doc, buyer, false, 10, key),
            new PurchaseOrder(doc, buyer, false, 10, key),                       // the same request again: replayed
            new PurchaseOrder(doc, buyer, false, 10, Guid.NewGuid().ToString()), // a new key for a document owned now: nothing charged
            new PurchaseOrder(other, buyer, false, 15, null),
            new PurchaseOrder(other, buyer, false, 15, null),                    // without a key, owned already: nothing charged
        ]));

        var first = outcomes[0].ShouldBeOfType<PurchaseOutcome.Done>();
        first.Replayed.ShouldBeFalse();
        outcomes[1].ShouldBe(first with { Replayed = true });
        outcomes[2].ShouldBeOfType<PurchaseOutcome.Done>().Receipt.ShouldBe(new PurchaseReceipt(doc, 10, 0, true, null, 40, 0));
        outcomes[3].ShouldBeOfType<PurchaseOutcome.Done>().Receipt.Charged.ShouldBe(15);
        outcomes[4].ShouldBeOfType<PurchaseOutcome.Done>().Receipt.Charged.ShouldBe(0);
        (await site.BalanceAsync(buyer)).Spendable.ShouldBe(25);
        (await PurchasesOfAsync(buyer)).ShouldBe(2);
        (await LedgerMoves.VerifyViolationAsync(site)).ShouldBeNull();
    }

    [Fact]
    public async Task Two_purchases_of_one_buyer_in_one_batch_whose_points_cover_only_one_make_the_first_and_refuse_the_second()
    {
        var uploader = await ReaderAsync(0);
        var buyer = await ReaderAsync(30);
        var other = await ReaderAsync(50);
        var (a, b) = (await site.ReadyDocAsync(uploader, 20), await site.ReadyDocAsync(uploader, 20));
        var downloadsBefore = await site.WithDbAsync(db => db.Documents.Where(d => d.Id == a).Select(d => d.Downloads).SingleAsync());

        var outcomes = await Task.WhenAll(await Queue.RunBatchNowAsync([
            new PurchaseOrder(a, buyer, false, 20, Guid.NewGuid().ToString()),
            new PurchaseOrder(b, buyer, false, 20, Guid.NewGuid().ToString()), // 10 points left: refused
            new PurchaseOrder(a, other, false, 20, null),                      // a second buyer of the same document
        ]));

        outcomes[0].ShouldBeOfType<PurchaseOutcome.Done>().Receipt.Spendable.ShouldBe(10);
        outcomes[1].ShouldBe(new PurchaseOutcome.TooFewPoints(20, 10, 0));
        outcomes[2].ShouldBeOfType<PurchaseOutcome.Done>().Receipt.Spendable.ShouldBe(30);
        (await site.BalanceAsync(buyer)).Spendable.ShouldBe(10);
        (await PurchasesOfAsync(buyer)).ShouldBe(1);
        (await site.WithDbAsync(db => db.Entitlements.CountAsync(e => e.UserId == buyer))).ShouldBe(1);
        (await site.WithDbAsync(db => db.Documents.Where(d => d.Id == a).Select(d => d.Downloads).SingleAsync())).ShouldBe(downloadsBefore + 2);
        (await site.BalanceAsync(uploader)).Earned.ShouldBe(2 * (20 * 70 / 100));
        (await LedgerMoves.VerifyViolationAsync(site)).ShouldBeNull();
    }

    [Fact]
    public async Task An_uploader_can_spend_in_a_batch_what_an_earlier_sale_of_the_same_batch_earned_them()
    {
        var (uploader, seller) = (await ReaderAsync(0), await ReaderAsync(0)); // the seller has no points at all
        var buyer = await ReaderAsync(10);
        var sold = await site.ReadyDocAsync(seller, 10);
        var wanted = await site.ReadyDocAsync(uploader, 7);

        var outcomes = await Task.WhenAll(await Queue.RunBatchNowAsync([
            new PurchaseOrder(wanted, seller, false, 7, null), // nothing yet: refused
            new PurchaseOrder(sold, buyer, false, 10, null),   // the seller earns 7
            new PurchaseOrder(wanted, seller, false, 7, null), // now paid from earned points
        ]));

        outcomes[0].ShouldBe(new PurchaseOutcome.TooFewPoints(7, 0, 0));
        outcomes[1].ShouldBeOfType<PurchaseOutcome.Done>().Receipt.Charged.ShouldBe(10);
        var paid = outcomes[2].ShouldBeOfType<PurchaseOutcome.Done>().Receipt;
        paid.ShouldBe(new PurchaseReceipt(wanted, 7, 7, false, paid.PurchaseId, 0, 0));
        (await site.BalanceAsync(seller)).ShouldBe(new WalletBalance(0, 0, 0));
        (await site.BalanceAsync(uploader)).Earned.ShouldBe(7 * 70 / 100);
        var purchase = await site.WithDbAsync(db => db.Purchases.SingleAsync(p => p.BuyerId == seller));
        (purchase.FromSpendable, purchase.FromEarned).ShouldBe((0, 7));
        purchase.TransactionId.ShouldBeGreaterThan(0);
        (await LedgerMoves.VerifyViolationAsync(site)).ShouldBeNull();
    }

    [Fact]
    public async Task A_key_committed_by_an_earlier_batch_is_replayed_or_refused_in_a_later_one_and_nothing_is_charged_again()
    {
        var uploader = await ReaderAsync(0);
        var buyer = await ReaderAsync(100);
        var (doc, other) = (await site.ReadyDocAsync(uploader, 10), await site.ReadyDocAsync(uploader, 10));
        var key = Guid.NewGuid().ToString();
        var first = (await Task.WhenAll(await Queue.RunBatchNowAsync([new PurchaseOrder(doc, buyer, false, 10, key)])))[0];

        var later = await Task.WhenAll(await Queue.RunBatchNowAsync([
            new PurchaseOrder(other, buyer, false, 10, key), // the key of another request: 422
            new PurchaseOrder(doc, buyer, false, 10, key),   // the same request: the first answer
            new PurchaseOrder(doc, buyer, false, 10, null),  // owned: nothing charged
        ]));

        later[0].ShouldBeOfType<PurchaseOutcome.KeyReused>();
        later[1].ShouldBe(((PurchaseOutcome.Done)first) with { Replayed = true });
        later[2].ShouldBeOfType<PurchaseOutcome.Done>().Receipt.ShouldBe(new PurchaseReceipt(doc, 10, 0, true, null, 90, 0));
        (await site.BalanceAsync(buyer)).Spendable.ShouldBe(90);
        (await PurchasesOfAsync(buyer)).ShouldBe(1);
        (await LedgerMoves.VerifyViolationAsync(site)).ShouldBeNull();
    }

    [Fact]
    public async Task Readers_buying_at_once_with_balances_near_zero_each_get_what_their_points_cover_and_no_balance_goes_negative()
    {
        const int Readers = 8, Tries = 5, Price = 10, Points = 25; // each can pay for two, never a third
        var uploader = await ReaderAsync(0);
        var docs = new List<long>();
        for (var i = 0; i < Tries; i++) docs.Add(await site.ReadyDocAsync(uploader, Price));
        var readers = new List<(HttpClient Client, string Id)>();
        for (var r = 0; r < Readers; r++)
        {
            var reader = await site.ApiClientAsync($"near-zero-{Guid.NewGuid():N}@batch.test");
            await site.GrantAsync(reader.UserId, Points);
            readers.Add(reader);
        }
        var batchesBefore = Queue.BatchSizes.Count;

        var statuses = await Task.WhenAll(readers.SelectMany(r => docs.Select(async doc =>
        {
            using var response = await LedgerMoves.BuyAsync(r.Client, doc, Price);
            return (r.Id, response.StatusCode, Body: await response.Content.ReadAsStringAsync());
        })));

        foreach (var reader in readers)
        {
            var mine = statuses.Where(s => s.Id == reader.Id).ToList();
            mine.Count(s => s.StatusCode == HttpStatusCode.OK).ShouldBe(2, string.Join("\n", mine.Select(s => s.Body)));
            mine.Count(s => s.StatusCode == HttpStatusCode.PaymentRequired).ShouldBe(Tries - 2);
            (await site.BalanceAsync(reader.Id)).ShouldBe(new WalletBalance(Points - 2 * Price, 0, 0));
            (await PurchasesOfAsync(reader.Id)).ShouldBe(2);
        }
        (await site.BalanceAsync(uploader)).Earned.ShouldBe(Readers * 2 * (Price * 70 / 100));
        Queue.BatchSizes.Skip(batchesBefore).Sum().ShouldBe(Readers * Tries);
        (await LedgerMoves.VerifyViolationAsync(site)).ShouldBeNull();
    }

    [Fact]
    public async Task Two_purchase_queues_on_one_database_like_two_processes_never_let_a_balance_go_below_zero()
    {
        const int Readers = 6, Tries = 6, Price = 10, Points = 35; // each can pay for three, never a fourth
        var uploaders = new[] { await ReaderAsync(0), await ReaderAsync(0) };
        var docs = new List<long>();
        for (var i = 0; i < Tries; i++) docs.Add(await site.ReadyDocAsync(uploaders[i % 2], Price));
        var readers = new List<string>();
        for (var r = 0; r < Readers; r++) readers.Add(await ReaderAsync(Points));
        // A second queue with its own writers and connections: what another `serve` process on the database would run.
        using var second = new PurchaseQueue(site.Services.GetRequiredService<IServiceScopeFactory>(),
            site.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<PurchaseOptions>>(), NullLogger<PurchaseQueue>.Instance);
        var queues = new[] { Queue, second };

        var outcomes = await Task.WhenAll(readers.SelectMany((reader, r) => docs.Select(async (doc, d) =>
            (Reader: reader, Outcome: await queues[(r + d) % 2].BuyAsync(new PurchaseOrder(doc, reader, false, Price, Guid.NewGuid().ToString()), CancellationToken.None)))));

        foreach (var reader in readers)
        {
            var mine = outcomes.Where(o => o.Reader == reader).Select(o => o.Outcome).ToList();
            mine.Count(o => o is PurchaseOutcome.Done { Receipt.Charged: Price }).ShouldBe(3, string.Join("\n", mine));
            mine.Count(o => o is PurchaseOutcome.TooFewPoints).ShouldBe(Tries - 3);
            (await site.BalanceAsync(reader)).ShouldBe(new WalletBalance(Points - 3 * Price, 0, 0));
            (await PurchasesOfAsync(reader)).ShouldBe(3);
        }
        (await site.BalanceAsync(uploaders[0])).Earned.ShouldBe(
            outcomes.Count(o => o.Outcome is PurchaseOutcome.Done { Receipt: var receipt } && docs.IndexOf(receipt.DocumentId) % 2 == 0) * (Price * 70 / 100));
        (await LedgerMoves.VerifyViolationAsync(site)).ShouldBeNull();
    }

    [Fact]
    public async Task A_batch_that_fails_before_its_commit_writes_nothing_and_answers_no_buyer_with_a_purchase()
    {
        var uploader = await ReaderAsync(0);
        var buyers = new[] { await ReaderAsync(100), await ReaderAsync(100), await ReaderAsync(100) };
        var doc = await site.ReadyDocAsync(uploader, 30);
        Queue.BeforeCommit = _ => throw new IOException("disk gone between the batch and its commit");
        IReadOnlyList<Task<PurchaseOutcome>> answers;
        try
        {
            answers = await Queue.RunBatchNowAsync(buyers.Select(b => new PurchaseOrder(doc, b, false, 30, Guid.NewGuid().ToString())).ToList());
        }
        finally
        {
            Queue.BeforeCommit = null;
        }

        foreach (var answer in answers) (await Should.ThrowAsync<IOException>(answer)).Message.ShouldContain("disk gone");
        foreach (var buyer in buyers)
        {
            (await site.BalanceAsync(buyer)).Spendable.ShouldBe(100);
            (await PurchasesOfAsync(buyer)).ShouldBe(0);
        }
        (await site.BalanceAsync(uploader)).Earned.ShouldBe(0);
        (await site.WithDbAsync(db => db.Entitlements.CountAsync(e => e.DocumentId == doc))).ShouldBe(0);
        (await site.WithDbAsync(db => db.IdempotencyRecords.CountAsync(r => buyers.Contains(r.UserId)))).ShouldBe(0);
        (await LedgerMoves.VerifyViolationAsync(site)).ShouldBeNull();

        // The same buyers again, with the commit working: each buys once.
        var again = await Task.WhenAll(await Queue.RunBatchNowAsync(buyers.Select(b => new PurchaseOrder(doc, b, false, 30, null)).ToList()));
        again.ShouldAllBe(o => o is PurchaseOutcome.Done && ((PurchaseOutcome.Done)o).Receipt.Charged == 30);
        (await LedgerMoves.VerifyViolationAsync(site)).ShouldBeNull();
    }
}
