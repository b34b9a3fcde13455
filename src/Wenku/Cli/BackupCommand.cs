using System.CommandLine;
using System.Formats.Tar;
using System.Globalization;
using System.IO.Compression;
using System.Reflection;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Wenku.Data;
using Wenku.Documents;
using Wenku.Search;

namespace Wenku.Cli;

/// <summary>
/// <c>wenku admin backup --data DIR --to FILE</c> and <c>wenku admin restore --from FILE --data DIR</c>: one tar archive
/// (gzipped when FILE ends in <c>.gz</c> or <c>.tgz</c>) of an embedded install, taken while it runs: the database
/// (SQLite's online backup), the files that copy of the database names, and the keys that protect sign-in cookies;
/// <c>manifest.json</c>, written last, lists every entry with its size and SHA-256. The search index is not copied:
/// restore rebuilds it.
/// </summary>
public static class BackupCommand
{
    public const string ManifestName = "manifest.json";
    public const string DatabaseName = "wenku.db";
    public const string Format = "wenku-backup/1";

    public static Command Backup(Option<string?> data)
    {
        var to = new Option<FileInfo>("--to") { HelpName = "FILE", Required = true, Description = "The archive to write (.tar, or .tar.gz to compress)." };
        var command = new Command("backup",
            "Copy a running embedded install (database, files, sign-in keys) into one archive; the search index is rebuilt on restore.") { data, to };
        command.SetAction((p, ct) => BackupAsync(p.GetValue(data), p.GetValue(to)!, ct));
        return command;
    }

    public static Command Restore(Option<string?> data)
    {
        var from = new Option<FileInfo>("--from") { HelpName = "FILE", Required = true, Description = "An archive written by `wenku admin backup`." };
        var force = new Option<bool>("--force") { Description = "Restore into a data folder that is not empty, replacing its database, files and keys." };
        var command = new Command("restore",
            "Restore an archive of `wenku admin backup` into an empty data folder, verify every file's hash, and rebuild search.") { data, from, force };
        command.SetAction((p, ct) => RestoreAsync(p.GetValue(data), p.GetValue(from)!, p.GetValue(force), ct));
        return command;
    }

    private static async Task<int> BackupAsync(string? dataDir, FileInfo to, CancellationToken ct)
    {
        var config = CliServices.Configuration(dataDir);
        var wenku = config.GetSection(WenkuOptions.Section).Get<WenkuOptions>() ?? new WenkuOptions();
        if (ScaleOut(config) is { } stack)
            return Fail($"This install runs on {stack}: `wenku admin backup` copies the embedded default (SQLite and local files). "
                + "Back up a scale-out site with pg_dump and the bucket's versioning or a sync: see \"Backup of a scale-out site\" "
                + "under \"Deployment (scale-out)\" in the README.");
        if (!File.Exists(wenku.DatabasePath))
            return Fail($"No embedded database at {Path.GetFullPath(wenku.DatabasePath)}: pass --data DIR, the data folder of the install.");
        var target = Path.GetFullPath(to.FullName);
        if (target.StartsWith(Path.GetFullPath(wenku.DataDir) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            return Fail("Write the archive outside the data folder (it would copy itself).");
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);

        await using var services = CliServices.Build(config);
        var time = services.GetRequiredService<TimeProvider>();
        // The database first: the files copied are those this copy names, so the two agree whatever the site does meanwhile.
        var databaseCopy = target + ".db-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            OnlineBackup(wenku.DatabasePath, databaseCopy);
            var contents = await ContentsAsync(databaseCopy, ct);
            var partial = target + ".partial";
            var manifest = new BackupManifest
            {
                Format = Format,
                Version = Version(),
                CreatedAt = time.GetUtcNow().UtcDateTime,
                Documents = contents.Documents,
                Users = contents.Users,
            };
            await using (var file = File.Create(partial))
            {
                await using (var output = target.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) || target.EndsWith(".tgz", StringComparison.OrdinalIgnoreCase)
                    ? new GZipStream(file, CompressionLevel.Fastest, leaveOpen: true) : (Stream)new NonClosingStream(file))
                await using (var tar = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true))
                {
                    await AddAsync(tar, manifest, databaseCopy, DatabaseName, ct);
                    foreach (var key in contents.Files)
                    {
                        var path = Path.Combine(wenku.FilesDir, key);
                        // Deleted since the database was copied (or lost before): reported, not fatal.
                        if (!await AddAsync(tar, manifest, path, "files/" + key, ct)) manifest.Missing.Add(key);
                    }
                    if (Directory.Exists(wenku.KeysDir))
                        foreach (var key in Directory.EnumerateFiles(wenku.KeysDir).Order(StringComparer.Ordinal))
                            await AddAsync(tar, manifest, key, "keys/" + Path.GetFileName(key), ct);
                    var json = JsonSerializer.SerializeToUtf8Bytes(manifest, BackupManifest.Json);
                    var entry = new PaxTarEntry(TarEntryType.RegularFile, ManifestName) { DataStream = new MemoryStream(json), ModificationTime = manifest.CreatedAt };
                    await tar.WriteEntryAsync(entry, ct);
                }
                await file.FlushAsync(ct);
                file.Flush(flushToDisk: true);
            }
            File.Move(partial, target, overwrite: true);

