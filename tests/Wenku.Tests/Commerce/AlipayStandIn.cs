using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Wenku.Commerce.Alipay;

namespace Wenku.Tests.Commerce;

/// <summary>An order the stand-in saw through page.pay or wap.pay.</summary>
public sealed class StandInOrder
{
    public required string OutTradeNo { get; init; }
    public required string Method { get; init; }
    public required string TotalAmount { get; init; }
    public required string Subject { get; init; }
    public required string ProductCode { get; init; }
    public required string NotifyUrl { get; init; }
    public required string ReturnUrl { get; init; }
    public required string TimeExpire { get; init; }
    public string Status { get; set; } = "WAIT_BUYER_PAY";
    public string TradeNo { get; set; } = "";
}

/// <summary>How <see cref="AlipayStandIn.NotifyAsync"/> bends a notification.</summary>
public sealed record NotifyForgery
{
    public string Status { get; init; } = "TRADE_SUCCESS";
    /// <summary>Sign with a key that is not Alipay's.</summary>
    public bool WrongKey { get; init; }
    /// <summary>Leave <c>sign</c> out.</summary>
    public bool NoSign { get; init; }
    /// <summary>Change <c>total_amount</c> after signing.</summary>
    public string? TamperedAmount { get; init; }
    /// <summary>Sign this <c>total_amount</c> instead of the order's.</summary>
    public string? Amount { get; init; }
    public string? AppId { get; init; }
    /// <summary>Name an order Alipay never saw.</summary>
    public string? OutTradeNo { get; init; }
}

/// <summary>
/// Alipay's gateway played on 127.0.0.1: its own key pair as Alipay's, a test key pair as the site's. It checks the
/// site's signature on everything, remembers orders, answers query and close with signed JSON, and sends signed
/// notifications on request.
/// </summary>
public sealed class AlipayStandIn : IAsyncDisposable
{
    public const string AppId = "2021000000000001";
    public const string SellerId = "2088000000000001";

    private static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly WebApplication app;
    private readonly HttpClient notifier = new() { Timeout = TimeSpan.FromSeconds(20) };
    private int tradeCounter;

    public RSA AlipayKey { get; } = RSA.Create(2048);
    public RSA SiteKey { get; } = RSA.Create(2048);
    /// <summary>A third key, for forgeries.</summary>
    public RSA WrongKey { get; } = RSA.Create(2048);

    public ConcurrentDictionary<string, StandInOrder> Orders { get; } = new();
    /// <summary>Requests refused for their signature, by method.</summary>
    public ConcurrentQueue<string> Refused { get; } = new();
    /// <summary>Answer query and close signed with <see cref="WrongKey"/> (a forged gateway).</summary>
    public bool SignResponsesWithWrongKey { get; set; }

    public string GatewayUrl { get; private set; } = "";

    private AlipayStandIn(WebApplication app) => this.app = app;

    public static async Task<AlipayStandIn> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var standIn = new AlipayStandIn(app);
        app.Map("/gateway.do", standIn.GatewayAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        standIn.GatewayUrl = address.TrimEnd('/') + "/gateway.do";
        return standIn;
    }

    /// <summary>The site's options for this gateway: the site's private key, the stand-in's public key.</summary>
    public AlipayOptions SiteOptions(bool enabled = true) => new()
    {
        Enabled = enabled,
        GatewayUrl = GatewayUrl,
        AppId = AppId,
        SellerId = SellerId,
        PrivateKey = SiteKey.ExportPkcs8PrivateKeyPem(),
        AlipayPublicKey = Convert.ToBase64String(AlipayKey.ExportSubjectPublicKeyInfo()),
    };

