using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;

namespace Wenku.Bench;

/// <summary>
/// A real <c>wenku serve</c> process (with its own conversion worker child) on a loopback port and a fresh data
/// folder, plus an admin account and API token made with <c>wenku admin</c>, as an operator would.
/// </summary>
public sealed class WenkuSite : IAsyncDisposable
{
    public const string Email = "bench@wenku.invalid";
    private const string Password = "bench-password-1";

    private readonly Process _process;
    public Uri BaseAddress { get; }
    public int Pid => _process.Id;
    public string Token { get; }
    public string LogPath { get; }

    /// <summary>An anonymous reader.</summary>
    public HttpClient Anonymous { get; }

    /// <summary>The admin, authenticated with the API token.</summary>
    public HttpClient Admin { get; }

    private WenkuSite(Process process, Uri baseAddress, string token, string logPath)
    {
        _process = process;
        BaseAddress = baseAddress;
        Token = token;
        LogPath = logPath;
        Anonymous = new HttpClient { BaseAddress = baseAddress };
        Admin = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromMinutes(2) };
        Admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    public static async Task<WenkuSite> StartAsync(string wenkuDll, string workDir)
    {
        var data = Path.Combine(workDir, "wenku-data");
        Directory.CreateDirectory(data);
        var environment = SiteEnvironment(data);

        var token = await CreateAdminAsync(wenkuDll, data, environment);
        AllowNearDuplicates(data);

        var port = Commands.FreeLoopbackPort();
        var url = new Uri($"http://127.0.0.1:{port}/");
        var log = Path.Combine(workDir, "wenku-serve.log");
        // Through sh so the site's console log goes straight to a file (the pid stays the site's, thanks to exec).
        var psi = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, WorkingDirectory = ContentRoot(wenkuDll) };
        foreach (var a in new[] { "-c", "exec \"$@\" >>\"$LOG\" 2>&1", "sh", "dotnet", wenkuDll, "serve", "--data", data, "--urls", url.ToString().TrimEnd('/') })
            psi.ArgumentList.Add(a);
        foreach (var (key, value) in environment) psi.Environment[key] = value;
        psi.Environment["LOG"] = log;
        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start wenku serve");
        await File.AppendAllTextAsync(Path.Combine(workDir, "pids"), process.Id.ToString(CultureInfo.InvariantCulture) + "\n");

        var site = new WenkuSite(process, url, token, log);
        await site.WaitUntilReadyAsync();
        return site;
    }

    /// <summary>An admin and an API token, made with <c>wenku admin create-user</c> and <c>create-token</c>.</summary>
    /// <summary>
    /// The benchmarks upload the same text run after run; held as near duplicates (the site's default policy), those
    /// uploads would never become ready.
    /// </summary>
    private static void AllowNearDuplicates(string data)
    {
        using var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(data, "wenku.db")};Pooling=False");
        db.Open();
        using var cmd = db.CreateCommand();
        cmd.CommandText = "UPDATE SiteSettings SET NearDuplicatePolicy = 'Allow'";
        if (cmd.ExecuteNonQuery() != 1) throw new InvalidOperationException("The site settings row is missing after `wenku admin create-user`.");
    }

    private static async Task<string> CreateAdminAsync(string wenkuDll, string data, Dictionary<string, string> environment)
    {
        await Commands.CheckAsync("dotnet", [wenkuDll, "admin", "create-user", "--data", data, "--email", Email, "--password", Password, "--role", "admin"], environment);
        return (await Commands.CheckAsync("dotnet", [wenkuDll, "admin", "create-token", "--data", data, "--email", Email], environment)).StdOut.Trim();
    }

    private static Dictionary<string, string> SiteEnvironment(string data) => new()
    {
        ["Wenku__Demo"] = "false",
        ["Wenku__DataDir"] = data,
        ["ASPNETCORE_ENVIRONMENT"] = "Production",
        ["DOTNET_ENVIRONMENT"] = "Production",
    };

    /// <summary>The project folder when running from a build (so <c>wwwroot</c> is served as in production), else the build folder.</summary>
    private static string ContentRoot(string wenkuDll)
    {
        var buildDir = Path.GetDirectoryName(wenkuDll)!;
        var project = Path.GetFullPath(Path.Combine(buildDir, "..", "..", ".."));
        return Directory.Exists(Path.Combine(project, "wwwroot")) ? project : buildDir;
    }

    private async Task WaitUntilReadyAsync()
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(90))
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"wenku serve exited with {_process.ExitCode}; see {LogPath}:\n{Tail()}");
            try
            {
                using var response = await Anonymous.GetAsync("/health/ready");
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { }
            await Task.Delay(200);
        }
        throw new TimeoutException($"wenku serve did not become ready; see {LogPath}:\n{Tail()}");
    }

    public string Tail(int lines = 30) =>
        File.Exists(LogPath) ? string.Join('\n', File.ReadLines(LogPath).TakeLast(lines)) : "";

    public async ValueTask DisposeAsync()
    {
        Anonymous.Dispose();
        Admin.Dispose();
        await Commands.StopTreeAsync(_process, TimeSpan.FromSeconds(15));
        _process.Dispose();
    }
}
