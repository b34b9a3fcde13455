using System.Diagnostics;

namespace Wenku.Tests.Infrastructure;

/// <summary>
/// A small real filesystem of its own for full-disk tests: an ext4 image mounted through a loop device, or, where
/// loop devices are not allowed, a tmpfs with a size limit. Both need root; without it the tests say so and skip.
/// </summary>
public sealed class SmallDisk : IDisposable
{
    private static readonly Lazy<string?> WhyNot = new(Probe);

    public string Path { get; }
    public string Kind { get; }
    private readonly string? _image;
    private readonly string _filler;

    private SmallDisk(string path, string kind, string? image)
    {
        Path = path;
        Kind = kind;
        _image = image;
        _filler = System.IO.Path.Combine(path, "filler.bin");
    }

    /// <summary>Why no small disk can be mounted here, or null when one can.</summary>
    public static string? Unavailable => WhyNot.Value;

    public static SmallDisk Mount(int megabytes)
    {
        var dir = TestPaths.NewTempDir("disk");
        var image = dir + ".img";
        using (var file = File.Create(image)) file.SetLength(megabytes * 1024L * 1024);
        // -m 0: no blocks reserved for root (the tests run as root, who could otherwise write past "full").
        if (Run("mkfs.ext4", "-q", "-F", "-m", "0", image) == 0 && Run("mount", "-o", "loop", image, dir) == 0)
            return new SmallDisk(dir, "ext4 on a loop device", image);
        File.Delete(image);
        if (Run("mount", "-t", "tmpfs", "-o", $"size={megabytes}m", "tmpfs", dir) == 0) return new SmallDisk(dir, "tmpfs", null);
        throw new InvalidOperationException("Neither a loop-mounted ext4 image nor a tmpfs could be mounted.");
    }

    public long FreeBytes => new DriveInfo(Path).AvailableFreeSpace;

    /// <summary>Fills the disk with a file of its own until at most <paramref name="leaveFree"/> bytes are free.</summary>
    public void FillLeaving(long leaveFree)
    {
        var chunk = new byte[1024 * 1024];
        using var file = new FileStream(_filler, FileMode.Append, FileAccess.Write);
        while (FreeBytes > leaveFree)
        {
            var n = (int)Math.Min(chunk.Length, Math.Max(4096, FreeBytes - leaveFree));
            try { file.Write(chunk, 0, n); file.Flush(flushToDisk: true); }
            catch (IOException) { break; } // full already
        }
    }

    /// <summary>Removes the filler: space is back.</summary>
    public void Free() => File.Delete(_filler);

    public void Dispose()
    {
        Run("umount", "-l", Path);
        if (_image is not null) File.Delete(_image);
        TestPaths.TryDelete(Path);
    }

    private static string? Probe()
    {
        if (!OperatingSystem.IsLinux()) return "Full-disk tests need Linux (mount).";
        if (Environment.UserName != "root") return "Full-disk tests need root to mount a small filesystem (loop-mounted ext4 or tmpfs); run as root to include them.";
        try
        {
            using var disk = Mount(8);
            return null;
        }
        catch (Exception e)
        {
            return "Full-disk tests skipped: " + e.Message;
        }
    }

    private static int Run(string program, params string[] args)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        try
        {
            using var p = Process.Start(psi)!;
            p.StandardOutput.ReadToEnd();
            p.StandardError.ReadToEnd();
            if (!p.WaitForExit(TimeSpan.FromSeconds(60))) { p.Kill(); return -1; }
            return p.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return -1; // the program is not installed
        }
    }
}

/// <summary>A test that needs a <see cref="SmallDisk"/>: skipped, with the reason shown, where none can be mounted.</summary>
public sealed class SmallDiskFactAttribute : FactAttribute
{
    public SmallDiskFactAttribute()
    {
        if (SmallDisk.Unavailable is { } why) Skip = why;
    }
}
