using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Wenku.Documents;

/// <summary>What a file is: a supported format (<see cref="Format"/>), or only a description of what it is instead.</summary>
public sealed record SniffResult(string? Format, string What);

/// <summary>
/// Tells a file's format from its content (magic bytes and, for containers, their directory), never from its name.
/// The name only picks between formats whose content is the same (WPS <c>.wps/.et/.dps</c> are Word/Excel/PowerPoint
/// binaries; <c>.md</c> is text) and refuses text that claims to be something else. Every read is bounded: the
/// head, the end of the file, and at most <see cref="MaxDirectoryBytes"/> of a container's directory.
/// </summary>
public static class FileSniffer
{
    /// <summary>Every format Wenku recognises, with what it is called.</summary>
    public static readonly IReadOnlyDictionary<string, string> Formats = new Dictionary<string, string>
    {
        ["pdf"] = "PDF", ["doc"] = "a Word document", ["docx"] = "a Word document", ["xls"] = "an Excel workbook",
        ["xlsx"] = "an Excel workbook", ["ppt"] = "a PowerPoint presentation", ["pptx"] = "a PowerPoint presentation",
        ["wps"] = "a WPS document", ["et"] = "a WPS spreadsheet", ["dps"] = "a WPS presentation",
        ["odt"] = "an OpenDocument text", ["ods"] = "an OpenDocument spreadsheet", ["odp"] = "an OpenDocument presentation",
        ["rtf"] = "an RTF document", ["txt"] = "a text file", ["md"] = "a Markdown file",
        ["jpg"] = "a JPEG image", ["png"] = "a PNG image", ["webp"] = "a WebP image", ["tiff"] = "a TIFF image",
        ["bmp"] = "a BMP image", ["gif"] = "a GIF image",
        ["zip"] = "a ZIP archive", ["rar"] = "a RAR archive", ["7z"] = "a 7z archive", ["tar.gz"] = "a tar.gz archive",
        ["tar"] = "a tar archive", ["dxf"] = "a DXF drawing", ["dwg"] = "a DWG drawing",
    };

    /// <summary>The media type a file of each format is sent with (the original's download).</summary>
    public static string MediaTypeOf(string format) => format switch
    {
        "pdf" => "application/pdf",
        "doc" or "wps" => "application/msword",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xls" or "et" => "application/vnd.ms-excel",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "ppt" or "dps" => "application/vnd.ms-powerpoint",
        "pptx" => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "odt" => "application/vnd.oasis.opendocument.text",
        "ods" => "application/vnd.oasis.opendocument.spreadsheet",
        "odp" => "application/vnd.oasis.opendocument.presentation",
        "rtf" => "application/rtf",
        "txt" => "text/plain",
        "md" => "text/markdown",
        "jpg" => "image/jpeg", "png" => "image/png", "webp" => "image/webp", "tiff" => "image/tiff", "bmp" => "image/bmp", "gif" => "image/gif",
        "zip" => "application/zip", "rar" => "application/vnd.rar", "7z" => "application/x-7z-compressed",
        "tar" => "application/x-tar", "tar.gz" => "application/gzip",
        "dxf" => "image/vnd.dxf", "dwg" => "image/vnd.dwg",
        _ => "application/octet-stream",
    };

    /// <summary>File name extensions of each format, for the upload form's file picker (the content decides, not these).</summary>
    public static IReadOnlyList<string> ExtensionsOf(string format) => format switch
    {
        "jpg" => [".jpg", ".jpeg"],
        "tiff" => [".tif", ".tiff"],
        "md" => [".md", ".markdown"],
        "tar.gz" => [".tar.gz", ".tgz"],
        _ => ["." + format],
    };

    private static readonly HashSet<string> ZipBased = ["zip", "docx", "xlsx", "pptx", "odt", "ods", "odp"];

    private const int HeadBytes = 8192;
    private const int MaxDirectoryBytes = 4 * 1024 * 1024;
    private const int MaxZipEntriesInspected = 20_000;
    private const int MaxOleDirectorySectors = 512;

