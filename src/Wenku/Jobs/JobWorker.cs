using Wenku.Web.Localization;
using System.Diagnostics;
using Microsoft.Extensions.Options;
using Wenku.Telemetry;

namespace Wenku.Jobs;

/// <summary>
/// The loop of a <c>wenku worker</c> process: claim a job, keep its lease alive with heartbeats while it runs,
/// then complete it or record the failure. A job whose worker died is taken again once its lease runs out.
/// </summary>
public sealed class JobWorker(
    IJobQueue queue,
    IEnumerable<IJobHandler> handlers,
    IOptions<ConversionOptions> options,
    TimeProvider clock,
    ILogger<JobWorker> log) : BackgroundService
{
    /// <summary>What the uploader is told when the job is given up (the details are in the log).</summary>
    public static readonly Message Crashed = new("job.crashed", "转换进程多次崩溃或超时（{0} 次），已放弃。");
    public static readonly Message FailedOnOurSide = new("job.failed", "转换失败（尝试了 {0} 次），是本站的问题；请稍后重新上传或联系管理员。");

    public string WorkerId { get; } = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>How long to wait when the queue is empty.</summary>
    private static readonly TimeSpan IdleDelay = TimeSpan.FromMilliseconds(400);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var lease = TimeSpan.FromSeconds(options.Value.LeaseSeconds);
        log.LogInformation("Worker {WorkerId} started", WorkerId);
        while (!stoppingToken.IsCancellationRequested)
        {
            ClaimedJob? job;
            try
            {
                job = await queue.ClaimAsync(WorkerId, lease, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { break; }
            catch (Exception e)
            {
                log.LogWarning(e, "Could not claim a job");
                await Task.Delay(TimeSpan.FromSeconds(2), clock, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                continue;
            }
            if (job is null)
            {
                await Task.Delay(IdleDelay, clock, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                continue;
            }
            await RunOneAsync(job, lease, stoppingToken);
        }
    }

    /// <summary>Runs one claimed job to its end.</summary>
    private async Task RunOneAsync(ClaimedJob job, TimeSpan lease, CancellationToken ct)
    {
        var handler = handlers.FirstOrDefault(h => h.Kind == job.Kind);
        if (handler is null)
        {
            await queue.FailAsync(job.Id, WorkerId, $"no handler for job kind '{job.Kind}'", final: true, ct);
            return;
        }
        if (job.Attempts > job.MaxAttempts)
        {
            // Earlier attempts died without a word (the worker crashed or was killed): stop trying.
            await handler.GiveUpAsync(job, Crashed, [job.MaxAttempts], ct);
            await queue.FailAsync(job.Id, WorkerId, $"The converter crashed or was killed {job.MaxAttempts} times on this file.", final: true, ct);
            return;
        }

        // The job continues the trace of the request that queued it; its log events carry the document and the trace.
        using var activity = StartActivity(job);
        using var scope = log.BeginScope(new JobScope(job.Id, job.DocumentId));
        using var jobCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var heartbeat = HeartbeatAsync(job, lease, jobCts);
        try
        {
            await handler.RunAsync(job, jobCts.Token);
            await jobCts.CancelAsync();
            await heartbeat;
            await queue.CompleteAsync(job.Id, WorkerId, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Shutting down (a restart, a deploy): give the job back at once, without counting the attempt.
            await jobCts.CancelAsync();
            await heartbeat;
            await queue.ReleaseAsync(job.Id, WorkerId, CancellationToken.None);
            log.LogInformation("Job {JobId} released on shutdown", job.Id);
            throw;
        }
        catch (JobDeferredException e)
        {
            await jobCts.CancelAsync();
            await heartbeat;
            log.LogWarning("Job {JobId} (document {DocumentId}) deferred for {Delay}: {Reason}", job.Id, job.DocumentId, e.RetryAfter, e.Message);
            await queue.DeferAsync(job.Id, WorkerId, e.Message, e.RetryAfter, CancellationToken.None);
        }
        catch (Exception e)
        {
            await jobCts.CancelAsync();
            await heartbeat;
            log.LogError(e, "Job {JobId} ({Kind}, document {DocumentId}) failed on attempt {Attempt}", job.Id, job.Kind, job.DocumentId, job.Attempts);
            var final = job.Attempts >= job.MaxAttempts;
            // The details (paths, SQL) are in the log with the document id; the uploader gets words.
            if (final)
                await handler.GiveUpAsync(job, FailedOnOurSide, [job.Attempts], CancellationToken.None);
            await queue.FailAsync(job.Id, WorkerId, e.ToString(), final, CancellationToken.None);
        }
    }

    /// <summary>The activity of one job: a child of the trace stored on the job row, or a trace of its own.</summary>
    private static Activity? StartActivity(ClaimedJob job)
    {
        var parent = ActivityContext.TryParse(job.TraceParent, null, out var context) ? context : default;
        var activity = WenkuMetrics.Activities.StartActivity($"job {job.Kind}", ActivityKind.Consumer, parent);
        activity?.SetTag("wenku.job.id", job.Id);
        activity?.SetTag("wenku.document.id", job.DocumentId);
        return activity;
    }

    /// <summary>The log scope of a job: its id and its document's.</summary>
    private sealed class JobScope(long jobId, long? documentId) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        public KeyValuePair<string, object?> this[int index] => index switch
        {
            0 => new("JobId", jobId),
            1 => new("DocumentId", documentId),
            _ => throw new ArgumentOutOfRangeException(nameof(index)),
        };

        public int Count => 2;

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
        {
            for (var i = 0; i < Count; i++) yield return this[i];
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => $"job {jobId}, document {documentId}";
    }

    /// <summary>
    /// Renews the lease every third of its length. A failed renewal (a busy database) is tried again; the job is
    /// stopped only when the lease is known to be lost, or could not be renewed before it ran out.
    /// </summary>
    private async Task HeartbeatAsync(ClaimedJob job, TimeSpan lease, CancellationTokenSource jobCts)
    {
        var renewedUntil = clock.GetUtcNow() + lease;
        while (!jobCts.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(lease / 3, clock, jobCts.Token);
                if (!await queue.HeartbeatAsync(job.Id, WorkerId, lease, jobCts.Token))
                {
                    log.LogWarning("Lost the lease on job {JobId}; stopping it", job.Id);
                    await jobCts.CancelAsync();
                    return;
                }
                renewedUntil = clock.GetUtcNow() + lease;
            }
            catch (OperationCanceledException) { return; }
            catch (Exception e)
            {
                log.LogWarning(e, "Heartbeat for job {JobId} failed", job.Id);
                if (clock.GetUtcNow() >= renewedUntil)
                {
                    await jobCts.CancelAsync();
                    return;
                }
            }
        }
    }

}
