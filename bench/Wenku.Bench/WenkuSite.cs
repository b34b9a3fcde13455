using System.Data.Common;
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
    private const string PostgresSetting = "Wenku:Database:ConnectionString";

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

    /// <summary>The embedded default: SQLite and files in a fresh data folder, one conversion worker started by the site.</summary>
    public static Task<WenkuSite> StartAsync(string wenkuDll, string workDir) =>
        StartAsync(wenkuDll, workDir, "wenku", new Dictionary<string, string?>());

    /// <summary>
    /// A site named <paramref name="name"/> (its data folder and log) with extra configuration in
    /// <paramref name="settings"/> (e.g. <c>Wenku:Database:Provider</c>). Without <paramref name="token"/> it is the
    /// first process on its database: the admin and its token are made, and near duplicates allowed, before it starts.
    /// </summary>
    public static async Task<WenkuSite> StartAsync(string wenkuDll, string workDir, string name,
        IReadOnlyDictionary<string, string?> settings, string? token = null)
    {
        var data = Path.Combine(workDir, name + "-data");
        Directory.CreateDirectory(data);
        var environment = SiteEnvironment(data, settings);

        if (token is null)
        {
            token = await CreateAdminAsync(wenkuDll, data, environment);
            await AllowNearDuplicatesAsync(data, settings);
        }

        var port = Commands.FreeLoopbackPort();
        var url = new Uri($"http://127.0.0.1:{port}/");
        var log = Path.Combine(workDir, name + "-serve.log");
        var process = await StartLoggedAsync(wenkuDll, workDir, ["serve", "--data", data, "--urls", url.ToString().TrimEnd('/')], environment, log);
        var site = new WenkuSite(process, url, token, log);
        await site.WaitUntilReadyAsync();
        return site;
    }

    /// <summary>
    /// Starts <c>dotnet wenku.dll ARGS</c> with its console output appended to <paramref name="log"/>, and records its
    /// pid for bench/run.sh's cleanup.
    /// </summary>
    internal static async Task<Process> StartLoggedAsync(string wenkuDll, string workDir, string[] args, Dictionary<string, string> environment, string log)
    {
        // Through sh so the console log goes straight to a file (the pid stays wenku's, thanks to exec).
        var psi = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, WorkingDirectory = ContentRoot(wenkuDll) };
        foreach (var a in new[] { "-c", "exec \"$@\" >>\"$LOG\" 2>&1", "sh", "dotnet", wenkuDll }.Concat(args))
            psi.ArgumentList.Add(a);
        foreach (var (key, value) in environment) psi.Environment[key] = value;
        psi.Environment["LOG"] = log;
        var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start wenku {args[0]}");
        await File.AppendAllTextAsync(Path.Combine(workDir, "pids"), process.Id.ToString(CultureInfo.InvariantCulture) + "\n");
        return process;
    }

    /// <summary>
    /// The benchmarks upload the same text run after run; held as near duplicates (the site's default policy), those
    /// uploads would never become ready.
    /// </summary>
    private static async Task AllowNearDuplicatesAsync(string data, IReadOnlyDictionary<string, string?> settings)
    {
        await using DbConnection db = settings.GetValueOrDefault(PostgresSetting) is { } postgres
            ? new Npgsql.NpgsqlConnection(postgres + ";Pooling=false")
            : new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(data, "wenku.db")};Pooling=False");
        await db.OpenAsync();
        await using var cmd = db.CreateCommand();
        cmd.CommandText = "UPDATE \"SiteSettings\" SET \"NearDuplicatePolicy\" = 'Allow'";
        if (await cmd.ExecuteNonQueryAsync() != 1) throw new InvalidOperationException("The site settings row is missing after `wenku admin create-user`.");
    }

    /// <summary>An admin and an API token, made with <c>wenku admin create-user</c> and <c>create-token</c>.</summary>
    internal static async Task<string> CreateAdminAsync(string wenkuDll, string data, Dictionary<string, string> environment)
    {
        await Commands.CheckAsync("dotnet", [wenkuDll, "admin", "create-user", "--data", data, "--email", Email, "--password", Password, "--role", "admin"], environment);
        return (await Commands.CheckAsync("dotnet", [wenkuDll, "admin", "create-token", "--data", data, "--email", Email], environment)).StdOut.Trim();
    }

    /// <summary>The process environment: production, no demo documents, <paramref name="settings"/> as <c>Wenku__…</c> variables.</summary>
    internal static Dictionary<string, string> SiteEnvironment(string data, IReadOnlyDictionary<string, string?> settings)
    {
        var environment = new Dictionary<string, string>
        {
            ["Wenku__Demo"] = "false",
            ["Wenku__DataDir"] = data,
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["DOTNET_ENVIRONMENT"] = "Production",
        };
        foreach (var (key, value) in settings)
            if (value is not null) environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        return environment;
    }

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
