using Microsoft.Extensions.Localization;
using Wenku.Web.Localization;
using System.Globalization;
using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Wenku.Commerce.Alipay;
using Wenku.Data;

namespace Wenku.Commerce;

/// <summary>How asking for a recharge order ended.</summary>
public abstract record RechargeRequestOutcome
{
    /// <summary>The order, and the cashier address the buyer is sent to.</summary>
    public sealed record Created(RechargeOrder Order, string PayUrl) : RechargeRequestOutcome;
    /// <summary>Recharge through Alipay is not offered on this site.</summary>
    public sealed record Disabled : RechargeRequestOutcome;
    /// <summary>The amount is outside <see cref="RechargeService.MinYuan"/>–<see cref="RechargeService.MaxYuan"/>.</summary>
    public sealed record OutOfBounds : RechargeRequestOutcome;
    /// <summary>The user created <see cref="AlipayOptions.OrdersPerHour"/> orders in the last hour already.</summary>
    public sealed record TooMany : RechargeRequestOutcome;
}

/// <summary>What crediting a paid trade did.</summary>
public enum CreditResult
{
    /// <summary>Credited now.</summary>
    Credited,
    /// <summary>Credited before (a repeated notification, a query after the notification): nothing more.</summary>
    AlreadyPaid,
    /// <summary>No such order of ours.</summary>
    UnknownOrder,
    /// <summary>Alipay's amount is not the order's: refused, and noted on the order.</summary>
    AmountMismatch,
}

/// <summary>How a notification was taken: <see cref="Accepted"/> answers <c>success</c>, anything else <c>failure</c> (Alipay retries).</summary>
public sealed record NotificationOutcome(bool Accepted, string What);

