using System.Buffers.Binary;
using Microsoft.Extensions.Options;
using SharpCompress.Archives;
using SharpCompress.Common;
using SharpCompress.Readers;
using Wenku.Documents;
using Wenku.Web.Localization;

namespace Wenku.Conversion;

/// <summary>
/// ZIP, RAR, 7z and tar(.gz) archives: every entry listed (path, size, date, encrypted or not), and the first
/// <see cref="ConversionOptions.ArchivePreviews"/> documents and drawings inside converted like uploads of their own,
/// their pages becoming the archive's pages. Bounded before anything is extracted: entry count, declared total size
/// and compression ratio; while extracting, the bytes actually written. Entries are extracted to
/// <c>entry-N/original.FORMAT</c> — a path built from our counter and the sniffed format, never from the entry's
/// name (zip-slip). Archives inside the archive are listed, not previewed; their directories are read to bound what the
/// whole unpacks to (<see cref="CheckNested"/>).
/// </summary>
public sealed class ArchiveConverter(IOptions<ConversionOptions> options, IServiceProvider services, ILogger<ArchiveConverter> log) : IDocumentConverter
{

    // Failures, stored as codes and shown in the reader's language.
    public static readonly Message Encrypted = new("archive.encrypted", "此压缩包已加密，连文件列表也无法读取。");
    public static readonly Message Unreadable = new("archive.unreadable", "无法读取此压缩包，文件可能已损坏或被截断（{0}）。");
    public static readonly Message DamagedAfter = new("archive.damaged-after", "压缩包在第 {0} 个文件之后已损坏或被截断（{1}）。");
    public static readonly Message TooManyPages = new("archive.too-many-pages", "此压缩包的预览超过 {0} 页上限。");
    public static readonly Message Truncated = new("archive.truncated", "压缩包不完整，可能被截断。");
    public static readonly Message TooLarge = new("archive.too-large", "此压缩包解压后超过 {0} MB 上限。");
    public static readonly Message Ratio = new("archive.ratio", "此压缩包的压缩比异常（超过 {0}:1），疑似压缩炸弹。");
    public static readonly Message TooManyEntries = new("archive.too-many-entries", "此压缩包超过 {0} 个文件上限。");
    public static readonly Message TooDeep = new("archive.too-deep", "压缩包嵌套超过 {0} 层。");
    public static readonly Message NestedTooLarge = new("archive.nested-too-large", "此压缩包（含其中的压缩包）解压后超过 {0} MB 上限，疑似压缩炸弹。");
    public static readonly Message NestedRatio = new("archive.nested-ratio", "此压缩包（含其中的压缩包）的压缩比超过 {0}:1，疑似压缩炸弹。");
    public static readonly Message EntryBomb = new("archive.entry-bomb", "压缩包内的文件解压后远超其声明的大小，疑似压缩炸弹（{0}）。");
    private readonly ConversionOptions _o = options.Value;
    private long MaxBytes => _o.ArchiveMaxUncompressedMb * 1024L * 1024;

    private static readonly HashSet<string> ArchiveFormats = ["zip", "rar", "7z", "tar", "tar.gz"];

    /// <summary>Names of files this site converts, and of archives among them, as entry names end.</summary>
    private static readonly string[] KnownExtensions = [.. FileSniffer.Formats.Keys.SelectMany(FileSniffer.ExtensionsOf)],
        ArchiveExtensions = [.. ArchiveFormats.SelectMany(FileSniffer.ExtensionsOf)];

    public bool CanConvert(string format) => ArchiveFormats.Contains(format);

