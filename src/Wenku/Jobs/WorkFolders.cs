using System.Diagnostics;

namespace Wenku.Jobs;

/// <summary>
/// Each job converts in a folder of its own under <c>{temp}/work</c>, named after the worker process
/// (<c>w{pid}-…</c>), so that what a dead worker left behind can be told from what a live one is using.
/// </summary>
public static class WorkFolders
{
    public static string NewFor(string tempDir, long documentId) =>
        Path.Combine(tempDir, "work", $"w{Environment.ProcessId}-doc{documentId}-{Guid.NewGuid():N}");

    /// <summary>Removes the folders of one worker process (it has exited, or is exiting); returns how many.</summary>
    public static int RemoveOf(string tempDir, int pid) => Remove(tempDir, p => p == pid);

    /// <summary>Removes the folders of every worker process that no longer runs; returns how many.</summary>
    public static int RemoveOfDeadWorkers(string tempDir) => Remove(tempDir, pid => !IsRunning(pid));

    private static int Remove(string tempDir, Func<int, bool> whose)
    {
        var work = Path.Combine(tempDir, "work");
        if (!Directory.Exists(work)) return 0;
        var removed = 0;
        foreach (var dir in Directory.EnumerateDirectories(work, "w*-*"))
        {
            if (!int.TryParse(Path.GetFileName(dir)[1..].Split('-')[0], out var pid) || !whose(pid)) continue;
            try
            {
                Directory.Delete(dir, recursive: true);
                removed++;
            }
            catch (DirectoryNotFoundException) { }
        }
        return removed;
    }

    /// <summary>
    /// Whether a process runs. A killed process whose parent died too can linger as a zombie when nothing reaps it
    /// (a container's init often does not): it is dead, though the process table still lists it.
    /// </summary>
    public static bool IsRunning(int pid)
    {
        var stat = $"/proc/{pid}/stat";
        if (Directory.Exists("/proc"))
        {
            try
            {
                var text = File.ReadAllText(stat);
                var state = text[(text.LastIndexOf(')') + 2)..].TrimStart()[0];
                return state is not ('Z' or 'X' or 'x');
            }
            catch (IOException) { return false; }
        }
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException) { return false; }
    }
}
