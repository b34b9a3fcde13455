using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Wenku.Commerce.Alipay;

/// <summary>Which cashier the buyer pays at.</summary>
public enum AlipayChannel
{
    /// <summary>电脑网站支付 (<c>alipay.trade.page.pay</c>, <c>FAST_INSTANT_TRADE_PAY</c>): a QR code or sign-in on a computer.</summary>
    Page,

    /// <summary>手机网站支付 (<c>alipay.trade.wap.pay</c>, <c>QUICK_WAP_WAY</c>): opens the Alipay app on a phone.</summary>
    Wap,
}

/// <summary>A payment the buyer is sent to Alipay for.</summary>
/// <param name="OutTradeNo">Our order number: 1–64 letters, digits or underscores, unique per order.</param>
/// <param name="AmountFen">What the buyer pays, in fen (at least 1).</param>
/// <param name="Subject">What Alipay shows the buyer (订单标题), at most 256 characters.</param>
/// <param name="NotifyUrl">Where Alipay POSTs the asynchronous notification (must be reachable from the internet).</param>
/// <param name="ReturnUrl">Where the buyer's browser comes back to after paying (also the 手机网站 quit address).</param>
public sealed record AlipayPayment(string OutTradeNo, long AmountFen, string Subject, AlipayChannel Channel, Uri NotifyUrl, Uri ReturnUrl);

/// <summary>Alipay's state of a trade.</summary>
public enum AlipayTradeStatus
{
    /// <summary><c>WAIT_BUYER_PAY</c>: created, not paid.</summary>
    WaitBuyerPay,
    /// <summary><c>TRADE_SUCCESS</c>: paid (refunds still possible).</summary>
    TradeSuccess,
    /// <summary><c>TRADE_FINISHED</c>: paid and no longer refundable.</summary>
    TradeFinished,
    /// <summary><c>TRADE_CLOSED</c>: closed unpaid, or fully refunded.</summary>
    TradeClosed,
    /// <summary><c>ACQ.TRADE_NOT_EXIST</c>: Alipay has no such trade (the buyer never opened the cashier).</summary>
    NotExist,
}

/// <summary>A trade as <c>alipay.trade.query</c> answered it (verified).</summary>
public sealed record AlipayTrade(string OutTradeNo, AlipayTradeStatus Status, string? TradeNo, long? TotalFen)
{
    /// <summary>Money was received: <c>TRADE_SUCCESS</c> or <c>TRADE_FINISHED</c>.</summary>
    public bool IsPaid => Status is AlipayTradeStatus.TradeSuccess or AlipayTradeStatus.TradeFinished;

    internal static AlipayTradeStatus? StatusOf(string? text) => text switch
    {
        "WAIT_BUYER_PAY" => AlipayTradeStatus.WaitBuyerPay,
        "TRADE_SUCCESS" => AlipayTradeStatus.TradeSuccess,
        "TRADE_FINISHED" => AlipayTradeStatus.TradeFinished,
        "TRADE_CLOSED" => AlipayTradeStatus.TradeClosed,
        _ => null,
    };
}

/// <summary>What <c>alipay.trade.close</c> did: closed the trade, or there was none to close.</summary>
public sealed record AlipayClosed(string OutTradeNo, string? TradeNo, bool Existed);

/// <summary>Why a call to Alipay gave no usable answer.</summary>
public enum AlipayFailureKind
{
    /// <summary>No answer in time, or not HTTP 200.</summary>
    Unreachable,
    /// <summary>An answer whose signature did not verify with Alipay's public key: not trusted, whatever it says.</summary>
    Unverified,
    /// <summary>A verified answer we could not read.</summary>
    Malformed,
    /// <summary>A verified answer refusing the request (<c>code</c> other than 10000), with Alipay's <c>sub_code</c>.</summary>
    Refused,
}

/// <summary>A failed call: the kind, Alipay's code (or ours) and a message for the log.</summary>
public sealed record AlipayFailure(AlipayFailureKind Kind, string Code, string Message);

/// <summary>Either a verified answer or a failure.</summary>
public sealed record AlipayResult<T>(T? Value, AlipayFailure? Failure) where T : class
{
    public bool Succeeded => Failure is null;
}

