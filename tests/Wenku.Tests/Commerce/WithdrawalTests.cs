using System.Net;
using Microsoft.EntityFrameworkCore;
using Wenku.Accounts;
using Wenku.Commerce;
using Wenku.Tests.Infrastructure;
using Xunit;

namespace Wenku.Tests.Commerce;

[Trait(WenkuFactory.Suite, WenkuFactory.OnBothStacks)]
public sealed class WithdrawalTests(CommerceSite site) : IClassFixture<CommerceSite>
{
    private const string Page = "/me/wallet/withdraw";
    private const string Queue = "/admin/finance/withdrawals";

    private async Task<(HttpClient Browser, string UserId)> UploaderWhoEarnedAsync(int price)
    {
        var (browser, id) = await site.SignedInBrowserAsync($"up-{Guid.NewGuid():N}@shop.test");
        await site.SaleAsync(id, price);
        return (browser, id);
    }

    private async Task<HttpClient> AdminAsync() => (await site.SignedInBrowserAsync($"admin-{Guid.NewGuid():N}@shop.test", Roles.Admin)).Browser;

    private static async Task<HttpResponseMessage> RequestAsync(HttpClient browser, long points, string payee = "支付宝 alipay@payee.test 张三")
    {
        var form = Html.Parse(await browser.GetStringAsync(Page));
        var key = form.One("#withdraw-form input[name=FormKey]").GetAttribute("value")!;
        return await browser.PostFormAsync(Page, Page, new() { ["Points"] = points.ToString(), ["Payee"] = payee, ["FormKey"] = key });
    }

    private static async Task<string> StateShownAsync(HttpClient browser, string url, long id) =>
        (await browser.GetDocumentAsync(url)).One($"tr[data-withdrawal='{id}'] .state").GetAttribute("data-state")!;

    private static long IdFrom(HttpResponseMessage redirect) =>
        long.Parse(redirect.Headers.Location!.OriginalString.Split("done=")[1]);

    private Task<long> SiteAccountAsync(AccountKind kind, long transactionId) => site.WithDbAsync(db =>
        db.LedgerPostings.Where(p => p.TransactionId == transactionId && p.Account.Kind == kind).SumAsync(p => p.Amount));