            // Plain lines: never wrapped at the console's width.
            foreach (var key in manifest.Missing.Take(20))
                Console.WriteLine($"not copied: {key} — the database names it but it is not in storage (deleted meanwhile, or lost: run `wenku admin check`).");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Backup written to {target}: {manifest.Documents} documents, {manifest.Users} users; the database, "
                + $"{manifest.Entries.Count(e => e.Name.StartsWith("files/", StringComparison.Ordinal))} stored files and "
                + $"{manifest.Entries.Count(e => e.Name.StartsWith("keys/", StringComparison.Ordinal))} keys "
                + $"({manifest.Entries.Sum(e => e.Size) / 1048576.0:0.0} MB){(manifest.Missing.Count > 0 ? $"; {manifest.Missing.Count} named files were missing" : "")}."));
            return 0;
        }
        finally
        {
            File.Delete(databaseCopy);
            File.Delete(target + ".partial");
        }
    }

    /// <summary>SQLite's online backup: a consistent copy of the database as one transaction sees it, while others write.</summary>
    private static void OnlineBackup(string databasePath, string copyPath)
    {
        using var source = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = databasePath, Mode = SqliteOpenMode.ReadOnly, Pooling = false, DefaultTimeout = 60,
        }.ToString());
        using var copy = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = copyPath, Pooling = false }.ToString());
        source.Open();
        copy.Open();
        source.BackupDatabase(copy);
        // The copy is a file of its own: no WAL beside it.
        using var command = copy.CreateCommand();
        command.CommandText = "PRAGMA journal_mode=DELETE;";
        command.ExecuteNonQuery();
    }

    private sealed record Contents(int Documents, int Users, List<string> Files);

    /// <summary>
    /// The files a copy of the database names: every document's original and its page previews (not those of a removed
    /// document whose files the retention sweep deleted), and the evidence files of claims.
    /// </summary>
    private static async Task<Contents> ContentsAsync(string databaseCopy, CancellationToken ct)
    {
        await using var db = new WenkuDb(new DbContextOptionsBuilder<WenkuDb>()
            .UseSqlite(new SqliteConnectionStringBuilder { DataSource = databaseCopy, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString()).Options);
        var documents = await db.Documents.AsNoTracking().OrderBy(d => d.Id)
            .Select(d => new
            {
                d.Id, d.StorageKey, d.PageCount, d.PreviewVersion,
                FilesDeleted = db.DocumentRemovals.Any(r => r.Id == d.RemovalId && r.FilesDeletedAt != null),
            }).ToListAsync(ct);
        var users = await db.Users.CountAsync(ct);
        var files = new List<string>();
        foreach (var d in documents.Where(d => !d.FilesDeleted))
        {
            files.Add(d.StorageKey);
            files.AddRange(DocumentFiles.PreviewKeys(d.Id, d.PageCount, d.PreviewVersion));
        }
        files.AddRange(await db.Claims.AsNoTracking().Where(c => c.EvidenceKey != null).OrderBy(c => c.Id).Select(c => c.EvidenceKey!).ToListAsync(ct));
        return new Contents(documents.Count, users, files);
    }

    /// <summary>Adds a file to the archive, hashing it as it is read; false if there is no such file.</summary>
    private static async Task<bool> AddAsync(TarWriter tar, BackupManifest manifest, string path, string name, CancellationToken ct)
    {
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 81920, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return false;
        }
        await using (file)
        using (var hashing = new HashingStream(file))
        {
            var entry = new PaxTarEntry(TarEntryType.RegularFile, name)
            {
                DataStream = hashing, ModificationTime = File.GetLastWriteTimeUtc(path),
            };
            await tar.WriteEntryAsync(entry, ct);
            manifest.Entries.Add(new BackupEntry(name, file.Length, hashing.Hash()));
        }
        return true;
    }

    private static async Task<int> RestoreAsync(string? dataDir, FileInfo from, bool force, CancellationToken ct)
    {
        if (dataDir is null) return Fail("Pass --data DIR, the (empty) data folder to restore into.");
        if (!from.Exists) return Fail($"No such archive: {from.FullName}");
        var config = CliServices.Configuration(dataDir);
        if (ScaleOut(config) is { } stack)
            return Fail($"The settings point at {stack}: restore writes an embedded install (SQLite and local files) into --data.");
        var wenku = config.GetSection(WenkuOptions.Section).Get<WenkuOptions>() ?? new WenkuOptions();
        var root = Path.GetFullPath(wenku.DataDir);
        if (Directory.Exists(root) && Directory.EnumerateFileSystemEntries(root).Any() && !force)
            return Fail($"{root} is not empty: restore into an empty folder, or pass --force to replace its database, files and keys.");

        Directory.CreateDirectory(root);
        var staging = Path.Combine(root, ".restore-" + Guid.NewGuid().ToString("N")[..8]);
        BackupManifest manifest;
        try
        {
            var (read, problems) = await ExtractAsync(from.FullName, staging, ct);
            if (problems.Count > 0)
            {
                foreach (var p in problems.Take(20)) Console.Error.WriteLine("  " + p);
                return Fail($"The archive {from.FullName} is damaged or not a Wenku backup ({problems.Count} problems): nothing was restored.");
            }
            manifest = read!;

            foreach (var name in new[] { DatabaseName, DatabaseName + "-wal", DatabaseName + "-shm" })
                File.Delete(Path.Combine(root, name));
            foreach (var folder in new[] { "files", "keys", "search" })
                if (Directory.Exists(Path.Combine(root, folder))) Directory.Delete(Path.Combine(root, folder), recursive: true);
            File.Move(Path.Combine(staging, DatabaseName), Path.Combine(root, DatabaseName));
            foreach (var folder in new[] { "files", "keys" })
                if (Directory.Exists(Path.Combine(staging, folder))) Directory.Move(Path.Combine(staging, folder), Path.Combine(root, folder));
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }

        await using var services = CliServices.Build(config);
        await DatabaseSetup.MigrateAsync(services, ct); // an archive of an older version gets this version's schema
        var indexed = await LuceneSearchIndex.RebuildAsync(services.GetRequiredService<IDbContextFactory<WenkuDb>>(),
            LuceneSearchIndex.RootFor(wenku), null, ct);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Restored {manifest.Documents} documents, {manifest.Users} users and {manifest.Entries.Count(e => e.Name.StartsWith("files/", StringComparison.Ordinal))} stored files (backup of {manifest.CreatedAt:yyyy-MM-dd HH:mm:ss} UTC, "
            + $"Wenku {manifest.Version}) into {root}; search rebuilt: {indexed} documents. Start it with `wenku serve --data {root}`."));
        if (manifest.Missing.Count > 0)
            Console.WriteLine($"{manifest.Missing.Count} files were missing when the backup was taken (run `wenku admin check --data {root}`).");
        return 0;
    }

    /// <summary>
    /// Extracts the archive into <paramref name="staging"/>, hashing every entry, and compares what it holds with its
    /// manifest. Returns the manifest and every problem found (none: the archive is whole).
    /// </summary>
    private static async Task<(BackupManifest? Manifest, List<string> Problems)> ExtractAsync(string archive, string staging, CancellationToken ct)
    {
        var problems = new List<string>();
        var found = new Dictionary<string, BackupEntry>(StringComparer.Ordinal);
        BackupManifest? manifest = null;
        Directory.CreateDirectory(staging);
        try
        {
            await using var file = File.OpenRead(archive);
            var gzip = file.ReadByte() == 0x1f && file.ReadByte() == 0x8b;
            file.Position = 0;
            await using var input = gzip ? new GZipStream(file, CompressionMode.Decompress) : (Stream)file;
            await using var tar = new TarReader(input);
            while (await tar.GetNextEntryAsync(copyData: false, ct) is { } entry)
            {
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile))
                {
                    problems.Add($"{entry.Name}: not a regular file");
                    continue;
                }
                if (entry.Name == ManifestName)
                {
                    manifest = entry.DataStream is null ? null : await JsonSerializer.DeserializeAsync<BackupManifest>(entry.DataStream, BackupManifest.Json, ct);
                    continue;
                }
                if (!IsOurs(entry.Name))
                {
                    problems.Add($"{entry.Name}: not a part of a Wenku backup");
                    continue;
                }
                var path = Path.Combine(staging, entry.Name);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                await using (var target = File.Create(path))
                using (var hashing = new HashingStream(target))
                {
                    if (entry.DataStream is not null) await entry.DataStream.CopyToAsync(hashing, ct);
                    found[entry.Name] = new BackupEntry(entry.Name, target.Length, hashing.Hash());
                }
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A damaged archive fails in many ways (a bad header checksum, a broken gzip stream, an octal field that
            // is not a number, a cut end): each is a reason not to restore it, and is said as such.
            problems.Add($"cannot be read: {e.GetType().Name}: {e.Message}");
            return (null, problems);
        }

        if (manifest is null || manifest.Format != Format)
        {
            problems.Add($"no {ManifestName} of format {Format} (the archive is cut short, or not a Wenku backup)");
            return (null, problems);
        }
        foreach (var expected in manifest.Entries)
        {
            if (!found.Remove(expected.Name, out var actual)) problems.Add($"{expected.Name}: missing from the archive");
            else if (actual.Size != expected.Size || !string.Equals(actual.Sha256, expected.Sha256, StringComparison.OrdinalIgnoreCase))
                problems.Add($"{expected.Name}: content differs from the manifest ({actual.Size} bytes, SHA-256 {actual.Sha256[..12]}…; expected {expected.Size} bytes, {expected.Sha256[..Math.Min(12, expected.Sha256.Length)]}…)");
        }
        problems.AddRange(found.Keys.Select(name => $"{name}: not in the manifest"));
        if (!manifest.Entries.Any(e => e.Name == DatabaseName)) problems.Add($"{DatabaseName}: the archive has no database");
        return (manifest, problems);
    }

    /// <summary>Only the database, stored files and keys, by names without a way out of the folder.</summary>
    private static bool IsOurs(string name)
    {
        if (name == DatabaseName) return true;
        if (!name.StartsWith("files/", StringComparison.Ordinal) && !name.StartsWith("keys/", StringComparison.Ordinal)) return false;
        var parts = name.Split('/');
        return parts.All(p => p.Length > 0 && p != "." && p != ".." && !p.Contains('\\', StringComparison.Ordinal));
    }

    private static string? ScaleOut(IConfiguration config)
    {
        var database = config.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>() ?? new DatabaseOptions();
        var storage = config.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        if (database.Provider == DatabaseProvider.Sqlite && storage.Provider == StorageProvider.Local) return null;
        return $"{database.Provider} with {storage.Provider} storage";
    }

    private static string Version() =>
        typeof(BackupCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    private static int Fail(string message)
    {
        Console.Error.WriteLine(message);
        return 1;
    }
}

