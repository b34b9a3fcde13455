using Microsoft.Extensions.Localization;
using Wenku.Web.Localization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Wenku.Data;
using Wenku.Moderation;

namespace Wenku.Commerce;

/// <summary>What a withdrawal request answers (kept under its form key, so a repeat gets the same withdrawal back).</summary>
public sealed record WithdrawalReceipt(long WithdrawalId, long Points, long Earned);

/// <summary>How a withdrawal request ended.</summary>
public abstract record WithdrawalRequestOutcome
{
    public sealed record Done(WithdrawalReceipt Receipt, bool Replayed) : WithdrawalRequestOutcome;
    /// <summary>Fewer points than <see cref="SiteSettings.MinimumWithdrawal"/>.</summary>
    public sealed record BelowMinimum(long Minimum) : WithdrawalRequestOutcome;
    /// <summary>More points than the earned balance.</summary>
    public sealed record TooFewPoints(long Earned) : WithdrawalRequestOutcome;
    /// <summary>No payee, or one too long.</summary>
    public sealed record BadPayee : WithdrawalRequestOutcome;
    /// <summary>The form key was used for a different request.</summary>
    public sealed record KeyReused : WithdrawalRequestOutcome;
}

/// <summary>How a decision on a withdrawal (paid, rejected, cancelled) ended.</summary>
public abstract record WithdrawalDecisionOutcome
{
    public sealed record Done(long WithdrawalId, WithdrawalState State, long TransactionId) : WithdrawalDecisionOutcome;
    public sealed record NotFound : WithdrawalDecisionOutcome;
    /// <summary>Decided before (by whoever came first): nothing moved.</summary>
    public sealed record AlreadyDecided(WithdrawalState State) : WithdrawalDecisionOutcome;
    /// <summary>The payment reference or the reason is missing or too long.</summary>
    public sealed record BadText : WithdrawalDecisionOutcome;
}