    [Fact]
    public async Task A_withdrawal_holds_the_earned_points_at_once_and_staff_mark_it_paid_with_a_reference()
    {
        var (uploader, uploaderId) = await UploaderWhoEarnedAsync(2000); // earns 1400
        var page = await uploader.GetDocumentAsync(Page);
        (page.One("#earned").Text(), page.One("#withdrawable").Text(), page.One("#minimum").Text()).ShouldBe(("1400", "1400", "1000"));

        var requested = await RequestAsync(uploader, 1200);
        requested.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var id = IdFrom(requested);
        page = await uploader.GetDocumentAsync(requested.Headers.Location!.OriginalString);
        page.One("#earned").Text().ShouldBe("200");
        page.One($"tr[data-withdrawal='{id}'] .state").GetAttribute("data-state").ShouldBe("Requested");
        var withdrawal = await site.WithDbAsync(db => db.Withdrawals.SingleAsync(w => w.Id == id));
        (await SiteAccountAsync(AccountKind.WithdrawalsPayable, withdrawal.RequestTransactionId)).ShouldBe(1200);

        var admin = await AdminAsync();
        (await StateShownAsync(admin, Queue, id)).ShouldBe("Requested");
        var paid = await admin.PostFormAsync(Queue, $"{Queue}?handler=pay&id={id}", new() { ["reference"] = "ALIPAY-20261130-0001" });
        paid.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        (await StateShownAsync(uploader, Page, id)).ShouldBe("Paid");
        (await uploader.GetDocumentAsync(Page)).One($"tr[data-withdrawal='{id}'] .decision").Text().ShouldContain("ALIPAY-20261130-0001");
        (await StateShownAsync(admin, $"{Queue}?state=Paid", id)).ShouldBe("Paid");

        withdrawal = await site.WithDbAsync(db => db.Withdrawals.SingleAsync(w => w.Id == id));
        withdrawal.DecisionTransactionId.ShouldNotBeNull();
        (await SiteAccountAsync(AccountKind.WithdrawalsPayable, withdrawal.DecisionTransactionId!.Value)).ShouldBe(-1200);
        (await SiteAccountAsync(AccountKind.Payouts, withdrawal.DecisionTransactionId!.Value)).ShouldBe(1200);
        var decision = await site.WithDbAsync(db => db.LedgerTransactions.SingleAsync(t => t.Id == withdrawal.DecisionTransactionId));
        decision.ActorId.ShouldBe(withdrawal.DecidedById);
        decision.ActorId.ShouldNotBe(uploaderId);
        (await site.BalanceAsync(uploaderId)).Earned.ShouldBe(200);

        // Decided once: a second decision, either way, is refused and moves nothing.
        var again = await admin.PostFormAsync(Queue, $"{Queue}?handler=reject&id={id}", new() { ["reason"] = "再来一次 again" });
        again.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        Html.Parse(await again.Content.ReadAsStringAsync()).One("p.error").Text().ShouldContain("已处理");
        (await admin.PostFormAsync(Queue, $"{Queue}?handler=pay&id={id}", new() { ["reference"] = "twice" })).StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await site.BalanceAsync(uploaderId)).Earned.ShouldBe(200);
        (await site.WithDbAsync(db => db.LedgerTransactions.CountAsync(t => t.Reference == $"withdrawal:{id}"))).ShouldBe(2);
    }

    [Fact]
    public async Task A_rejected_withdrawal_returns_the_points_and_cannot_be_paid_afterwards()
    {
        var (uploader, uploaderId) = await UploaderWhoEarnedAsync(2000);
        var id = IdFrom(await RequestAsync(uploader, 1000));
        (await site.BalanceAsync(uploaderId)).Earned.ShouldBe(400);

        var admin = await AdminAsync();
        (await admin.PostFormAsync(Queue, $"{Queue}?handler=reject&id={id}", new() { ["reason"] = "" })).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await admin.PostFormAsync(Queue, $"{Queue}?handler=reject&id={id}", new() { ["reason"] = "收款账户姓名不符 payee name mismatch" }))
            .StatusCode.ShouldBe(HttpStatusCode.Redirect);
        (await StateShownAsync(uploader, Page, id)).ShouldBe("Rejected");
        (await uploader.GetDocumentAsync(Page)).One("#earned").Text().ShouldBe("1400");
        (await admin.PostFormAsync(Queue, $"{Queue}?handler=pay&id={id}", new() { ["reference"] = "late" })).StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await site.BalanceAsync(uploaderId)).Earned.ShouldBe(1400);
    }

    [Fact]
    public async Task The_uploader_may_cancel_a_waiting_request_and_nobody_else_can()
    {
        var (uploader, uploaderId) = await UploaderWhoEarnedAsync(2000);
        var id = IdFrom(await RequestAsync(uploader, 1000));
        var (other, _) = await site.SignedInBrowserAsync($"other-{Guid.NewGuid():N}@shop.test");
        (await other.PostFormAsync(Page, $"{Page}?handler=cancel&id={id}", [])).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        (await uploader.PostFormAsync(Page, $"{Page}?handler=cancel&id={id}", [])).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        (await StateShownAsync(uploader, Page, id)).ShouldBe("Rejected");
        (await site.BalanceAsync(uploaderId)).Earned.ShouldBe(1400);
        (await uploader.PostFormAsync(Page, $"{Page}?handler=cancel&id={id}", [])).StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await site.BalanceAsync(uploaderId)).Earned.ShouldBe(1400);
    }

    [Fact]
    public async Task Below_the_minimum_above_the_balance_or_without_a_payee_is_refused_and_moves_nothing()
    {
        var (uploader, uploaderId) = await UploaderWhoEarnedAsync(2000);
        foreach (var (points, payee, says) in new[] { (999L, "alipay@payee.test", "至少提现 1000"), (1401L, "alipay@payee.test", "你有 1400"),
                     (1000L, "", "收款信息"), (1000L, new string('x', 201), "收款信息") })
        {
            var refused = await RequestAsync(uploader, points, payee);
            refused.StatusCode.ShouldBe(HttpStatusCode.BadRequest, $"{points} {payee.Length}");
            Html.Parse(await refused.Content.ReadAsStringAsync()).One("p.error").Text().ShouldContain(says);
        }
        (await site.BalanceAsync(uploaderId)).Earned.ShouldBe(1400);
        (await site.WithDbAsync(db => db.Withdrawals.CountAsync(w => w.UserId == uploaderId))).ShouldBe(0);

        // Spendable points (granted here) are never withdrawable.
        await site.GrantAsync(uploaderId, 5000);
        (await RequestAsync(uploader, 2000)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await site.BalanceAsync(uploaderId)).ShouldBe(new WalletBalance(5000, 1400, 1400));
    }

    [Fact]
    public async Task The_same_form_sent_many_times_at_once_makes_one_withdrawal()
    {
        var (uploader, uploaderId) = await UploaderWhoEarnedAsync(4000); // earns 2800: enough for two
        var key = Html.Parse(await uploader.GetStringAsync(Page)).One("input[name=FormKey]").GetAttribute("value")!;
        var token = await uploader.AntiforgeryTokenAsync(Page);
        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => uploader.PostAsync(Page, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Points"] = "1000", ["Payee"] = "alipay@payee.test", ["FormKey"] = key, ["__RequestVerificationToken"] = token,
        }))));
        answers.ShouldAllBe(a => a.StatusCode == HttpStatusCode.Redirect);
        answers.Select(a => a.Headers.Location!.OriginalString).Distinct().Count().ShouldBe(1);
        (await site.WithDbAsync(db => db.Withdrawals.CountAsync(w => w.UserId == uploaderId))).ShouldBe(1);
        (await site.BalanceAsync(uploaderId)).Earned.ShouldBe(1800);

        // The same key with another request is refused.
        var reused = await uploader.PostFormAsync(Page, Page, new() { ["Points"] = "1500", ["Payee"] = "alipay@payee.test", ["FormKey"] = key });
        reused.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await site.BalanceAsync(uploaderId)).Earned.ShouldBe(1800);
    }
}
