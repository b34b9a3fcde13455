using System.Runtime.Intrinsics;
using Microsoft.Extensions.Options;
using SkiaSharp;
using Wenku.Documents;
using Wenku.Web.Localization;

namespace Wenku.Conversion;

/// <summary>
/// The four images of one page in a work folder, named after its desktop JPEG (<c>page-3.jpg</c>, <c>page-3.webp</c>,
/// <c>page-3.m.jpg</c>, <c>page-3.m.webp</c>); stored under <see cref="PreviewVersions.PageKey"/>.
/// </summary>
public sealed record PreviewFiles(string Jpeg, string Webp, string PhoneJpeg, string PhoneWebp)
{
    public static PreviewFiles Of(string jpegPath)
    {
        var stem = jpegPath.EndsWith(".jpg", StringComparison.Ordinal) ? jpegPath[..^4] : jpegPath;
        return new(jpegPath, stem + ".webp", stem + ".m.jpg", stem + ".m.webp");
    }

    /// <summary>Each file of a version-1 page with the size and format it holds.</summary>
    public IEnumerable<(string Path, PreviewVersions.Size Size, bool Webp)> All =>
    [
        (Jpeg, PreviewVersions.Size.Desktop, false), (Webp, PreviewVersions.Size.Desktop, true),
        (PhoneJpeg, PreviewVersions.Size.Phone, false), (PhoneWebp, PreviewVersions.Size.Phone, true),
    ];

    /// <summary>The files <see cref="PreviewEncoder.Write"/> makes (<see cref="PreviewVersions.Current"/>): all but the desktop WebP.</summary>
    public IEnumerable<(string Path, PreviewVersions.Size Size, bool Webp)> Written =>
        All.Where(f => f.Size == PreviewVersions.Size.Phone || !f.Webp);
}

/// <summary>
/// Encodes a rendered (already watermarked) page once into every file the site serves (<see cref="PreviewVersions.Current"/>):
/// the desktop size as it was rendered, as one progressive JPEG; the phone size made by downscaling that bitmap (not a
/// second render), as JPEG and WebP; and the cover of a document from its first page. A page without colour gets
/// one-channel (gray) JPEGs: no chroma to compute or store.
/// </summary>
public sealed class PreviewEncoder(IOptions<ConversionOptions> options)
{
    /// <summary>
    /// Width of the phone size: a 390 px wide phone at 2× device pixels shows 780, and a page is shown with a margin,
    /// so 720 is sharp there at ~40 % of the desktop bytes. Never wider than the desktop image.
    /// </summary>
    public const int PhoneWidth = 720;

    /// <summary>Width of a cover: list cards show it at ~120 CSS px, sharp at 2×.</summary>
    public const int CoverWidth = 240;

    // libwebp's fastest method: a text page costs ~22 ms instead of ~74 at method 3, for ~5 % more bytes.
    private const int WebpMethod = 0;

    private readonly ConversionOptions _o = options.Value;

    /// <summary>A rendered or stored page image that cannot be decoded.</summary>
    public static readonly Message Unreadable = new("preview.unreadable", "渲染结果无法读取。");

    /// <summary>
    /// Writes the images of a page whose desktop JPEG is <paramref name="jpegPath"/>: that JPEG, the phone JPEG and
    /// the phone WebP (<see cref="PreviewFiles.Written"/>).
    /// </summary>
    public void Write(SKBitmap page, string jpegPath)
    {
        var files = PreviewFiles.Of(jpegPath);
        // One look at the desktop bitmap decides for both sizes: the phone image averages its pixels, so it has no colour either.
        if (!IsGray(page))
        {
            File.WriteAllBytes(files.Jpeg, EncodeDesktopJpeg(page, gray: false));
            WritePhone(page, files, gray: false);
            return;
        }
        // A page without colour goes on as one plane of luma: a quarter of the bytes through the downscale and both
        // JPEG encoders (which then skip their colour conversion), and the phone WebP's gray levels are a table lookup.
        using var luma = ToLuma(page);
        File.WriteAllBytes(files.Jpeg, EncodeDesktopJpeg(luma, gray: true));
        WritePhone(luma, files, gray: true);
    }

