using System.ComponentModel.DataAnnotations;
using Wenku.Data;
using Wenku.Documents;

namespace Wenku.Jobs;

public enum JobState { Pending, Running, Done, Failed }

/// <summary>A unit of background work. The database is the queue: a job is claimed by taking a lease.</summary>
public sealed class Job
{
    public long Id { get; set; }

    [MaxLength(40)]
    public required string Kind { get; set; }

    public long? DocumentId { get; set; }
    public Document? Document { get; set; }
    public JobState State { get; set; } = JobState.Pending;
    public int Attempts { get; set; }
    public int MaxAttempts { get; set; } = 3;

    /// <summary>Unix milliseconds before which the job is not taken (backoff).</summary>
    public long RunAfter { get; set; }

    [MaxLength(100)]
    public string? LeaseOwner { get; set; }

    /// <summary>Unix milliseconds at which the lease runs out and another worker may take the job.</summary>
    public long LeaseUntil { get; set; }

    [MaxLength(1000)]
    public string? LastError { get; set; }

    [SetOnInsert]
    public DateTime CreatedAt { get; set; }
    public DateTime? FinishedAt { get; set; }

    /// <summary>
    /// The W3C trace context (<c>traceparent</c>) of the request that enqueued the job, so that the worker's activity
    /// continues the request's trace across the queue.
    /// </summary>
    [MaxLength(100)]
    public string? TraceParent { get; set; }

    /// <summary>Unix milliseconds at which the current attempt was claimed; with <see cref="FinishedAt"/>, how long it took.</summary>
    public long? StartedAt { get; set; }

    /// <summary>Whether a <c>serve</c> has counted the finished job in its metrics (each finished job is counted once, by one serve).</summary>
    public bool Measured { get; set; }

    public static class Kinds
    {
        public const string Convert = "convert";
    }

    public static Job Convert(Document document, int maxAttempts) =>
        new() { Kind = Kinds.Convert, Document = document, MaxAttempts = maxAttempts, RunAfter = 0, TraceParent = System.Diagnostics.Activity.Current?.Id };
}
