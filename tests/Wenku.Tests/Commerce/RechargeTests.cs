using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Wenku.Commerce;
using Wenku.Tests.Infrastructure;
using Xunit;

namespace Wenku.Tests.Commerce;

/// <summary>Recharging through Alipay with the real signing and verification, against the stand-in gateway.</summary>
[Trait(WenkuFactory.Suite, WenkuFactory.OnBothStacks)]
public sealed class RechargeTests(RechargeSite site) : IClassFixture<RechargeSite>
{
    private AlipayStandIn Gateway => site.Gateway;

    private sealed record Started(HttpClient Browser, string UserId, string OutTradeNo, string PayUrl);

    /// <summary>A new reader fills in the recharge form and is sent to the cashier, which accepts the site's signature.</summary>
    private async Task<Started> StartRechargeAsync(int yuan = 12, string channel = "page")
    {
        var (browser, userId) = await site.SignedInBrowserAsync($"pay-{Guid.NewGuid():N}@shop.test");
        var response = await browser.PostFormAsync("/me/wallet/recharge", "/me/wallet/recharge",
            new() { ["Yuan"] = yuan.ToString(System.Globalization.CultureInfo.InvariantCulture), ["Channel"] = channel });
        response.StatusCode.ShouldBe(HttpStatusCode.Redirect, await response.Content.ReadAsStringAsync());
        var payUrl = response.Headers.Location!.AbsoluteUri;
        payUrl.ShouldStartWith(Gateway.GatewayUrl + "?");

        using var buyer = new HttpClient();
        var cashier = Html.Parse(await buyer.GetStringAsync(payUrl));
        cashier.QuerySelector("#cashier").ShouldNotBeNull(cashier.Body?.TextContent);
        var order = await site.WithDbAsync(db => db.RechargeOrders.AsNoTracking().Where(o => o.UserId == userId).OrderByDescending(o => o.Id).FirstAsync());
        Gateway.Orders.ShouldContainKey(order.OutTradeNo);
        return new Started(browser, userId, order.OutTradeNo, payUrl);
    }

    private Task<RechargeOrder> OrderAsync(string outTradeNo) =>
        site.WithDbAsync(db => db.RechargeOrders.AsNoTracking().SingleAsync(o => o.OutTradeNo == outTradeNo));

    private Task<int> RechargeTransactionsAsync(string outTradeNo) =>
        site.WithDbAsync(db => db.LedgerTransactions.CountAsync(t => t.Kind == TransactionKind.Recharge && t.Reference == outTradeNo));

    private Task<int> AgeAsync(string outTradeNo, TimeSpan by) => site.WithDbAsync(async db =>
    {
        var created = DateTime.UtcNow - by;
        return await db.RechargeOrders.Where(o => o.OutTradeNo == outTradeNo).ExecuteUpdateAsync(s => s.SetProperty(o => o.CreatedAt, created));
    });

    private async Task<int> ReconcileOnceAsync()
    {
        await using var scope = site.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<RechargeService>().ReconcileOnceAsync(CancellationToken.None);
    }

    [Fact]
    public async Task The_recharge_form_shows_the_rate_and_the_points_and_chooses_the_cashier_from_the_browser()
    {
        var (browser, _) = await site.SignedInBrowserAsync($"form-{Guid.NewGuid():N}@shop.test");
        var page = await browser.GetDocumentAsync("/me/wallet/recharge");
        page.QuerySelector("#rate")!.TextContent.ShouldContain("1 元 = 10 积分。");
        page.QuerySelector("#points")!.TextContent.ShouldContain("10 元可得 100 积分。");
        page.QuerySelector("input[name=Channel][value=page]")!.HasAttribute("checked").ShouldBeTrue();

        using var phone = new HttpRequestMessage(HttpMethod.Get, "/me/wallet/recharge");
        phone.Headers.UserAgent.ParseAdd("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148");
        var onPhone = Html.Parse(await (await browser.SendAsync(phone)).Content.ReadAsStringAsync());
        onPhone.QuerySelector("input[name=Channel][value=wap]")!.HasAttribute("checked").ShouldBeTrue();
        onPhone.QuerySelector("input[name=Channel][value=page]")!.HasAttribute("checked").ShouldBeFalse();
    }

