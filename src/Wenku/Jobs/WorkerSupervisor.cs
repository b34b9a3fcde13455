using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Options;

namespace Wenku.Jobs;

/// <summary>
/// On the embedded default, <c>serve</c> runs its conversion workers as child processes (<c>wenku worker</c>), so a
/// hostile file can crash or hang a worker, never the site. A worker that exits is started again.
/// </summary>
public sealed partial class WorkerSupervisor(IOptions<WenkuOptions> options, IConfiguration config, TimeProvider time, ILogger<WorkerSupervisor> log, ILoggerFactory loggers)
    : BackgroundService
{
    private readonly WorkerLogRelay _relay = new(loggers);
    private readonly List<Process> _running = [];
    private volatile bool _stopping;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var count = options.Value.Workers;
        if (count == 0) return;
        var loops = Enumerable.Range(1, count).Select(i => SuperviseAsync(i, stoppingToken)).ToList();
        await Task.WhenAll(loops);
    }

    private async Task SuperviseAsync(int slot, CancellationToken ct)
    {
        var delay = TimeSpan.FromSeconds(1);
        while (!ct.IsCancellationRequested && !_stopping)
        {
            var started = time.GetUtcNow();
            Process process;
            try
            {
                process = Process.Start(StartInfo())!;
            }
            catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
            {
                log.LogError(e, "Could not start worker {Slot}", slot);
                await Task.Delay(TimeSpan.FromSeconds(10), ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                continue;
            }
            lock (_running) _running.Add(process);
            log.LogInformation("Worker {Slot} started as process {Pid}", slot, process.Id);
            // The worker writes each log event as a JSON line (see WorkerHost); each is logged again here with its
            // level, category, properties and scopes, so a job's failure reaches the site's log as the event it was.
            var pid = process.Id;
            process.OutputDataReceived += (_, e) => { if (e.Data is not null) _relay.Relay(slot, pid, e.Data, stderr: false); };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) _relay.Relay(slot, pid, e.Data, stderr: true); };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            try
            {
                await process.WaitForExitAsync(ct);
                if (_stopping) return;
                log.LogWarning("Worker {Slot} (process {Pid}) exited with code {Code}; starting another", slot, process.Id, process.ExitCode);
            }
            catch (OperationCanceledException)
            {
                Stop(process);
            }
            finally
            {
                lock (_running) _running.Remove(process);
                RemoveWorkFolders(process.Id);
                process.Dispose();
            }
            // A worker that dies at once again and again gets a growing pause, up to a minute.
            delay = time.GetUtcNow() - started > TimeSpan.FromMinutes(1) ? TimeSpan.FromSeconds(1) : TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromMinutes(1).Ticks));
            await Task.Delay(delay, ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private ProcessStartInfo StartInfo()
    {
        var (program, prefix) = SelfCommand();
        var psi = new ProcessStartInfo(program)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in prefix) psi.ArgumentList.Add(a);
        psi.ArgumentList.Add("worker");
        psi.ArgumentList.Add("--data");
        psi.ArgumentList.Add(Path.GetFullPath(options.Value.DataDir));
        psi.ArgumentList.Add("--parent-pid");
        psi.ArgumentList.Add(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        // The worker gets the site's whole Wenku configuration, whichever source it came from.
        foreach (var (key, value) in config.GetSection(WenkuOptions.Section).AsEnumerable())
            if (value is not null) psi.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        psi.WorkingDirectory = AppContext.BaseDirectory;
        return psi;
    }

    /// <summary>
    /// How to start this program again: with the <c>dotnet</c> host that runs us (or that <c>dotnet test</c>/<c>run</c>
    /// names), which works wherever .NET is installed; else with the apphost <c>wenku</c> next to the program.
    /// </summary>
    public static (string Program, string[] Prefix) SelfCommand()
    {
        var dll = typeof(WorkerSupervisor).Assembly.Location;
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host) return (host, [dll]);
        if (Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet") return (self, [dll]);
        var apphost = Path.Combine(Path.GetDirectoryName(dll)!, Path.GetFileNameWithoutExtension(dll));
        return File.Exists(apphost) ? (apphost, []) : ("dotnet", [dll]);
    }

    /// <summary>The level of a line of text from the simple console logger: <c>fail: …</c>, <c>warn: …</c>, <c>info: …</c>.</summary>
    public static LogLevel LevelOf(string line) =>
        line.Length < 5 || line[4] != ':' ? LogLevel.Information : line[..4] switch
        {
            "crit" => LogLevel.Critical,
            "fail" => LogLevel.Error,
            "warn" => LogLevel.Warning,
            "dbug" or "trce" => LogLevel.Debug,
            _ => LogLevel.Information,
        };

    /// <summary>Asks a worker to stop (SIGTERM: it gives its job back), and kills it if it has not within a few seconds.</summary>
    private static void Stop(Process process)
    {
        try
        {
            if (process.HasExited) return;
            _ = kill(process.Id, SigTerm);
            if (!process.WaitForExit(TimeSpan.FromSeconds(8))) process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException) { }
    }

    /// <summary>A worker that died mid-job (a crash, the memory limit) leaves its work folder; it is no one's now.</summary>
    private void RemoveWorkFolders(int pid)
    {
        try { WorkFolders.RemoveOf(options.Value.TempDir, pid); }
        catch (IOException e) { log.LogWarning(e, "Could not remove the work folders of worker process {Pid}", pid); }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
        List<Process> running;
        lock (_running) running = [.. _running];
        // Stop the workers before the supervising loops notice and restart them.
        await Task.WhenAll(running.Select(p => Task.Run(() => Stop(p), CancellationToken.None)));
        await base.StopAsync(cancellationToken);
    }

    private const int SigTerm = 15;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int signal);

}
