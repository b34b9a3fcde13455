using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Shouldly;
using Wenku.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Wenku.Tests.Search;

/// <summary>The index of the real program after kill -9, after changes behind its back, and across a rebuild.</summary>
public sealed class SearchCrashTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _data = TestPaths.NewTempDir("search-crash");

    private static Dictionary<string, string> Env(string? pauseFile = null) => new()
    {
        ["Wenku__Workers"] = "1",
        ["Wenku__UploadsPerHour"] = "100000",
        ["Wenku__SearchesPerMinute"] = "1000000",
        ["Wenku__SearchCommitPauseFile"] = pauseFile ?? "",
    };

    [Fact]
    public async Task Kill_9_between_the_database_write_and_the_index_commit_then_the_index_agrees_after_restart()
    {
        var token = await CreateUserAsync();
        long kept, hidden;
        // The site applies search changes and stops before committing the index (saying so in a file): the point to die at.
        var pauseFile = Path.Combine(_data, "search-commit-paused");
        using (var site = await WenkuProcess.StartServeAsync(_data, Env(pauseFile)))
        {
            using var api = Client(site.BaseAddress, token);
            kept = await UploadReadyAsync(api, "searchcrashkept");
            hidden = await UploadReadyAsync(api, "searchcrashhidden");
            await WaitUntilAsync(() => Task.FromResult(File.Exists(pauseFile)), "the outbox has been read; the commit is waiting");
            (await TotalAsync(api, "searchcrashkept")).ShouldBe(0, "nothing was committed to the index yet");
            site.KillHard();
        }

        // Behind the index's back (as a bug or a hand edit might), one document stops being public.
        Execute($"UPDATE Documents SET Status = 'Failed' WHERE Id = {hidden}");

        using (var site = await WenkuProcess.StartServeAsync(_data, Env()))
        {
            using var api = Client(site.BaseAddress, token);
            await WaitUntilAsync(async () => await TotalAsync(api, "searchcrashkept") == 1, "the document whose index commit was lost is found");
            (await TotalAsync(api, "searchcrashhidden")).ShouldBe(0);
            var browse = await api.GetFromJsonAsync<JsonElement>("/api/v1/search?format=pdf");
            browse.GetProperty("total").GetInt32().ShouldBe((int)Scalar("SELECT COUNT(*) FROM Documents WHERE Status = 'Ready'"));
            browse.GetProperty("hits").EnumerateArray().Select(h => h.GetProperty("id").GetInt64()).ShouldBe([kept]);
        }
    }

    [Fact]
    public async Task Reindex_while_the_site_runs_keeps_search_answering_and_the_site_switches_to_the_new_index()
    {
        var token = await CreateUserAsync();
        using var site = await WenkuProcess.StartServeAsync(_data, Env());
        using var api = Client(site.BaseAddress, token);
        await UploadReadyAsync(api, "reindexone");
        await UploadReadyAsync(api, "reindextwo");
        await WaitUntilAsync(async () => await TotalAsync(api, "reindexone") == 1 && await TotalAsync(api, "reindextwo") == 1, "both documents searchable");
        var before = File.ReadAllText(Path.Combine(_data, "search", "CURRENT"));

        using var stop = new CancellationTokenSource();
        var answers = 0;
        var searching = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                (await TotalAsync(api, "reindextwo")).ShouldBe(1, "search stays online and complete during the rebuild");
                answers++;
            }
        });
        var printed = await WenkuProcess.RunAsync("admin", "reindex", "--data", _data);
        output.WriteLine(printed);
        printed.ShouldContain("2 documents");
        var after = File.ReadAllText(Path.Combine(_data, "search", "CURRENT"));
        after.ShouldNotBe(before);

        // A document that becomes ready after the switch is written to the new index.
        await UploadReadyAsync(api, "reindexthree");
        await WaitUntilAsync(async () => await TotalAsync(api, "reindexthree") == 1, "a new document is searchable after the switch");
        await stop.CancelAsync();
        await searching;
        output.WriteLine($"{answers} searches answered during the rebuild");
        answers.ShouldBeGreaterThan(0);
        Directory.Exists(Path.Combine(_data, "search", after.Trim())).ShouldBeTrue();
    }

    private async Task<string> CreateUserAsync()
    {
        await WenkuProcess.RunAsync("admin", "create-user", "--data", _data, "--email", "searcher@test.local", "--password", TestUsers.Password);
        return await WenkuProcess.RunAsync("admin", "create-token", "--data", _data, "--email", "searcher@test.local");
    }

    private static async Task<long> UploadReadyAsync(HttpClient api, string word)
    {
        var id = await api.UploadAsync(TestPdfs.Upload(TestPdfs.MultiPage(2, title: "检索测试 " + word, salt: word)));
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while ((await api.GetFromJsonAsync<JsonElement>($"/api/v1/documents/{id}")).GetProperty("status").GetString() != "ready")
        {
            DateTime.UtcNow.ShouldBeLessThan(deadline, $"document {id} did not become ready");
            await Task.Delay(200);
        }
        return id;
    }

    private static async Task<int> TotalAsync(HttpClient api, string word)
    {
        var response = await api.GetAsync("/api/v1/search?q=" + Uri.EscapeDataString(word));
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("total").GetInt32();
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!await condition())
        {
            DateTime.UtcNow.ShouldBeLessThan(deadline, what);
            await Task.Delay(250);
        }
    }

    private static HttpClient Client(Uri baseAddress, string token)
    {
        var client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private long Scalar(string sql)
    {
        using var c = new SqliteConnection($"Data Source={Path.Combine(_data, "wenku.db")};Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        return (long)cmd.ExecuteScalar()!;
    }

    private void Execute(string sql)
    {
        using var c = new SqliteConnection($"Data Source={Path.Combine(_data, "wenku.db")};Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    public void Dispose() => TestPaths.TryDelete(_data);
}