    private async Task GatewayAsync(HttpContext context)
    {
        var p = context.Request.Query.ToDictionary(kv => kv.Key, kv => (string?)kv.Value.ToString(), StringComparer.Ordinal);
        if (context.Request.HasFormContentType)
            foreach (var kv in await context.Request.ReadFormAsync()) p[kv.Key] = kv.Value.ToString();
        var method = p.GetValueOrDefault("method") ?? "";
        var signedRight = p.GetValueOrDefault("sign_type") == "RSA2"
            && AlipaySignature.VerifyContent(AlipaySignature.SigningString(p), p.GetValueOrDefault("sign"), SiteKey);
        if (!signedRight) Refused.Enqueue(method);
        var biz = JsonDocument.Parse(p.GetValueOrDefault("biz_content") ?? "{}").RootElement;
        string Biz(string name) => biz.TryGetProperty(name, out var v) ? v.GetString() ?? "" : "";

        switch (method)
        {
            case "alipay.trade.page.pay" or "alipay.trade.wap.pay":
                context.Response.ContentType = "text/html; charset=utf-8";
                if (!signedRight || p.GetValueOrDefault("app_id") != AppId)
                {
                    // Alipay's own error page: 错误代码 invalid-signature.
                    context.Response.StatusCode = 200;
                    await context.Response.WriteAsync(
                        "<!DOCTYPE html><html><body><div class=\"error\"><h1>支付宝 - 网上支付 安全快速！</h1>" +
                        "<p id=\"code\">错误代码 invalid-signature</p><p id=\"reason\">错误原因: 验签出错</p></div></body></html>");
                    return;
                }
                Orders[Biz("out_trade_no")] = new StandInOrder
                {
                    OutTradeNo = Biz("out_trade_no"),
                    Method = method,
                    TotalAmount = Biz("total_amount"),
                    Subject = Biz("subject"),
                    ProductCode = Biz("product_code"),
                    TimeExpire = Biz("time_expire"),
                    NotifyUrl = p.GetValueOrDefault("notify_url") ?? "",
                    ReturnUrl = p.GetValueOrDefault("return_url") ?? "",
                };
                await context.Response.WriteAsync($"<!DOCTYPE html><html><body><h1 id=\"cashier\">支付宝收银台</h1><p id=\"amount\">{WebUtility.HtmlEncode(Biz("total_amount"))}</p></body></html>");
                return;
            case "alipay.trade.query" or "alipay.trade.close":
                await AnswerAsync(context, method, signedRight ? Answer(method, Biz("out_trade_no")) : InvalidSignature());
                return;
            default:
                context.Response.StatusCode = 400;
                await context.Response.WriteAsync("unknown method");
                return;
        }
    }

    private static Dictionary<string, object?> InvalidSignature() => new()
    {
        ["code"] = "40002", ["msg"] = "Invalid Arguments", ["sub_code"] = "isv.invalid-signature", ["sub_msg"] = "验签出错",
    };

    private Dictionary<string, object?> Answer(string method, string outTradeNo)
    {
        if (!Orders.TryGetValue(outTradeNo, out var order))
            return new() { ["code"] = "40004", ["msg"] = "Business Failed", ["sub_code"] = "ACQ.TRADE_NOT_EXIST", ["sub_msg"] = "交易不存在" };
        if (method == "alipay.trade.close")
        {
            if (order.Status != "WAIT_BUYER_PAY")
                return new() { ["code"] = "40004", ["msg"] = "Business Failed", ["sub_code"] = "ACQ.TRADE_STATUS_ERROR", ["sub_msg"] = "交易状态不合法" };
            order.Status = "TRADE_CLOSED";
            return new() { ["code"] = "10000", ["msg"] = "Success", ["out_trade_no"] = outTradeNo, ["trade_no"] = order.TradeNo };
        }
        var answer = new Dictionary<string, object?>
        {
            ["code"] = "10000", ["msg"] = "Success", ["out_trade_no"] = outTradeNo, ["trade_no"] = order.TradeNo,
            ["trade_status"] = order.Status, ["total_amount"] = order.TotalAmount,
            // Escaped quotes and braces inside strings, and nested objects: the signature covers this text exactly.
            ["buyer_logon_id"] = "fak***@\"example}{.com",
        };
        if (order.Status == "TRADE_SUCCESS")
            answer["fund_bill_list"] = new[] { new { amount = order.TotalAmount, fund_channel = "ALIPAYACCOUNT", memo = "余额 {\"a\"}" } };
        return answer;
    }

    private async Task AnswerAsync(HttpContext context, string method, Dictionary<string, object?> answer)
    {
        var json = JsonSerializer.Serialize(answer.Where(kv => kv.Value is not null and not "").ToDictionary(), Json);
        var sign = AlipaySignature.SignContent(json, SignResponsesWithWrongKey ? WrongKey : AlipayKey);
        context.Response.ContentType = "text/html;charset=utf-8"; // as Alipay labels its JSON
        await context.Response.WriteAsync($"{{\"{AlipaySignature.ResponseKey(method)}\":{json},\"sign\":\"{sign}\"}}");
    }