/// <summary>
/// Uploaders withdrawing earned points. A request takes the points out of <see cref="AccountKind.Earned"/> at once into
/// <see cref="AccountKind.WithdrawalsPayable"/> (one ledger transaction, in the database transaction that writes the
/// <see cref="Withdrawal"/> row and its form key). Staff then mark it paid (payable → <see cref="AccountKind.Payouts"/>,
/// with the payment reference) or reject it (payable → the uploader's earned, with a reason); the uploader may cancel a
/// request still waiting, which is a rejection by themselves. Each decision is a conditional state update
/// (<c>WHERE State = 'Requested'</c>) in the same transaction as its postings, so a withdrawal is decided once: the
/// second decision, however close in time, finds the state changed and moves nothing.
/// </summary>
public sealed class Withdrawals(WenkuDb db, Ledger ledger, TimeProvider clock, AuditLog audit)
{
    public const int MaxPayeeLength = 200;
    public const int MaxDecisionLength = 200;
    public const long MaxPoints = 100_000_000;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<WithdrawalRequestOutcome> RequestAsync(string userId, long points, string? payee, string? formKey, CancellationToken ct)
    {
        var cleanPayee = Text.SafeText.OneLine(payee);
        if (cleanPayee.Length == 0 || cleanPayee.Length > MaxPayeeLength) return new WithdrawalRequestOutcome.BadPayee();
        var minimum = await db.SiteSettings.AsNoTracking().Select(s => s.MinimumWithdrawal).SingleAsync(ct);
        if (points < minimum) return new WithdrawalRequestOutcome.BelowMinimum(minimum);
        if (points > MaxPoints) return new WithdrawalRequestOutcome.TooFewPoints((await ledger.BalanceAsync(userId, ct)).Earned);

        var hash = Idempotency.RequestHash("withdraw", points, cleanPayee);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await TryRequestAsync(userId, points, cleanPayee, formKey, hash, ct);
            }
            catch (InsufficientPointsException) when (attempt < 3)
            {
                // Spent meanwhile, or taken by a parallel request with the same key: look again (that one is then replayed).
            }
            catch (InsufficientPointsException)
            {
                return new WithdrawalRequestOutcome.TooFewPoints((await ledger.BalanceAsync(userId, ct)).Earned);
            }
        }
    }

    private Task<WithdrawalRequestOutcome> TryRequestAsync(string userId, long points, string cleanPayee, string? formKey, string hash, CancellationToken ct) =>
        ledger.InTransactionAsync<WithdrawalRequestOutcome>(async () =>
        {
            if (await Idempotency.FindAsync(db, userId, formKey, ct) is { } prior)
            {
                return prior.RequestHash == hash
                    ? new WithdrawalRequestOutcome.Done(JsonSerializer.Deserialize<WithdrawalReceipt>(prior.ResponseJson, Json)!, Replayed: true)
                    : new WithdrawalRequestOutcome.KeyReused();
            }
            var book = await ledger.BookAsync(userId, ct);
            if (book.Earned.Balance < points) return new WithdrawalRequestOutcome.TooFewPoints(book.Earned.Balance);

            var withdrawal = new Withdrawal { UserId = userId, Points = points, Payee = cleanPayee };
            db.Withdrawals.Add(withdrawal);
            await db.SaveChangesAsync(ct);
            var transaction = await ledger.PostAsync(TransactionKind.WithdrawalRequested,
                [(book.Earned, -points), (book[AccountKind.WithdrawalsPayable], points)],
                $"withdrawal #{withdrawal.Id} requested", ct, actorId: userId, reference: $"withdrawal:{withdrawal.Id}");
            withdrawal.RequestTransactionId = transaction.Id;

            var receipt = new WithdrawalReceipt(withdrawal.Id, points, book.Earned.Balance - points);
            Idempotency.Remember(db, userId, formKey, hash, JsonSerializer.Serialize(receipt, Json));
            await db.SaveChangesAsync(ct); // a parallel request with the same key fails here, runs again and finds this one
            return new WithdrawalRequestOutcome.Done(receipt, Replayed: false);
        }, ct);

    /// <summary>Staff mark a waiting withdrawal paid, with the payment's reference (e.g. the Alipay transfer number).</summary>
    public Task<WithdrawalDecisionOutcome> PayAsync(long id, string actorId, string? paymentReference, CancellationToken ct) =>
        DecideAsync(id, actorId, ownerOnly: null, WithdrawalState.Paid, paymentReference, ct);

    /// <summary>Staff reject a waiting withdrawal with a reason; the points go back to the uploader's earned account.</summary>
    public Task<WithdrawalDecisionOutcome> RejectAsync(long id, string actorId, string? reason, CancellationToken ct) =>
        DecideAsync(id, actorId, ownerOnly: null, WithdrawalState.Rejected, reason, ct);

    /// <summary>The uploader takes back their own waiting request: a rejection by themselves, the points return.</summary>
    public Task<WithdrawalDecisionOutcome> CancelAsync(long id, string userId, CancellationToken ct) =>
        DecideAsync(id, userId, ownerOnly: userId, WithdrawalState.Rejected, CancelledByUploader, ct);

    /// <summary>The decision stored when the uploader cancels (a code: pages show it in the reader's language).</summary>
    public const string CancelledByUploader = "cancelled-by-uploader";

    /// <summary>A withdrawal's stored decision as the reader sees it: the uploader's cancel in their language, else the staff's words.</summary>
    public static string? DecisionText(IStringLocalizer T, string? decision) =>
        decision == CancelledByUploader ? T["申请人撤回"] : decision;

    private async Task<WithdrawalDecisionOutcome> DecideAsync(long id, string actorId, string? ownerOnly, WithdrawalState decision,
        string? text, CancellationToken ct)
    {
        var clean = Text.SafeText.OneLine(text);
        if (clean.Length == 0 || clean.Length > MaxDecisionLength) return new WithdrawalDecisionOutcome.BadText();
        return await ledger.InTransactionAsync<WithdrawalDecisionOutcome>(async () =>
        {
            var withdrawal = await db.Withdrawals.AsNoTracking().SingleOrDefaultAsync(w => w.Id == id, ct);
            if (withdrawal is null || (ownerOnly is not null && withdrawal.UserId != ownerOnly)) return new WithdrawalDecisionOutcome.NotFound();

            // The decision is taken by whoever changes the state first; the loser's update matches no row.
            var now = clock.GetUtcNow().UtcDateTime;
            var taken = await db.Withdrawals.Where(w => w.Id == id && w.State == WithdrawalState.Requested)
                .ExecuteUpdateAsync(s => s.SetProperty(w => w.State, decision).SetProperty(w => w.DecidedAt, now)
                    .SetProperty(w => w.DecidedById, actorId).SetProperty(w => w.Decision, clean), ct);
            if (taken == 0)
                return new WithdrawalDecisionOutcome.AlreadyDecided(await db.Withdrawals.Where(w => w.Id == id).Select(w => w.State).SingleAsync(ct));

            var book = await ledger.BookAsync(withdrawal.UserId, ct);
            var payable = book[AccountKind.WithdrawalsPayable];
            var (kind, to, memo) = decision == WithdrawalState.Paid
                ? (TransactionKind.WithdrawalPaid, book[AccountKind.Payouts], $"withdrawal #{id} paid, reference {clean}")
                : (TransactionKind.WithdrawalRejected, book.Earned,
                    // The rejection's memo is the staff's reason alone: the uploader's wallet shows it.
                    ownerOnly is not null ? CancelledByUploader : clean);
            var transaction = await ledger.PostAsync(kind, [(payable, -withdrawal.Points), (to, withdrawal.Points)], memo, ct,
                actorId: actorId, reference: $"withdrawal:{id}");
            await db.Withdrawals.Where(w => w.Id == id).ExecuteUpdateAsync(s => s.SetProperty(w => w.DecisionTransactionId, transaction.Id), ct);
            // Staff decisions are audited and told to the uploader; the uploader's own cancel is neither.
            if (ownerOnly is null)
            {
                var paid = decision == WithdrawalState.Paid;
                Notifications.Add(db, withdrawal.UserId, paid ? NotificationKinds.WithdrawalPaid : NotificationKinds.WithdrawalRejected,
                    new { points = withdrawal.Points, reason = clean }, "/me/wallet/withdraw");
                await audit.RecordAsync(new AuditRecord(actorId, paid ? AuditKinds.WithdrawalPay : AuditKinds.WithdrawalReject, "withdrawal",
                    id.ToString(System.Globalization.CultureInfo.InvariantCulture), clean,
                    Before: new { state = nameof(WithdrawalState.Requested) },
                    After: new { state = decision.ToString(), user = withdrawal.UserId, points = withdrawal.Points, transaction = transaction.Id }), ct);
            }
            return new WithdrawalDecisionOutcome.Done(id, decision, transaction.Id);
        }, ct);
    }
}
