using Wenku.Data;

namespace Wenku.Commerce;

/// <summary>Deletes idempotency keys past <see cref="Idempotency.Retention"/>, at start and then hourly (serve only; any number of serves may run it).</summary>
public sealed class IdempotencyJanitor(IServiceProvider services, TimeProvider time, ILogger<IdempotencyJanitor> log) : BackgroundService
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
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { return; }
            catch (Exception e)
            {
                log.LogError(e, "Deleting old idempotency keys failed; trying again in an hour");
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}
