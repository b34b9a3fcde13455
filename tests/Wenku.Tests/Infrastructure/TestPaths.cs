namespace Wenku.Tests.Infrastructure;

public static class TestPaths
{
    public static string NewTempDir(string what)
    {
        var dir = Path.Combine(Path.GetTempPath(), "wenku-tests", $"{what}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        return dir;
    }

    public static void TryDelete(string dir)
    {
        try { if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    /// <summary>The shared test material (<c>../shared</c> beside the repository), or null when it is not there.</summary>
    public static string? Shared(params string[] parts)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine([dir.FullName, "shared", .. parts]);
            if (File.Exists(candidate) || Directory.Exists(candidate)) return candidate;
            var sibling = Path.Combine([dir.FullName, "..", "shared", .. parts]);
            if (File.Exists(sibling) || Directory.Exists(sibling)) return Path.GetFullPath(sibling);
        }
        return null;
    }
}