/// <summary>
/// Alipay's open API over HTTP: the signed cashier address for a payment, and the trade query and close calls, whose
/// answers are trusted only when their signature verifies with Alipay's public key.
/// </summary>
public sealed partial class AlipayClient(HttpClient http, IOptions<AlipayOptions> options, TimeProvider time, ILogger<AlipayClient> logger)
{
    private static readonly TimeSpan ChinaOffset = TimeSpan.FromHours(8);
    private static readonly JsonSerializerOptions BizJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private AlipayOptions Options => options.Value;

    /// <summary>The cashier address the buyer is redirected to (GET with the signed parameters in the query string).</summary>
    public string PayUrl(AlipayPayment payment)
    {
        CheckOutTradeNo(payment.OutTradeNo);
        ArgumentOutOfRangeException.ThrowIfLessThan(payment.AmountFen, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(payment.AmountFen, 100_000_000L * 100);
        var subject = payment.Subject.Length > 256 ? payment.Subject[..256] : payment.Subject;
        var (method, productCode) = payment.Channel == AlipayChannel.Wap
            ? ("alipay.trade.wap.pay", "QUICK_WAP_WAY")
            : ("alipay.trade.page.pay", "FAST_INSTANT_TRADE_PAY");
        var biz = new Dictionary<string, string>
        {
            ["out_trade_no"] = payment.OutTradeNo,
            ["total_amount"] = AlipayAmount.Format(payment.AmountFen),
            ["subject"] = subject,
            ["product_code"] = productCode,
            ["time_expire"] = ChinaTime(time.GetUtcNow().AddMinutes(Options.OrderTimeoutMinutes)),
        };
        if (payment.Channel == AlipayChannel.Wap) biz["quit_url"] = payment.ReturnUrl.AbsoluteUri;
        var parameters = CommonParameters(method, biz);
        parameters["notify_url"] = payment.NotifyUrl.AbsoluteUri;
        parameters["return_url"] = payment.ReturnUrl.AbsoluteUri;
        Sign(parameters);
        var query = string.Join('&', parameters.Select(p => $"{Uri.EscapeDataString(p.Key)}={Uri.EscapeDataString(p.Value ?? "")}"));
        return Options.GatewayUrl + (Options.GatewayUrl.Contains('?', StringComparison.Ordinal) ? "&" : "?") + query;
    }

    /// <summary><c>alipay.trade.query</c>: the trade's status, Alipay's trade number and amount; <see cref="AlipayTradeStatus.NotExist"/> if Alipay has none.</summary>
    public async Task<AlipayResult<AlipayTrade>> QueryAsync(string outTradeNo, CancellationToken cancel = default)
    {
        CheckOutTradeNo(outTradeNo);
        var (answer, failure) = await CallAsync("alipay.trade.query", new Dictionary<string, string> { ["out_trade_no"] = outTradeNo }, cancel);
        if (failure is not null) return new(null, failure);
        var root = answer!.RootElement;
        if (Code(root) != "10000")
        {
            return SubCode(root) == "ACQ.TRADE_NOT_EXIST"
                ? new(new AlipayTrade(outTradeNo, AlipayTradeStatus.NotExist, null, null), null)
                : Refused<AlipayTrade>(root);
        }
        if (Text(root, "out_trade_no") is { } echoed && echoed != outTradeNo)
            return Fail<AlipayTrade>("out_trade_no", $"asked for {outTradeNo}, answered for {echoed}");
        if (AlipayTrade.StatusOf(Text(root, "trade_status")) is not { } status)
            return Fail<AlipayTrade>("trade_status", $"unknown trade_status '{Text(root, "trade_status")}'");
        long? total = null;
        if (Text(root, "total_amount") is { } amount)
        {
            if (!AlipayAmount.TryParse(amount, out var fen))
                return Fail<AlipayTrade>("total_amount", $"unreadable total_amount '{amount}'");
            total = fen;
        }
        return new(new AlipayTrade(outTradeNo, status, Text(root, "trade_no"), total), null);
    }

    /// <summary><c>alipay.trade.close</c>: closes an unpaid trade (a paid one answers <c>ACQ.TRADE_STATUS_ERROR</c>).</summary>
    public async Task<AlipayResult<AlipayClosed>> CloseAsync(string outTradeNo, CancellationToken cancel = default)
    {
        CheckOutTradeNo(outTradeNo);
        var (answer, failure) = await CallAsync("alipay.trade.close", new Dictionary<string, string> { ["out_trade_no"] = outTradeNo }, cancel);
        if (failure is not null) return new(null, failure);
        var root = answer!.RootElement;
        if (Code(root) == "10000") return new(new AlipayClosed(outTradeNo, Text(root, "trade_no"), Existed: true), null);
        return SubCode(root) == "ACQ.TRADE_NOT_EXIST" ? new(new AlipayClosed(outTradeNo, null, Existed: false), null) : Refused<AlipayClosed>(root);
    }

    /// <summary>POSTs a signed request and returns the verified answer's JSON, or why there is none.</summary>
    private async Task<(JsonDocument? Answer, AlipayFailure? Failure)> CallAsync(string method, Dictionary<string, string> biz, CancellationToken cancel)
    {
        var parameters = CommonParameters(method, biz);
        Sign(parameters);
        string body;
        try
        {
            using var content = new FormUrlEncodedContent(parameters.Select(p => new KeyValuePair<string?, string?>(p.Key, p.Value)));
            using var response = await http.PostAsync(Options.GatewayUrl, content, cancel);
            body = await response.Content.ReadAsStringAsync(cancel);
            if (!response.IsSuccessStatusCode)
                return (null, new(AlipayFailureKind.Unreachable, ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture), $"{method}: HTTP {(int)response.StatusCode}"));
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancel.IsCancellationRequested)
        {
            logger.LogWarning(e, "Alipay {Method} got no answer from {Gateway}", method, Options.GatewayUrl);
            return (null, new(AlipayFailureKind.Unreachable, "unreachable", $"{method}: {e.Message}"));
        }

        using var alipayKey = Options.CreateAlipayPublicKey();
        if (!AlipaySignature.TryVerifyResponse(body, method, alipayKey, out var json))
        {
            logger.LogWarning("Alipay {Method} answer refused: its signature does not verify with Alipay's public key: {Body}", method,
                body.Length > 500 ? body[..500] : body);
            return (null, new(AlipayFailureKind.Unverified, "invalid-signature", $"{method}: the answer's signature does not verify"));
        }
        try
        {
            return (JsonDocument.Parse(json), null);
        }
        catch (JsonException e)
        {
            return (null, new(AlipayFailureKind.Malformed, "json", $"{method}: {e.Message}"));
        }
    }

