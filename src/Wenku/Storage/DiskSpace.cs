using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Wenku.Storage;

/// <summary>
/// The free space of the disk that holds the data folder (uploads are staged there whatever the file store), checked
/// before an upload is accepted, and how a full disk is told from other I/O errors when it fills during a write.
/// </summary>
public sealed class DiskSpace(IOptions<WenkuOptions> options)
{
    /// <summary>
    /// Whether <paramref name="bytes"/> more can be written and still leave <see cref="WenkuOptions.MinFreeDiskBytes"/>
    /// free on the data folder's disk.
    /// </summary>
    public bool HasRoomFor(long bytes)
    {
        var o = options.Value;
        if (o.MinFreeDiskBytes <= 0) return true;
        var dir = Path.GetFullPath(o.DataDir);
        if (!Directory.Exists(dir)) return true;
        return new DriveInfo(dir).AvailableFreeSpace - Math.Max(0, bytes) >= o.MinFreeDiskBytes;
    }

    /// <summary>True when <paramref name="e"/> (or an exception inside it) says that a disk is full.</summary>
    public static bool IsFull(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
            switch (e)
            {
                // ENOSPC (28) and EDQUOT (122): .NET puts the raw errno in HResult on Unix.
                case IOException io when io.HResult is 28 or 122 || io.Message.Contains("No space left", StringComparison.OrdinalIgnoreCase):
                case SqliteException { SqliteErrorCode: 13 }: // SQLITE_FULL
                case PostgresException { SqlState: PostgresErrorCodes.DiskFull }:
                    return true;
            }
        return false;
    }
}