    /// <summary>
    /// Writes the phone sizes of a page whose desktop JPEG exists (a converter that wrote only that, or a stored page of
    /// an older document) when they are not there yet.
    /// </summary>
    public void WriteMissing(string jpegPath)
    {
        var files = PreviewFiles.Of(jpegPath);
        if (File.Exists(files.PhoneJpeg) && File.Exists(files.PhoneWebp)) return;
        using var decoded = SKBitmap.Decode(jpegPath) ?? throw new ConversionException(Unreadable);
        if (decoded.ColorType == SKColorType.Gray8)
        {
            WritePhone(decoded, files, gray: true); // a one-channel JPEG: already the luma plane
            return;
        }
        using var page = decoded.ColorType == SKColorType.Rgba8888 ? null : decoded.Copy(SKColorType.Rgba8888) ?? throw new ConversionException(Unreadable);
        WritePhone(page ?? decoded, files, IsGray(page ?? decoded));
    }

    /// <summary>The phone JPEG and WebP of a page, from its desktop bitmap (RGBA, or its luma plane when <paramref name="gray"/>).</summary>
    private void WritePhone(SKBitmap page, PreviewFiles files, bool gray)
    {
        using var phone = Downscale(page, PhoneWidth);
        File.WriteAllBytes(files.PhoneJpeg, EncodeJpeg(phone, _o.JpegQuality, gray, progressive: false));
        File.WriteAllBytes(files.PhoneWebp, EncodePhoneWebp(phone, gray).Bytes);
    }

    /// <summary>
    /// The desktop JPEG of a page: progressive (its optimised Huffman tables make a text page ~12 % smaller, and a browser
    /// shows it coarse first), one channel when <paramref name="gray"/>, at <see cref="ConversionOptions.DesktopJpegQuality"/>.
    /// It replaced the desktop WebP (version 2): ~17 ms a page instead of ~33 for JPEG and WebP, for ~20 % more bytes than
    /// that WebP on the benchmark's text pages (notes in the README's "Preview images").
    /// </summary>
    public byte[] EncodeDesktopJpeg(SKBitmap page, bool gray) => EncodeJpeg(page, _o.DesktopJpegQuality, gray, progressive: true);

    /// <summary>An image file decoded as an opaque RGBA bitmap (a one-channel JPEG decodes as gray); fails as <see cref="Unreadable"/>.</summary>
    private static SKBitmap DecodeRgba(string path)
    {
        var decoded = SKBitmap.Decode(path) ?? throw new ConversionException(Unreadable);
        if (decoded.ColorType == SKColorType.Rgba8888) return decoded;
        using (decoded)
            return decoded.Copy(SKColorType.Rgba8888) ?? throw new ConversionException(Unreadable);
    }

    /// <summary>How a phone WebP was encoded.</summary>
    public enum PhoneWebp
    {
        /// <summary>Lossy at the configured quality, as every other preview.</summary>
        Lossy,

        /// <summary>Lossless, the page's gray reduced to <see cref="GrayLevels"/> levels (a palette image).</summary>
        GrayPalette,
    }

    /// <summary>
    /// Gray levels of a page without colour in its phone WebP. Anti-aliased black text on white needs few. Measured on a
    /// 720 px bench text page (PSNR of the luma against the full-gray page; lossy q75 today: 130 KB, 38.9 dB; q60: 103 KB,
    /// 36.7 dB): 16 levels 94 KB, 39.6 dB; 12 levels 80 KB, 37.1 dB; 10 levels 74 KB, 35.0 dB; 8 levels 67 KB, 33.4 dB
    /// (edges visibly stepped). At 10 the glyphs look the same as at 16 at 1:1 (the lower PSNR is the half-tones of
    /// glyph edges rounded to a coarser step, not blur or ringing) and the page is ~43 % smaller than lossy: what brings
    /// the pages a phone scrolls through to see three under 400 KB (issue 14). Raise it if a page type shows banding.
    /// </summary>
    public const int GrayLevels = 10;