    private Dictionary<string, string?> CommonParameters(string method, Dictionary<string, string> biz) => new()
    {
        ["app_id"] = Options.AppId,
        ["method"] = method,
        ["format"] = "JSON",
        ["charset"] = "utf-8",
        ["sign_type"] = "RSA2",
        ["timestamp"] = ChinaTime(time.GetUtcNow()),
        ["version"] = "1.0",
        ["biz_content"] = JsonSerializer.Serialize(biz, BizJson),
    };

    private void Sign(Dictionary<string, string?> parameters)
    {
        using var key = Options.CreatePrivateKey();
        parameters["sign"] = AlipaySignature.Sign(parameters, key);
    }

    /// <summary>Alipay's time format, in China's time (UTC+8) whatever the server's zone.</summary>
    public static string ChinaTime(DateTimeOffset instant) =>
        instant.ToOffset(ChinaOffset).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    private static void CheckOutTradeNo(string outTradeNo)
    {
        if (!OutTradeNoRule().IsMatch(outTradeNo))
            throw new ArgumentException($"out_trade_no '{outTradeNo}' must be 1–64 letters, digits or underscores.", nameof(outTradeNo));
    }

    private static string? Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static string? Code(JsonElement e) => Text(e, "code");
    private static string? SubCode(JsonElement e) => Text(e, "sub_code");

    private static AlipayResult<T> Refused<T>(JsonElement root) where T : class =>
        new(null, new AlipayFailure(AlipayFailureKind.Refused, SubCode(root) ?? Code(root) ?? "unknown",
            $"{Text(root, "msg")}: {Text(root, "sub_msg")}"));

    private static AlipayResult<T> Fail<T>(string code, string message) where T : class =>
        new(null, new AlipayFailure(AlipayFailureKind.Malformed, code, message));

    [GeneratedRegex(@"^[A-Za-z0-9_]{1,64}\z", RegexOptions.CultureInvariant)]
    private static partial Regex OutTradeNoRule();
}
