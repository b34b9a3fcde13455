using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Wenku.Storage;

namespace Wenku.Tests.Infrastructure;

/// <summary>
/// A PostgreSQL cluster and an s3rver of a test's own, on free ports of their own, that the test may stop and start
/// again — never the shared ones (<see cref="ScaleOutServices"/>) other tests use. PostgreSQL is made with
/// <c>initdb</c> and run with <c>pg_ctl</c> (as Debian's <c>postgres</c> user when run as root, as
/// <c>scripts/services.sh</c> does); s3rver is the one <c>scripts/services.sh</c> installs into
/// <c>.artifacts/services/node</c> (installed there the same way if missing).
/// </summary>
public sealed class PrivateScaleOutStack : IDisposable
{
    private const string S3rverVersion = "3.7.1";
    private readonly string _pgDir;
    private readonly string _s3Dir;
    private readonly string _pgBin;
    private readonly string _s3rver;
    private Process? _s3;

    public int PostgresPort { get; } = FreePort();
    public int S3Port { get; } = FreePort();
    public string Postgres => $"Host=127.0.0.1;Port={PostgresPort};Username=wenku;Password=wenku;Database=wenku_faults;Timeout=5";
    public S3StorageOptions S3 => new()
    {
        ServiceUrl = $"http://127.0.0.1:{S3Port}", Bucket = "faults", AccessKey = "S3RVER", SecretKey = "S3RVER", ForcePathStyle = true,
    };

    public PrivateScaleOutStack()
    {
        _pgBin = Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin"))
            .Where(d => File.Exists(Path.Combine(d, "initdb"))).OrderBy(d => d, StringComparer.Ordinal).LastOrDefault()
            ?? throw new InvalidOperationException("PostgreSQL is not installed (scripts/services.sh start installs it).");
        // Under /var/tmp: the postgres user must reach it, which a folder under /root is not.
        _pgDir = Path.Combine("/var/tmp", $"wenku-faults-pg-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_pgDir);
        _s3Dir = TestPaths.NewTempDir("faults-s3");
        _s3rver = S3rver();
        var pw = Path.Combine(_pgDir, "pwfile");
        File.WriteAllText(pw, "wenku\n");
        if (IsRoot) Run("chown", "-R", "postgres:", _pgDir);
        AsPostgres(Path.Combine(_pgBin, "initdb"), "-D", Path.Combine(_pgDir, "data"), "-U", "wenku", $"--pwfile={pw}",
            "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8");
        StartPostgres();
        StartS3();
        ScaleOutServices.CreateBucketAsync(S3).GetAwaiter().GetResult();
    }

    public void StartPostgres() => AsPostgres(Path.Combine(_pgBin, "pg_ctl"), "-D", Path.Combine(_pgDir, "data"), "-l", Path.Combine(_pgDir, "postgres.log"),
        "-w", "-t", "60", "-o", $"-c listen_addresses=127.0.0.1 -p {PostgresPort} -k {_pgDir} -c fsync=off -c synchronous_commit=off", "start");

    /// <summary>Stops PostgreSQL at once (<c>-m fast</c>: open connections are cut, as when its machine goes away).</summary>
    public void StopPostgres() => AsPostgres(Path.Combine(_pgBin, "pg_ctl"), "-D", Path.Combine(_pgDir, "data"), "-m", "fast", "-w", "stop");

    public void StartS3()
    {
        var psi = new ProcessStartInfo(_s3rver) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-d", _s3Dir, "-a", "127.0.0.1", "-p", S3Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--silent" })
            psi.ArgumentList.Add(a);
        psi.Environment["NODE_OPTIONS"] = "--openssl-legacy-provider";
        _s3 = Process.Start(psi)!;
        _s3.OutputDataReceived += (_, _) => { };
        _s3.ErrorDataReceived += (_, _) => { };
        _s3.BeginOutputReadLine();
        _s3.BeginErrorReadLine();
        for (var i = 0; i < 300; i++)
        {
            if (Listening(S3Port)) return;
            if (_s3.HasExited) throw new InvalidOperationException($"s3rver exited with {_s3.ExitCode}");
            Thread.Sleep(100);
        }
        throw new InvalidOperationException("s3rver did not start listening");
    }

    public void StopS3()
    {
        if (_s3 is null) return;
        if (!_s3.HasExited)
        {
            _s3.Kill(entireProcessTree: true);
            _s3.WaitForExit(10_000);
        }
        _s3.Dispose();
        _s3 = null;
    }

    public void Dispose()
    {
        StopS3();
        try { StopPostgres(); } catch (InvalidOperationException) { }
        TestPaths.TryDelete(_pgDir);
        TestPaths.TryDelete(_s3Dir);
    }

    private static bool IsRoot => Environment.UserName == "root";

    private void AsPostgres(string program, params string[] args)
    {
        if (IsRoot) Run("runuser", ["-u", "postgres", "--", program, .. args], workingDirectory: "/");
        else Run(program, args);
    }

    private static string S3rver()
    {
        var node = Path.Combine(RepositoryRoot(), ".artifacts", "services", "node");
        var bin = Path.Combine(node, "node_modules", ".bin", "s3rver");
        if (!File.Exists(bin))
        {
            Directory.CreateDirectory(node);
            Run("npm", "install", "--prefix", node, "--no-audit", "--no-fund", "--silent", $"s3rver@{S3rverVersion}");
        }
        return bin;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Wenku.slnx"))) return dir.FullName;
        throw new InvalidOperationException("The repository (Wenku.slnx) is not above " + AppContext.BaseDirectory);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static bool Listening(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static void Run(string program, params string[] args) => Run(program, args, null);

    private static void Run(string program, string[] args, string? workingDirectory)
    {
        var psi = new ProcessStartInfo(program) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        if (workingDirectory is not null) psi.WorkingDirectory = workingDirectory;
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(TimeSpan.FromMinutes(5))) { p.Kill(entireProcessTree: true); throw new InvalidOperationException($"{program} did not finish"); }
        if (p.ExitCode != 0) throw new InvalidOperationException($"{program} {string.Join(' ', args)} failed ({p.ExitCode}): {stdout} {stderr.Result}");
    }
}
