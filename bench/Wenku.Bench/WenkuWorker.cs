using System.Diagnostics;

namespace Wenku.Bench;

/// <summary>
/// A <c>wenku worker</c> process of its own, as on a worker machine: no site started it, it shares only the database
/// and the object store given in its settings, and its data folder holds nothing but its scratch files.
/// </summary>
public sealed class WenkuWorker : IAsyncDisposable
{
    private readonly Process _process;
    public int Pid => _process.Id;
    public string LogPath { get; }

    private WenkuWorker(Process process, string logPath) => (_process, LogPath) = (process, logPath);

    public static async Task<WenkuWorker> StartAsync(string wenkuDll, string workDir, string name, IReadOnlyDictionary<string, string?> settings)
    {
        var data = Path.Combine(workDir, name + "-data");
        Directory.CreateDirectory(data);
        var log = Path.Combine(workDir, name + ".log");
        var process = await WenkuSite.StartLoggedAsync(wenkuDll, workDir, ["worker", "--data", data], WenkuSite.SiteEnvironment(data, settings), log);
        return new WenkuWorker(process, log);
    }

    public async ValueTask DisposeAsync()
    {
        await Commands.StopTreeAsync(_process, TimeSpan.FromSeconds(15));
        _process.Dispose();
    }
}