    [Fact]
    public async Task A_paid_recharge_is_credited_once_from_alipays_notification()
    {
        var started = await StartRechargeAsync(yuan: 12);
        var atGateway = Gateway.Orders[started.OutTradeNo];
        atGateway.Method.ShouldBe("alipay.trade.page.pay");
        atGateway.TotalAmount.ShouldBe("12.00");
        atGateway.NotifyUrl.ShouldBe(site.RelayUrl + "/pay/alipay/notify");
        (await OrderAsync(started.OutTradeNo)).ShouldSatisfyAllConditions(o => o.State.ShouldBe(RechargeState.Pending), o => o.Points.ShouldBe(120));

        (await Gateway.PayAsync(started.OutTradeNo)).ShouldBe("success");
        (await site.BalanceAsync(started.UserId)).Spendable.ShouldBe(120);
        var order = await OrderAsync(started.OutTradeNo);
        order.State.ShouldBe(RechargeState.Paid);
        order.ProviderTradeNo.ShouldBe(atGateway.TradeNo);
        order.TransactionId.ShouldNotBeNull();

        (await Gateway.PayAsync(started.OutTradeNo)).ShouldBe("success"); // Alipay repeats until it reads success
        (await site.BalanceAsync(started.UserId)).Spendable.ShouldBe(120);
        (await RechargeTransactionsAsync(started.OutTradeNo)).ShouldBe(1);
    }

    [Fact]
    public async Task The_phone_cashier_is_used_when_chosen()
    {
        var started = await StartRechargeAsync(yuan: 1, channel: "wap");
        Gateway.Orders[started.OutTradeNo].Method.ShouldBe("alipay.trade.wap.pay");
        (await OrderAsync(started.OutTradeNo)).Channel.ShouldBe("wap");
    }

    [Fact]
    public async Task Ten_concurrent_copies_of_one_notification_credit_once()
    {
        var started = await StartRechargeAsync(yuan: 7);
        Gateway.Orders[started.OutTradeNo].Status = "TRADE_SUCCESS";
        var notification = Gateway.Notification(started.OutTradeNo);
        var client = site.CreateClient();

        var answers = await Task.WhenAll(Enumerable.Range(0, 10).Select(async _ =>
        {
            using var response = await client.PostAsync("/pay/alipay/notify", new FormUrlEncodedContent(notification));
            return await response.Content.ReadAsStringAsync();
        }));

        answers.ShouldAllBe(a => a == "success");
        (await site.BalanceAsync(started.UserId)).Spendable.ShouldBe(70);
        (await RechargeTransactionsAsync(started.OutTradeNo)).ShouldBe(1);
    }

    [Theory]
    [InlineData("wrong key")]
    [InlineData("no sign")]
    [InlineData("amount changed after signing")]
    [InlineData("another amount, signed")]
    [InlineData("wrong app_id")]
    [InlineData("unknown order")]
    public async Task A_forged_or_wrong_notification_is_answered_failure_and_credits_nothing(string forgery)
    {
        var started = await StartRechargeAsync(yuan: 5);
        var bent = forgery switch
        {
            "wrong key" => new NotifyForgery { WrongKey = true },
            "no sign" => new NotifyForgery { NoSign = true },
            "amount changed after signing" => new NotifyForgery { TamperedAmount = "500.00" },
            "another amount, signed" => new NotifyForgery { Amount = "0.01" },
            "wrong app_id" => new NotifyForgery { AppId = "2021999999999999" },
            _ => new NotifyForgery { OutTradeNo = "R20261201000000FFFFFFFFFFFFFFFFFFFF" },
        };

        var (status, body) = await Gateway.NotifyAsync(started.OutTradeNo, bent);

        status.ShouldBe(HttpStatusCode.OK);
        body.ShouldBe("failure");
        (await site.BalanceAsync(started.UserId)).Spendable.ShouldBe(0);
        var order = await OrderAsync(started.OutTradeNo);
        order.State.ShouldBe(RechargeState.Pending);
        (await RechargeTransactionsAsync(started.OutTradeNo)).ShouldBe(0);
        if (forgery == "another amount, signed") order.Note.ShouldNotBeNull().ShouldContain("0.01");
    }

    [Fact]
    public async Task A_waiting_notification_after_the_payment_changes_nothing()
    {
        var started = await StartRechargeAsync(yuan: 3);
        (await Gateway.NotifyAsync(started.OutTradeNo, new NotifyForgery { Status = "WAIT_BUYER_PAY" })).Body.ShouldBe("success");
        (await OrderAsync(started.OutTradeNo)).State.ShouldBe(RechargeState.Pending);

        (await Gateway.PayAsync(started.OutTradeNo)).ShouldBe("success");
        (await Gateway.NotifyAsync(started.OutTradeNo, new NotifyForgery { Status = "WAIT_BUYER_PAY" })).Body.ShouldBe("success");
        (await Gateway.NotifyAsync(started.OutTradeNo, new NotifyForgery { Status = "TRADE_CLOSED" })).Body.ShouldBe("success");

        (await OrderAsync(started.OutTradeNo)).State.ShouldBe(RechargeState.Paid);
        (await site.BalanceAsync(started.UserId)).Spendable.ShouldBe(30);
    }

