using System.ComponentModel.DataAnnotations;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Wenku.Commerce.Alipay;
using Wenku.Tests.Infrastructure;

namespace Wenku.Tests.Commerce;

public sealed class AlipayProtocolTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Noon = new(2026, 12, 1, 4, 0, 0, TimeSpan.Zero); // 12:00 in China
    private readonly ManualClock clock = new(Noon);
    private AlipayStandIn gateway = null!;
    private WebApplication? receiver;
    private string notifyUrl = "https://wenku.example/alipay/notify";

    public async Task InitializeAsync() => gateway = await AlipayStandIn.StartAsync();

    public async Task DisposeAsync()
    {
        if (receiver is not null) await receiver.DisposeAsync();
        await gateway.DisposeAsync();
    }

    private AlipayClient Client(AlipayOptions? options = null) =>
        new(new HttpClient { Timeout = TimeSpan.FromSeconds(10) }, Options.Create(options ?? gateway.SiteOptions()), clock,
            NullLogger<AlipayClient>.Instance);

    private static AlipayPayment Payment(string outTradeNo, long fen = 1234, AlipayChannel channel = AlipayChannel.Page, string? notify = null) =>
        new(outTradeNo, fen, "充值 1234 积分 Recharge", channel, new Uri(notify ?? "https://wenku.example/alipay/notify"),
            new Uri("https://wenku.example/alipay/return"));

    /// <summary>Opens the cashier as a buyer's browser would; returns the page.</summary>
    private static async Task<AngleSharp.Dom.IDocument> OpenAsync(string payUrl)
    {
        using var browser = new HttpClient();
        return Html.Parse(await browser.GetStringAsync(payUrl));
    }

    /// <summary>A notify_url that answers as the recharge feature will: <c>success</c> for a believed notification.</summary>
    private async Task StartReceiverAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        receiver = builder.Build();
        var options = gateway.SiteOptions();
        receiver.MapPost("/alipay/notify", async (HttpRequest request) =>
        {
            var check = AlipayNotification.Parse(await request.ReadFormAsync(), options);
            return check.Accepted && gateway.Orders.ContainsKey(check.Notification.OutTradeNo) ? "success" : $"fail {check.Refusal?.Reason}";
        });
        await receiver.StartAsync();
        notifyUrl = receiver.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/alipay/notify";
    }

    [Theory]
    [InlineData(1, "0.01")]
    [InlineData(100, "1.00")]
    [InlineData(123456, "1234.56")]
    [InlineData(0, "0.00")]
    public void Fen_are_formatted_as_yuan_with_two_decimals(long fen, string yuan) => AlipayAmount.Format(fen).ShouldBe(yuan);

    [Theory]
    [InlineData("0.1", 10)]
    [InlineData("12", 1200)]
    [InlineData("0.01", 1)]
    [InlineData("1234.56", 123456)]
    public void Yuan_are_parsed_to_fen(string yuan, long fen)
    {
        AlipayAmount.TryParse(yuan, out var parsed).ShouldBeTrue();
        parsed.ShouldBe(fen);
    }

    [Theory]
    [InlineData("1.005")]
    [InlineData("-1")]
    [InlineData("abc")]
    [InlineData("")]
    [InlineData("1.")]
    [InlineData(".5")]
    [InlineData("01")]
    [InlineData("1e3")]
    [InlineData("12\n")]
    public void Amounts_that_are_not_yuan_are_refused(string yuan) => AlipayAmount.TryParse(yuan, out _).ShouldBeFalse();

    [Fact]
    public void Signing_string_is_sorted_unencoded_and_leaves_out_sign_and_empty_values()
    {
        var parameters = new Dictionary<string, string?>
        {
            ["timestamp"] = "2014-07-24 03:07:50",
            ["method"] = "alipay.trade.page.pay",
            ["app_id"] = "2014072300007148",
            ["sign_type"] = "RSA2",
            ["sign"] = "ERITJKEIJKJHKKKKKKKHJEREEEEEEEEEEE",
            ["biz_content"] = "{\"out_trade_no\":\"A&B=C\",\"subject\":\"充值 100\"}",
            ["charset"] = "utf-8",
            ["version"] = "1.0",
            ["notify_url"] = "https://wenku.example/notify?a=1&b=2",
            ["return_url"] = "",
            ["seller_id"] = null,
            ["Zeta"] = "upper case sorts before lower case",
        };

        AlipaySignature.SigningString(parameters).ShouldBe(
            "Zeta=upper case sorts before lower case&app_id=2014072300007148&biz_content={\"out_trade_no\":\"A&B=C\",\"subject\":\"充值 100\"}" +
            "&charset=utf-8&method=alipay.trade.page.pay&notify_url=https://wenku.example/notify?a=1&b=2&sign_type=RSA2" +
            "&timestamp=2014-07-24 03:07:50&version=1.0");
        AlipaySignature.SigningString(parameters, forVerification: true).ShouldNotContain("sign_type");
    }

    [Fact]
    public void Signed_parameters_verify_and_any_change_fails()
    {
        var parameters = new Dictionary<string, string?>
        {
            ["app_id"] = AlipayStandIn.AppId, ["out_trade_no"] = "R20261201000001", ["total_amount"] = "12.34",
            ["trade_status"] = "TRADE_SUCCESS", ["subject"] = "充值 Recharge", ["sign_type"] = "RSA2",
        };
        parameters["sign"] = AlipaySignature.SignContent(AlipaySignature.SigningString(parameters, forVerification: true), gateway.AlipayKey);

        AlipaySignature.Verify(parameters, gateway.AlipayKey).ShouldBeTrue();
        AlipaySignature.Verify(parameters, gateway.WrongKey).ShouldBeFalse();
        foreach (var key in parameters.Keys.Where(k => k is not "sign" and not "sign_type").ToList())
        {
            var tampered = new Dictionary<string, string?>(parameters) { [key] = parameters[key] + "0" };
            AlipaySignature.Verify(tampered, gateway.AlipayKey).ShouldBeFalse($"changed {key}");
        }
        var added = new Dictionary<string, string?>(parameters) { ["extra"] = "1" };
        AlipaySignature.Verify(added, gateway.AlipayKey).ShouldBeFalse("added a parameter");
        var garbled = new Dictionary<string, string?>(parameters) { ["sign"] = "not base64!" };
        AlipaySignature.Verify(garbled, gateway.AlipayKey).ShouldBeFalse("garbled sign");
    }

    [Fact]
    public async Task A_request_signature_verifies_with_the_openssl_command_line()
    {
        var parameters = new Dictionary<string, string?>
        {
            ["app_id"] = AlipayStandIn.AppId, ["method"] = "alipay.trade.query", ["charset"] = "utf-8", ["sign_type"] = "RSA2",
            ["timestamp"] = "2026-12-01 12:00:00", ["version"] = "1.0", ["biz_content"] = "{\"out_trade_no\":\"R1\",\"subject\":\"文库 充值\"}",
        };
        var sign = AlipaySignature.Sign(parameters, gateway.SiteKey);

        var dir = Directory.CreateTempSubdirectory("alipay-openssl-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(dir.FullName, "pub.pem"), gateway.SiteKey.ExportSubjectPublicKeyInfoPem());
            await File.WriteAllBytesAsync(Path.Combine(dir.FullName, "sig.bin"), Convert.FromBase64String(sign));
            await File.WriteAllBytesAsync(Path.Combine(dir.FullName, "content.txt"), Encoding.UTF8.GetBytes(AlipaySignature.SigningString(parameters)));
            var (exit, output) = await OpensslAsync(dir.FullName, "dgst", "-sha256", "-verify", "pub.pem", "-signature", "sig.bin", "content.txt");
            output.ShouldContain("Verified OK");
            exit.ShouldBe(0);

            // The same check over a string with one character changed fails: openssl really checks the rule's text.
            await File.WriteAllBytesAsync(Path.Combine(dir.FullName, "content.txt"),
                Encoding.UTF8.GetBytes(AlipaySignature.SigningString(parameters).Replace("R1", "R2", StringComparison.Ordinal)));
            (exit, _) = await OpensslAsync(dir.FullName, "dgst", "-sha256", "-verify", "pub.pem", "-signature", "sig.bin", "content.txt");
            exit.ShouldNotBe(0);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static async Task<(int Exit, string Output)> OpensslAsync(string dir, params string[] args)
    {
        var start = new ProcessStartInfo("openssl") { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var output = process.StandardOutput.ReadToEndAsync(limit.Token);
        var error = process.StandardError.ReadToEndAsync(limit.Token);
        try { await process.WaitForExitAsync(limit.Token); }
        catch (OperationCanceledException) { process.Kill(entireProcessTree: true); throw; }
        return (process.ExitCode, await output + await error);
    }

    [Fact]
    public void A_response_with_nested_json_and_escaped_characters_verifies_over_its_exact_text()
    {
        const string answer = "{ \"code\":\"10000\",\"msg\":\"Success\",\"buyer_logon_id\":\"a\\\"}{b\\\\\",\"fund_bill_list\":[{\"amount\":\"1.00\"," +
                              "\"memo\":\"\\u4f59\\u989d {\\\"x\\\":1}\"}],\"nested\":{\"deeper\":{\"k\":\"}\"}},\"trade_status\":\"TRADE_SUCCESS\" }";
        var sign = AlipaySignature.SignContent(answer, gateway.AlipayKey);
        var body = $"{{\"sign\":\"{sign}\", \"alipay_trade_query_response\" : {answer},\"alipay_cert_sn\":\"x\"}}";

        AlipaySignature.TryVerifyResponse(body, "alipay.trade.query", gateway.AlipayKey, out var json).ShouldBeTrue();
        json.ShouldBe(answer);
        AlipaySignature.TryVerifyResponse(body.Replace("TRADE_SUCCESS", "TRADE_FINISHED", StringComparison.Ordinal), "alipay.trade.query",
            gateway.AlipayKey, out _).ShouldBeFalse("an altered answer");
        AlipaySignature.TryVerifyResponse(body, "alipay.trade.query", gateway.WrongKey, out _).ShouldBeFalse("another key");
        AlipaySignature.TryVerifyResponse(body, "alipay.trade.close", gateway.AlipayKey, out _).ShouldBeFalse("another method's answer");
        AlipaySignature.TryVerifyResponse("<html>busy</html>", "alipay.trade.query", gateway.AlipayKey, out _).ShouldBeFalse("not JSON");
        var twice = $"{{\"alipay_trade_query_response\":{answer},\"alipay_trade_query_response\":{{\"code\":\"10000\"}},\"sign\":\"{sign}\"}}";
        AlipaySignature.TryVerifyResponse(twice, "alipay.trade.query", gateway.AlipayKey, out _).ShouldBeFalse("the answer twice");
    }

    [Theory]
    [InlineData(AlipayChannel.Page, "alipay.trade.page.pay", "FAST_INSTANT_TRADE_PAY")]
    [InlineData(AlipayChannel.Wap, "alipay.trade.wap.pay", "QUICK_WAP_WAY")]
    public async Task The_pay_url_is_accepted_by_the_gateway_and_carries_the_order(AlipayChannel channel, string method, string productCode)
    {
        var page = await OpenAsync(Client().PayUrl(Payment("R20261201000001", 1234, channel)));

        page.One("#cashier").Text().ShouldBe("支付宝收银台");
        page.One("#amount").Text().ShouldBe("12.34");
        gateway.Refused.ShouldBeEmpty();
        var order = gateway.Orders["R20261201000001"];
        order.Method.ShouldBe(method);
        order.ProductCode.ShouldBe(productCode);
        order.TotalAmount.ShouldBe("12.34");
        order.Subject.ShouldBe("充值 1234 积分 Recharge");
        order.NotifyUrl.ShouldBe("https://wenku.example/alipay/notify");
        order.ReturnUrl.ShouldBe("https://wenku.example/alipay/return");
        order.TimeExpire.ShouldBe("2026-12-01 12:30:00"); // China time, 30 minutes after noon
    }

    [Fact]
    public async Task A_pay_url_signed_with_another_key_is_refused_by_the_gateway()
    {
        var forged = gateway.SiteOptions();
        forged.PrivateKey = gateway.WrongKey.ExportRSAPrivateKeyPem();

        var page = await OpenAsync(Client(forged).PayUrl(Payment("R20261201000002")));

        page.One("#code").Text().ShouldContain("invalid-signature");
        gateway.Refused.ShouldContain("alipay.trade.page.pay");
        gateway.Orders.ShouldNotContainKey("R20261201000002");
    }

    [Fact]
    public async Task Query_reports_unpaid_then_paid_trades_with_their_amount_and_unknown_ones_as_not_existing()
    {
        await StartReceiverAsync();
        var client = Client();
        await OpenAsync(client.PayUrl(Payment("R3", 100_00, notify: notifyUrl)));

        var unpaid = await client.QueryAsync("R3");
        unpaid.Failure.ShouldBeNull();
        unpaid.Value!.Status.ShouldBe(AlipayTradeStatus.WaitBuyerPay);
        unpaid.Value.IsPaid.ShouldBeFalse();

        (await gateway.PayAsync("R3")).ShouldBe("success");
        var paid = (await client.QueryAsync("R3")).Value!;
        paid.Status.ShouldBe(AlipayTradeStatus.TradeSuccess);
        paid.IsPaid.ShouldBeTrue();
        paid.TotalFen.ShouldBe(100_00);
        paid.TradeNo.ShouldBe(gateway.Orders["R3"].TradeNo);

        var unknown = await client.QueryAsync("R404");
        unknown.Failure.ShouldBeNull();
        unknown.Value!.Status.ShouldBe(AlipayTradeStatus.NotExist);
    }

    [Fact]
    public async Task Close_closes_an_unpaid_trade_and_is_refused_for_a_paid_one()
    {
        var client = Client();
        await OpenAsync(client.PayUrl(Payment("R4")));
        await OpenAsync(client.PayUrl(Payment("R5")));
        gateway.Orders["R5"].Status = "TRADE_SUCCESS";

        var closed = await client.CloseAsync("R4");
        closed.Value.ShouldBe(new AlipayClosed("R4", null, Existed: true));
        (await client.QueryAsync("R4")).Value!.Status.ShouldBe(AlipayTradeStatus.TradeClosed);

        var paid = await client.CloseAsync("R5");
        paid.Failure!.Kind.ShouldBe(AlipayFailureKind.Refused);
        paid.Failure.Code.ShouldBe("ACQ.TRADE_STATUS_ERROR");

        (await client.CloseAsync("R404")).Value!.Existed.ShouldBeFalse();
    }

    [Fact]
    public async Task An_answer_not_signed_by_alipay_is_never_trusted()
    {
        var client = Client();
        await OpenAsync(client.PayUrl(Payment("R6")));
        gateway.Orders["R6"].Status = "TRADE_SUCCESS";
        gateway.SignResponsesWithWrongKey = true;

        var query = await client.QueryAsync("R6");
        query.Value.ShouldBeNull();
        query.Failure!.Kind.ShouldBe(AlipayFailureKind.Unverified);
        (await client.CloseAsync("R6")).Failure!.Kind.ShouldBe(AlipayFailureKind.Unverified);
    }

    [Fact]
    public async Task A_request_the_gateway_cannot_verify_is_answered_with_its_refusal()
    {
        var forged = gateway.SiteOptions();
        forged.PrivateKey = gateway.WrongKey.ExportPkcs8PrivateKeyPem();

        var query = await Client(forged).QueryAsync("R7");

        query.Failure!.Kind.ShouldBe(AlipayFailureKind.Refused);
        query.Failure.Code.ShouldBe("isv.invalid-signature");
        gateway.Refused.ShouldContain("alipay.trade.query");
    }

    [Fact]
    public async Task A_gateway_that_does_not_answer_is_a_failure_not_an_exception()
    {
        var away = gateway.SiteOptions();
        var gatewayUrl = away.GatewayUrl;
        await gateway.DisposeAsync();
        gateway = await AlipayStandIn.StartAsync(); // a live one for DisposeAsync; the old address is closed now
        away.GatewayUrl = gatewayUrl;

        var query = await Client(away).QueryAsync("R8");

        query.Failure!.Kind.ShouldBe(AlipayFailureKind.Unreachable);
    }

    [Fact]
    public async Task A_genuine_notification_is_believed_with_what_the_caller_needs()
    {
        await OpenAsync(Client().PayUrl(Payment("R9", 5000)));

        var check = AlipayNotification.Parse(gateway.Notification("R9"), gateway.SiteOptions());

        check.Accepted.ShouldBeTrue(check.Refusal?.Message);
        var n = check.Notification;
        n.OutTradeNo.ShouldBe("R9");
        n.TradeNo.ShouldBe(gateway.Orders["R9"].TradeNo);
        n.TradeStatus.ShouldBe(AlipayTradeStatus.TradeSuccess);
        n.IsPaid.ShouldBeTrue();
        n.TotalFen.ShouldBe(5000);
        n.AppId.ShouldBe(AlipayStandIn.AppId);
        n.NotifyId.ShouldNotBeNullOrEmpty();
        n.GmtPayment.ShouldNotBeNull();
    }

    public static TheoryData<string, AlipayRefusalReason> Forgeries => new()
    {
        { "wrong key", AlipayRefusalReason.BadSignature },
        { "no sign", AlipayRefusalReason.MissingSignature },
        { "amount changed after signing", AlipayRefusalReason.BadSignature },
        { "unreadable amount", AlipayRefusalReason.BadAmount },
        { "wrong app_id", AlipayRefusalReason.WrongAppId },
    };

    [Theory]
    [MemberData(nameof(Forgeries))]
    public async Task A_forged_notification_is_refused_with_its_reason(string forgery, AlipayRefusalReason reason)
    {
        await StartReceiverAsync();
        await OpenAsync(Client().PayUrl(Payment("R10", 5000, notify: notifyUrl)));
        var bent = forgery switch
        {
            "wrong key" => new NotifyForgery { WrongKey = true },
            "no sign" => new NotifyForgery { NoSign = true },
            "amount changed after signing" => new NotifyForgery { TamperedAmount = "0.01" },
            "unreadable amount" => new NotifyForgery { Amount = "50.001" },
            _ => new NotifyForgery { AppId = "2021999999999999" },
        };

        var check = AlipayNotification.Parse(gateway.Notification("R10", bent), gateway.SiteOptions());
        check.Accepted.ShouldBeFalse();
        check.Refusal.Reason.ShouldBe(reason);

        // And over HTTP, as a form the site reads.
        (await gateway.NotifyAsync("R10", bent)).Body.ShouldBe($"fail {reason}");
    }

    [Fact]
    public async Task Repeated_unknown_and_out_of_order_notifications_are_believed_as_sent_for_the_caller_to_judge()
    {
        await StartReceiverAsync();
        await OpenAsync(Client().PayUrl(Payment("R11", 5000, notify: notifyUrl)));
        var options = gateway.SiteOptions();

        (await gateway.PayAsync("R11")).ShouldBe("success");
        (await gateway.PayAsync("R11")).ShouldBe("success"); // Alipay repeats until it reads success

        var late = AlipayNotification.Parse(gateway.Notification("R11", new NotifyForgery { Status = "WAIT_BUYER_PAY" }), options);
        late.Notification!.TradeStatus.ShouldBe(AlipayTradeStatus.WaitBuyerPay);
        late.Notification.IsPaid.ShouldBeFalse();

        var unknown = AlipayNotification.Parse(gateway.Notification("R11", new NotifyForgery { OutTradeNo = "R999" }), options);
        unknown.Notification!.OutTradeNo.ShouldBe("R999");
        (await gateway.NotifyAsync("R11", new NotifyForgery { OutTradeNo = "R999" })).Body.ShouldBe("fail ");
    }

    [Fact]
    public async Task The_signed_return_url_is_believed_and_a_tampered_one_refused()
    {
        await OpenAsync(Client().PayUrl(Payment("R12", 990)));
        var returnUrl = new Uri(gateway.ReturnUrlFor("R12"));

        var check = AlipayNotification.ParseReturn(QueryHelpers(returnUrl.Query), gateway.SiteOptions());
        check.Accepted.ShouldBeTrue(check.Refusal?.Message);
        check.Notification.TotalFen.ShouldBe(990);
        check.Notification.TradeStatus.ShouldBeNull();

        var tampered = QueryHelpers(returnUrl.Query.Replace("total_amount=9.90", "total_amount=0.01", StringComparison.Ordinal));
        AlipayNotification.ParseReturn(tampered, gateway.SiteOptions()).Refusal!.Reason.ShouldBe(AlipayRefusalReason.BadSignature);
    }

    private static QueryCollection QueryHelpers(string query) => new(Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(query));

    [Fact]
    public void Keys_are_read_as_pkcs1_or_pkcs8_pem_bare_base64_or_a_file()
    {
        using var rsa = RSA.Create(2048);
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, rsa.ExportPkcs8PrivateKeyPem());
            foreach (var (privateKey, privateFile, publicKey) in new (string?, string?, string)[]
                     {
                         (rsa.ExportRSAPrivateKeyPem(), null, rsa.ExportSubjectPublicKeyInfoPem()),
                         (rsa.ExportPkcs8PrivateKeyPem(), null, Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo())),
                         (Convert.ToBase64String(rsa.ExportRSAPrivateKey()), null, rsa.ExportSubjectPublicKeyInfoPem()),
                         (Convert.ToBase64String(rsa.ExportPkcs8PrivateKey()), null, rsa.ExportSubjectPublicKeyInfoPem()),
                         (null, file, rsa.ExportSubjectPublicKeyInfoPem()),
                     })
            {
                var options = new AlipayOptions
                {
                    Enabled = true, AppId = AlipayStandIn.AppId, GatewayUrl = AlipayOptions.SandboxGateway,
                    PrivateKey = privateKey, PrivateKeyFile = privateFile, AlipayPublicKey = publicKey,
                };
                Problems(options).ShouldBeEmpty();
                using var signer = options.CreatePrivateKey();
                using var verifier = options.CreateAlipayPublicKey();
                AlipaySignature.VerifyContent("a=1", AlipaySignature.SignContent("a=1", signer), verifier).ShouldBeTrue();
            }
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Enabled_options_without_usable_keys_or_with_a_plain_http_gateway_fail_at_start()
    {
        new AlipayOptions().ShouldSatisfyAllConditions(o => Problems(o).ShouldBeEmpty()); // disabled: nothing needed

        var problems = Problems(new AlipayOptions { Enabled = true, PrivateKey = "not a key", GatewayUrl = "http://openapi.alipay.com/gateway.do" });
        problems.ShouldContain(p => p.Contains("AppId", StringComparison.Ordinal));
        problems.ShouldContain(p => p.Contains("GatewayUrl", StringComparison.Ordinal));
        problems.ShouldContain(p => p.Contains("PrivateKey", StringComparison.Ordinal));
        problems.ShouldContain(p => p.Contains("AlipayPublicKey", StringComparison.Ordinal));

        Problems(gateway.SiteOptions()).ShouldBeEmpty(); // http is fine for this machine
    }

    [Fact]
    public async Task AddAlipay_binds_the_options_and_gives_a_typed_client()
    {
        var options = gateway.SiteOptions();
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Wenku:Alipay:Enabled"] = "true", ["Wenku:Alipay:GatewayUrl"] = options.GatewayUrl, ["Wenku:Alipay:AppId"] = options.AppId,
            ["Wenku:Alipay:PrivateKey"] = options.PrivateKey, ["Wenku:Alipay:AlipayPublicKey"] = options.AlipayPublicKey,
        }).Build();
        var services = new ServiceCollection().AddLogging().AddSingleton<TimeProvider>(clock).AddAlipay(config);
        await using var provider = services.BuildServiceProvider();

        var client = provider.GetRequiredService<AlipayClient>();
        (await client.QueryAsync("R404")).Value!.Status.ShouldBe(AlipayTradeStatus.NotExist);
    }

    private static List<string> Problems(AlipayOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results.Select(r => r.ErrorMessage ?? "").ToList();
    }
}