    /// <summary>
    /// The phone WebP of a page: most pages are black text on white, and for a page without colour a lossless image of
    /// <see cref="GrayLevels"/> gray levels is much smaller than lossy WebP and keeps glyph edges crisp (no ringing from
    /// the block transform). Both are made and the smaller kept, so a gray photograph or scan — where the palette image
    /// would be larger, and banded — stays lossy; a page with any colour is lossy without trying.
    /// </summary>
    public (byte[] Bytes, PhoneWebp Encoding) EncodePhoneWebp(SKBitmap phone) => EncodePhoneWebp(phone, IsGray(phone));

    /// <summary>As <see cref="EncodePhoneWebp(SKBitmap)"/> for a page already known to have colour or not.</summary>
    public (byte[] Bytes, PhoneWebp Encoding) EncodePhoneWebp(SKBitmap phone, bool noColour)
    {
        if (!noColour) return (EncodeWebp(phone, _o.WebpQuality), PhoneWebp.Lossy);
        // A luma plane tells its paper share before the gray-level image is made: a scan goes lossy without it.
        if (phone.ColorType == SKColorType.Gray8 && LumaPaperShare(phone) < MinPaperShare) return (EncodeWebp(phone, _o.WebpQuality), PhoneWebp.Lossy);
        using var gray = ToGrayLevels(phone, GrayLevels);
        // Decided from the page, not by encoding it both ways (that cost a second encode, ~2× the lossy one, on every
        // gray page, scans included): text on paper is mostly white, a gray photograph or a noisy scan is not.
        if (PaperShare(gray) < MinPaperShare) return (EncodeWebp(phone, _o.WebpQuality), PhoneWebp.Lossy);
        var palette = EncodeLosslessWebp(gray);
        // A page that fooled the share (fine halftone on white): compare with lossy only when the palette image is large.
        if (palette.Length <= (long)phone.Width * phone.Height * LargePaletteBytesPerHundredPixels / 100) return (palette, PhoneWebp.GrayPalette);
        var lossy = EncodeWebp(phone, _o.WebpQuality);
        return palette.Length < lossy.Length ? (palette, PhoneWebp.GrayPalette) : (lossy, PhoneWebp.Lossy);
    }

    /// <summary>
    /// The share of a gray-level page's pixels that are paper (pure white) from which its phone WebP is the palette image.
    /// Measured: the bench's text pages ~0.9, a gray photograph 0.
    /// </summary>
    public const double MinPaperShare = 0.6;

    /// <summary>Palette images larger than this (bytes per 100 pixels; a text page's is ~8, its lossy WebP ~15) are checked against lossy.</summary>
    private const int LargePaletteBytesPerHundredPixels = 15;

    /// <summary>The share of pixels that are pure white (every 8th row and column: a page's paper is everywhere).</summary>
    public static double PaperShare(SKBitmap gray)
    {
        long white = 0, seen = 0;
        for (var y = 0; y < gray.Height; y += 8)
            for (var x = 0; x < gray.Width; x += 8, seen++)
                if ((gray.GetPixel(x, y).Red) == 255) white++;
        return seen == 0 ? 0 : (double)white / seen;
    }

    /// <summary>The lowest luma that <see cref="ToGrayLevels"/> at <see cref="GrayLevels"/> makes white.</summary>
    private static readonly int WhiteFrom = Enumerable.Range(0, 256).First(l => Math.Round(Math.Round(l / (255.0 / (GrayLevels - 1))) * (255.0 / (GrayLevels - 1))) >= 255);

    /// <summary><see cref="PaperShare"/> of a luma plane's gray-level image, read from the plane (the same pixels sampled).</summary>
    public static double LumaPaperShare(SKBitmap luma)
    {
        long white = 0, seen = 0;
        unsafe
        {
            var pixels = (byte*)luma.GetPixels();
            for (var y = 0; y < luma.Height; y += 8)
                for (var x = 0; x < luma.Width; x += 8, seen++)
                    if (pixels[(long)y * luma.RowBytes + x] >= WhiteFrom) white++;
        }
        return seen == 0 ? 0 : (double)white / seen;
    }

