using System.ComponentModel.DataAnnotations;
using Wenku.Data;

namespace Wenku.Commerce;

/// <summary>
/// A reader's purchase of a document. At most one live (not refunded) purchase per reader and document, enforced by a
/// unique index, so a reader who owns a document is never charged again.
/// </summary>
public sealed class Purchase
{
    public long Id { get; set; }
    public long DocumentId { get; set; }

    [MaxLength(450)]
    public required string BuyerId { get; set; }

    /// <summary>Who earned from it: the document's uploader at the time of sale.</summary>
    [MaxLength(450)]
    public required string UploaderId { get; set; }

    public int Price { get; set; }

    /// <summary>The uploader's share: <c>Price × UploaderSharePercent / 100</c> rounded down.</summary>
    public int UploaderShare { get; set; }

    /// <summary>The rest of the price: <c>Price − UploaderShare</c>.</summary>
    public int PlatformShare { get; set; }

    /// <summary>How much of the price came from the buyer's spendable points (the rest from earned).</summary>
    public int FromSpendable { get; set; }
    public int FromEarned { get; set; }

    public long TransactionId { get; set; }

    [SetOnInsert]
    public DateTime At { get; set; }

    public DateTime? RefundedAt { get; set; }
    public long? RefundTransactionId { get; set; }

    [MaxLength(400)]
    public string? RefundReason { get; set; }
}

/// <summary>
/// The first answer to a request that moved points, kept under the caller's <c>Idempotency-Key</c> so that a repeat
/// returns it instead of moving points again. Kept at least 24 hours (<see cref="Idempotency.Retention"/>).
/// </summary>
public sealed class IdempotencyRecord
{
    [MaxLength(450)]
    public required string UserId { get; set; }

    [MaxLength(Idempotency.MaxKeyLength)]
    public required string Key { get; set; }

    /// <summary>SHA-256 (hex) of what was asked: the operation, its target and its body. The same key with another request is refused.</summary>
    [MaxLength(64)]
    public required string RequestHash { get; set; }

    public int StatusCode { get; set; }

    /// <summary>The JSON answered the first time.</summary>
    public string ResponseJson { get; set; } = "";

    [SetOnInsert]
    public DateTime CreatedAt { get; set; }
}

public enum RechargeState { Pending, Paid, Closed }

/// <summary>A recharge through a payment provider (Alipay): created when the buyer is sent to the gateway, paid when a verified notification (or query) says so.</summary>
public sealed class RechargeOrder
{
    public long Id { get; set; }

    /// <summary>Our order number (<c>out_trade_no</c>), unique, never reused.</summary>
    [MaxLength(64)]
    public required string OutTradeNo { get; set; }

    [MaxLength(450)]
    public required string UserId { get; set; }

    /// <summary>What the buyer pays, in fen (分).</summary>
    public long AmountFen { get; set; }

    /// <summary>What the buyer gets.</summary>
    public long Points { get; set; }

    /// <summary><c>page</c> (电脑网站支付) or <c>wap</c> (手机网站支付).</summary>
    [MaxLength(8)]
    public string Channel { get; set; } = "page";

    public RechargeState State { get; set; } = RechargeState.Pending;

    [SetOnInsert]
    public DateTime CreatedAt { get; set; }

    public DateTime? PaidAt { get; set; }
    public DateTime? ClosedAt { get; set; }

    /// <summary>The provider's trade number, once paid.</summary>
    [MaxLength(64)]
    public string? ProviderTradeNo { get; set; }

    public long? TransactionId { get; set; }

    /// <summary>When the reconciliation job last asked the provider about it.</summary>
    public DateTime? CheckedAt { get; set; }

    /// <summary>Why it was closed, or what the last refused notification about it said.</summary>
    [MaxLength(400)]
    public string? Note { get; set; }
}

/// <summary>A batch of redeem codes (充值卡) staff generated: each code is worth <see cref="Points"/> until <see cref="ExpiresAt"/>.</summary>
public sealed class RedeemBatch
{
    public long Id { get; set; }
    public int Count { get; set; }
    public long Points { get; set; }
    public DateTime ExpiresAt { get; set; }

    [MaxLength(450)]
    public required string CreatedById { get; set; }

    [SetOnInsert]
    public DateTime CreatedAt { get; set; }

    [MaxLength(400)]
    public string Memo { get; set; } = "";

    /// <summary>The transaction that put the batch's points on <see cref="AccountKind.RedeemCodesOutstanding"/>.</summary>
    public long TransactionId { get; set; }

    /// <summary>When the expiry sweep returned the unredeemed codes' points.</summary>
    public DateTime? ExpiredAt { get; set; }

    public List<RedeemCode> Codes { get; set; } = [];
}

public sealed class RedeemCode
{
    public long Id { get; set; }
    public long BatchId { get; set; }
    public RedeemBatch Batch { get; set; } = null!;

    /// <summary>The code as printed on the card (unique).</summary>
    [MaxLength(32)]
    public required string Code { get; set; }

    [MaxLength(450)]
    public string? RedeemedById { get; set; }
    public DateTime? RedeemedAt { get; set; }
    public long? TransactionId { get; set; }
}

public enum WithdrawalState { Requested, Paid, Rejected }

/// <summary>An uploader's request to be paid their earned points; the points wait in withdrawals payable until staff decide.</summary>
public sealed class Withdrawal
{
    public long Id { get; set; }

    [MaxLength(450)]
    public required string UserId { get; set; }

    public long Points { get; set; }

    /// <summary>Who to pay and how (e.g. an Alipay account and the account holder's name), as the uploader typed it.</summary>
    [MaxLength(200)]
    public required string Payee { get; set; }

    public WithdrawalState State { get; set; } = WithdrawalState.Requested;

    [SetOnInsert]
    public DateTime RequestedAt { get; set; }

    public DateTime? DecidedAt { get; set; }

    [MaxLength(450)]
    public string? DecidedById { get; set; }

    /// <summary>The payment reference (paid) or the reason (rejected).</summary>
    [MaxLength(400)]
    public string? Decision { get; set; }

    public long RequestTransactionId { get; set; }
    public long? DecisionTransactionId { get; set; }
}
