using System.Globalization;
using System.Text.RegularExpressions;

namespace Wenku.Bench;

/// <summary>What one <c>wrk --latency</c> run measured.</summary>
public sealed record WrkResult(
    double RequestsPerSecond, double P50Ms, double P90Ms, double P99Ms, double P999Ms, double ShareOver150Ms,
    long Requests, long Non2xx, long SocketErrors, string Raw)
{
    public string Errors => Non2xx + SocketErrors == 0 ? "" : $" ({Non2xx} non-2xx, {SocketErrors} socket errors)";
}

/// <summary>Drives <c>wrk</c> against loopback addresses only, and reads its report.</summary>
public static partial class Wrk
{
    /// <summary>
    /// wrk's report stops at p99; this adds p99.9 and the share of requests that took 150 ms or more (the pause
    /// Microsoft.Data.Sqlite sleeps when the database is locked), in microseconds, from wrk's full histogram.
    /// </summary>
    private const string TailScript = """
        done = function(summary, latency, requests)
          io.write(string.format("p99.9 %d\n", latency:percentile(99.9)))
          local share = 0
          for i = 0, 1000 do
            if latency:percentile(i / 10) >= 150000 then share = 100 - i / 10; break end
          end
          io.write(string.format("share>=150ms %.1f\n", share))
        end
        """;

    /// <param name="requestScript">Lua that chooses each request's path (e.g. a random document), or null for <paramref name="url"/> alone.</param>
    public static async Task<WrkResult> RunAsync(Uri url, int threads, int connections, int seconds, string workDir, string? requestScript = null)
    {
        if (!url.IsLoopback) throw new ArgumentException($"load only goes to loopback addresses, not {url}");
        var script = Path.Combine(workDir, requestScript is null ? "tail.lua" : "request.lua");
        await File.WriteAllTextAsync(script, requestScript is null ? TailScript : requestScript + "\n" + TailScript);
        var result = await Commands.CheckAsync("wrk",
            ["-t", N(threads), "-c", N(connections), "-d", N(seconds) + "s", "--timeout", "10s", "--latency", "-s", script, url.AbsoluteUri],
            timeout: TimeSpan.FromSeconds(seconds + 60));
        return Parse(result.StdOut);
    }

    public static WrkResult Parse(string output)
    {
        double Latency(string percentile)
        {
            var m = Regex.Match(output, $@"^\s*{percentile}%\s+([\d.]+)(us|ms|s)\s*$", RegexOptions.Multiline);
            if (!m.Success) throw new FormatException($"no {percentile}% latency in wrk output:\n{output}");
            var value = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            return m.Groups[2].Value switch { "us" => value / 1000, "ms" => value, _ => value * 1000 };
        }
        var rps = RequestsPerSec().Match(output);
        if (!rps.Success) throw new FormatException($"no Requests/sec in wrk output:\n{output}");
        var total = TotalRequests().Match(output);
        var non2xx = Non2xx().Match(output);
        var socket = SocketErrors().Match(output);
        long socketErrors = socket.Success ? socket.Groups.Values.Skip(1).Sum(g => long.Parse(g.Value, CultureInfo.InvariantCulture)) : 0;
        var p999 = P999().Match(output);
        var share = Share150().Match(output);
        return new WrkResult(
            double.Parse(rps.Groups[1].Value, CultureInfo.InvariantCulture),
            Latency("50"), Latency("90"), Latency("99"),
            p999.Success ? double.Parse(p999.Groups[1].Value, CultureInfo.InvariantCulture) / 1000 : double.NaN,
            share.Success ? double.Parse(share.Groups[1].Value, CultureInfo.InvariantCulture) : double.NaN,
            total.Success ? long.Parse(total.Groups[1].Value, CultureInfo.InvariantCulture) : 0,
            non2xx.Success ? long.Parse(non2xx.Groups[1].Value, CultureInfo.InvariantCulture) : 0,
            socketErrors, output);
    }

    private static string N(int n) => n.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^p99\.9 (\d+)", RegexOptions.Multiline)]
    private static partial Regex P999();

    [GeneratedRegex(@"^share>=150ms ([\d.]+)", RegexOptions.Multiline)]
    private static partial Regex Share150();

    [GeneratedRegex(@"^Requests/sec:\s+([\d.]+)", RegexOptions.Multiline)]
    private static partial Regex RequestsPerSec();

    [GeneratedRegex(@"^\s*(\d+) requests in", RegexOptions.Multiline)]
    private static partial Regex TotalRequests();

    [GeneratedRegex(@"Non-2xx or 3xx responses:\s+(\d+)")]
    private static partial Regex Non2xx();

    [GeneratedRegex(@"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")]
    private static partial Regex SocketErrors();
}