    public async Task<ConversionResult> ConvertAsync(ConversionRequest request, CancellationToken ct)
    {
        var (inputPath, workDir, format) = (request.InputPath, request.WorkDir, request.Format);
        var archiveSize = new FileInfo(inputPath).Length;
        var streaming = format is "tar" or "tar.gz";
        var entries = new List<ArchiveEntryInfo>();
        var extracted = new Dictionary<int, string>(); // entry number → extracted file
        long extractedBytes = 0;
        long declared = 0; // the sizes the entries listed so far declare

        // Tar has no directory: one pass lists and extracts. The others are listed in full first, then extracted.
        try
        {
            if (streaming)
            {
                // The tar reader stops quietly where a cut-off file ends: its completeness is checked first.
                CheckTarComplete(inputPath, gzipped: format == "tar.gz");
                await using var file = File.OpenRead(inputPath);
                using var reader = ReaderFactory.OpenReader(file);
                while (reader.MoveToNextEntry())
                {
                    ct.ThrowIfCancellationRequested();
                    var e = reader.Entry;
                    var info = Describe(entries.Count + 1, e);
                    entries.Add(info);
                    declared += info.Size;
                    CheckBounds(entries, declared, archiveSize);
                    if (WantsPreview(info, extracted.Count))
                    {
                        using var source = reader.OpenEntryStream();
                        extractedBytes += Extract(source, info, workDir, extractedBytes, extracted);
                    }
                }
            }
            else
            {
                // SharpCompress lists a RAR cut off between two headers as a shorter archive: its chain is walked first.
                if (format == "rar") CheckRarComplete(inputPath);
                using var archive = ArchiveFactory.OpenArchive(inputPath);
                var list = new List<IArchiveEntry>();
                foreach (var e in archive.Entries)
                {
                    ct.ThrowIfCancellationRequested();
                    entries.Add(Describe(entries.Count + 1, e));
                    list.Add(e);
                    declared += entries[^1].Size;
                    CheckBounds(entries, declared, archiveSize);
                }
                CheckNested(list, 1, workDir, ref declared, archiveSize, ct);
                for (var i = 0; i < list.Count && extracted.Count < Candidates; i++)
                {
                    if (!WantsPreview(entries[i], extracted.Count)) continue;
                    using var source = list[i].OpenEntryStream();
                    extractedBytes += Extract(source, entries[i], workDir, extractedBytes, extracted);
                }
            }
        }
        catch (ConversionException) { throw; }
        catch (OperationCanceledException) { throw; }
        catch (Exception e) when (e is SharpCompressException or IOException or InvalidOperationException or NotSupportedException or IndexOutOfRangeException or ArgumentException)
        {
            log.LogInformation(e, "Archive {Input} could not be read", inputPath);
            if (entries.Count == 0 && (e is CryptographicException || e.Message.Contains("password", StringComparison.OrdinalIgnoreCase)))
                throw new ConversionException(Encrypted);
            throw entries.Count == 0
                ? new ConversionException(Unreadable, Short(e.Message))
                : new ConversionException(DamagedAfter, entries.Count, Short(e.Message));
        }

        // Previews: each extracted entry converted like an upload of its own, its pages appended.
        var pages = new List<ConvertedPage>();
        var previews = 0;
        for (var i = 0; i < entries.Count; i++)
        {
            if (!extracted.TryGetValue(entries[i].Number, out var path)) continue;
            if (previews >= _o.ArchivePreviews) { entries[i] = entries[i] with { Note = ArchiveNotes.ListedOnly.Code }; continue; }
            var (note, converted) = await PreviewAsync(request.DocumentId, path, entries[i], workDir, ct);
            if (converted is null) { entries[i] = entries[i] with { Note = note }; continue; }
            previews++;
            var first = pages.Count + 1;
            foreach (var p in converted.Pages)
                pages.Add(p with { Number = pages.Count + 1 });
            entries[i] = entries[i] with { FirstPage = first, PageCount = converted.Pages.Count };
            if (pages.Count > _o.MaxPages)
                throw new ConversionException(TooManyPages, _o.MaxPages);
        }
        return new ConversionResult(pages, entries);
    }

