using Microsoft.EntityFrameworkCore;
using Wenku.Data;

namespace Wenku.Jobs;

/// <summary>
/// The queue in the site's own database. Claiming is the one statement that differs by engine: on SQLite a single
/// <c>UPDATE … RETURNING</c>, atomic because SQLite has one writer at a time; on PostgreSQL the same update of a row
/// picked with <c>FOR UPDATE SKIP LOCKED</c>, so claimers on many machines never wait for, nor take, each other's job.
/// </summary>
public sealed class DbJobQueue(IDbContextFactory<WenkuDb> dbFactory, TimeProvider clock) : IJobQueue
{
    /// <summary>
    /// Takes the next due job (or one whose lease ran out); {0} worker, {1} lease end, {2} now, all parameters. On
    /// PostgreSQL <c>/*lock*/</c> becomes <c>FOR UPDATE SKIP LOCKED</c>: the lock taken by the inner SELECT holds until
    /// the UPDATE commits, and a row another claimer has locked is skipped, not waited for (without it, READ COMMITTED
    /// would let both updates through). SQLite serialises writers and has no row locks.
    /// </summary>
    private const string ClaimSql = """
        UPDATE "Jobs" SET "State" = 'Running', "LeaseOwner" = {0}, "LeaseUntil" = {1}, "Attempts" = "Attempts" + 1, "StartedAt" = {2}
        WHERE "Id" = (
            SELECT "Id" FROM "Jobs"
            WHERE ("State" = 'Pending' AND "RunAfter" <= {2}) OR ("State" = 'Running' AND "LeaseUntil" < {2})
            ORDER BY "RunAfter", "Id" LIMIT 1/*lock*/)
        RETURNING "Id", "Kind", "DocumentId", "Attempts", "MaxAttempts", "TraceParent"
        """;

    public async Task<ClaimedJob?> ClaimAsync(string workerId, TimeSpan lease, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var until = now + (long)lease.TotalMilliseconds;
        var sql = ClaimSql.Replace("/*lock*/", db.Database.IsNpgsql() ? " FOR UPDATE SKIP LOCKED" : "", StringComparison.Ordinal);
        var claim = db.Database.SqlQueryRaw<ClaimRow>(sql, workerId, until, now);
        var rows = await claim.ToListAsync(ct);
        return rows.Count == 0 ? null : new ClaimedJob(rows[0].Id, rows[0].Kind, rows[0].DocumentId, rows[0].Attempts, rows[0].MaxAttempts, rows[0].TraceParent);
    }

    public async Task<bool> HeartbeatAsync(long jobId, string workerId, TimeSpan lease, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var until = clock.GetUtcNow().ToUnixTimeMilliseconds() + (long)lease.TotalMilliseconds;
        return await db.Jobs
            .Where(j => j.Id == jobId && j.LeaseOwner == workerId && j.State == JobState.Running)
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.LeaseUntil, until), ct) == 1;
    }

    public async Task CompleteAsync(long jobId, string workerId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await db.Jobs
            .Where(j => j.Id == jobId && j.LeaseOwner == workerId)
            .ExecuteUpdateAsync(s => s
                .SetProperty(j => j.State, JobState.Done)
                .SetProperty(j => j.LeaseOwner, (string?)null)
                .SetProperty(j => j.FinishedAt, clock.GetUtcNow().UtcDateTime), ct);
    }

    public Task ReleaseAsync(long jobId, string workerId, CancellationToken ct) =>
        GiveBackAsync(jobId, workerId, runAfter: 0, error: null, ct);

    public Task DeferAsync(long jobId, string workerId, string reason, TimeSpan delay, CancellationToken ct) =>
        GiveBackAsync(jobId, workerId, clock.GetUtcNow().ToUnixTimeMilliseconds() + (long)delay.TotalMilliseconds,
            reason.Length > 1000 ? reason[..1000] : reason, ct);

    /// <summary>The job waits again from <paramref name="runAfter"/>, its attempt not counted (and its last error replaced, if given).</summary>
    private async Task GiveBackAsync(long jobId, string workerId, long runAfter, string? error, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await db.Jobs
            .Where(j => j.Id == jobId && j.LeaseOwner == workerId && j.State == JobState.Running)
            .ExecuteUpdateAsync(s => s
                .SetProperty(j => j.State, JobState.Pending)
                .SetProperty(j => j.LeaseOwner, (string?)null)
                .SetProperty(j => j.LeaseUntil, 0L)
                .SetProperty(j => j.RunAfter, runAfter)
                .SetProperty(j => j.LastError, j => error ?? j.LastError)
                .SetProperty(j => j.Attempts, j => j.Attempts - 1), ct);
    }

    public async Task FailAsync(long jobId, string workerId, string error, bool final, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var job = await db.Jobs.SingleOrDefaultAsync(j => j.Id == jobId && j.LeaseOwner == workerId, ct);
        if (job is null) return;
        job.LastError = error.Length > 1000 ? error[..1000] : error;
        job.LeaseOwner = null;
        if (final || job.Attempts >= job.MaxAttempts)
        {
            job.State = JobState.Failed;
            job.FinishedAt = clock.GetUtcNow().UtcDateTime;
        }
        else
        {
            job.State = JobState.Pending;
            job.RunAfter = clock.GetUtcNow().ToUnixTimeMilliseconds() + Backoff(job.Attempts);
        }
        await db.SaveChangesAsync(ct);
    }

    /// <summary>Exponential backoff: 2 s, 4 s, 8 s … capped at 5 minutes.</summary>
    public static long Backoff(int attempts) => (long)Math.Min(300_000, 1000 * Math.Pow(2, Math.Max(1, attempts)));

    private sealed class ClaimRow
    {
        public long Id { get; set; }
        public string Kind { get; set; } = "";
        public long? DocumentId { get; set; }
        public int Attempts { get; set; }
        public int MaxAttempts { get; set; }
        public string? TraceParent { get; set; }
    }
}