/// <summary>What a backup archive holds, written as its last entry (<c>manifest.json</c>).</summary>
public sealed class BackupManifest
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public string Format { get; set; } = "";
    public string Version { get; set; } = "";
    public DateTime CreatedAt { get; set; }
    public int Documents { get; set; }
    public int Users { get; set; }

    /// <summary>Every entry but the manifest, with its size and SHA-256 (hex).</summary>
    public List<BackupEntry> Entries { get; set; } = [];

    /// <summary>Files the database named that were not in storage when the backup was taken.</summary>
    public List<string> Missing { get; set; } = [];
}

public sealed record BackupEntry(string Name, long Size, string Sha256);

/// <summary>Passes reads and writes through while computing their SHA-256; seeking is the inner stream's.</summary>
internal sealed class HashingStream(Stream inner) : Stream
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public string Hash() => Convert.ToHexStringLower(_hash.GetHashAndReset());

    public override bool CanRead => inner.CanRead;
    public override bool CanSeek => inner.CanSeek;
    public override bool CanWrite => inner.CanWrite;
    public override long Length => inner.Length;
    public override long Position { get => inner.Position; set => inner.Position = value; }
    public override void Flush() => inner.Flush();
    public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);
    public override void SetLength(long value) => inner.SetLength(value);

    public override int Read(byte[] buffer, int offset, int count)
    {
        var n = inner.Read(buffer, offset, count);
        _hash.AppendData(buffer, offset, n);
        return n;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await inner.ReadAsync(buffer, cancellationToken);
        _hash.AppendData(buffer.Span[..n]);
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count)
    {
        _hash.AppendData(buffer, offset, count);
        inner.Write(buffer, offset, count);
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        _hash.AppendData(buffer.Span);
        return inner.WriteAsync(buffer, cancellationToken);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    protected override void Dispose(bool disposing)
    {
        if (disposing) _hash.Dispose();
        base.Dispose(disposing);
    }
}

/// <summary>The archive file without the tar writer's or gzip's right to close it (it is flushed to disk first).</summary>
internal sealed class NonClosingStream(Stream inner) : Stream
{
    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => inner.Length;
    public override long Position { get => inner.Position; set => throw new NotSupportedException(); }
    public override void Flush() => inner.Flush();
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => inner.WriteAsync(buffer, cancellationToken);
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.WriteAsync(buffer, offset, count, cancellationToken);
}
