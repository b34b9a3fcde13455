using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Wenku.Accounts;
using Wenku.Commerce;
using Wenku.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Wenku.Tests.Commerce;

/// <summary>
/// 200 purchases at once by 20 readers whose points cover only some of them, while staff grant points, readers recharge
/// through Alipay (the stand-in gateway, its notifications sent more than once) and uploaders withdraw and are paid or
/// refused: nothing is made, lost or paid twice.
/// </summary>
[Trait(WenkuFactory.Suite, WenkuFactory.OnBothStacks)]
public sealed class LedgerConcurrencyTests(RechargeSite site, ITestOutputHelper output) : IClassFixture<RechargeSite>
{
    private const int Payers = 10, UnpaidOrders = 2, WithdrawalPoints = 1000, SalePrice = 1500;

    /// <summary>A browser signed in as an existing user through the real sign-in form.</summary>
    private async Task<HttpClient> SignInAsync(string email)
    {
        var browser = site.Browser();
        var response = await browser.PostFormAsync("/account/login", "/account/login", new() { ["Email"] = email, ["Password"] = TestUsers.Password });
        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        return browser;
    }

    /// <summary>The order a signed cashier address is for (<c>biz_content.out_trade_no</c>).</summary>
    private static string OutTradeNoOf(string payUrl)
    {
        var biz = QueryHelpers.ParseQuery(new Uri(payUrl).Query)["biz_content"].ToString();
        return JsonDocument.Parse(biz).RootElement.GetProperty("out_trade_no").GetString()!;
    }

    /// <summary>The reader fills in the recharge form, opens the cashier it is sent to, and returns the order's number.</summary>
    private async Task<string> OrderRechargeAsync(HttpClient browser, int yuan)
    {
        var response = await browser.PostFormAsync("/me/wallet/recharge", "/me/wallet/recharge",
            new() { ["Yuan"] = yuan.ToString(System.Globalization.CultureInfo.InvariantCulture), ["Channel"] = "page" });
        response.StatusCode.ShouldBe(HttpStatusCode.Redirect, await response.Content.ReadAsStringAsync());
        var payUrl = response.Headers.Location!.AbsoluteUri;
        using var buyer = new HttpClient();
        Html.Parse(await buyer.GetStringAsync(payUrl)).QuerySelector("#cashier").ShouldNotBeNull("the cashier refused the site's signature");
        return OutTradeNoOf(payUrl);
    }

