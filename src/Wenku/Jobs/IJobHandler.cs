namespace Wenku.Jobs;

/// <summary>Does the work of one kind of job.</summary>
public interface IJobHandler
{
    string Kind { get; }

    /// <summary>Runs the job. An exception means "try again later" (until attempts run out).</summary>
    Task RunAsync(ClaimedJob job, CancellationToken ct);

    /// <summary>Called once attempts are exhausted, to record a final failure a person can read (in their language).</summary>
    Task GiveUpAsync(ClaimedJob job, Web.Localization.Message reason, object?[] args, CancellationToken ct);
}

/// <summary>
/// Thrown by a handler that cannot do the job on this machine now (a converter's package is missing): the job goes
/// back to the queue after <see cref="RetryAfter"/> without counting the attempt, so it runs once the machine is fixed
/// (or on another worker) instead of failing for good or producing blank pages.
/// </summary>
public sealed class JobDeferredException(string reason, TimeSpan retryAfter) : Exception(reason)
{
    public TimeSpan RetryAfter { get; } = retryAfter;
}
