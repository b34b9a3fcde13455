using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Wenku.Commerce.Alipay;

/// <summary>Why a notification or return was not believed.</summary>
public enum AlipayRefusalReason
{
    /// <summary>No <c>sign</c>.</summary>
    MissingSignature,
    /// <summary>A <c>sign</c> that does not verify with Alipay's public key (forged or altered).</summary>
    BadSignature,
    /// <summary>Signed, but for another application.</summary>
    WrongAppId,
    /// <summary>Signed, but for another seller than <see cref="AlipayOptions.SellerId"/>.</summary>
    WrongSeller,
    /// <summary>A required parameter is absent.</summary>
    MissingField,
    /// <summary><c>total_amount</c> is not yuan with at most two decimals.</summary>
    BadAmount,
    /// <summary><c>trade_status</c> is not one Alipay sends.</summary>
    BadStatus,
}

/// <summary>A refusal and a message for the log.</summary>
public sealed record AlipayRefusal(AlipayRefusalReason Reason, string Message);

/// <summary>
/// What Alipay told us about a trade, after its signature, application and amount were checked: the asynchronous
/// notification (POSTed to <c>notify_url</c>) or the synchronous return (the buyer's browser at <c>return_url</c>).
/// Whether the amount is the order's, and crediting it once, is the caller's business.
/// </summary>
/// <param name="TradeStatus">The notification's status; null for a return, which carries none (query the trade to know).</param>
/// <param name="NotifyId">The notification's id; null for a return.</param>
/// <param name="GmtPayment">When the buyer paid (China time in the parameters), if given.</param>
public sealed record AlipayNotification(
    string OutTradeNo,
    string TradeNo,
    AlipayTradeStatus? TradeStatus,
    long TotalFen,
    string AppId,
    string? SellerId,
    string? NotifyId,
    DateTimeOffset? GmtPayment)
{
    /// <summary>Money was received (a notification of <c>TRADE_SUCCESS</c> or <c>TRADE_FINISHED</c>).</summary>
    public bool IsPaid => TradeStatus is AlipayTradeStatus.TradeSuccess or AlipayTradeStatus.TradeFinished;

    /// <summary>The asynchronous notification POSTed to <c>notify_url</c> (answer it with the text <c>success</c> once handled).</summary>
    public static AlipayCheck Parse(IFormCollection form, AlipayOptions options) => Parse(Flatten(form), options);

    /// <inheritdoc cref="Parse(IFormCollection, AlipayOptions)"/>
    public static AlipayCheck Parse(IReadOnlyDictionary<string, string> parameters, AlipayOptions options) =>
        Check(parameters, options, notification: true);

    /// <summary>The synchronous return's query parameters (the buyer's browser at <c>return_url</c>): proves the
    /// trade and amount, not that it is paid.</summary>
    public static AlipayCheck ParseReturn(IQueryCollection query, AlipayOptions options) => ParseReturn(Flatten(query), options);

    /// <inheritdoc cref="ParseReturn(IQueryCollection, AlipayOptions)"/>
    public static AlipayCheck ParseReturn(IReadOnlyDictionary<string, string> parameters, AlipayOptions options) =>
        Check(parameters, options, notification: false);

    private static AlipayCheck Check(IReadOnlyDictionary<string, string> p, AlipayOptions options, bool notification)
    {
        if (!p.TryGetValue("sign", out var sign) || string.IsNullOrEmpty(sign))
            return Refuse(AlipayRefusalReason.MissingSignature, "no sign");
        using (var key = options.CreateAlipayPublicKey())
        {
            if (!AlipaySignature.Verify(p.Select(kv => new KeyValuePair<string, string?>(kv.Key, kv.Value)), key))
                return Refuse(AlipayRefusalReason.BadSignature, "sign does not verify with Alipay's public key");
        }
        var appId = p.GetValueOrDefault("app_id");
        if (appId != options.AppId) return Refuse(AlipayRefusalReason.WrongAppId, $"app_id '{appId}' is not ours");
        var seller = p.GetValueOrDefault("seller_id");
        if (!string.IsNullOrEmpty(options.SellerId) && seller != options.SellerId)
            return Refuse(AlipayRefusalReason.WrongSeller, $"seller_id '{seller}' is not ours");
        foreach (var required in notification ? ["out_trade_no", "trade_no", "total_amount", "trade_status", "notify_id"] : new[] { "out_trade_no", "trade_no", "total_amount" })
        {
            if (string.IsNullOrEmpty(p.GetValueOrDefault(required))) return Refuse(AlipayRefusalReason.MissingField, $"{required} is absent");
        }
        if (!AlipayAmount.TryParse(p["total_amount"], out var fen))
            return Refuse(AlipayRefusalReason.BadAmount, $"total_amount '{p["total_amount"]}' is not an amount");
        AlipayTradeStatus? status = null;
        if (notification)
        {
            status = AlipayTrade.StatusOf(p["trade_status"]);
            if (status is null) return Refuse(AlipayRefusalReason.BadStatus, $"trade_status '{p["trade_status"]}' is unknown");
        }
        DateTimeOffset? paid = DateTime.TryParseExact(p.GetValueOrDefault("gmt_payment"), "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture,
            DateTimeStyles.None, out var local) ? new DateTimeOffset(local, TimeSpan.FromHours(8)) : null;
        return new AlipayCheck(new AlipayNotification(p["out_trade_no"], p["trade_no"], status, fen, appId!, seller,
            notification ? p["notify_id"] : null, paid), null);
    }

    private static AlipayCheck Refuse(AlipayRefusalReason reason, string message) => new(null, new AlipayRefusal(reason, message));

    // A repeated parameter is kept whole (joined), so it cannot verify as one value and be read as another.
    private static Dictionary<string, string> Flatten(IEnumerable<KeyValuePair<string, Microsoft.Extensions.Primitives.StringValues>> values) =>
        values.ToDictionary(kv => kv.Key, kv => kv.Value.ToString(), StringComparer.Ordinal);
}

/// <summary>A believed <see cref="AlipayNotification"/>, or the <see cref="AlipayRefusal"/> saying why not.</summary>
public sealed record AlipayCheck(AlipayNotification? Notification, AlipayRefusal? Refusal)
{
    [MemberNotNullWhen(true, nameof(Notification))]
    [MemberNotNullWhen(false, nameof(Refusal))]
    public bool Accepted => Notification is not null;
}