    /// <summary>An uploader asks to withdraw through the withdrawal form; returns the request's id.</summary>
    private static async Task<long> RequestWithdrawalAsync(HttpClient uploader, long points)
    {
        const string page = "/me/wallet/withdraw";
        var key = Html.Parse(await uploader.GetStringAsync(page)).QuerySelector("#withdraw-form input[name=FormKey]")!.GetAttribute("value")!;
        var response = await uploader.PostFormAsync(page, page,
            new() { ["Points"] = points.ToString(System.Globalization.CultureInfo.InvariantCulture), ["Payee"] = "支付宝 alipay@payee.test 张三", ["FormKey"] = key });
        response.StatusCode.ShouldBe(HttpStatusCode.Redirect, await response.Content.ReadAsStringAsync());
        return long.Parse(QueryHelpers.ParseQuery(new Uri(new Uri("http://site"), response.Headers.Location!).Query)["done"].ToString(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task Two_hundred_purchases_at_once_with_grants_recharges_and_withdrawals_leave_a_ledger_that_verifies_and_no_one_paid_twice()
    {
        var random = new Random(20261130);
        var uploaders = new List<string>();
        var uploaderBrowsers = new List<HttpClient>();
        for (var i = 0; i < 4; i++)
        {
            var (browser, id) = await site.SignedInBrowserAsync($"up{i}-{Guid.NewGuid():N}@race.test");
            uploaderBrowsers.Add(browser);
            uploaders.Add(id);
        }
        // Two uploaders have earned enough to withdraw (a sale to a reader of their own, granted its price).
        var saleGrants = 0L;
        for (var i = 0; i < 2; i++)
        {
            await site.SaleAsync(uploaders[i], SalePrice);
            saleGrants += SalePrice;
        }
        var (admin, _) = await site.SignedInBrowserAsync($"admin-{Guid.NewGuid():N}@race.test", Roles.Admin);
        var docs = new List<(long Id, int Price)>();
        for (var i = 0; i < 24; i++)
        {
            var price = random.Next(5, 40);
            docs.Add((await site.ReadyDocAsync(uploaders[i % uploaders.Count], price), price));
        }
        var readers = new List<(HttpClient Client, string Id)>();
        var readerBrowsers = new List<HttpClient>();
        var granted = new Dictionary<string, long>();
        for (var i = 0; i < 20; i++)
        {
            var email = $"r{i}-{Guid.NewGuid():N}@race.test";
            var reader = await site.ApiClientAsync(email);
            readers.Add(reader);
            if (i < Payers + UnpaidOrders) readerBrowsers.Add(await SignInAsync(email));
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
        // Readers recharge: the order through the form, the cashier at the stand-in, then Alipay's notification three
        // times (once, then two copies at the same moment, as Alipay repeats until it reads `success`). Two orders are
        // never paid: one hears only WAIT_BUYER_PAY.
        var paidOrders = new ConcurrentBag<(string OutTradeNo, string User)>();
        var unpaidOrders = new ConcurrentBag<string>();
        var notifyAnswers = new ConcurrentBag<string>();
        var recharges = Enumerable.Range(0, Payers + UnpaidOrders).Select(i => Task.Run(async () =>
        {
            await start.WaitAsync();
            var outTradeNo = await OrderRechargeAsync(readerBrowsers[i], 1 + i % 7);
            if (i >= Payers)
            {
                if (i == Payers) notifyAnswers.Add((await site.Gateway.NotifyAsync(outTradeNo, new NotifyForgery { Status = "WAIT_BUYER_PAY" })).Body);
                unpaidOrders.Add(outTradeNo);
                return;
            }
            notifyAnswers.Add(await site.Gateway.PayAsync(outTradeNo));
            paidOrders.Add((outTradeNo, readers[i].Id));
            foreach (var (_, body) in await Task.WhenAll(site.Gateway.NotifyAsync(outTradeNo), site.Gateway.NotifyAsync(outTradeNo)))
                notifyAnswers.Add(body);
        }));
        // Two uploaders ask to withdraw during the load; finance pays one and refuses the other.
        var decided = new ConcurrentBag<(long Id, string Handler)>();
        var withdrawals = Enumerable.Range(0, 2).Select(i => Task.Run(async () =>
        {
            await start.WaitAsync();
            var id = await RequestWithdrawalAsync(uploaderBrowsers[i], WithdrawalPoints);
            const string queue = "/admin/finance/withdrawals";
            var decision = i == 0
                ? await admin.PostFormAsync(queue, $"{queue}?handler=pay&id={id}", new() { ["reference"] = $"ALIPAY-RACE-{id}" })
                : await admin.PostFormAsync(queue, $"{queue}?handler=reject&id={id}", new() { ["reason"] = "收款账户姓名不符 payee name mismatch" });
            decision.StatusCode.ShouldBe(HttpStatusCode.Redirect, await decision.Content.ReadAsStringAsync());
            decided.Add((id, i == 0 ? "pay" : "reject"));
        }));
        var all = purchases.Concat(grants).Concat(recharges).Concat(withdrawals).ToList();
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
        // Every notification was taken; each paid order is credited exactly once, the unpaid ones not at all.
        notifyAnswers.Count.ShouldBe(Payers * 3 + 1);
        notifyAnswers.ShouldAllBe(a => a == "success");
        var orders = await site.WithDbAsync(db => db.RechargeOrders.AsNoTracking().ToListAsync());
        var rechargeTxs = await site.WithDbAsync(db => db.LedgerTransactions.AsNoTracking().Where(t => t.Kind == TransactionKind.Recharge).Select(t => t.Reference).ToListAsync());
        paidOrders.Count.ShouldBe(Payers);
        foreach (var (outTradeNo, _) in paidOrders)
        {
            orders.Single(o => o.OutTradeNo == outTradeNo).State.ShouldBe(RechargeState.Paid);
            rechargeTxs.Count(r => r == outTradeNo).ShouldBe(1, $"order {outTradeNo} credited other than once");
        }
        foreach (var outTradeNo in unpaidOrders)
        {
            orders.Single(o => o.OutTradeNo == outTradeNo).State.ShouldBe(RechargeState.Pending);
            rechargeTxs.ShouldNotContain(outTradeNo);
        }
        var recharged = paidOrders.ToDictionary(o => o.OutTradeNo, o => orders.Single(x => x.OutTradeNo == o.OutTradeNo).Points);
        long RechargedBy(string user) => paidOrders.Where(o => o.User == user).Sum(o => recharged[o.OutTradeNo]);

        // What each reader has left is what they were given and recharged less what they bought.
        foreach (var (_, id) in readers)
        {
            var balance = await site.BalanceAsync(id);
            balance.Total.ShouldBe(granted[id] + extraGrants.Where(g => g.User == id).Sum(g => g.Points) + RechargedBy(id)
                - bought.Where(p => p.BuyerId == id).Sum(p => (long)p.Price));
        }

        // One withdrawal was paid, the other refused: its points are earned again.
        decided.Count.ShouldBe(2);
        var decisions = await site.WithDbAsync(db => db.Withdrawals.AsNoTracking().ToListAsync());
        foreach (var (id, handler) in decided)
            decisions.Single(w => w.Id == id).State.ShouldBe(handler == "pay" ? WithdrawalState.Paid : WithdrawalState.Rejected);
        var uploaderOf = await site.WithDbAsync(db => db.Documents.AsNoTracking().ToDictionaryAsync(d => d.Id, d => d.UploaderId));
        for (var i = 0; i < uploaders.Count; i++)
        {
            var earned = bought.Where(p => uploaderOf[p.DocumentId] == uploaders[i]).Sum(p => (long)p.UploaderShare);
            (await site.BalanceAsync(uploaders[i])).Earned.ShouldBe(earned - (i == 0 ? WithdrawalPoints : 0));
        }

        // Points are neither made nor lost: the accounts sum to zero, and what users, the platform and payouts hold is
        // exactly what came in through grants and recharges.
        var byKind = await site.WithDbAsync(db => db.LedgerPostings.GroupBy(p => p.Account.Kind).Select(g => new { g.Key, Sum = g.Sum(p => p.Amount) }).ToListAsync());
        long Of(AccountKind k) => byKind.SingleOrDefault(x => x.Key == k)?.Sum ?? 0;
        byKind.Sum(x => x.Sum).ShouldBe(0);
        (Of(AccountKind.Spendable) + Of(AccountKind.Earned) + Of(AccountKind.PlatformRevenue) + Of(AccountKind.WithdrawalsPayable) + Of(AccountKind.Payouts))
            .ShouldBe(-Of(AccountKind.Grants) - Of(AccountKind.PaymentClearing));
        (-Of(AccountKind.Grants)).ShouldBe(granted.Values.Sum() + extraGrants.Sum(g => g.Points) + saleGrants);
        (-Of(AccountKind.PaymentClearing)).ShouldBe(recharged.Values.Sum());
        Of(AccountKind.Payouts).ShouldBe(WithdrawalPoints);
        Of(AccountKind.WithdrawalsPayable).ShouldBe(0);
        Of(AccountKind.PlatformRevenue).ShouldBe(bought.Sum(p => (long)p.PlatformShare));
    }
}
