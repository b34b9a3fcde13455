namespace Wenku.Bench;

/// <summary>CPU time from <c>/proc/&lt;pid&gt;/stat</c>, in seconds (user + system, own and of reaped children).</summary>
public static class ProcessCpu
{
    // USER_HZ: 100 on every Linux architecture .NET runs on.
    private const double TicksPerSecond = 100;

    /// <summary>CPU of a process and of the children it has waited for; 0 when it is gone.</summary>
    public static double Seconds(int pid) => Fields(pid) is { } f ? (f[11] + f[12] + f[13] + f[14]) / TicksPerSecond : 0;

    /// <summary>CPU of this process's children that have exited and been reaped (the bare poppler runs).</summary>
    public static double ReapedChildrenSeconds() => Fields(Environment.ProcessId) is { } f ? (f[13] + f[14]) / TicksPerSecond : 0;

    /// <summary>
    /// CPU of every process whose command is <paramref name="command"/> and whose command line contains
    /// <paramref name="argument"/> (PostgreSQL's backends name their database there), with the children they reaped.
    /// </summary>
    public static double SecondsOfAll(string command, string argument)
    {
        double total = 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                if (File.ReadAllText(Path.Combine(dir, "comm")).Trim() != command) continue;
                if (!File.ReadAllText(Path.Combine(dir, "cmdline")).Contains(argument, StringComparison.Ordinal)) continue;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { continue; }
            total += Seconds(pid);
        }
        return total;
    }

    /// <summary>The numeric fields after the command name: index 0 is field 3 (state, read as 0) of proc(5).</summary>
    private static long[]? Fields(int pid)
    {
        string stat;
        try { stat = File.ReadAllText($"/proc/{pid}/stat"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
        return stat[(stat.LastIndexOf(')') + 2)..].Split(' ')
            .Select(x => long.TryParse(x, out var n) ? n : 0).ToArray();
    }
}
