using System.Runtime.CompilerServices;

namespace Wenku.Storage;

/// <summary>The embedded default: files under <c>{data}/files</c>. Writes go to a temp name and are renamed into place.</summary>
public sealed class LocalFileStore(string root) : IFileStore
{
    private readonly string _root = Path.GetFullPath(root);

    public async Task PutFileAsync(string key, string localPath, CancellationToken ct)
    {
        var target = PathFor(key);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        try
        {
            File.Move(localPath, target, overwrite: true);
        }
        catch (IOException)
        {
            // Another file system: copy, then rename into place.
            await using (var source = File.OpenRead(localPath))
                await PutAsync(key, source, ct);
            File.Delete(localPath);
        }
    }

    public async Task PutAsync(string key, Stream content, CancellationToken ct)
    {
        var target = PathFor(key);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var temp = target + "." + Guid.NewGuid().ToString("N") + ".part";
        try
        {
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true))
                await content.CopyToAsync(file, ct);
            File.Move(temp, target, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    public Task<Stream?> OpenReadAsync(string key, CancellationToken ct)
    {
        var path = PathFor(key);
        if (!File.Exists(path)) return Task.FromResult<Stream?>(null);
        try
        {
            return Task.FromResult<Stream?>(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 81920, useAsync: true));
        }
        catch (FileNotFoundException)
        {
            return Task.FromResult<Stream?>(null);
        }
    }

    public Task<bool> ExistsAsync(string key, CancellationToken ct) => Task.FromResult(File.Exists(PathFor(key)));

    public Task DeleteAsync(string key, CancellationToken ct)
    {
        var path = PathFor(key);
        if (File.Exists(path)) File.Delete(path);
        return Task.CompletedTask;
    }

    public async IAsyncEnumerable<StoredFile> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken ct)
    {
        var dir = prefix.Length == 0 ? _root : Path.GetDirectoryName(PathFor(prefix.TrimEnd('/') + "/x"))!;
        if (!Directory.Exists(dir)) yield break;
        foreach (var file in Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories))
        {
            ct.ThrowIfCancellationRequested();
            var key = Path.GetRelativePath(_root, file).Replace('\\', '/');
            // Writes in progress (*.part) and the health probe are not stored files.
            if (key.EndsWith(".part", StringComparison.Ordinal) || !StorageKeys.IsValid(key)) continue;
            if (key.StartsWith(prefix, StringComparison.Ordinal))
            {
                // Removed since it was listed (a worker cleaning up beside a delete): gone, not an error. FileInfo
                // reads the file's state once, so Exists and Length agree.
                var info = new FileInfo(file);
                if (!info.Exists) continue;
                yield return new StoredFile(key, info.LastWriteTimeUtc, info.Length);
            }
        }
        await Task.CompletedTask;
    }

    public async Task<bool> IsWritableAsync(CancellationToken ct)
    {
        try
        {
            Directory.CreateDirectory(_root);
            var probe = Path.Combine(_root, $".probe-{Guid.NewGuid():N}");
            await File.WriteAllTextAsync(probe, "ok", ct);
            File.Delete(probe);
            return true;
        }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
    }

    private string PathFor(string key)
    {
        StorageKeys.Validate(key);
        var full = Path.GetFullPath(Path.Combine(_root, key));
        if (!full.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new ArgumentException($"Storage key escapes the store: {key}", nameof(key));
        return full;
    }
}