    private static readonly string[] TextExtensions = ["", ".txt", ".text", ".md", ".markdown", ".log", ".csv"];

    /// <summary>Sniffs the first bytes of a file alone (what a file's head can tell; containers are not looked into).</summary>
    public static SniffResult Sniff(ReadOnlySpan<byte> head, string? fileName = null)
    {
        using var stream = new MemoryStream(head.ToArray(), writable: false);
        return Sniff(stream, fileName);
    }

    public static SniffResult SniffFile(string path, string? fileName = null)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, FileOptions.RandomAccess);
        return Sniff(stream, fileName ?? Path.GetFileName(path));
    }

    /// <summary>Sniffs a seekable stream with bounded reads.</summary>
    public static SniffResult Sniff(Stream file, string? fileName)
    {
        var head = new byte[(int)Math.Min(HeadBytes, file.Length)];
        file.Position = 0;
        file.ReadExactly(head);
        var extension = Extension(fileName);
        var result = Classify(head, file, extension);
        // A file that ZIP readers also open (their directory is at the end) is two files in one, unless it is a ZIP.
        if (result.Format is { } format && !ZipBased.Contains(format) && format is not ("rar" or "7z") && HasZipAtEnd(file))
            return new(null, $"a polyglot ({Formats[format]} with a ZIP archive inside)");
        return result;
    }

    private static SniffResult Classify(ReadOnlySpan<byte> head, Stream file, string extension)
    {
        if (head.Length == 0) return new(null, "an empty file");

        // The PDF header may follow up to 1 KB of junk (ISO 32000-1, 7.5.2 note; readers accept it) — but not another
        // format's header: a file that is a program or an archive to one reader and a PDF to another is a polyglot.
        var pdf = head[..Math.Min(head.Length, 1024)].IndexOf("%PDF-"u8);
        if (pdf == 0) return new("pdf", "PDF");
        if (pdf > 0)
        {
            // Judge the bytes before the header on their own (as text, whatever the file's name): text or unknown
            // bytes are the junk readers skip (pdf.js's issue6069.pdf); another format's signature makes a polyglot.
            var junk = ClassifyNonPdf(head[..pdf], file, ".txt");
            return junk.What == "an unrecognised file" || junk.Format is "txt" or "md"
                ? new("pdf", "PDF")
                : new(null, $"a polyglot ({junk.What} that is also a PDF)");
        }
        return ClassifyNonPdf(head, file, extension);
    }

    private static SniffResult ClassifyNonPdf(ReadOnlySpan<byte> head, Stream file, string extension)
    {
        if (head.StartsWith("MZ"u8)) return new(null, "a Windows program");
        if (head.StartsWith(new byte[] { 0x7F, (byte)'E', (byte)'L', (byte)'F' })) return new(null, "a Linux program");
        if (head.StartsWith(new byte[] { 0xCA, 0xFE, 0xBA, 0xBE }) || head.StartsWith(new byte[] { 0xCF, 0xFA, 0xED, 0xFE })) return new(null, "a macOS program");
        if (head.StartsWith("#!"u8)) return new(null, "a script");
        if (head.StartsWith("PK\x03\x04"u8) || head.StartsWith("PK\x05\x06"u8)) return Zip(head, file);
        if (head.StartsWith(new byte[] { 0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1 })) return Ole(file, extension);
        if (head.StartsWith("{\\rtf"u8)) return new("rtf", Formats["rtf"]);
        if (head.StartsWith("Rar!\x1A\x07"u8)) return new("rar", Formats["rar"]);
        if (head.StartsWith(new byte[] { 0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C })) return new("7z", Formats["7z"]);
        if (head.StartsWith(new byte[] { 0x1F, 0x8B })) return Gzip(file);
        if (head.Length > 262 && head[257..262].SequenceEqual("ustar"u8)) return new("tar", Formats["tar"]);
        if (head.StartsWith(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A })) return new("png", Formats["png"]);
        if (head.StartsWith(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' })) return new(null, "a PNG image");
        if (head.StartsWith(new byte[] { 0xFF, 0xD8, 0xFF })) return new("jpg", Formats["jpg"]);
        if (head.Length >= 12 && head.StartsWith("RIFF"u8) && head[8..12].SequenceEqual("WEBP"u8)) return new("webp", Formats["webp"]);
        if (head.StartsWith("II*\0"u8) || head.StartsWith("MM\0*"u8)) return new("tiff", Formats["tiff"]);
        if (head.StartsWith("GIF87a"u8) || head.StartsWith("GIF89a"u8)) return new("gif", Formats["gif"]);
        if (head.Length >= 26 && head.StartsWith("BM"u8) && BinaryPrimitives.ReadUInt32LittleEndian(head[14..]) is 12 or 40 or 52 or 56 or 64 or 108 or 124)
            return new("bmp", Formats["bmp"]);
        if (head.Length >= 6 && head.StartsWith("AC"u8) && head[2..6].IndexOfAnyExceptInRange((byte)'0', (byte)'9') < 0)
            return new("dwg", Formats["dwg"]);
        if (head.StartsWith("AutoCAD Binary DXF"u8)) return new("dxf", Formats["dxf"]);
        // UTF-16 text is full of NUL bytes: its byte order mark, under a text name, says what it is.
        if ((head.StartsWith(new byte[] { 0xFF, 0xFE }) || head.StartsWith(new byte[] { 0xFE, 0xFF })) && TextExtensions.Contains(extension) && extension != "")
            return extension is ".md" or ".markdown" ? new("md", Formats["md"]) : new("txt", Formats["txt"]);
        if (!LooksLikeText(head)) return new(null, "an unrecognised file");
        if (IsAsciiDxf(head)) return new("dxf", Formats["dxf"]);
        // Text is what is left when nothing else matched, so it must not claim to be another format by its name.
        if (!TextExtensions.Contains(extension)) return new(null, $"a text file named {extension}");
        return extension is ".md" or ".markdown" ? new("md", Formats["md"]) : new("txt", Formats["txt"]);
    }

    /// <summary>No NUL bytes and (almost) no control characters other than tab, line breaks, form feed and escape.</summary>
    private static bool LooksLikeText(ReadOnlySpan<byte> head)
    {
        var controls = 0;
        foreach (var b in head)
        {
            if (b == 0) return false;
            if (b < 0x20 && b is not ((byte)'\t' or (byte)'\n' or (byte)'\r' or 0x0C or 0x1B)) controls++;
        }
        return controls * 100 <= head.Length;
    }

    /// <summary>An ASCII DXF starts with group code 0 and SECTION, perhaps after 999 comments.</summary>
    private static bool IsAsciiDxf(ReadOnlySpan<byte> head)
    {
        var text = Encoding.ASCII.GetString(head[..Math.Min(head.Length, 2048)]);
        var lines = text.Split('\n').Select(l => l.Trim()).ToArray();
        for (var i = 0; i + 1 < lines.Length; i += 2)
        {
            if (lines[i] == "999") continue;
            return lines[i] == "0" && lines[i + 1] == "SECTION";
        }
        return false;
    }

    private static string Extension(string? fileName)
    {
        if (string.IsNullOrEmpty(fileName)) return "";
        var name = fileName.Replace('\\', '/').Split('/')[^1].ToLowerInvariant();
        return Path.GetExtension(name);
    }

    // ---- ZIP: Office Open XML, OpenDocument, or a plain archive, from the central directory ----

    private static SniffResult Zip(ReadOnlySpan<byte> head, Stream file)
    {
        // OpenDocument: the first entry is "mimetype", stored uncompressed, its content the media type.
        if (head.Length > 38 && head[30..38].SequenceEqual("mimetype"u8))
        {
            var nameLength = BinaryPrimitives.ReadUInt16LittleEndian(head[26..]);
            var extraLength = BinaryPrimitives.ReadUInt16LittleEndian(head[28..]);
            var start = 30 + nameLength + extraLength;
            if (start < head.Length)
            {
                var mime = Encoding.ASCII.GetString(head[start..Math.Min(head.Length, start + 80)]);
                if (mime.StartsWith("application/vnd.oasis.opendocument.text", StringComparison.Ordinal)) return new("odt", Formats["odt"]);
                if (mime.StartsWith("application/vnd.oasis.opendocument.spreadsheet", StringComparison.Ordinal)) return new("ods", Formats["ods"]);
                if (mime.StartsWith("application/vnd.oasis.opendocument.presentation", StringComparison.Ordinal)) return new("odp", Formats["odp"]);
            }
        }
        var names = ZipEntryNames(file);
        if (names is null) return new(null, "a damaged or truncated ZIP archive");
        if (names.Contains("[Content_Types].xml"))
        {
            if (names.Contains("word/document.xml")) return new("docx", Formats["docx"]);
            if (names.Contains("xl/workbook.xml")) return new("xlsx", Formats["xlsx"]);
            if (names.Contains("ppt/presentation.xml")) return new("pptx", Formats["pptx"]);
        }
        return new("zip", Formats["zip"]);
    }

    /// <summary>
    /// The entry names of a ZIP's central directory (at most <see cref="MaxZipEntriesInspected"/>), or null when it
    /// has none where the end record says (truncated, damaged).
    /// </summary>
    private static HashSet<string>? ZipEntryNames(Stream file)
    {
        var end = FindEndOfCentralDirectory(file);
        if (end is not { } eocd) return null;
        var names = new HashSet<string>(StringComparer.Ordinal);
        var (offset, size) = (eocd.DirectoryOffset, Math.Min(eocd.DirectorySize, MaxDirectoryBytes));
        if (offset == 0xFFFFFFFF || eocd.DirectorySize == 0xFFFFFFFF) return names; // ZIP64: a big archive, not an Office file
        if (offset + eocd.DirectorySize > eocd.Position) return null;
        var directory = new byte[size];
        file.Position = offset;
        file.ReadExactly(directory);
        var span = directory.AsSpan();
        var at = 0;
        while (names.Count < MaxZipEntriesInspected && at + 46 <= span.Length && span[at..].StartsWith("PK\x01\x02"u8))
        {
            var nameLength = BinaryPrimitives.ReadUInt16LittleEndian(span[(at + 28)..]);
            var extra = BinaryPrimitives.ReadUInt16LittleEndian(span[(at + 30)..]);
            var comment = BinaryPrimitives.ReadUInt16LittleEndian(span[(at + 32)..]);
            if (at + 46 + nameLength > span.Length) break;
            names.Add(Encoding.UTF8.GetString(span.Slice(at + 46, nameLength)));
            at += 46 + nameLength + extra + comment;
        }
        return names;
    }

    private readonly record struct EndRecord(long Position, long DirectoryOffset, long DirectorySize);

    /// <summary>The ZIP end-of-central-directory record, searched in the last 64 KB + 22 bytes (its comment's bound).</summary>
    private static EndRecord? FindEndOfCentralDirectory(Stream file)
    {
        var tailLength = (int)Math.Min(file.Length, 65_535 + 22);
        if (tailLength < 22) return null;
        var tail = new byte[tailLength];
        file.Position = file.Length - tailLength;
        file.ReadExactly(tail);
        for (var i = tailLength - 22; i >= 0; i--)
        {
            if (!tail.AsSpan(i).StartsWith("PK\x05\x06"u8)) continue;
            var commentLength = BinaryPrimitives.ReadUInt16LittleEndian(tail.AsSpan(i + 20));
            // A real end record ends the file exactly (its comment is last); a chance match inside data does not.
            if (i + 22 + commentLength != tailLength) continue;
            return new EndRecord(file.Length - tailLength + i,
                BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(i + 16)),
                BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(i + 12)));
        }
        return null;
    }

    private static bool HasZipAtEnd(Stream file) => FindEndOfCentralDirectory(file) is not null;

    private static SniffResult Gzip(Stream file)
    {
        try
        {
            file.Position = 0;
            using var gzip = new GZipStream(file, CompressionMode.Decompress, leaveOpen: true);
            var block = new byte[512];
            var read = gzip.ReadAtLeast(block, block.Length, throwOnEndOfStream: false);
            if (read >= 262 && block.AsSpan(257, 5).SequenceEqual("ustar"u8)) return new("tar.gz", Formats["tar.gz"]);
            return new(null, "a gzip-compressed file that is not a tar archive");
        }
        catch (InvalidDataException)
        {
            return new(null, "a damaged gzip file");
        }
    }

    // ---- OLE2 compound files: Word, Excel, PowerPoint (and WPS) binaries, told apart by their streams ----

    private static SniffResult Ole(Stream file, string extension)
    {
        var names = OleStreamNames(file);
        if (names is null) return new(null, "a damaged or truncated Office document");
        if (names.Contains("EncryptedPackage") || names.Contains("EncryptionInfo"))
            return new(null, "a password-protected Office document");
        if (names.Contains("WordDocument")) return extension == ".wps" ? new("wps", Formats["wps"]) : new("doc", Formats["doc"]);
        if (names.Contains("Workbook") || names.Contains("Book")) return extension == ".et" ? new("et", Formats["et"]) : new("xls", Formats["xls"]);
        if (names.Contains("PowerPoint Document")) return extension == ".dps" ? new("dps", Formats["dps"]) : new("ppt", Formats["ppt"]);
        return new(null, "an OLE compound file that is not a Word, Excel or PowerPoint document");
    }

    /// <summary>Names in an OLE2 compound file's directory, following its sector chain with bounded reads; null if damaged.</summary>
    private static HashSet<string>? OleStreamNames(Stream file)
    {
        try
        {
            var header = ReadAt(file, 0, 512);
            var shift = BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(30));
            if (shift is not (9 or 12)) return null;
            var sectorSize = 1 << shift;
            var perSector = sectorSize / 4;
            var difat = new List<uint>();
            for (var i = 0; i < 109; i++) difat.Add(BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(76 + 4 * i)));
            var nextDifat = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(68));
            for (var hops = 0; nextDifat < 0xFFFFFFFA && hops < 64; hops++)
            {
                var sector = ReadAt(file, (nextDifat + 1L) << shift, sectorSize);
                for (var i = 0; i < perSector - 1; i++) difat.Add(BinaryPrimitives.ReadUInt32LittleEndian(sector.AsSpan(4 * i)));
                nextDifat = BinaryPrimitives.ReadUInt32LittleEndian(sector.AsSpan(4 * (perSector - 1)));
            }

            uint Next(uint sector)
            {
                var fatIndex = (int)(sector / perSector);
                if (fatIndex >= difat.Count || difat[fatIndex] >= 0xFFFFFFFA) return 0xFFFFFFFE;
                var fat = ReadAt(file, (difat[fatIndex] + 1L) << shift, sectorSize);
                return BinaryPrimitives.ReadUInt32LittleEndian(fat.AsSpan((int)(sector % perSector) * 4));
            }

            var names = new HashSet<string>(StringComparer.Ordinal);
            var current = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(48));
            for (var count = 0; current < 0xFFFFFFFA && count < MaxOleDirectorySectors; count++)
            {
                var sector = ReadAt(file, (current + 1L) << shift, sectorSize);
                for (var e = 0; e + 128 <= sectorSize; e += 128)
                {
                    var length = BinaryPrimitives.ReadUInt16LittleEndian(sector.AsSpan(e + 64));
                    if (length is < 2 or > 64) continue;
                    names.Add(Encoding.Unicode.GetString(sector, e, length - 2));
                }
                current = Next(current);
            }
            return names.Count == 0 ? null : names;
        }
        catch (EndOfStreamException)
        {
            return null;
        }
    }

    private static byte[] ReadAt(Stream file, long offset, int count)
    {
        if (offset < 0 || offset + count > file.Length) throw new EndOfStreamException();
        var buffer = new byte[count];
        file.Position = offset;
        file.ReadExactly(buffer);
        return buffer;
    }
}
