namespace Wenku.Jobs;

/// <summary>Does the work of one kind of job.</summary>
public interface IJobHandler
{
    string Kind { get; }

    /// <summary>Runs the job. An exception means "try again later" (until attempts run out).</summary>
    Task RunAsync(ClaimedJob job, CancellationToken ct);

    /// <summary>Called once attempts are exhausted, to record a final failure a person can read.</summary>
    Task GiveUpAsync(ClaimedJob job, string reason, CancellationToken ct);
}
