using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Wenku.Accounts;
using Wenku.Cli;
using Wenku.Data;
using Wenku.Documents;
using Wenku.Jobs;
using Wenku.Tests.Infrastructure;

namespace Wenku.Tests.ScaleOut;

/// <summary>
/// The scale-out shape for real: two <c>wenku serve</c> and two <c>wenku worker</c> processes, each with a data folder
/// of its own, sharing only PostgreSQL and the object store.
/// </summary>
public sealed class ScaleOutProcessesTests : IAsyncLifetime
{
    private readonly string _postgres = ScaleOutServices.NewPostgresDatabase("cluster");
    private readonly S3StorageOptions _s3 = ScaleOutServices.NewBucket("cluster");
    private readonly List<string> _folders = [];
    private Dictionary<string, string?> _settings = null!;

    public async Task InitializeAsync()
    {
        await ScaleOutServices.CreateBucketAsync(_s3);
        _settings = ScaleOutServices.SiteSettings(_postgres, _s3);
        _settings["Wenku:Workers"] = "0";
        _settings["Wenku:Conversion:LeaseSeconds"] = "10";
    }

    private string Folder(string what)
    {
        var dir = TestPaths.NewTempDir(what);
        _folders.Add(dir);
        return dir;
    }

    private Dictionary<string, string> Environment => _settings.ToDictionary(s => s.Key.Replace(":", "__", StringComparison.Ordinal), s => s.Value!);

    [Fact]
    public async Task Uploads_through_both_serves_convert_once_each_and_a_killed_workers_job_finishes_on_the_other()
    {
        string token;
        await using (var admin = CliServices.Build(Folder("admin"), _settings))
        {
            await DatabaseSetup.InitializeAsync(admin);
            await using var scope = admin.CreateAsyncScope();
            var (user, _) = await scope.ServiceProvider.GetRequiredService<AccountService>().CreateOrUpdateAsync("cluster@test.local", TestUsers.Password, Roles.User);
            token = await scope.ServiceProvider.GetRequiredService<ApiTokens>().CreateAsync(user!.Id, "test", CancellationToken.None);
        }

        using var serveA = await WenkuProcess.StartServeAsync(Folder("serve-a"), Environment);
        using var serveB = await WenkuProcess.StartServeAsync(Folder("serve-b"), Environment);
        HttpClient Api(WenkuProcess serve)
        {
            var client = new HttpClient { BaseAddress = serve.BaseAddress };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            return client;
        }
        using var apiA = Api(serveA);
        using var apiB = Api(serveB);
        Task<long> UploadAsync(HttpClient api, int pages, string title) =>
            api.UploadAsync(TestPdfs.Upload(TestPdfs.MultiPage(pages, title), title: title));

        // The long document first, so that it is in a worker's hands when that worker is killed.
        var pages = new Dictionary<long, int> { [await UploadAsync(apiA, 60, "长文档 long")] = 60 };
        var longId = pages.Keys.Single();
        for (var i = 0; i < 6; i++) pages[await UploadAsync(i % 2 == 0 ? apiA : apiB, 2 + i, $"文档 {i}")] = 2 + i;

        var workers = new List<WenkuProcess> { WenkuProcess.StartWorker(Folder("worker-1"), Environment), WenkuProcess.StartWorker(Folder("worker-2"), Environment) };
        try
        {
            await using var db = NewDb();
            var holder = await WaitForAsync(TimeSpan.FromSeconds(120), async () =>
            {
                var job = await db.Jobs.AsNoTracking().SingleAsync(j => j.DocumentId == longId);
                job.State.ShouldNotBe(JobState.Done, "the long document was converted before a worker could be killed");
                return job is { State: JobState.Running, LeaseOwner: { } owner } ? int.Parse(owner.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture) : (int?)null;
            });
            var victim = workers.Single(w => w.Pid == holder);
            victim.KillHard();

            await WaitForAsync(TimeSpan.FromSeconds(300), async () =>
                await db.Documents.CountAsync(d => pages.Keys.Contains(d.Id) && (d.Status == DocumentStatus.Ready || d.Status == DocumentStatus.Failed)) == pages.Count ? true : (bool?)null);

            var docs = await db.Documents.AsNoTracking().Where(d => pages.Keys.Contains(d.Id)).ToListAsync();
            docs.ShouldAllBe(d => d.Status == DocumentStatus.Ready && d.PageCount == pages[d.Id]);
            var jobs = await db.Jobs.AsNoTracking().Where(j => j.DocumentId != null && pages.Keys.Contains(j.DocumentId.Value)).ToListAsync();
            jobs.Count.ShouldBe(pages.Count);
            jobs.ShouldAllBe(j => j.State == JobState.Done);
            // Taken over once after the kill; every other document converted by exactly one worker, once.
            jobs.Single(j => j.DocumentId == longId).Attempts.ShouldBe(2);
            jobs.Where(j => j.DocumentId != longId).ShouldAllBe(j => j.Attempts == 1);
        }
        finally
        {
            foreach (var w in workers) w.Dispose();
        }

        // Either serve shows any page of any document (the files are in the object store, not on a serve's disk).
        using var anonymousB = new HttpClient { BaseAddress = serveB.BaseAddress };
        (await anonymousB.GetAsync($"/d/{longId}/page/1.jpg")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    private PostgresWenkuDb NewDb() =>
        new PostgresWenkuDb((DbContextOptions<PostgresWenkuDb>)new DbContextOptionsBuilder<PostgresWenkuDb>().UseWenkuPostgres(_postgres).Options);

    private static async Task<T> WaitForAsync<T>(TimeSpan timeout, Func<Task<T?>> probe) where T : struct
    {
        var until = DateTime.UtcNow + timeout;
        while (true)
        {
            if (await probe() is { } value) return value;
            if (DateTime.UtcNow > until) throw new TimeoutException($"not within {timeout}");
            await Task.Delay(100);
        }
    }

    public async Task DisposeAsync()
    {
        await ScaleOutServices.DeleteBucketAsync(_s3);
        await ScaleOutServices.DropPostgresDatabaseAsync(_postgres);
        foreach (var f in _folders) TestPaths.TryDelete(f);
    }
}
