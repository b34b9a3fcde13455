using System.Diagnostics;

namespace Wenku.Bench;

/// <summary>What a finished command printed and how long it took.</summary>
public sealed record CommandResult(int ExitCode, string StdOut, string StdErr, TimeSpan Elapsed);

/// <summary>Runs the external tools the benchmarks compare against or drive (poppler, wrk, nginx, the wenku CLI).</summary>
public static partial class Commands
{
    private const int SigTerm = 15;

    [System.Runtime.InteropServices.LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int signal);

    public static async Task<CommandResult> RunAsync(string program, IEnumerable<string> args,
        IDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        var psi = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) psi.Environment[key] = value;

        var sw = Stopwatch.StartNew();
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {program}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(5));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', psi.ArgumentList)} took longer than {timeout}");
        }
        sw.Stop();
        return new CommandResult(process.ExitCode, await stdout, await stderr, sw.Elapsed);
    }

    /// <summary>Runs a command that must succeed; throws with its error output otherwise.</summary>
    public static async Task<CommandResult> CheckAsync(string program, IEnumerable<string> args,
        IDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        var result = await RunAsync(program, args, environment, timeout);
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"{program} exited with {result.ExitCode}: {result.StdErr.Trim()} {result.StdOut.Trim()}");
        return result;
    }

    /// <summary>The full path of a program on PATH, or in the sbin folders a non-root PATH often lacks.</summary>
    public static string Find(string program)
    {
        var dirs = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/sbin", "/sbin", "/usr/local/sbin"]);
        return dirs.Select(d => Path.Combine(d, program)).FirstOrDefault(File.Exists)
            ?? throw new FileNotFoundException($"{program} is not installed (scripts/setup.sh installs it).");
    }

    /// <summary>Sends SIGTERM (a clean stop), then kills the process tree if it is still there after <paramref name="grace"/>.</summary>
    public static async Task StopAsync(Process process, TimeSpan grace)
    {
        if (process.HasExited) return;
        _ = kill(process.Id, SigTerm);
        using var cts = new CancellationTokenSource(grace);
        try { await process.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException)
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            await process.WaitForExitAsync(CancellationToken.None);
        }
    }

    /// <summary>
    /// Stops <paramref name="process"/> like <see cref="StopAsync(Process, TimeSpan)"/>, then any of its children that
    /// outlived it (a site's conversion worker otherwise lingers until it notices its parent is gone).
    /// </summary>
    public static async Task StopTreeAsync(Process process, TimeSpan grace)
    {
        var children = process.HasExited ? [] : Descendants(process.Id);
        await StopAsync(process, grace);
        foreach (var pid in children)
        {
            Process child;
            try { child = Process.GetProcessById(pid); }
            catch (ArgumentException) { continue; } // already gone
            using (child) await StopAsync(child, TimeSpan.FromSeconds(5));
        }
    }

    /// <summary>Pids of a process's children and their children, from <c>/proc</c>.</summary>
    public static List<int> Descendants(int pid)
    {
        var parents = new Dictionary<int, List<int>>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var id)) continue;
            string stat;
            try { stat = File.ReadAllText(Path.Combine(dir, "stat")); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { continue; }
            // "pid (comm) state ppid …": comm may hold spaces and parentheses, so read after the last ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            if (fields.Length > 1 && int.TryParse(fields[1], out var parent))
                (parents.TryGetValue(parent, out var list) ? list : parents[parent] = []).Add(id);
        }
        var result = new List<int>();
        var queue = new Queue<int>([pid]);
        while (queue.TryDequeue(out var next))
            foreach (var child in parents.GetValueOrDefault(next) ?? [])
            {
                result.Add(child);
                queue.Enqueue(child);
            }
        return result;
    }

    /// <summary>The first process whose command line (arguments joined by spaces) contains every one of <paramref name="parts"/>.</summary>
    public static int? FindProcess(params string[] parts)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var id)) continue;
            string commandLine;
            try { commandLine = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' '); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { continue; }
            if (parts.All(p => commandLine.Contains(p, StringComparison.Ordinal))) return id;
        }
        return null;
    }

    /// <summary>A free TCP port on the loopback address.</summary>
    public static int FreeLoopbackPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
