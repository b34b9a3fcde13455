namespace Wenku.Search;

/// <summary>
/// Keeps the index in step with the database, in the serving process: at start it checks the index against the
/// database and repairs it (after a crash, a lost folder, a rebuild), then applies the outbox twice a second, or at
/// once when this process changed a document (<see cref="Nudge"/>).
/// </summary>
public sealed class SearchSync(ISearchIndex index, ILogger<SearchSync> log) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);
    private readonly SemaphoreSlim _nudge = new(0, 1);

    /// <summary>Set once the start-up check has finished (the index agrees with the database).</summary>
    public bool Verified { get; private set; }

    public void Nudge()
    {
        if (_nudge.CurrentCount == 0) try { _nudge.Release(); } catch (SemaphoreFullException) { }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        while (!stoppingToken.IsCancellationRequested && !Verified)
        {
            try
            {
                var repaired = await index.VerifyAsync(stoppingToken);
                Verified = true;
                log.LogInformation("Search index checked against the database ({Changes} changes applied)", repaired);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogError(e, "Search index check failed; retrying");
                await Task.Delay(TimeSpan.FromSeconds(5), stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await index.SyncAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogError(e, "Search index update failed; retrying");
            }
            await ((Task)_nudge.WaitAsync(Interval, stoppingToken)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    public override void Dispose()
    {
        _nudge.Dispose();
        base.Dispose();
    }
}