    /// <summary>Marks the order paid and POSTs a signed TRADE_SUCCESS notification; returns what the site answered (must be <c>success</c>).</summary>
    public async Task<string> PayAsync(string outTradeNo)
    {
        var order = Orders[outTradeNo];
        order.Status = "TRADE_SUCCESS";
        if (order.TradeNo == "") order.TradeNo = NewTradeNo();
        var (_, body) = await NotifyAsync(outTradeNo, new NotifyForgery { Status = "TRADE_SUCCESS" });
        return body;
    }

    /// <summary>POSTs a notification for the order to its notify_url, bent as <paramref name="forgery"/> says.</summary>
    public async Task<(HttpStatusCode Status, string Body)> NotifyAsync(string outTradeNo, NotifyForgery? forgery = null)
    {
        var order = Orders[outTradeNo];
        using var content = new FormUrlEncodedContent(Notification(outTradeNo, forgery).Select(kv => new KeyValuePair<string?, string?>(kv.Key, kv.Value)));
        using var response = await notifier.PostAsync(order.NotifyUrl, content);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>The parameters of a notification Alipay would send for the order (bent as <paramref name="forgery"/> says).</summary>
    public Dictionary<string, string> Notification(string outTradeNo, NotifyForgery? forgery = null)
    {
        forgery ??= new NotifyForgery();
        var order = Orders[outTradeNo];
        if (order.TradeNo == "") order.TradeNo = NewTradeNo();
        var now = AlipayClient.ChinaTime(DateTimeOffset.UtcNow);
        var p = new Dictionary<string, string>
        {
            ["notify_time"] = now, ["notify_type"] = "trade_status_sync", ["notify_id"] = Guid.NewGuid().ToString("N"),
            ["charset"] = "utf-8", ["version"] = "1.0", ["sign_type"] = "RSA2",
            ["app_id"] = forgery.AppId ?? AppId, ["auth_app_id"] = forgery.AppId ?? AppId, ["seller_id"] = SellerId,
            ["out_trade_no"] = forgery.OutTradeNo ?? outTradeNo, ["trade_no"] = order.TradeNo, ["trade_status"] = forgery.Status,
            ["total_amount"] = forgery.Amount ?? order.TotalAmount, ["receipt_amount"] = order.TotalAmount,
            ["buyer_pay_amount"] = order.TotalAmount, ["subject"] = order.Subject, ["gmt_create"] = now,
        };
        if (forgery.Status is "TRADE_SUCCESS" or "TRADE_FINISHED") p["gmt_payment"] = now;
        if (!forgery.NoSign)
            p["sign"] = AlipaySignature.SignContent(AlipaySignature.SigningString(p.Select(Nullable), forVerification: true),
                forgery.WrongKey ? WrongKey : AlipayKey);
        if (forgery.TamperedAmount is not null) p["total_amount"] = forgery.TamperedAmount;
        return p;
    }

    /// <summary>The signed synchronous return address the buyer's browser comes back to after paying.</summary>
    public string ReturnUrlFor(string outTradeNo)
    {
        var order = Orders[outTradeNo];
        if (order.TradeNo == "") order.TradeNo = NewTradeNo();
        var p = new Dictionary<string, string>
        {
            ["charset"] = "utf-8", ["out_trade_no"] = outTradeNo, ["method"] = order.Method + ".return", ["total_amount"] = order.TotalAmount,
            ["trade_no"] = order.TradeNo, ["auth_app_id"] = AppId, ["version"] = "1.0", ["app_id"] = AppId, ["sign_type"] = "RSA2",
            ["seller_id"] = SellerId, ["timestamp"] = AlipayClient.ChinaTime(DateTimeOffset.UtcNow),
        };
        p["sign"] = AlipaySignature.SignContent(AlipaySignature.SigningString(p.Select(Nullable), forVerification: true), AlipayKey);
        var query = string.Join('&', p.Select(kv => $"{Uri.EscapeDataString(kv.Key)}={Uri.EscapeDataString(kv.Value)}"));
        return order.ReturnUrl + (order.ReturnUrl.Contains('?', StringComparison.Ordinal) ? "&" : "?") + query;
    }

    private string NewTradeNo() =>
        string.Create(CultureInfo.InvariantCulture, $"2026{Interlocked.Increment(ref tradeCounter):D24}");

    private static KeyValuePair<string, string?> Nullable(KeyValuePair<string, string> kv) => new(kv.Key, kv.Value);

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
        notifier.Dispose();
        AlipayKey.Dispose();
        SiteKey.Dispose();
        WrongKey.Dispose();
    }
}