    /// <summary>
    /// Fails a cut-off tar or tar.gz: a tar is whole 512-byte blocks; a gzip stream must decompress to its end, to
    /// the size its trailer records (modulo 2^32), within the size bound.
    /// </summary>
    private void CheckTarComplete(string inputPath, bool gzipped)
    {
        var truncated = new ConversionException(Truncated);
        if (!gzipped)
        {
            if (new FileInfo(inputPath).Length % 512 != 0) throw truncated;
            return;
        }
        using var file = File.OpenRead(inputPath);
        var trailer = new byte[4];
        file.Seek(-4, SeekOrigin.End);
        file.ReadExactly(trailer);
        file.Position = 0;
        long total = 0;
        try
        {
            using var gzip = new System.IO.Compression.GZipStream(file, System.IO.Compression.CompressionMode.Decompress);
            var buffer = new byte[81920];
            int n;
            while ((n = gzip.Read(buffer)) > 0)
            {
                total += n;
                if (total > MaxBytes)
                    throw new ConversionException(TooLarge, _o.ArchiveMaxUncompressedMb);
            }
        }
        catch (InvalidDataException) { throw truncated; }
        if ((uint)total != System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(trailer) || total % 512 != 0) throw truncated;
        if (total > 1024 * 1024 && total / Math.Max(1, file.Length) > _o.ArchiveMaxRatio)
            throw new ConversionException(Ratio, _o.ArchiveMaxRatio);
    }