    [Fact]
    public async Task A_closed_notification_closes_a_pending_order()
    {
        var started = await StartRechargeAsync(yuan: 2);
        (await Gateway.NotifyAsync(started.OutTradeNo, new NotifyForgery { Status = "TRADE_CLOSED" })).Body.ShouldBe("success");
        (await OrderAsync(started.OutTradeNo)).State.ShouldBe(RechargeState.Closed);
    }

    [Fact]
    public async Task The_return_page_shows_the_paid_order_and_the_credited_balance()
    {
        var started = await StartRechargeAsync(yuan: 12);
        (await Gateway.PayAsync(started.OutTradeNo)).ShouldBe("success");

        var page = await started.Browser.GetDocumentAsync(new Uri(Gateway.ReturnUrlFor(started.OutTradeNo)).PathAndQuery);

        page.QuerySelector("#state")!.GetAttribute("data-state").ShouldBe("Paid");
        page.QuerySelector("#state")!.TextContent.ShouldContain("已到账");
        page.QuerySelector("#amount")!.TextContent.ShouldContain("12.00");
        page.QuerySelector("#spendable")!.TextContent.ShouldBe("120");
    }

    [Fact]
    public async Task The_return_page_asks_alipay_once_when_the_notification_has_not_come()
    {
        var started = await StartRechargeAsync(yuan: 4);
        Gateway.Orders[started.OutTradeNo].Status = "TRADE_SUCCESS"; // paid, notification lost

        var page = await started.Browser.GetDocumentAsync(new Uri(Gateway.ReturnUrlFor(started.OutTradeNo)).PathAndQuery);

        page.QuerySelector("#state")!.GetAttribute("data-state").ShouldBe("Paid");
        page.QuerySelector("#spendable")!.TextContent.ShouldBe("40");
        (await RechargeTransactionsAsync(started.OutTradeNo)).ShouldBe(1);
    }

    [Fact]
    public async Task A_tampered_return_is_refused_and_credits_nothing()
    {
        var started = await StartRechargeAsync(yuan: 9);
        Gateway.Orders[started.OutTradeNo].Status = "TRADE_SUCCESS";
        var returnUrl = new Uri(Gateway.ReturnUrlFor(started.OutTradeNo)).PathAndQuery.Replace("total_amount=9.00", "total_amount=0.01", StringComparison.Ordinal);

        var response = await started.Browser.GetAsync(returnUrl);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        Html.Parse(await response.Content.ReadAsStringAsync()).QuerySelector("#refused").ShouldNotBeNull();
        (await OrderAsync(started.OutTradeNo)).State.ShouldBe(RechargeState.Pending);
        (await site.BalanceAsync(started.UserId)).Spendable.ShouldBe(0);
    }

    [Fact]
    public async Task A_paid_order_whose_notification_was_lost_is_credited_by_reconciliation()
    {
        var started = await StartRechargeAsync(yuan: 6);
        Gateway.Orders[started.OutTradeNo].Status = "TRADE_SUCCESS";
        Gateway.Orders[started.OutTradeNo].TradeNo = "2026000000000000000000009999";

        await ReconcileOnceAsync();
        (await OrderAsync(started.OutTradeNo)).State.ShouldBe(RechargeState.Pending); // too young to ask about

        await AgeAsync(started.OutTradeNo, TimeSpan.FromMinutes(6));
        await ReconcileOnceAsync();

        var order = await OrderAsync(started.OutTradeNo);
        order.State.ShouldBe(RechargeState.Paid);
        order.ProviderTradeNo.ShouldBe("2026000000000000000000009999");
        (await site.BalanceAsync(started.UserId)).Spendable.ShouldBe(60);
    }

    [Fact]
    public async Task An_unpaid_order_is_asked_about_but_left_open_until_it_expires()
    {
        var started = await StartRechargeAsync(yuan: 8);
        await AgeAsync(started.OutTradeNo, TimeSpan.FromMinutes(10));

        await ReconcileOnceAsync();

        var order = await OrderAsync(started.OutTradeNo);
        order.State.ShouldBe(RechargeState.Pending);
        order.CheckedAt.ShouldNotBeNull();
        Gateway.Orders[started.OutTradeNo].Status.ShouldBe("WAIT_BUYER_PAY");
    }

