using Microsoft.EntityFrameworkCore;
using Wenku.Data;
using Wenku.Documents;
using Wenku.Jobs;

namespace Wenku.Telemetry;

/// <summary>
/// What the queue says, measured by <c>serve</c> from the job rows when <c>/metrics</c> is read. Workers are separate
/// processes, on other machines in a scale-out site, so their measurements are read where every one of them writes
/// anyway: a finished job's row holds its start and end, its document the format and outcome. Each finished job is
/// claimed by one serve (<see cref="Job.Measured"/>), so a site of several serves counts it once.
/// </summary>
public sealed class JobMetrics
{
    /// <summary>How long queue figures and counted jobs are reused before the database is asked again.</summary>
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(2);

    private const int Batch = 500;

    /// <summary>Marks up to {0} finished, uncounted jobs as counted and returns their ids (one serve wins each).</summary>
    private const string ClaimFinishedSql = """
        UPDATE "Jobs" SET "Measured" = TRUE
        WHERE "Measured" = FALSE AND "Id" IN (
            SELECT "Id" FROM "Jobs" WHERE "Measured" = FALSE AND "FinishedAt" IS NOT NULL ORDER BY "Id" LIMIT {0})
        RETURNING "Id" AS "Value"
        """;

    private readonly IDbContextFactory<WenkuDb> _dbFactory;
    private readonly WenkuMetrics _metrics;
    private readonly TimeProvider _clock;
    private readonly ILogger<JobMetrics> _log;
    private readonly SemaphoreSlim _refreshing = new(1, 1);
    private DateTimeOffset _refreshedAt = DateTimeOffset.MinValue;
    private long _depth;
    private double _oldestAgeSeconds;

    public JobMetrics(IDbContextFactory<WenkuDb> dbFactory, WenkuMetrics metrics, TimeProvider clock, ILogger<JobMetrics> log)
    {
        (_dbFactory, _metrics, _clock, _log) = (dbFactory, metrics, clock, log);
        metrics.Meter.CreateObservableGauge("wenku.queue.depth", () => Volatile.Read(ref _depth), "{job}", "Jobs waiting to be taken by a worker.");
        metrics.Meter.CreateObservableGauge("wenku.queue.oldest_age", () => Volatile.Read(ref _oldestAgeSeconds), "s",
            "Age of the oldest job waiting to be taken (0 when none waits).");
    }

    /// <summary>Counts the jobs finished since the last time and reads the queue, at most once per <see cref="CacheFor"/>.</summary>
    public async Task RefreshAsync(CancellationToken ct)
    {
        if (_clock.GetUtcNow() - _refreshedAt < CacheFor) return;
        await _refreshing.WaitAsync(ct);
        try
        {
            if (_clock.GetUtcNow() - _refreshedAt < CacheFor) return;
            await using var db = await _dbFactory.CreateDbContextAsync(ct);
            await CountFinishedJobsAsync(db, ct);
            await ReadQueueAsync(db, ct);
            _refreshedAt = _clock.GetUtcNow();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Metrics must not fail the scrape: the figures stay as they were and the next scrape tries again.
            _log.LogWarning(e, "Could not read the job queue for the metrics");
        }
        finally
        {
            _refreshing.Release();
        }
    }

    /// <summary>Counts finished jobs, a batch at a time, until none is left (or a scrape's worth, the rest next time).</summary>
    private async Task CountFinishedJobsAsync(WenkuDb db, CancellationToken ct)
    {
        for (var batch = 0; batch < MaxBatchesPerRefresh; batch++)
            if (await CountBatchAsync(db, ct) < Batch) return;
    }

    private const int MaxBatchesPerRefresh = 20;

    private async Task<int> CountBatchAsync(WenkuDb db, CancellationToken ct)
    {
        var ids = await db.Database.SqlQueryRaw<long>(ClaimFinishedSql, Batch).ToListAsync(ct);
        if (ids.Count == 0) return 0;
        var jobs = await db.Jobs.AsNoTracking()
            .Where(j => ids.Contains(j.Id) && j.Kind == Job.Kinds.Convert)
            .Select(j => new
            {
                j.State, j.StartedAt, j.FinishedAt,
                Format = j.Document == null ? null : j.Document.Format,
                Status = j.Document == null ? (DocumentStatus?)null : j.Document.Status,
            })
            .ToListAsync(ct);
        foreach (var job in jobs)
        {
            var outcome = job.State == JobState.Failed ? "failed" : job.Status?.ToString().ToLowerInvariant() ?? "deleted";
            if (job is { StartedAt: { } started, FinishedAt: { } finished })
            {
                var end = new DateTimeOffset(DateTime.SpecifyKind(finished, DateTimeKind.Utc)).ToUnixTimeMilliseconds();
                _metrics.ConversionFinished(job.Format ?? "unknown", outcome, TimeSpan.FromMilliseconds(Math.Max(0, end - started)));
            }
            // Every document that converts is checked against the library; a near duplicate is held.
            if (job.State != JobState.Failed && job.Status is DocumentStatus.Ready or DocumentStatus.Held)
                _metrics.DuplicateChecked(job.Status == DocumentStatus.Held ? "held" : "passed");
        }
        return ids.Count;
    }

    private async Task ReadQueueAsync(WenkuDb db, CancellationToken ct)
    {
        var waiting = db.Jobs.Where(j => j.State == JobState.Pending);
        var depth = await waiting.LongCountAsync(ct);
        var oldest = await waiting.MinAsync(j => (DateTime?)j.CreatedAt, ct);
        var age = oldest is { } created ? (_clock.GetUtcNow() - new DateTimeOffset(DateTime.SpecifyKind(created, DateTimeKind.Utc))).TotalSeconds : 0;
        Volatile.Write(ref _depth, depth);
        Volatile.Write(ref _oldestAgeSeconds, Math.Max(0, age));
    }
}
