using Wenku.Jobs;

namespace Wenku.Storage;

/// <summary>
/// ASP.NET buffers large form files to disk while an upload arrives. Each <c>serve</c> process buffers into a folder
/// of its own, <c>{temp}/aspnet/p{pid}</c>, so that a start can remove what a killed process left there at once
/// (however young), without touching the files of another <c>serve</c> that shares the data folder and still runs.
/// </summary>
public static class FormBufferFolders
{
    /// <summary>This process's folder, emptied first: a process that had the same id before us is gone.</summary>
    public static string ForThisProcess(string tempDir)
    {
        var dir = Path.Combine(Path.GetFullPath(tempDir), "aspnet", $"p{Environment.ProcessId}");
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>Removes the folders of <c>serve</c> processes that no longer run; returns how many files went with them.</summary>
    public static int RemoveOfDeadProcesses(string tempDir)
    {
        var root = Path.Combine(tempDir, "aspnet");
        if (!Directory.Exists(root)) return 0;
        var removed = 0;
        foreach (var dir in Directory.EnumerateDirectories(root, "p*"))
        {
            if (!int.TryParse(Path.GetFileName(dir)[1..], out var pid) || pid == Environment.ProcessId || WorkFolders.IsRunning(pid)) continue;
            try
            {
                removed += Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Count();
                Directory.Delete(dir, recursive: true);
            }
            catch (DirectoryNotFoundException) { }
        }
        return removed;
    }
}
