using Wenku.Data;

namespace Wenku.Commerce;

/// <summary>
/// Hourly upkeep of the money tables (serve only; any number of serves may run it, each step is idempotent): deletes
/// idempotency keys past <see cref="Idempotency.Retention"/> and returns the unredeemed points of expired redeem-code
/// batches (<see cref="RedeemCodes.SweepExpiredAsync"/>; the finance pages also sweep when opened).
/// </summary>
public sealed class CommerceJanitor(IServiceProvider services, TimeProvider time, ILogger<CommerceJanitor> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromHours(1), time);
        do
        {
            try
            {
                await using var scope = services.CreateAsyncScope();
                var removed = await Idempotency.PurgeAsync(scope.ServiceProvider.GetRequiredService<WenkuDb>(), time.GetUtcNow().UtcDateTime, stoppingToken);
                if (removed > 0) log.LogInformation("Deleted {Count} idempotency keys older than {Hours} hours", removed, Idempotency.Retention.TotalHours);
                var swept = await scope.ServiceProvider.GetRequiredService<RedeemCodes>().SweepExpiredAsync(stoppingToken);
                if (swept > 0) log.LogInformation("Returned the unredeemed points of {Count} expired redeem-code batches", swept);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { return; }
            catch (Exception e)
            {
                log.LogError(e, "Money upkeep (old idempotency keys, expired redeem codes) failed; trying again in an hour");
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}