/// <summary>
/// Recharging points through Alipay: orders (their number, amount and points fixed when created), and crediting a
/// verified payment exactly once — from the notification, the return page's query or the reconciliation job, whichever
/// comes first. Crediting is one ledger transaction (clearing −points, the buyer's spendable +points, <c>Reference</c> =
/// the order number) in the same database transaction as the order's conditional change to <see cref="RechargeState.Paid"/>:
/// of two credits racing, the second finds the order paid (and the unique reference would stop it anyway).
/// </summary>
public sealed class RechargeService(WenkuDb db, Ledger ledger, AlipayClient alipay, IOptions<AlipayOptions> options, TimeProvider time,
    ILogger<RechargeService> log, IStringLocalizer<SharedResource> T)
{
    public const int MinYuan = 1;
    public const int MaxYuan = 50_000;

    /// <summary>How long a reconciliation round owns an order it is asking Alipay about (another serve skips it meanwhile).</summary>
    public static readonly TimeSpan ClaimLease = TimeSpan.FromSeconds(50);

    public AlipayOptions Options => options.Value;

    public Task<int> PointsPerYuanAsync(CancellationToken ct) => db.SiteSettings.AsNoTracking().Select(s => s.PointsPerYuan).SingleAsync(ct);

    /// <summary>An order number: <c>R</c>, the UTC time to the second, and 80 random bits (not guessable, never repeated in practice; the unique index has the last word).</summary>
    public string NewOutTradeNo() =>
        "R" + time.GetUtcNow().UtcDateTime.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture) + Convert.ToHexString(RandomNumberGenerator.GetBytes(10));

    /// <summary>Creates an order of <paramref name="yuan"/> whole yuan for <paramref name="userId"/> and signs the cashier address.</summary>
    /// <param name="siteUrl">The site's address as the buyer reached it; <see cref="AlipayOptions.PublicUrl"/> wins when set.</param>
    public async Task<RechargeRequestOutcome> CreateAsync(string userId, int yuan, AlipayChannel channel, Uri siteUrl, CancellationToken ct)
    {
        if (!Options.Enabled) return new RechargeRequestOutcome.Disabled();
        if (yuan is < MinYuan or > MaxYuan) return new RechargeRequestOutcome.OutOfBounds();
        var hourAgo = time.GetUtcNow().UtcDateTime.AddHours(-1);
        if (await db.RechargeOrders.CountAsync(o => o.UserId == userId && o.CreatedAt > hourAgo, ct) >= Options.OrdersPerHour)
            return new RechargeRequestOutcome.TooMany();

        var rate = await PointsPerYuanAsync(ct);
        var order = new RechargeOrder
        {
            OutTradeNo = NewOutTradeNo(), UserId = userId, AmountFen = yuan * 100L, Points = (long)yuan * rate,
            Channel = channel == AlipayChannel.Wap ? "wap" : "page",
        };
        db.RechargeOrders.Add(order);
        await db.SaveChangesAsync(ct);

        var site = string.IsNullOrWhiteSpace(Options.PublicUrl) ? siteUrl : new Uri(Options.PublicUrl);
        var payUrl = alipay.PayUrl(new AlipayPayment(order.OutTradeNo, order.AmountFen,
            T.Text("充值 {0} 积分", order.Points), channel,
            new Uri(WithSlash(site), "pay/alipay/notify"), new Uri(WithSlash(site), "pay/alipay/return")));
        log.LogInformation("Recharge order {OutTradeNo} created for user {UserId}: {Fen} fen, {Points} points, {Channel}",
            order.OutTradeNo, userId, order.AmountFen, order.Points, order.Channel);
        return new RechargeRequestOutcome.Created(order, payUrl);
    }

    /// <summary>The site's base with a final slash, so that a site under a path (<c>https://host/wenku</c>) keeps it.</summary>
    private static Uri WithSlash(Uri site) => site.AbsoluteUri.EndsWith('/') ? site : new Uri(site.AbsoluteUri + "/");

    /// <summary>
    /// Credits a trade Alipay says is paid (a verified notification or query): at most once per order, also for an order
    /// we closed (money received is credited). <paramref name="paidFen"/> must be the order's amount.
    /// </summary>
    public async Task<CreditResult> CreditAsync(string outTradeNo, string? tradeNo, long paidFen, string source, CancellationToken ct)
    {
        var result = await ledger.InTransactionAsync(async () =>
        {
            var order = await db.RechargeOrders.AsNoTracking().SingleOrDefaultAsync(o => o.OutTradeNo == outTradeNo, ct);
            if (order is null) return CreditResult.UnknownOrder;
            if (order.State == RechargeState.Paid) return CreditResult.AlreadyPaid;
            if (paidFen != order.AmountFen) return CreditResult.AmountMismatch;

            var now = time.GetUtcNow().UtcDateTime;
            var wasClosed = order.State == RechargeState.Closed;
            // The guard: only one transaction moves the order out of Pending/Closed (PostgreSQL re-checks the condition
            // after waiting for the row; SQLite's writers take turns), so only one credits.
            var moved = await db.RechargeOrders.Where(o => o.Id == order.Id && o.State != RechargeState.Paid)
                .ExecuteUpdateAsync(s => s.SetProperty(o => o.State, RechargeState.Paid).SetProperty(o => o.PaidAt, now)
                    .SetProperty(o => o.ProviderTradeNo, tradeNo), ct);
            if (moved == 0) return CreditResult.AlreadyPaid;

            var book = await ledger.BookAsync(order.UserId, ct);
            var transaction = await ledger.PostAsync(TransactionKind.Recharge,
                [(book[AccountKind.PaymentClearing], -order.Points), (book.Spendable, order.Points)],
                $"alipay recharge {AlipayAmount.Format(order.AmountFen)} yuan ({source}{(wasClosed ? ", paid after close" : "")})",
                ct, reference: order.OutTradeNo);
            await db.RechargeOrders.Where(o => o.Id == order.Id)
                .ExecuteUpdateAsync(s => s.SetProperty(o => o.TransactionId, transaction.Id), ct);
            return CreditResult.Credited;
        }, ct);

        switch (result)
        {
            case CreditResult.Credited:
                log.LogInformation("Recharge order {OutTradeNo} paid (trade {TradeNo}, from the {Source}): credited", outTradeNo, tradeNo, source);
                break;
            case CreditResult.AmountMismatch:
                log.LogWarning("Recharge order {OutTradeNo}: the {Source} says {Paid} fen were paid, not the order's amount; refused", outTradeNo, source, paidFen);
                await NoteAsync(outTradeNo, $"{source}: paid amount {AlipayAmount.Format(paidFen)} differs from the order's; not credited", ct);
                break;
            case CreditResult.UnknownOrder:
                log.LogWarning("Alipay {Source} about unknown recharge order {OutTradeNo} refused", source, outTradeNo);
                break;
        }
        return result;
    }

    /// <summary>Takes a verified asynchronous notification.</summary>
    public async Task<NotificationOutcome> TakeNotificationAsync(AlipayNotification n, CancellationToken ct)
    {
        if (n.IsPaid)
        {
            var credit = await CreditAsync(n.OutTradeNo, n.TradeNo, n.TotalFen, "notification", ct);
            return new(credit is CreditResult.Credited or CreditResult.AlreadyPaid, credit.ToString());
        }
        var known = await db.RechargeOrders.AsNoTracking().Where(o => o.OutTradeNo == n.OutTradeNo).Select(o => (RechargeState?)o.State).SingleOrDefaultAsync(ct);
        if (known is null)
        {
            log.LogWarning("Alipay notification about unknown recharge order {OutTradeNo} refused", n.OutTradeNo);
            return new(false, "UnknownOrder");
        }
        if (n.TradeStatus == AlipayTradeStatus.TradeClosed)
        {
            if (await MarkClosedAsync(n.OutTradeNo, "Alipay closed the trade (notification)", ct)) return new(true, "Closed");
            if (known == RechargeState.Paid)
                // A paid trade closed later was refunded at Alipay: the points stay until staff correct them.
                log.LogWarning("Alipay says paid recharge order {OutTradeNo} is closed (refunded at Alipay?); its points were not taken back", n.OutTradeNo);
            return new(true, "ClosedAlready");
        }
        // WAIT_BUYER_PAY (also when it arrives after the payment's notification): nothing to do.
        return new(true, "Waiting");
    }

    /// <summary>Asks Alipay about an unpaid order once and credits it if paid (the return page, where the notification may not have come yet).</summary>
    public async Task<RechargeOrder?> SettleAsync(string outTradeNo, CancellationToken ct)
    {
        var order = await FindAsync(outTradeNo, ct);
        if (order is null || order.State == RechargeState.Paid) return order;
        var query = await alipay.QueryAsync(outTradeNo, ct);
        if (query.Failure is { } failure)
            log.LogWarning("Alipay query about recharge order {OutTradeNo} failed: {Kind} {Code} {Message}", outTradeNo, failure.Kind, failure.Code, failure.Message);
        else if (query.Value!.IsPaid)
            await CreditAsync(outTradeNo, query.Value.TradeNo, query.Value.TotalFen ?? order.AmountFen, "query", ct);
        return await FindAsync(outTradeNo, ct);
    }

    public Task<RechargeOrder?> FindAsync(string outTradeNo, CancellationToken ct) =>
        db.RechargeOrders.AsNoTracking().SingleOrDefaultAsync(o => o.OutTradeNo == outTradeNo, ct);

    /// <summary>
    /// One round of reconciliation: every order still pending <see cref="AlipayOptions.ReconcileAfterMinutes"/> after it
    /// was created is asked about; paid ones are credited, unpaid (or never opened) ones older than
    /// <see cref="AlipayOptions.OrderTimeoutMinutes"/> are closed at Alipay and here. Each order is claimed first by a
    /// conditional update of <see cref="RechargeOrder.CheckedAt"/>, so two serves never ask about the same order at once.
    /// Failures are logged and the order is asked about again next round. Returns how many orders were asked about.
    /// </summary>
    public async Task<int> ReconcileOnceAsync(CancellationToken ct)
    {
        if (!Options.Enabled) return 0;
        var now = time.GetUtcNow().UtcDateTime;
        var due = now.AddMinutes(-Options.ReconcileAfterMinutes);
        var expired = now.AddMinutes(-Options.OrderTimeoutMinutes);
        var leaseEnded = now - ClaimLease;
        var candidates = await db.RechargeOrders.AsNoTracking()
            .Where(o => o.State == RechargeState.Pending && o.CreatedAt < due && (o.CheckedAt == null || o.CheckedAt < leaseEnded))
            .OrderBy(o => o.CreatedAt).Take(200)
            .Select(o => new { o.Id, o.OutTradeNo, o.AmountFen, o.CreatedAt }).ToListAsync(ct);
        var asked = 0;
        foreach (var order in candidates)
        {
            var claimed = await db.RechargeOrders
                .Where(o => o.Id == order.Id && o.State == RechargeState.Pending && (o.CheckedAt == null || o.CheckedAt < leaseEnded))
                .ExecuteUpdateAsync(s => s.SetProperty(o => o.CheckedAt, now), ct);
            if (claimed == 0) continue; // another serve has it
            asked++;
            try
            {
                await ReconcileAsync(order.OutTradeNo, order.AmountFen, order.CreatedAt < expired, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                log.LogError(e, "Reconciling recharge order {OutTradeNo} failed; it is tried again next round", order.OutTradeNo);
            }
        }
        return asked;
    }

    private async Task ReconcileAsync(string outTradeNo, long amountFen, bool expired, CancellationToken ct)
    {
        var query = await alipay.QueryAsync(outTradeNo, ct);
        if (query.Failure is { } failure)
        {
            log.LogWarning("Alipay query about recharge order {OutTradeNo} failed: {Kind} {Code} {Message}; asking again next round",
                outTradeNo, failure.Kind, failure.Code, failure.Message);
            return;
        }
        var trade = query.Value!;
        if (trade.IsPaid)
        {
            await CreditAsync(outTradeNo, trade.TradeNo, trade.TotalFen ?? amountFen, "reconciliation", ct);
            return;
        }
        if (trade.Status == AlipayTradeStatus.TradeClosed)
        {
            await MarkClosedAsync(outTradeNo, "Alipay closed the trade (query)", ct);
            return;
        }
        if (!expired) return;
        // Close at Alipay first, so the buyer cannot pay a trade we consider closed (if they do all the same, the
        // notification still credits them).
        var close = await alipay.CloseAsync(outTradeNo, ct);
        if (close.Failure is { } refused)
        {
            log.LogWarning("Alipay close of expired recharge order {OutTradeNo} failed: {Kind} {Code} {Message}; trying again next round",
                outTradeNo, refused.Kind, refused.Code, refused.Message);
            return;
        }
        await MarkClosedAsync(outTradeNo, close.Value!.Existed ? "expired unpaid; closed at Alipay" : "expired; the buyer never opened the cashier", ct);
    }

    /// <summary>Pending → Closed (only from Pending: a paid order stays paid).</summary>
    private async Task<bool> MarkClosedAsync(string outTradeNo, string why, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var closed = await db.RechargeOrders.Where(o => o.OutTradeNo == outTradeNo && o.State == RechargeState.Pending)
            .ExecuteUpdateAsync(s => s.SetProperty(o => o.State, RechargeState.Closed).SetProperty(o => o.ClosedAt, now).SetProperty(o => o.Note, why), ct);
        if (closed == 1) log.LogInformation("Recharge order {OutTradeNo} closed: {Why}", outTradeNo, why);
        return closed == 1;
    }

    private Task<int> NoteAsync(string outTradeNo, string note, CancellationToken ct)
    {
        var text = note.Length > 400 ? note[..400] : note;
        return db.RechargeOrders.Where(o => o.OutTradeNo == outTradeNo).ExecuteUpdateAsync(s => s.SetProperty(o => o.Note, text), ct);
    }
}

/// <summary>Runs <see cref="RechargeService.ReconcileOnceAsync"/> every <see cref="AlipayOptions.ReconcileEverySeconds"/> in <c>serve</c>.</summary>
public sealed class RechargeReconciliation(IServiceScopeFactory scopes, IOptions<AlipayOptions> options, TimeProvider time,
    ILogger<RechargeReconciliation> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled) return;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.ReconcileEverySeconds), time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<RechargeService>().ReconcileOnceAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                log.LogError(e, "A reconciliation round of recharge orders failed; the next round tries again");
            }
        }
    }
}
