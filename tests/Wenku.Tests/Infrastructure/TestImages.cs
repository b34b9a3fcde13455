using System.Buffers.Binary;
using System.IO.Compression;
using SkiaSharp;

namespace Wenku.Tests.Infrastructure;

/// <summary>Images made for a test: what SkiaSharp encodes (PNG, JPEG, WebP), and BMP, GIF and TIFF written by hand.</summary>
public static class TestImages
{
    public static byte[] Encode(SKEncodedImageFormat format, int width = 320, int height = 200, SKColor? color = null)
    {
        using var bitmap = Picture(width, height, color ?? SKColors.SteelBlue);
        using var data = bitmap.Encode(format, 90);
        return data.ToArray();
    }

    private static SKBitmap Picture(int width, int height, SKColor color)
    {
        var bitmap = new SKBitmap(width, height);
        using var canvas = new SKCanvas(bitmap);
        canvas.Clear(SKColors.White);
        using var paint = new SKPaint { Color = color };
        canvas.DrawCircle(width / 2f, height / 2f, Math.Min(width, height) / 3f, paint);
        return bitmap;
    }

    /// <summary>A 24-bit uncompressed BMP.</summary>
    public static byte[] Bmp(int width = 64, int height = 48)
    {
        var row = (width * 3 + 3) & ~3;
        var bytes = new byte[54 + row * height];
        "BM"u8.CopyTo(bytes);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(2), bytes.Length);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(10), 54);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(14), 40);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(18), width);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(22), height);
        BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(26), 1);
        BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(28), 24);
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
                bytes[54 + y * row + x * 3] = (byte)(x * 4); // blue ramp
        return bytes;
    }

    /// <summary>An animated GIF of <paramref name="frames"/> frames (LZW written the simple way: a clear code every few pixels).</summary>
    public static byte[] Gif(int frames, int width = 40, int height = 30)
    {
        using var ms = new MemoryStream();
        ms.Write("GIF89a"u8);
        WriteLe16(ms, width);
        WriteLe16(ms, height);
        ms.Write([0xF1, 0, 0]); // global colour table of 4 entries
        ms.Write([0, 0, 0, 255, 255, 255, 255, 0, 0, 0, 0, 255]);
        for (var f = 0; f < frames; f++)
        {
            ms.Write([0x21, 0xF9, 4, 0, 10, 0, 0, 0]); // graphic control: 0.1 s
            ms.WriteByte(0x2C);
            WriteLe16(ms, 0); WriteLe16(ms, 0); WriteLe16(ms, width); WriteLe16(ms, height);
            ms.WriteByte(0);
            const int minCodeSize = 2; // codes: 0-3 colours, 4 clear, 5 end; width 3 bits
            ms.WriteByte(minCodeSize);
            var bits = new List<bool>();
            void Code(int code) { for (var b = 0; b < 3; b++) bits.Add(((code >> b) & 1) == 1); }
            for (var i = 0; i < width * height; i++)
            {
                if (i % 2 == 0) Code(4); // clearing every two pixels keeps the code width at 3 bits
                Code((i + f) % 4);
            }
            Code(5);
            var data = new byte[(bits.Count + 7) / 8];
            for (var i = 0; i < bits.Count; i++) if (bits[i]) data[i / 8] |= (byte)(1 << (i % 8));
            for (var at = 0; at < data.Length; at += 255)
            {
                var n = Math.Min(255, data.Length - at);
                ms.WriteByte((byte)n);
                ms.Write(data, at, n);
            }
            ms.WriteByte(0);
        }
        ms.WriteByte(0x3B);
        return ms.ToArray();
    }

    /// <summary>An uncompressed 8-bit greyscale TIFF of <paramref name="pages"/> pages.</summary>
    public static byte[] Tiff(int pages, int width = 60, int height = 40, int? claimedWidth = null) =>
        LittleEndianTiff(pages, (ms, p) =>
        {
            var pixelsAt = ms.Position;
            for (var i = 0; i < width * height; i++) ms.WriteByte((byte)((i * (p + 1)) % 256));
            return
            [
                (256, 4, (uint)(claimedWidth ?? width)), (257, 4, (uint)height), (258, 3, 8), (259, 3, 1), (262, 3, 1),
                (273, 4, (uint)pixelsAt), (277, 3, 1), (278, 4, (uint)height), (279, 4, (uint)(width * height)),
            ];
        });

    /// <summary>
    /// A multi-page uncompressed 8-bit greyscale TIFF of the given frames, each with its resolution (XResolution,
    /// YResolution, in dots per inch) written as a scanner does.
    /// </summary>
    public static byte[] GreyTiff(IReadOnlyList<SKBitmap> frames, int dpi) =>
        LittleEndianTiff(frames.Count, (ms, p) =>
        {
            var frame = frames[p];
            var (width, height) = (frame.Width, frame.Height);
            var pixelsAt = ms.Position;
            for (var y = 0; y < height; y++)
                for (var x = 0; x < width; x++)
                {
                    var c = frame.GetPixel(x, y);
                    ms.WriteByte((byte)((c.Red * 299 + c.Green * 587 + c.Blue * 114) / 1000));
                }
            if (ms.Position % 2 == 1) ms.WriteByte(0);
            var resolutionAt = ms.Position; // two RATIONALs: dpi/1, dpi/1
            WriteLe32(ms, (uint)dpi); WriteLe32(ms, 1); WriteLe32(ms, (uint)dpi); WriteLe32(ms, 1);
            return
            [
                (256, 4, (uint)width), (257, 4, (uint)height), (258, 3, 8), (259, 3, 1), (262, 3, 1),
                (273, 4, (uint)pixelsAt), (277, 3, 1), (278, 4, (uint)height), (279, 4, (uint)(width * height)),
                (282, 5, (uint)resolutionAt), (283, 5, (uint)resolutionAt + 8), (296, 3, 2),
            ];
        });

    /// <summary>
    /// A little-endian TIFF of <paramref name="pages"/> frames: <paramref name="frame"/> writes a frame's data and
    /// returns its directory entries (one value each); the directories are written after it and chained.
    /// </summary>
    private static byte[] LittleEndianTiff(int pages, Func<MemoryStream, int, (ushort Tag, ushort Type, uint Value)[]> frame)
    {
        using var ms = new MemoryStream();
        ms.Write("II*\0"u8);
        WriteLe32(ms, 0); // patched: first IFD
        var ifdOffsets = new List<long>();
        var nextPointers = new List<long>();
        for (var p = 0; p < pages; p++)
        {
            var entries = frame(ms, p);
            if (ms.Position % 2 == 1) ms.WriteByte(0);
            ifdOffsets.Add(ms.Position);
            WriteLe16(ms, entries.Length);
            foreach (var (tag, type, value) in entries)
            {
                WriteLe16(ms, tag); WriteLe16(ms, type); WriteLe32(ms, 1);
                if (type == 3) { WriteLe16(ms, (int)value); WriteLe16(ms, 0); } else WriteLe32(ms, value);
            }
            nextPointers.Add(ms.Position);
            WriteLe32(ms, 0);
        }
        var bytes = ms.ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), (uint)ifdOffsets[0]);
        for (var p = 0; p + 1 < pages; p++)
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan((int)nextPointers[p]), (uint)ifdOffsets[p + 1]);
        return bytes;
    }

    /// <summary>
    /// A decompression bomb: a PNG whose header claims <paramref name="width"/> × <paramref name="height"/> pixels, with
    /// a deflate stream of zero rows that would inflate to that many bytes (only the first rows are written here).
    /// </summary>
    public static byte[] PixelBombPng(int width = 50_000, int height = 50_000)
    {
        using var ms = new MemoryStream();
        ms.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8; // bit depth
        ihdr[9] = 0; // greyscale
        Chunk(ms, "IHDR", ihdr);
        using (var z = new MemoryStream())
        {
            using (var deflate = new ZLibStream(z, CompressionLevel.SmallestSize, leaveOpen: true))
            {
                var zeros = new byte[width + 1];
                for (var r = 0; r < 200; r++) deflate.Write(zeros);
            }
            Chunk(ms, "IDAT", z.ToArray());
        }
        Chunk(ms, "IEND", []);
        return ms.ToArray();
    }

    private static void Chunk(Stream s, string type, byte[] data)
    {
        var header = new byte[8];
        BinaryPrimitives.WriteInt32BigEndian(header, data.Length);
        System.Text.Encoding.ASCII.GetBytes(type).CopyTo(header, 4);
        s.Write(header);
        s.Write(data);
        var crc = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32([.. header[4..], .. data]));
        s.Write(crc);
    }

    private static uint Crc32(byte[] bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++) crc = (crc & 1) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
        }
        return ~crc;
    }

    private static void WriteLe16(Stream s, int v) { s.WriteByte((byte)v); s.WriteByte((byte)(v >> 8)); }
    private static void WriteLe32(Stream s, uint v) { for (var i = 0; i < 4; i++) s.WriteByte((byte)(v >> (8 * i))); }
}
