using System.Buffers.Binary;
using System.Text;

namespace Wenku.Tests.Infrastructure;

/// <summary>
/// RAR archives for tests. Nothing free writes RAR, so this writes the RAR 1.5–4.x format ("RAR 4") by hand, entries
/// stored (method 0x30, no compression), following the layout of RARLAB's technote: the marker block, the main archive
/// header, per entry a file header and its data, and the end-of-archive block. Every header starts with HEAD_CRC (the
/// low 16 bits of the CRC32 of the header from HEAD_TYPE on), HEAD_TYPE, HEAD_FLAGS and HEAD_SIZE.
/// </summary>
public static class TestRar
{
    /// <summary>One entry: <paramref name="Content"/> null for a directory; <paramref name="Encrypted"/> sets the password flag (the data stays as it is).</summary>
    public sealed record Entry(string Name, byte[]? Content, DateTime Modified, bool Encrypted = false);

    public static readonly byte[] Marker = [0x52, 0x61, 0x72, 0x21, 0x1A, 0x07, 0x00];

    private const byte MainHeader = 0x73, FileHeader = 0x74, EndOfArchive = 0x7B;
    private const ushort LongBlock = 0x8000, Password = 0x04, UnicodeName = 0x200, Directory = 0xE0, EndFlags = 0x4000;
    private const byte HostWin32 = 2, UnpackVersion = 20, MethodStore = 0x30;

    public static byte[] Write(params Entry[] entries)
    {
        using var rar = new MemoryStream();
        rar.Write(Marker);
        rar.Write(Block(MainHeader, 0, new byte[6])); // RESERVED1 (2), RESERVED2 (4)
        foreach (var e in entries)
        {
            var data = e.Content ?? [];
            var name = Encoding.UTF8.GetBytes(e.Name.Replace('/', '\\'));
            var ascii = name.All(b => b < 0x80);
            var flags = (ushort)(LongBlock | (ascii ? 0 : UnicodeName) | (e.Encrypted ? Password : 0) | (e.Content is null ? Directory : 0));
            var body = new byte[25 + name.Length];
            var s = body.AsSpan();
            BinaryPrimitives.WriteUInt32LittleEndian(s, (uint)data.Length);          // PACK_SIZE (stored: as unpacked)
            BinaryPrimitives.WriteUInt32LittleEndian(s[4..], (uint)data.Length);     // UNP_SIZE
            s[8] = HostWin32;                                                         // HOST_OS
            BinaryPrimitives.WriteUInt32LittleEndian(s[9..], Crc32(data));           // FILE_CRC
            BinaryPrimitives.WriteUInt32LittleEndian(s[13..], DosTime(e.Modified));  // FTIME
            s[17] = UnpackVersion;                                                    // UNP_VER
            s[18] = MethodStore;                                                      // METHOD
            BinaryPrimitives.WriteUInt16LittleEndian(s[19..], (ushort)name.Length);  // NAME_SIZE
            BinaryPrimitives.WriteUInt32LittleEndian(s[21..], e.Content is null ? 0x10u : 0x20u); // ATTR: directory / archive
            name.CopyTo(s[25..]); // with the Unicode flag and no NUL in it, readers take the name as UTF-8
            rar.Write(Block(FileHeader, flags, body));
            rar.Write(data);
        }
        rar.Write(Block(EndOfArchive, EndFlags, []));
        return rar.ToArray();
    }

    public static readonly byte[] Rar5Marker = [0x52, 0x61, 0x72, 0x21, 0x1A, 0x07, 0x01, 0x00];

    /// <summary>
    /// The same entries as a RAR 5 archive (RARLAB's "RAR 5.0 archive format"): the signature, the main archive header,
    /// per entry a file header (stored, Unix time, data CRC32) and its data, the end of archive header. Each header is
    /// CRC32, its size (vint), then type, flags … — its CRC taken from the size field on. No encryption.
    /// </summary>
    public static byte[] WriteRar5(params Entry[] entries)
    {
        using var rar = new MemoryStream();
        rar.Write(Rar5Marker);
        rar.Write(Header5([1, 0, 0])); // main archive header: type 1, flags 0, archive flags 0
        foreach (var e in entries)
        {
            var data = e.Content ?? [];
            var name = Encoding.UTF8.GetBytes(e.Name);
            var h = new List<byte> { 2 }; // file header
            h.AddRange(data.Length > 0 ? [0x02, .. Vint(data.Length)] : [0x00]); // header flags: data area (its size)
            h.AddRange(Vint(e.Content is null ? 0x01 | 0x02 : 0x02 | 0x04)); // file flags: directory | Unix time | CRC32
            h.AddRange(Vint(data.Length));                                  // unpacked size
            h.AddRange(Vint(e.Content is null ? 0x10 : 0x20));              // attributes
            h.AddRange(BitConverter.GetBytes((uint)new DateTimeOffset(e.Modified, TimeSpan.Zero).ToUnixTimeSeconds()));
            if (e.Content is not null) h.AddRange(BitConverter.GetBytes(Crc32(data)));
            h.AddRange(Vint(0));                                            // compression: version 0, store
            h.AddRange(Vint(0));                                            // host OS: Windows
            h.AddRange(Vint(name.Length));
            h.AddRange(name);
            rar.Write(Header5([.. h]));
            rar.Write(data);
        }
        rar.Write(Header5([5, 0, 0])); // end of archive: type 5, flags 0, end flags 0
        return rar.ToArray();
    }

    private static byte[] Header5(byte[] header)
    {
        byte[] sized = [.. Vint(header.Length), .. header];
        return [.. BitConverter.GetBytes(Crc32(sized)), .. sized];
    }

    private static byte[] Vint(long value)
    {
        var bytes = new List<byte>();
        do
        {
            var b = (byte)(value & 0x7F);
            value >>= 7;
            bytes.Add(value > 0 ? (byte)(b | 0x80) : b);
        }
        while (value > 0);
        return [.. bytes];
    }

    /// <summary>HEAD_CRC, HEAD_TYPE, HEAD_FLAGS, HEAD_SIZE, then the rest of the header.</summary>
    private static byte[] Block(byte type, ushort flags, byte[] rest)
    {
        var block = new byte[7 + rest.Length];
        block[2] = type;
        BinaryPrimitives.WriteUInt16LittleEndian(block.AsSpan(3), flags);
        BinaryPrimitives.WriteUInt16LittleEndian(block.AsSpan(5), (ushort)block.Length);
        rest.CopyTo(block.AsSpan(7));
        BinaryPrimitives.WriteUInt16LittleEndian(block, (ushort)Crc32(block.AsSpan(2)));
        return block;
    }

    /// <summary>MS-DOS date and time: seconds / 2, minutes, hours, day, month, years since 1980.</summary>
    private static uint DosTime(DateTime t) =>
        (uint)(t.Second / 2 | t.Minute << 5 | t.Hour << 11 | t.Day << 16 | t.Month << 21 | (t.Year - 1980) << 25);

    private static readonly uint[] Table = Enumerable.Range(0, 256).Select(n =>
    {
        var c = (uint)n;
        for (var k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
        return c;
    }).ToArray();

    public static uint Crc32(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFF;
        foreach (var b in data) crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return ~crc;
    }
}
