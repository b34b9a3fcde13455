using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Wenku.Cli;
using Wenku.Data;
using Wenku.Documents;
using Wenku.Jobs;
using Wenku.Tests.Infrastructure;

namespace Wenku.Tests.Jobs;

/// <summary>The queue on a real SQLite file.</summary>
public sealed class DbJobQueueOnSqliteTests : DbJobQueueTests
{
    protected override Dictionary<string, string?> Settings => [];
}

/// <summary>The queue on a real PostgreSQL database (claims with <c>FOR UPDATE SKIP LOCKED</c>).</summary>
public sealed class DbJobQueueOnPostgresTests : DbJobQueueTests
{
    protected override Dictionary<string, string?> Settings { get; } = new()
    {
        ["Wenku:Database:Provider"] = "postgres",
        ["Wenku:Database:ConnectionString"] = ScaleOutServices.NewPostgresDatabase("queue"),
    };
}

/// <summary>
/// The queue on each database engine: leases, takeover after a crash, backoff, attempts. Time is a fake clock moved by
/// the test, so a lease runs out when the test says so, however fast the machine is.
/// </summary>
public abstract class DbJobQueueTests : IAsyncLifetime
{
    private readonly string _data = TestPaths.NewTempDir("queue");
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 30, 8, 0, 0, TimeSpan.Zero));
    private ServiceProvider _services = null!;
    private DbJobQueue Queue => new(_services.GetRequiredService<IDbContextFactory<WenkuDb>>(), _clock);

    protected abstract Dictionary<string, string?> Settings { get; }

    public async Task InitializeAsync()
    {
        _services = CliServices.Build(_data, Settings);
        await DatabaseSetup.InitializeAsync(_services);
    }

    private async Task<long> AddJobAsync(int maxAttempts = 3)
    {
        await using var scope = _services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WenkuDb>();
        var userId = await scope.ServiceProvider.GetRequiredService<Wenku.Accounts.AccountService>()
            .CreateOrUpdateAsync($"{Guid.NewGuid():N}@q.local", TestUsers.Password, "user") is ({ } u, _) ? u.Id : throw new InvalidOperationException();
        var doc = new Document
        {
            Title = "q", UploaderId = userId, CategoryId = 1, OriginalFileName = "q.pdf", Format = "pdf",
            Sha256 = Guid.NewGuid().ToString("N"), StorageKey = $"originals/{Guid.NewGuid():N}.pdf",
        };
        var job = Job.Convert(doc, maxAttempts);
        db.Jobs.Add(job);
        await db.SaveChangesAsync();
        return job.Id;
    }

    private async Task<Job> JobAsync(long id)
    {
        await using var scope = _services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<WenkuDb>().Jobs.AsNoTracking().SingleAsync(j => j.Id == id);
    }

    [Fact]
    public async Task A_job_is_taken_by_one_worker_only()
    {
        var id = await AddJobAsync();
        var claims = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Queue.ClaimAsync($"w{i}", TimeSpan.FromMinutes(1), CancellationToken.None)));
        claims.Count(c => c?.Id == id).ShouldBe(1);
    }

    [Fact]
    public async Task Claimers_at_the_same_time_each_get_different_jobs_and_every_job_is_taken_once()
    {
        var ids = new List<long>();
        for (var i = 0; i < 20; i++) ids.Add(await AddJobAsync());
        var claimed = new System.Collections.Concurrent.ConcurrentBag<(string Worker, long Id)>();
        await Task.WhenAll(Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            while (await Queue.ClaimAsync($"w{w}", TimeSpan.FromMinutes(1), CancellationToken.None) is { } job)
                claimed.Add(($"w{w}", job.Id));
        })));
        claimed.Select(c => c.Id).Order().ShouldBe(ids.Order());
    }

    [Fact]
    public async Task A_job_whose_lease_ran_out_is_taken_over_and_the_old_owner_loses_it()
    {
        var id = await AddJobAsync();
        (await Queue.ClaimAsync("dead", TimeSpan.FromMinutes(1), CancellationToken.None))!.Id.ShouldBe(id);
        _clock.Advance(TimeSpan.FromSeconds(59));
        (await Queue.ClaimAsync("alive", TimeSpan.FromMinutes(1), CancellationToken.None)).ShouldBeNull();
        _clock.Advance(TimeSpan.FromSeconds(2));
        var taken = await Queue.ClaimAsync("alive", TimeSpan.FromMinutes(1), CancellationToken.None);
        taken!.Id.ShouldBe(id);
        taken.Attempts.ShouldBe(2);
        (await Queue.HeartbeatAsync(id, "dead", TimeSpan.FromMinutes(1), CancellationToken.None)).ShouldBeFalse();
        (await Queue.HeartbeatAsync(id, "alive", TimeSpan.FromMinutes(1), CancellationToken.None)).ShouldBeTrue();
        await Queue.CompleteAsync(id, "alive", CancellationToken.None);
        (await JobAsync(id)).State.ShouldBe(JobState.Done);
    }

    [Fact]
    public async Task A_failed_job_waits_with_backoff_and_fails_for_good_after_its_attempts()
    {
        var id = await AddJobAsync(maxAttempts: 2);
        await Queue.ClaimAsync("w", TimeSpan.FromMinutes(1), CancellationToken.None);
        await Queue.FailAsync(id, "w", "boom", final: false, CancellationToken.None);
        var job = await JobAsync(id);
        job.State.ShouldBe(JobState.Pending);
        job.RunAfter.ShouldBe(_clock.GetUtcNow().ToUnixTimeMilliseconds() + DbJobQueue.Backoff(1));
        _clock.Advance(TimeSpan.FromMilliseconds(DbJobQueue.Backoff(1) - 1));
        (await Queue.ClaimAsync("w", TimeSpan.FromMinutes(1), CancellationToken.None)).ShouldBeNull(); // still backing off

        _clock.Advance(TimeSpan.FromMilliseconds(1));
        (await Queue.ClaimAsync("w", TimeSpan.FromMinutes(1), CancellationToken.None))!.Attempts.ShouldBe(2);
        await Queue.FailAsync(id, "w", "boom again", final: false, CancellationToken.None);
        job = await JobAsync(id);
        job.State.ShouldBe(JobState.Failed);
        job.LastError.ShouldBe("boom again");
        job.FinishedAt.ShouldBe(_clock.GetUtcNow().UtcDateTime);
    }

    [Fact]
    public async Task A_job_given_back_on_shutdown_is_due_at_once_and_its_attempt_not_counted()
    {
        var id = await AddJobAsync();
        (await Queue.ClaimAsync("stopping", TimeSpan.FromMinutes(5), CancellationToken.None))!.Attempts.ShouldBe(1);
        await Queue.ReleaseAsync(id, "stopping", CancellationToken.None);
        var again = await Queue.ClaimAsync("other", TimeSpan.FromMinutes(5), CancellationToken.None);
        again!.Id.ShouldBe(id);
        again.Attempts.ShouldBe(1);
    }

    [Fact]
    public async Task A_job_deferred_for_a_missing_package_waits_its_delay_says_why_and_keeps_its_attempts()
    {
        var id = await AddJobAsync(maxAttempts: 1);
        (await Queue.ClaimAsync("w", TimeSpan.FromMinutes(5), CancellationToken.None))!.Attempts.ShouldBe(1);

        await Queue.DeferAsync(id, "w", "poppler-data is missing", TimeSpan.FromMinutes(10), CancellationToken.None);

        var job = await JobAsync(id);
        job.State.ShouldBe(JobState.Pending);
        job.LastError.ShouldBe("poppler-data is missing");
        job.RunAfter.ShouldBeGreaterThan(_clock.GetUtcNow().AddMinutes(5).ToUnixTimeMilliseconds()); // the queue's clock, not the wall clock
        (await Queue.ClaimAsync("w", TimeSpan.FromMinutes(5), CancellationToken.None)).ShouldBeNull();
        await using (var scope = _services.CreateAsyncScope())
            await scope.ServiceProvider.GetRequiredService<WenkuDb>().Jobs.Where(j => j.Id == id).ExecuteUpdateAsync(s => s.SetProperty(j => j.RunAfter, 0L));
        // Its one attempt was not used up: once the package is there, it runs.
        (await Queue.ClaimAsync("w", TimeSpan.FromMinutes(5), CancellationToken.None))!.Attempts.ShouldBe(1);
    }

    [Fact]
    public void Backoff_grows_and_is_capped() =>
        new[] { 1, 2, 3, 20 }.Select(DbJobQueue.Backoff).ShouldBe([2000L, 4000L, 8000L, 300_000L]);

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        if (Settings.TryGetValue("Wenku:Database:ConnectionString", out var postgres))
            await ScaleOutServices.DropPostgresDatabaseAsync(postgres!);
        TestPaths.TryDelete(_data);
    }
}