    /// <summary>
    /// Whether no pixel has colour: every pixel's channels within <c>24</c> of each other (a rendered text page is exactly
    /// gray; a JPEG-decoded one has small chroma noise). One coloured pixel is enough: a red stamp must stay red.
    /// </summary>
    public static bool IsGray(SKBitmap bitmap)
    {
        if (bitmap.ColorType is not (SKColorType.Rgba8888 or SKColorType.Bgra8888 or SKColorType.Rgb888x)) return bitmap.ColorType == SKColorType.Gray8;
        unsafe
        {
            var pixels = (byte*)bitmap.GetPixels();
            for (var y = 0; y < bitmap.Height; y++)
                if (!IsGrayRow(new ReadOnlySpan<uint>(pixels + (long)y * bitmap.RowBytes, bitmap.Width))) return false;
        }
        return true;
    }

    /// <summary>
    /// <see cref="IsGray"/> of one row of 32-bit pixels, eight or four at a time where the CPU has vectors (the check runs
    /// on every desktop page: ~1.5 ms pixel by pixel, a fraction of that in vectors); the rest one by one.
    /// </summary>
    internal static bool IsGrayRow(ReadOnlySpan<uint> row)
    {
        var x = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var (mask, limit) = (Vector256.Create(0xFFu), Vector256.Create(24u));
            for (; x + 8 <= row.Length; x += 8)
            {
                var p = Vector256.Create(row.Slice(x, 8));
                var (a, b, c) = (p & mask, (p >> 8) & mask, (p >> 16) & mask);
                var spread = Vector256.Max(a, Vector256.Max(b, c)) - Vector256.Min(a, Vector256.Min(b, c));
                if (Vector256.GreaterThanAny(spread, limit)) return false;
            }
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            var (mask, limit) = (Vector128.Create(0xFFu), Vector128.Create(24u));
            for (; x + 4 <= row.Length; x += 4)
            {
                var p = Vector128.Create(row.Slice(x, 4));
                var (a, b, c) = (p & mask, (p >> 8) & mask, (p >> 16) & mask);
                var spread = Vector128.Max(a, Vector128.Max(b, c)) - Vector128.Min(a, Vector128.Min(b, c));
                if (Vector128.GreaterThanAny(spread, limit)) return false;
            }
        }
        for (; x < row.Length; x++)
        {
            var p = row[x];
            int a = (int)(p & 0xFF), b = (int)(p >> 8 & 0xFF), c = (int)(p >> 16 & 0xFF);
            if (Math.Max(a, Math.Max(b, c)) - Math.Min(a, Math.Min(b, c)) > 24) return false;
        }
        return true;
    }

    /// <summary>An opaque RGBA copy of the bitmap whose pixels are its luma rounded to <paramref name="levels"/> evenly spaced grays.</summary>
    public static SKBitmap ToGrayLevels(SKBitmap bitmap, int levels)
    {
        using var rgba = bitmap.ColorType is SKColorType.Rgba8888 or SKColorType.Gray8 ? null : bitmap.Copy(SKColorType.Rgba8888);
        var source = rgba ?? bitmap;
        var step = 255.0 / (levels - 1);
        Span<uint> table = stackalloc uint[256];
        for (var l = 0; l < 256; l++)
        {
            var g = (uint)Math.Round(Math.Round(l / step) * step);
            table[l] = g * 0x010101u | 0xFF000000u;
        }
        var gray = new SKBitmap(new SKImageInfo(source.Width, source.Height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        unsafe
        {
            byte* from = (byte*)source.GetPixels(), to = (byte*)gray.GetPixels();
            for (var y = 0; y < source.Height; y++)
            {
                var dst = new Span<uint>(to + (long)y * gray.RowBytes, source.Width);
                if (source.ColorType == SKColorType.Gray8)
                {
                    var plane = new ReadOnlySpan<byte>(from + (long)y * source.RowBytes, source.Width);
                    for (var x = 0; x < plane.Length; x++) dst[x] = table[plane[x]];
                    continue;
                }
                var src = new ReadOnlySpan<uint>(from + (long)y * source.RowBytes, source.Width);
                for (var x = 0; x < src.Length; x++)
                {
                    var p = src[x];
                    // Rec. 601 luma in integers (R at the low byte of RGBA).
                    var luma = ((p & 0xFF) * 77 + (p >> 8 & 0xFF) * 150 + (p >> 16 & 0xFF) * 29) >> 8;
                    dst[x] = table[(int)luma];
                }
            }
        }
        return gray;
    }

    // A palette image compresses about as well at libwebp's low lossless effort as at its highest (94.1 KB at method 1,
    // 93.6 at method 4 effort 100, 92.6 at method 6; bench text page, 16 levels), at a fraction of the CPU. Effort 0
    // writes the same bytes as 25 at method 1 for ~12 % less CPU (28.7 against 32.7 ms, `webp-knobs`, 20 Latin text
    // pages at 10 levels: 67.8 KB both); method 0 costs a third but skips the LZ77 matching: 90 KB, over the phone budget.
    private const int LosslessMethod = 1, LosslessEffort = 0;

    private static byte[] EncodeLosslessWebp(SKBitmap bitmap)
    {
        if (LibWebp.EncodeLossless(bitmap, LosslessEffort, LosslessMethod) is { } bytes) return bytes;
        using var pixmap = bitmap.PeekPixels();
        using var data = pixmap.Encode(new SKWebpEncoderOptions(SKWebpEncoderCompression.Lossless, LosslessEffort))
            ?? throw new InvalidOperationException("WebP encoding failed");
        return data.ToArray();
    }

    /// <summary>Writes the cover (<see cref="CoverWidth"/> wide, JPEG and WebP) from an image of the first page.</summary>
    public void WriteCover(string firstPageImage, string jpegPath, string webpPath)
    {
        using var page = DecodeRgba(firstPageImage);
        using var cover = Downscale(page, CoverWidth);
        WriteJpeg(cover, jpegPath, _o.JpegQuality);
        WriteWebp(cover, webpPath, _o.WebpQuality);
    }

    /// <summary>
    /// The bitmap at most <paramref name="width"/> wide, same ratio. Bilinear scaling, halving first while the target is less than half as wide: down to half, bilinear averages
    /// neighbouring pixels like a box filter (measured: half the cost of a cubic filter, a quarter of mipmaps), below
    /// that it would skip pixels and alias thin strokes. Pixmap to pixmap
    /// (<see cref="SKPixmap.ScalePixels(SKPixmap, SKSamplingOptions)"/>), not drawn through a canvas: the same filter
    /// at ~60 % of the CPU (8 vs 13 ms for a 990 px page to 720, bench step table). libwebp's area rescaler
    /// (<c>WebPPictureRescale</c> on an ARGB picture) was measured too and costs more: 11.5 vs 8.3 ms, most of it the
    /// import into its own ARGB plane.
    /// </summary>
    public static SKBitmap Downscale(SKBitmap source, int width)
    {
        // A luma plane stays one: a quarter of the bytes through the scaler.
        var type = source.ColorType == SKColorType.Gray8 ? SKColorType.Gray8 : SKColorType.Rgba8888;
        if (source.Width <= width) return source.Copy(type);
        var current = source;
        while (true)
        {
            var step = Math.Max(width, (current.Width + 1) / 2);
            var height = Math.Max(1, (int)Math.Round(source.Height * (double)step / source.Width));
            var target = new SKBitmap(new SKImageInfo(step, height, type, SKAlphaType.Opaque));
            using (var from = current.PeekPixels())
            using (var to = target.PeekPixels())
                if (!from.ScalePixels(to, new SKSamplingOptions(SKFilterMode.Linear)))
                    throw new InvalidOperationException("downscaling failed");
            if (!ReferenceEquals(current, source)) current.Dispose();
            if (step == width) return target;
            current = target;
        }
    }

    /// <summary>The encoders, by name (the benchmark's step table times each).</summary>
    public static readonly string[] Formats = ["JPEG", "WebP"];

    /// <summary>The bitmap encoded as <paramref name="format"/> (one of <see cref="Formats"/>) at the configured quality.</summary>
    public byte[] Encode(SKBitmap bitmap, string format) =>
        format == "WebP" ? EncodeWebp(bitmap, _o.WebpQuality) : EncodeJpeg(bitmap, _o.JpegQuality);

    private static void WriteJpeg(SKBitmap bitmap, string path, int quality) => File.WriteAllBytes(path, EncodeJpeg(bitmap, quality));

    private static void WriteWebp(SKBitmap bitmap, string path, int quality) => File.WriteAllBytes(path, EncodeWebp(bitmap, quality));

    private static byte[] EncodeJpeg(SKBitmap bitmap, int quality, bool gray = false, bool progressive = false)
    {
        // TurboJPEG's fast DCT: a fifth of SkiaSharp's CPU for ~5 % more bytes (3.8 vs 18.9 ms for a 990 px text page).
        // Without it, SkiaSharp's encoder writes a colour baseline JPEG: the same picture, larger.
        if (TurboJpeg.Encode(bitmap, quality, gray, progressive) is { } bytes) return bytes;
        using var pixmap = bitmap.PeekPixels();
        using var data = pixmap.Encode(new SKJpegEncoderOptions(quality, SKJpegEncoderDownsample.Downsample420, SKJpegEncoderAlphaOption.Ignore))
            ?? throw new InvalidOperationException("JPEG encoding failed");
        return data.ToArray();
    }

    private static byte[] EncodeWebp(SKBitmap bitmap, int quality)
    {
        if (LibWebp.Encode(bitmap, quality, WebpMethod) is { } bytes) return bytes; // a luma plane too
        if (bitmap.ColorType == SKColorType.Gray8)
        {
            // SkiaSharp's encoder takes colour pixels only.
            using var rgba = bitmap.Copy(SKColorType.Rgba8888) ?? throw new InvalidOperationException("WebP encoding failed");
            return EncodeWebp(rgba, quality);
        }
        using var pixmap = bitmap.PeekPixels();
        using var data = pixmap.Encode(new SKWebpEncoderOptions(SKWebpEncoderCompression.Lossy, quality))
            ?? throw new InvalidOperationException("WebP encoding failed");
        return data.ToArray();
    }

    /// <summary>
    /// The luma plane of an opaque RGBA page (Rec. 601 in integers, as libjpeg computes it: a gray pixel keeps its value),
    /// eight pixels at a time where the CPU has vectors.
    /// </summary>
    public static SKBitmap ToLuma(SKBitmap bitmap)
    {
        if (bitmap.ColorType == SKColorType.Gray8) return bitmap.Copy();
        using var rgba = bitmap.ColorType == SKColorType.Rgba8888 ? null : bitmap.Copy(SKColorType.Rgba8888);
        var source = rgba ?? bitmap;
        var luma = new SKBitmap(new SKImageInfo(source.Width, source.Height, SKColorType.Gray8, SKAlphaType.Opaque));
        unsafe
        {
            byte* from = (byte*)source.GetPixels(), to = (byte*)luma.GetPixels();
            for (var y = 0; y < source.Height; y++)
                LumaRow(new ReadOnlySpan<uint>(from + (long)y * source.RowBytes, source.Width), new Span<byte>(to + (long)y * luma.RowBytes, source.Width));
        }
        return luma;
    }

    /// <summary>One row of <see cref="ToLuma"/>: (77 R + 150 G + 29 B + 128) / 256 (R at the low byte of RGBA).</summary>
    internal static void LumaRow(ReadOnlySpan<uint> row, Span<byte> luma)
    {
        var x = 0;
        if (Vector256.IsHardwareAccelerated && BitConverter.IsLittleEndian)
        {
            var (mask, r, g, b, half) = (Vector256.Create(0xFFu), Vector256.Create(77u), Vector256.Create(150u), Vector256.Create(29u), Vector256.Create(128u));
            for (; x + 8 <= row.Length; x += 8)
            {
                var p = Vector256.Create(row.Slice(x, 8));
                var y = ((p & mask) * r + ((p >> 8) & mask) * g + ((p >> 16) & mask) * b + half) >> 8;
                // Narrow keeps the element order: the eight lumas are the first eight bytes.
                var bytes = Vector256.Narrow(Vector256.Narrow(y, Vector256<uint>.Zero), Vector256<ushort>.Zero).AsUInt64().ToScalar();
                System.Runtime.InteropServices.MemoryMarshal.Write(luma.Slice(x, 8), in bytes);
            }
        }
        for (; x < row.Length; x++)
        {
            var p = row[x];
            luma[x] = (byte)(((p & 0xFF) * 77 + (p >> 8 & 0xFF) * 150 + (p >> 16 & 0xFF) * 29 + 128) >> 8);
        }
    }

    /// <summary>
    /// Reads an image a renderer wrote: binary PPM/PGM (<c>pdftoppm</c> without an image format, the cheapest to write
    /// and to read: no compression either side) into an opaque RGBA bitmap, anything else through SkiaSharp. Null when
    /// the file is not a readable image.
    /// </summary>
    public static SKBitmap? ReadRendered(string path)
    {
        if (!path.EndsWith(".ppm", StringComparison.Ordinal) && !path.EndsWith(".pgm", StringComparison.Ordinal))
            return SKBitmap.Decode(path);
        // A page is ~4 MB of pixels: a pooled buffer, not a new large-object array per page (each one a gen-2 collection's worth).
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
        var length = checked((int)file.Length);
        var rented = System.Buffers.ArrayPool<byte>.Shared.Rent(length);
        try
        {
            file.ReadExactly(rented, 0, length);
            return ParsePnm(rented.AsSpan(0, length));
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>A binary PPM (P6) or PGM (P5) of 8-bit samples as an opaque RGBA bitmap; null when it is not one.</summary>
    internal static SKBitmap? ParsePnm(ReadOnlySpan<byte> bytes)
    {
        var pos = 0;
        string? Token(ReadOnlySpan<byte> bytes)
        {
            while (pos < bytes.Length && (char.IsWhiteSpace((char)bytes[pos]) || bytes[pos] == '#'))
            {
                if (bytes[pos] == '#') while (pos < bytes.Length && bytes[pos] != '\n') pos++;
                else pos++;
            }
            var start = pos;
            while (pos < bytes.Length && !char.IsWhiteSpace((char)bytes[pos])) pos++;
            return pos > start ? System.Text.Encoding.ASCII.GetString(bytes[start..pos]) : null;
        }
        var magic = Token(bytes);
        if (magic is not ("P6" or "P5") || !int.TryParse(Token(bytes), out var w) || !int.TryParse(Token(bytes), out var h)
            || Token(bytes) != "255" || w <= 0 || h <= 0) return null;
        pos++; // the one whitespace byte after the header
        var channels = magic == "P6" ? 3 : 1;
        if ((long)w * h * channels > bytes.Length - pos) return null;
        var bitmap = new SKBitmap(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Opaque));
        unsafe
        {
            var pixels = (byte*)bitmap.GetPixels();
            for (var y = 0; y < h; y++)
            {
                var row = new Span<uint>(pixels + (long)y * bitmap.RowBytes, w);
                var src = bytes.Slice(pos + y * w * channels, w * channels);
                if (channels == 3) RgbToRgba(src, row);
                else
                    for (var x = 0; x < row.Length; x++)
                        row[x] = src[x] * 0x010101u | 0xFF000000u;
            }
        }
        return bitmap;
    }

    /// <summary>
    /// Packed RGB to opaque RGBA words: four pixels (12 bytes) at a time with one byte shuffle where the CPU has one
    /// (SSSE3, NEON), a fifth of the scalar loop's CPU; the rest one by one.
    /// </summary>
    internal static void RgbToRgba(ReadOnlySpan<byte> rgb, Span<uint> rgba)
    {
        var x = 0;
        if (Vector128.IsHardwareAccelerated)
        {
            var shuffle = Vector128.Create((byte)0, 1, 2, 0x80, 3, 4, 5, 0x80, 6, 7, 8, 0x80, 9, 10, 11, 0x80);
            var alpha = Vector128.Create(0xFF000000u).AsByte();
            var output = System.Runtime.InteropServices.MemoryMarshal.AsBytes(rgba);
            // 16 bytes are loaded for 12 used: stop while 16 remain.
            for (; x + 4 <= rgba.Length && x * 3 + 16 <= rgb.Length; x += 4)
            {
                var v = Vector128.Create(rgb.Slice(x * 3, 16));
                (Vector128.Shuffle(v, shuffle) | alpha).CopyTo(output.Slice(x * 4, 16));
            }
        }
        for (int s = x * 3; x < rgba.Length; x++, s += 3)
            rgba[x] = rgb[s] | (uint)rgb[s + 1] << 8 | (uint)rgb[s + 2] << 16 | 0xFF000000u;
    }
}
