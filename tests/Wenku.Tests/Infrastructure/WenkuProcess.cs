using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Wenku.Jobs;

namespace Wenku.Tests.Infrastructure;

/// <summary>The real <c>wenku</c> program as a separate process, for tests that must kill it.</summary>
public sealed class WenkuProcess : IDisposable
{
    private readonly Process _process;
    private readonly Uri? _baseAddress;
    public Uri BaseAddress => _baseAddress ?? throw new InvalidOperationException("a worker has no address");
    public int Pid => _process.Id;

    private WenkuProcess(Process process, Uri? baseAddress) => (_process, _baseAddress) = (process, baseAddress);

    /// <summary>A <c>wenku worker</c> of its own, as on another machine: no site started it, none watches it.</summary>
    public static WenkuProcess StartWorker(string dataDir, IDictionary<string, string>? env = null)
    {
        var process = Process.Start(Command(["worker", "--data", dataDir], env))!;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new WenkuProcess(process, null);
    }

    /// <param name="port">The port to listen on (a restart on the same address, or a site that must know its address in
    /// advance); a free one when not given.</param>
    public static async Task<WenkuProcess> StartServeAsync(string dataDir, IDictionary<string, string>? env = null, int? port = null)
    {
        port ??= FreePort();
        var url = new Uri($"http://127.0.0.1:{port}");
        var psi = Command(["serve", "--data", dataDir, "--urls", url.ToString().TrimEnd('/')], env);
        var process = Process.Start(psi)!;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var result = new WenkuProcess(process, url);
        using var http = new HttpClient { BaseAddress = url };
        var until = DateTime.UtcNow.AddSeconds(120); // generous: CI machines may be loaded
        while (true)
        {
            if (process.HasExited) throw new InvalidOperationException($"wenku serve exited with {process.ExitCode}");
            try
            {
                if ((await http.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK) return result;
            }
            catch (HttpRequestException) { }
            if (DateTime.UtcNow > until) throw new TimeoutException("wenku serve did not become ready");
            await Task.Delay(200);
        }
    }

    /// <summary>Runs a one-shot command (e.g. <c>admin create-token</c>) and returns what it printed.</summary>
    public static Task<string> RunAsync(params string[] args) => RunAsync(null, args);

    /// <summary>Runs a one-shot command with settings in the environment (<c>Wenku__Database__Provider</c>, …).</summary>
    public static async Task<string> RunAsync(IDictionary<string, string>? env, params string[] args)
    {
        var psi = Command(args, env);
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        if (process.ExitCode != 0) throw new InvalidOperationException($"wenku {string.Join(' ', args)} failed: {await stderr}");
        return (await stdout).Trim();
    }

    /// <summary>Runs a command to its end, whatever its exit code: (exit code, standard output, standard error).</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunToEndAsync(string workingDirectory, params string[] args)
    {
        var psi = Command(args, null);
        psi.WorkingDirectory = workingDirectory;
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"wenku {string.Join(' ', args)} did not exit (did it start a site?)");
        }
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>kill -9 of the site and every worker it started.</summary>
    public void KillHard()
    {
        try { _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        _process.WaitForExit(10_000);
    }

    public void Dispose()
    {
        KillHard();
        _process.Dispose();
    }

    /// <summary>How the tests start the real program: this build, no demo data, Production, the given settings.</summary>
    internal static ProcessStartInfo Command(string[] args, IDictionary<string, string>? env)
    {
        var (program, prefix) = WorkerSupervisor.SelfCommand();
        var psi = new ProcessStartInfo(program)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        foreach (var a in prefix.Concat(args)) psi.ArgumentList.Add(a);
        psi.Environment["Wenku__Demo"] = "false";
        psi.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        return psi;
    }

    /// <summary>A port on 127.0.0.1 that is free now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
