using System.Diagnostics;
using System.Text;

namespace Wenku.Conversion;

/// <summary>What a converter process did.</summary>
public sealed record ProcessOutcome(int ExitCode, string StdOut, string StdErr, bool TimedOut, bool OutputTruncated, TimeSpan Elapsed)
{
    /// <summary>Killed by a signal (crash, memory limit): the shell convention is 128 + signal.</summary>
    public bool Crashed => ExitCode is >= 128 or < 0;

    public string FirstErrorLine =>
        StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "";
}

/// <summary>
/// Runs an external converter (poppler, later LibreOffice and tesseract) as a child process under
/// <c>prlimit</c> with an address-space and CPU limit, a wall-time limit, and bounded captured output.
/// The process is killed on timeout or cancellation.
/// </summary>
public static class LimitedProcess
{
    public static async Task<ProcessOutcome> RunAsync(
        string program, IEnumerable<string> args, TimeSpan timeout, long memoryBytes,
        int maxStdOutChars, CancellationToken ct, string? workDir = null)
    {
        var psi = new ProcessStartInfo("prlimit")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            WorkingDirectory = workDir ?? Environment.CurrentDirectory,
        };
        psi.ArgumentList.Add($"--as={memoryBytes}");
        psi.ArgumentList.Add($"--cpu={(int)Math.Ceiling(timeout.TotalSeconds) + 1}");
        psi.ArgumentList.Add("--core=0");
        psi.ArgumentList.Add("--");
        psi.ArgumentList.Add(program);
        foreach (var a in args) psi.ArgumentList.Add(a);

        var sw = Stopwatch.StartNew();
        using var process = new Process { StartInfo = psi };
        process.Start();
        process.StandardInput.Close();

        var stdout = ReadBoundedAsync(process.StandardOutput, maxStdOutChars);
        var stderr = ReadTailAsync(process.StandardError, 8192);

        using var timeoutCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeoutCts.CancelAfter(timeout);
        var timedOut = false;
        try
        {
            await process.WaitForExitAsync(timeoutCts.Token);
        }
        catch (OperationCanceledException)
        {
            timedOut = !ct.IsCancellationRequested;
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            await process.WaitForExitAsync(CancellationToken.None);
            if (!timedOut) throw;
        }
        var (outText, outTruncated) = await stdout;
        var errText = await stderr;
        return new ProcessOutcome(process.ExitCode, outText, errText, timedOut, outTruncated, sw.Elapsed);
    }

    /// <summary>
    /// Reads all of a stream but keeps only its last <paramref name="max"/> characters, from a line start: a converter
    /// that floods its errors (a fuzzed file yields thousands of lines) ends with the one that says why it gave up.
    /// </summary>
    private static async Task<string> ReadTailAsync(StreamReader reader, int max)
    {
        var sb = new StringBuilder();
        var buffer = new char[8192];
        var dropped = false;
        int n;
        while ((n = await reader.ReadAsync(buffer)) > 0)
        {
            sb.Append(buffer, 0, n);
            if (sb.Length > 2 * max)
            {
                sb.Remove(0, sb.Length - max);
                dropped = true;
            }
        }
        if (sb.Length > max)
        {
            sb.Remove(0, sb.Length - max);
            dropped = true;
        }
        var text = sb.ToString();
        var firstBreak = text.IndexOf('\n', StringComparison.Ordinal);
        return dropped && firstBreak >= 0 ? text[(firstBreak + 1)..] : text;
    }

    /// <summary>Reads all of a stream but keeps at most <paramref name="max"/> characters, so a flood cannot exhaust memory.</summary>
    private static async Task<(string, bool)> ReadBoundedAsync(StreamReader reader, int max)
    {
        var sb = new StringBuilder();
        var buffer = new char[8192];
        var truncated = false;
        int n;
        while ((n = await reader.ReadAsync(buffer)) > 0)
        {
            var take = Math.Min(n, max - sb.Length);
            if (take > 0) sb.Append(buffer, 0, take);
            if (take < n) truncated = true;
        }
        return (sb.ToString(), truncated);
    }
}