    [Fact]
    public async Task An_expired_unpaid_order_is_closed_at_alipay_and_a_payment_after_the_close_still_credits()
    {
        var started = await StartRechargeAsync(yuan: 11);
        await AgeAsync(started.OutTradeNo, TimeSpan.FromMinutes(31));

        await ReconcileOnceAsync();

        var closed = await OrderAsync(started.OutTradeNo);
        closed.State.ShouldBe(RechargeState.Closed);
        closed.ClosedAt.ShouldNotBeNull();
        Gateway.Orders[started.OutTradeNo].Status.ShouldBe("TRADE_CLOSED"); // the stand-in saw the close

        // The buyer paid all the same (a cashier left open): money received is credited.
        (await Gateway.PayAsync(started.OutTradeNo)).ShouldBe("success");
        (await OrderAsync(started.OutTradeNo)).State.ShouldBe(RechargeState.Paid);
        (await site.BalanceAsync(started.UserId)).Spendable.ShouldBe(110);
    }

    [Fact]
    public async Task Two_reconciliation_rounds_at_once_credit_a_paid_order_once()
    {
        var started = await StartRechargeAsync(yuan: 2);
        Gateway.Orders[started.OutTradeNo].Status = "TRADE_SUCCESS";
        await AgeAsync(started.OutTradeNo, TimeSpan.FromMinutes(6));

        await Task.WhenAll(ReconcileOnceAsync(), ReconcileOnceAsync());

        (await RechargeTransactionsAsync(started.OutTradeNo)).ShouldBe(1);
        (await site.BalanceAsync(started.UserId)).Spendable.ShouldBe(20);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("50001")]
    [InlineData("")]
    [InlineData("1.5")]
    public async Task An_amount_out_of_bounds_is_refused_with_a_readable_error(string yuan)
    {
        var (browser, userId) = await site.SignedInBrowserAsync($"bounds-{Guid.NewGuid():N}@shop.test");
        var response = await browser.PostFormAsync("/me/wallet/recharge", "/me/wallet/recharge", new() { ["Yuan"] = yuan, ["Channel"] = "page" });

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        Html.Parse(await response.Content.ReadAsStringAsync()).QuerySelector("p.error")!.TextContent.ShouldContain("金额须为 1 到 50000 元的整数");
        (await site.WithDbAsync(db => db.RechargeOrders.CountAsync(o => o.UserId == userId))).ShouldBe(0);
    }

    [Fact]
    public async Task A_reader_cannot_create_more_orders_an_hour_than_allowed()
    {
        var (browser, userId) = await site.SignedInBrowserAsync($"many-{Guid.NewGuid():N}@shop.test");
        for (var i = 0; i < RechargeSite.OrdersPerHour; i++)
            (await browser.PostFormAsync("/me/wallet/recharge", "/me/wallet/recharge", new() { ["Yuan"] = "1", ["Channel"] = "page" }))
                .StatusCode.ShouldBe(HttpStatusCode.Redirect);

        var refused = await browser.PostFormAsync("/me/wallet/recharge", "/me/wallet/recharge", new() { ["Yuan"] = "1", ["Channel"] = "page" });

        refused.StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
        Html.Parse(await refused.Content.ReadAsStringAsync()).QuerySelector("p.error")!.TextContent.ShouldContain($"一小时内最多创建 {RechargeSite.OrdersPerHour} 个充值订单");
        (await site.WithDbAsync(db => db.RechargeOrders.CountAsync(o => o.UserId == userId))).ShouldBe(RechargeSite.OrdersPerHour);
    }
}

/// <summary>A site without Alipay configured.</summary>
[Trait(WenkuFactory.Suite, WenkuFactory.OnBothStacks)]
public sealed class RechargeWithoutAlipayTests(CommerceSite site) : IClassFixture<CommerceSite>
{
    [Fact]
    public async Task Without_alipay_the_recharge_page_says_so_and_points_to_redeem_codes()
    {
        var (browser, _) = await site.SignedInBrowserAsync($"noali-{Guid.NewGuid():N}@shop.test");
        var page = await browser.GetDocumentAsync("/me/wallet/recharge");

        page.QuerySelector("#unavailable")!.TextContent.ShouldContain("本站未开通支付宝充值");
        page.QuerySelector("#redeem")!.GetAttribute("href").ShouldBe("/me/wallet/redeem");
        page.QuerySelector("form#recharge").ShouldBeNull();
        (await site.CreateClient().PostAsync("/pay/alipay/notify", new FormUrlEncodedContent(new Dictionary<string, string> { ["sign"] = "x" })))
            .StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }
}
