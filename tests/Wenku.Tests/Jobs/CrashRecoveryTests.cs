using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Wenku.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Wenku.Tests.Jobs;

/// <summary><c>kill -9</c> of the real program during uploads and conversions loses nothing.</summary>
public sealed class CrashRecoveryTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _data = TestPaths.NewTempDir("crash");

    private static readonly Dictionary<string, string> Env = new()
    {
        ["Wenku__Workers"] = "1",
        ["Wenku__OrphanMinAgeSeconds"] = "0",
        ["Wenku__UploadsPerHour"] = "100000",
        ["Wenku__Conversion__LeaseSeconds"] = "5",
        ["Wenku__Conversion__PageBatchSize"] = "2",
    };

    [Fact]
    public async Task Kill_9_during_uploads_and_conversions_loses_nothing_and_leaves_no_orphans()
    {
        await WenkuProcess.RunAsync("admin", "create-user", "--data", _data, "--email", "crash@test.local", "--password", TestUsers.Password, "--role", "user");
        var token = await WenkuProcess.RunAsync("admin", "create-token", "--data", _data, "--email", "crash@test.local");

        var accepted = new ConcurrentBag<long>();
        var pdfs = Enumerable.Range(0, 24).Select(i => TestPdfs.MultiPage(4, salt: $"crash-{i}")).ToList();

        using (var site = await WenkuProcess.StartServeAsync(_data, Env))
        {
            using var api = Client(site.BaseAddress, token);
            // A few uploads whose conversions will be under way when the process dies…
            foreach (var pdf in pdfs.Take(5)) accepted.Add(await UploadAsync(api, pdf));

            // …and uploads in flight at the moment of the kill.
            using var stop = new CancellationTokenSource();
            var next = 5;
            var uploaders = Enumerable.Range(0, 3).Select(_ => Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    var i = Interlocked.Increment(ref next) - 1;
                    if (i >= pdfs.Count) return;
                    try { accepted.Add(await UploadAsync(api, pdfs[i])); }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException) { return; }
                }
            })).ToList();
            await Task.Delay(1500);
            site.KillHard();
            await stop.CancelAsync();
            await Task.WhenAll(uploaders);
        }
        output.WriteLine($"{accepted.Count} uploads had been accepted when the site was killed");
        accepted.Count.ShouldBeGreaterThan(5);

        var restarted = DateTime.UtcNow;
        using (var site = await WenkuProcess.StartServeAsync(_data, Env))
        {
            output.WriteLine($"restarted in {(DateTime.UtcNow - restarted).TotalSeconds:0.0}s");
            using var api = Client(site.BaseAddress, token);
            var deadline = DateTime.UtcNow.AddMinutes(3);
            foreach (var id in accepted)
            {
                while (true)
                {
                    var response = await api.GetAsync($"/api/v1/documents/{id}");
                    response.StatusCode.ShouldBe(HttpStatusCode.OK, $"accepted document {id} is missing after the restart");
                    var status = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString();
                    if (status == "ready") break;
                    status.ShouldNotBe("failed", $"document {id} failed after the restart");
                    DateTime.UtcNow.ShouldBeLessThan(deadline, $"document {id} is stuck in {status}");
                    await Task.Delay(250);
                }
            }

            output.WriteLine($"all accepted documents ready {(DateTime.UtcNow - restarted).TotalSeconds:0.0}s after the restart");
            // Every document row converts (also those whose 202 was lost in the crash), no job is stuck,
            // and the files on disk are exactly those the database knows.
            await WaitUntilAsync(() => Scalar("SELECT COUNT(*) FROM Jobs WHERE State IN ('Pending','Running')") == 0, deadline);
            Scalar("SELECT COUNT(*) FROM Documents WHERE Status <> 'Ready'").ShouldBe(0);
            var keys = Strings("SELECT StorageKey FROM Documents").ToHashSet();
            var ids = Strings("SELECT Id FROM Documents").ToHashSet();
            await WaitUntilAsync(() => OriginalsOnDisk().SetEquals(keys), DateTime.UtcNow.AddSeconds(20));
            OriginalsOnDisk().ShouldBe(keys, ignoreOrder: true);
            PageFolders().ShouldBeSubsetOf(ids);
            Directory.EnumerateFiles(Path.Combine(_data, "tmp"), "*.part", SearchOption.AllDirectories).ShouldBeEmpty();
            var work = Path.Combine(_data, "tmp", "work");
            string[] WorkLeft() => Directory.Exists(work)
                ? [.. Directory.EnumerateFileSystemEntries(work, "*", SearchOption.AllDirectories).Select(e => Path.GetRelativePath(work, e))]
                : [];
            await WaitUntilAsync(() => WorkLeft().Length == 0, DateTime.UtcNow.AddSeconds(15));
            WorkLeft().ShouldBeEmpty($"live worker processes: {string.Join(", ", System.Diagnostics.Process.GetProcesses().Where(p => p.ProcessName is "dotnet" or "wenku").Select(p => p.Id))}");
        }
    }

    [Fact]
    public async Task Upload_cut_by_kill_9_leaves_no_buffered_form_file_after_an_immediate_restart()
    {
        await WenkuProcess.RunAsync("admin", "create-user", "--data", _data, "--email", "cut@test.local", "--password", TestUsers.Password, "--role", "user");
        var token = await WenkuProcess.RunAsync("admin", "create-token", "--data", _data, "--email", "cut@test.local");
        // The default age rule (5 minutes) stays on: the restart comes at once. ASPNETCORE_TEMP is cleared: an
        // in-process test site of this run sets it, and the child would inherit it.
        var env = new Dictionary<string, string> { ["Wenku__Workers"] = "0", ["ASPNETCORE_TEMP"] = "" };
        var buffered = Path.Combine(_data, "tmp", "aspnet");
        string[] Buffered() => Directory.Exists(buffered) ? Directory.GetFiles(buffered, "*", SearchOption.AllDirectories) : [];

        using (var site = await WenkuProcess.StartServeAsync(_data, env))
        {
            using var api = Client(site.BaseAddress, token);
            var body = new StalledContent(2 * 1024 * 1024);
            var form = new MultipartFormDataContent { { body, "file", "cut.pdf" }, { new StringContent("断开的上传"), "title" } };
            var upload = api.PostAsync("/api/v1/documents", form);
            await body.Written.WaitAsync(TimeSpan.FromSeconds(30));
            var deadline = DateTime.UtcNow.AddSeconds(30);
            await WaitUntilAsync(() => Buffered().Length > 0, deadline);
            Buffered().ShouldNotBeEmpty("ASP.NET buffered no form file to disk");
            site.KillHard();
            (await Should.ThrowAsync<Exception>(upload.WaitAsync(TimeSpan.FromSeconds(60)))).ShouldNotBeOfType<TimeoutException>();
        }

        using (await WenkuProcess.StartServeAsync(_data, env))
        {
            await WaitUntilAsync(() => Buffered().Length == 0, DateTime.UtcNow.AddSeconds(20));
            Buffered().ShouldBeEmpty();
        }
    }

    /// <summary>A file part that sends its first bytes and then never ends, like an upload whose server dies.</summary>
    private sealed class StalledContent(int bytes) : HttpContent
    {
        private readonly TaskCompletionSource _written = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public Task Written => _written.Task;

        protected override Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context) =>
            SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context, CancellationToken ct)
        {
            var chunk = new byte[64 * 1024];
            "%PDF-1.7\n"u8.CopyTo(chunk);
            for (var sent = 0; sent < bytes; sent += chunk.Length) await stream.WriteAsync(chunk, ct);
            await stream.FlushAsync(ct);
            _written.TrySetResult();
            await Task.Delay(Timeout.Infinite, ct); // ended when the request fails: the server was killed
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }

    private static HttpClient Client(Uri baseAddress, string token)
    {
        var client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static Task<long> UploadAsync(HttpClient api, byte[] pdf) => api.UploadAsync(TestPdfs.Upload(pdf));

    private HashSet<string> OriginalsOnDisk()
    {
        var root = Path.Combine(_data, "files");
        var dir = Path.Combine(root, "originals");
        return Directory.Exists(dir)
            ? Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(root, f)).ToHashSet()
            : [];
    }

    private IEnumerable<string> PageFolders()
    {
        var dir = Path.Combine(_data, "files", "pages");
        return Directory.Exists(dir) ? Directory.EnumerateDirectories(dir).Select(d => Path.GetFileName(d)) : [];
    }

    private long Scalar(string sql)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        return (long)cmd.ExecuteScalar()!;
    }

    private List<string> Strings(string sql)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        using var r = cmd.ExecuteReader();
        var list = new List<string>();
        while (r.Read()) list.Add(Convert.ToString(r.GetValue(0), System.Globalization.CultureInfo.InvariantCulture)!);
        return list;
    }

    private SqliteConnection Open()
    {
        var c = new SqliteConnection($"Data Source={Path.Combine(_data, "wenku.db")};Mode=ReadOnly;Pooling=False");
        c.Open();
        return c;
    }

    private static async Task WaitUntilAsync(Func<bool> condition, DateTime deadline)
    {
        while (!condition() && DateTime.UtcNow < deadline) await Task.Delay(250);
    }

    public void Dispose() => TestPaths.TryDelete(_data);
}
