namespace Wenku.Documents;

/// <summary>Tells a file's format from its content (magic bytes), never from its name.</summary>
public static class FileSniffer
{
    /// <summary>What the first bytes say: a supported format (<c>pdf</c>), or a description of what it is instead.</summary>
    public static (string? Format, string What) Sniff(ReadOnlySpan<byte> head)
    {
        if (head.Length == 0) return (null, "an empty file");
        // The PDF header may follow up to 1 KB of junk (ISO 32000-1, 7.5.2 note; readers accept it).
        var pdf = head[..Math.Min(head.Length, 1024)].IndexOf("%PDF-"u8);
        if (pdf >= 0) return ("pdf", "PDF");
        if (head.StartsWith("MZ"u8)) return (null, "a Windows program");
        if (head.StartsWith(new byte[] { 0x7F, (byte)'E', (byte)'L', (byte)'F' })) return (null, "a Linux program");
        if (head.StartsWith("PK\x03\x04"u8)) return (null, "a ZIP archive or Office document");
        if (head.StartsWith(new byte[] { 0xD0, 0xCF, 0x11, 0xE0 })) return (null, "an old Office document");
        if (head.StartsWith("Rar!"u8)) return (null, "a RAR archive");
        if (head.StartsWith(new byte[] { 0x37, 0x7A, 0xBC, 0xAF })) return (null, "a 7z archive");
        if (head.StartsWith(new byte[] { 0x89, 0x50, 0x4E, 0x47 })) return (null, "a PNG image");
        if (head.StartsWith(new byte[] { 0xFF, 0xD8, 0xFF })) return (null, "a JPEG image");
        return (null, "an unrecognised file");
    }
}
