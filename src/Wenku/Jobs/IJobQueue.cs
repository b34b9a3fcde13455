namespace Wenku.Jobs;

/// <summary>A job a worker holds a lease on; <paramref name="TraceParent"/> is the trace of the request that queued it.</summary>
public sealed record ClaimedJob(long Id, string Kind, long? DocumentId, int Attempts, int MaxAttempts, string? TraceParent = null);

/// <summary>
/// The durable job queue. Jobs are rows (added with the entity they concern, in the same transaction);
/// this seam is how a worker takes, keeps and finishes them, which is where database engines differ.
/// </summary>
public interface IJobQueue
{
    /// <summary>Takes the next due job (pending, or running with an expired lease), or null.</summary>
    Task<ClaimedJob?> ClaimAsync(string workerId, TimeSpan lease, CancellationToken ct);

    /// <summary>Extends the lease; false if the job is no longer ours.</summary>
    Task<bool> HeartbeatAsync(long jobId, string workerId, TimeSpan lease, CancellationToken ct);

    Task CompleteAsync(long jobId, string workerId, CancellationToken ct);

    /// <summary>Gives a job back untried (the worker is shutting down): due at once, and the attempt not counted.</summary>
    Task ReleaseAsync(long jobId, string workerId, CancellationToken ct);

    /// <summary>Gives a job back that this worker cannot do now: due after <paramref name="delay"/>, the attempt not counted.</summary>
    Task DeferAsync(long jobId, string workerId, string reason, TimeSpan delay, CancellationToken ct);

    /// <summary>Records a failure; the job is retried after a backoff unless <paramref name="final"/>.</summary>
    Task FailAsync(long jobId, string workerId, string error, bool final, CancellationToken ct);
}
