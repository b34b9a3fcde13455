using System.ComponentModel.DataAnnotations;
using Wenku.Data;

namespace Wenku.Commerce;

/// <summary>
/// What an account holds. A user has two: <see cref="Spendable"/> (recharged, granted, refunded points; spent on
/// documents, never withdrawn) and <see cref="Earned"/> (the uploader's share of sales; spendable too, and the only
/// points that can be withdrawn). The others are the site's own accounts, the other side of every movement.
/// </summary>
public enum AccountKind
{
    Spendable,
    Earned,

    /// <summary>The platform's share of sales (credit balance: positive).</summary>
    PlatformRevenue,

    /// <summary>Money in from a payment provider: every recharge is taken from here (debit balance: negative).</summary>
    PaymentClearing,

    /// <summary>Withdrawals asked for and not yet paid or rejected (positive while any wait).</summary>
    WithdrawalsPayable,

    /// <summary>Withdrawals paid out to uploaders (positive: points that left the site as money).</summary>
    Payouts,

    /// <summary>Points given by staff (promotions, corrections): negative by what was granted.</summary>
    Grants,

    /// <summary>Points on redeem codes (充值卡) issued and neither redeemed nor expired.</summary>
    RedeemCodesOutstanding,

    /// <summary>What the platform bore when a refund or a claim needed more than the uploader still had (withdrawn already).</summary>
    PlatformLosses,
}

/// <summary>One account of the ledger: a user's (<see cref="Owner"/> is the user id) or the site's (<see cref="Owner"/> empty).</summary>
public sealed class LedgerAccount
{
    public const string System = "";

    public long Id { get; set; }

    /// <summary>The user id, or <see cref="System"/> for the site's accounts.</summary>
    [MaxLength(450)]
    public required string Owner { get; set; }

    public AccountKind Kind { get; set; }

    /// <summary>
    /// The sum of the account's postings, kept for user accounts only, in the same database transaction as each posting
    /// (it carries the never-negative guard). The site's accounts are summed from their postings when asked: kept here
    /// they would be one row every purchase of the site waits on.
    /// </summary>
    public long Balance { get; set; }

    public static bool IsUserKind(AccountKind kind) => kind is AccountKind.Spendable or AccountKind.Earned;
}

/// <summary>Why points moved.</summary>
public enum TransactionKind
{
    Purchase,
    Refund,
    Recharge,
    Grant,
    RedeemCodesIssued,
    Redeem,
    RedeemCodesExpired,
    WithdrawalRequested,
    WithdrawalPaid,
    WithdrawalRejected,
    ClaimTransfer,
}

/// <summary>One movement of points: postings that sum to zero, written in one database transaction with what it pays for.</summary>
public sealed class LedgerTransaction
{
    public long Id { get; set; }

    public TransactionKind Kind { get; set; }

    [SetOnInsert]
    public DateTime At { get; set; }

    /// <summary>Who made it happen: the buyer, the staff member, or null for the site itself (a payment notification, a job).</summary>
    [MaxLength(450)]
    public string? ActorId { get; set; }

    public long? DocumentId { get; set; }

    /// <summary>
    /// What it is for, unique per kind where set (a recharge order's number, a purchase id, a withdrawal id), so the same
    /// thing can never be paid twice, whatever arrives twice.
    /// </summary>
    [MaxLength(80)]
    public string? Reference { get; set; }

    /// <summary>A reason in words (required for grants and staff corrections).</summary>
    [MaxLength(400)]
    public string Memo { get; set; } = "";

    public List<LedgerPosting> Postings { get; set; } = [];

    /// <summary>The user accounts' balances right after this transaction was posted (not stored: the accounts hold them).</summary>
    [System.ComponentModel.DataAnnotations.Schema.NotMapped]
    public IReadOnlyDictionary<long, long> BalancesAfter { get; set; } = new Dictionary<long, long>();
}

/// <summary>One side of a transaction: points into (positive) or out of (negative) one account.</summary>
public sealed class LedgerPosting
{
    public long Id { get; set; }
    public long TransactionId { get; set; }
    public long AccountId { get; set; }
    public LedgerAccount Account { get; set; } = null!;
    public long Amount { get; set; }
}