    /// <summary>
    /// Fails a cut-off RAR archive, whose blocks must chain from the signature to the end-of-archive block.
    /// RAR 1.5–4.x: each block is HEAD_SIZE long plus ADD_SIZE of data when flag 0x8000 says so; archives older than
    /// RAR 3 may end without the end block (0x7B), at the end of the file. RAR 5: each header is CRC32, its size (vint)
    /// and type, flags, extra and data sizes (vints); the end of archive header (type 5) is always written.
    /// Archives whose headers are encrypted are left to the reader (only a password shows their chain).
    /// </summary>
    private void CheckRarComplete(string inputPath)
    {
        var truncated = new ConversionException(Truncated);
        using var file = File.OpenRead(inputPath);
        var header = new byte[40];
        if (ReadAt(file, 0, header.AsSpan(0, 8)) < 8) throw truncated;
        if (header[6] > 1) return; // a RAR version after 5: the reader says what it makes of it
        var rar5 = header[6] == 1;
        long position = rar5 ? 8 : 7;
        for (var blocks = 0; blocks < _o.ArchiveMaxEntries * 4L + 16; blocks++) // beyond that the entry count fails it
        {
            if (position == file.Length && !rar5) return;
            var read = ReadAt(file, position, header);
            long size, data = 0;
            int type;
            if (rar5)
            {
                var at = 4;
                size = ReadVint(header.AsSpan(0, read), ref at);
                var start = at;
                type = (int)ReadVint(header.AsSpan(0, read), ref at);
                var flags = ReadVint(header.AsSpan(0, read), ref at);
                if ((flags & 1) != 0) ReadVint(header.AsSpan(0, read), ref at);
                if ((flags & 2) != 0) data = ReadVint(header.AsSpan(0, read), ref at);
                if (at < 0 || size < 0 || data < 0) throw truncated;
                size += start;
                if (type == 4) return; // archive encryption header: the headers after it are encrypted
            }
            else
            {
                if (read < 7) throw truncated;
                type = header[2];
                var flags = BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(3));
                size = BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(5));
                if (size < 7) throw truncated;
                if (type == 0x73 && (flags & 0x80) != 0) return;
                if ((flags & 0x8000) != 0)
                {
                    if (size < 11) throw truncated;
                    data = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(7));
                    if (type == 0x74 && (flags & 0x100) != 0 && size >= 36) data += (long)BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(32)) << 32;
                }
            }
            if (position + size > file.Length) throw truncated;
            if (type == (rar5 ? 5 : 0x7B)) return;
            position += size + data;
            if (position > file.Length) throw truncated;
        }
    }

    /// <summary>A RAR 5 variable-length integer (7 bits a byte, low first) at <paramref name="at"/>; -1 when the bytes run out.</summary>
    private static long ReadVint(ReadOnlySpan<byte> bytes, ref int at)
    {
        if (at < 0) return -1;
        long value = 0;
        for (var shift = 0; shift < 63 && at < bytes.Length; shift += 7)
        {
            var b = bytes[at++];
            value |= (long)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return value;
        }
        at = -1;
        return -1;
    }

    private static int ReadAt(FileStream file, long offset, Span<byte> buffer)
    {
        file.Position = offset;
        return file.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
    }

    /// <summary>Entries extracted as candidates for a preview (some turn out not to convert).</summary>
    private int Candidates => _o.ArchivePreviews * 3;

    private bool WantsPreview(ArchiveEntryInfo e, int extractedSoFar) =>
        extractedSoFar < Candidates && !e.IsDirectory && !e.IsEncrypted && e.Size > 0 && e.Note is null;

    private static ArchiveEntryInfo Describe(int number, IEntry e)
    {
        var path = (e.Key ?? "").Replace('\\', '/');
        if (path.Length > 1000) path = path[..1000];
        var note = e.IsEncrypted ? ArchiveNotes.Encrypted.Code : null;
        var known = KnownExtensions.Any(x => path.EndsWith(x, StringComparison.OrdinalIgnoreCase));
        if (note is null && !e.IsDirectory && !known) note = ArchiveNotes.NoPreview.Code;
        if (note is null && !e.IsDirectory && IsArchiveName(path))
            note = ArchiveNotes.Nested.Code;
        DateTime? modified = e.LastModifiedTime is { } t ? DateTime.SpecifyKind(t, DateTimeKind.Utc) : null;
        return new ArchiveEntryInfo(number, path, Math.Max(0, e.Size), Math.Max(0, e.CompressedSize), modified, e.IsDirectory, e.IsEncrypted, Note: note);
    }

    /// <summary>Checks the entries listed so far, whose declared sizes add up to <paramref name="total"/>.</summary>
    private void CheckBounds(List<ArchiveEntryInfo> entries, long total, long archiveSize)
    {
        if (entries.Count > _o.ArchiveMaxEntries)
            throw new ConversionException(TooManyEntries, _o.ArchiveMaxEntries);
        var last = entries[^1];
        if (total > MaxBytes)
            throw new ConversionException(TooLarge, _o.ArchiveMaxUncompressedMb);
        if (total > 1024 * 1024 && total / Math.Max(1, archiveSize) > _o.ArchiveMaxRatio
            || last.Size > 1024 * 1024 && last.CompressedSize > 0 && last.Size / last.CompressedSize > _o.ArchiveMaxRatio)
            throw new ConversionException(Ratio, _o.ArchiveMaxRatio);
    }

    /// <summary>
    /// Archives inside the archive are not previewed, but what they would unpack to counts: their directories are
    /// read (each inner archive copied out within the bounds, never its contents), down to
    /// <see cref="ConversionOptions.ArchiveMaxDepth"/> levels, and everything declared at every level must stay within
    /// the size and ratio bounds. A nested zip bomb (archives of archives of … of zeros) fails here, having written
    /// only its small inner archives. An inner archive that cannot be read is left listed as it is.
    /// </summary>
    private void CheckNested(IEnumerable<IArchiveEntry> entries, int depth, string workDir, ref long declared, long archiveSize, CancellationToken ct)
    {
        foreach (var e in entries)
        {
            ct.ThrowIfCancellationRequested();
            if (e.IsDirectory || e.IsEncrypted || !IsArchiveName(e.Key)) continue;
            if (depth > _o.ArchiveMaxDepth)
                throw new ConversionException(TooDeep, _o.ArchiveMaxDepth);
            var inner = Path.Combine(workDir, $"nested-{Guid.NewGuid():N}.bin");
            try
            {
                var info = new ArchiveEntryInfo(0, e.Key ?? "", Math.Max(0, e.Size), Math.Max(0, e.CompressedSize), null, false, false);
                using (var source = e.OpenEntryStream())
                    CopyBounded(source, inner, info, MaxBytes);
                List<IArchiveEntry> innerEntries;
                IArchive archive;
                try
                {
                    archive = ArchiveFactory.OpenArchive(inner);
                    innerEntries = archive.Entries.Take(_o.ArchiveMaxEntries + 1).ToList();
                }
                catch (Exception x) when (x is not ConversionException and not OperationCanceledException)
                {
                    continue; // not an archive we can read: it stays listed as it is
                }
                using (archive)
                {
                    declared += innerEntries.Sum(x => Math.Max(0, x.Size));
                    if (declared > MaxBytes)
                        throw new ConversionException(NestedTooLarge, _o.ArchiveMaxUncompressedMb);
                    if (declared > 1024 * 1024 && declared / Math.Max(1, archiveSize) > _o.ArchiveMaxRatio)
                        throw new ConversionException(NestedRatio, _o.ArchiveMaxRatio);
                    CheckNested(innerEntries, depth + 1, workDir, ref declared, archiveSize, ct);
                }
            }
            finally
            {
                try { File.Delete(inner); } catch (IOException) { }
            }
        }
    }

    private static bool IsArchiveName(string? key) =>
        key is not null && ArchiveExtensions.Any(x => key.EndsWith(x, StringComparison.OrdinalIgnoreCase));

    /// <summary>Copies an entry to <paramref name="path"/>, failing when it unpacks to more than it declares or the budget.</summary>
    private static long CopyBounded(Stream source, string path, ArchiveEntryInfo entry, long budget)
    {
        long written = 0;
        using var target = File.Create(path);
        var buffer = new byte[81920];
        int n;
        while ((n = source.Read(buffer)) > 0)
        {
            written += n;
            // Declared sizes can lie: what comes out is counted too.
            if (written > budget || written > entry.Size * 2 + 1024 * 1024)
                throw new ConversionException(EntryBomb, entry.Path);
            target.Write(buffer, 0, n);
        }
        return written;
    }

    /// <summary>Copies one entry to <c>entry-N/original.bin</c>, bounded by what is left of the total; returns the bytes written.</summary>
    private long Extract(Stream source, ArchiveEntryInfo entry, string workDir, long extractedSoFar, Dictionary<int, string> extracted)
    {
        var dir = Path.Combine(workDir, $"entry-{entry.Number}");
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, "original.bin");
        var written = CopyBounded(source, path, entry, MaxBytes - extractedSoFar);
        extracted[entry.Number] = path;
        return written;
    }

    /// <summary>Sniffs and converts one extracted entry in a folder of its own; a failure is a note, not the archive's failure.</summary>
    private async Task<(string? Note, ConversionResult? Result)> PreviewAsync(long documentId, string path, ArchiveEntryInfo entry, string workDir, CancellationToken ct)
    {
        var name = entry.Path.Split('/')[^1];
        var (format, what) = FileSniffer.SniffFile(path, name);
        if (format is null) return (ArchiveNotes.Store(ArchiveNotes.NoPreviewOf, what), null);
        if (ArchiveFormats.Contains(format)) return (ArchiveNotes.Nested.Code, null);
        var converter = services.GetServices<IDocumentConverter>().FirstOrDefault(c => c is not ArchiveConverter && c.CanConvert(format));
        if (converter is null) return (ArchiveNotes.Store(ArchiveNotes.NoPreviewYet, FileSniffer.Formats[format]), null);

        try
        {
            return (null, await converter.ConvertAsync(new ConversionRequest(documentId, format, path, Path.GetDirectoryName(path)!), ct));
        }
        catch (ConversionException e)
        {
            return (ArchiveNotes.Store(ArchiveNotes.PreviewFailed, Short(e.Message)), null);
        }
    }

    private static string Short(string s) => s.Length <= 200 ? s : s[..200] + "…";
}
