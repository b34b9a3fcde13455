using System.Runtime.InteropServices;
using SkiaSharp;

namespace Wenku.Conversion;

/// <summary>
/// JPEG through the system's libjpeg-turbo TurboJPEG API (Debian <c>libturbojpeg0</c>) with its fast integer DCT and
/// 4:2:0 chroma. SkiaSharp's encoder is the same library with the accurate DCT and a row-by-row colour conversion:
/// measured on the benchmark's 990×1400 text pages, TurboJPEG takes a fifth of its CPU (3.8 vs 18.9 ms) for ~5 % more
/// bytes (the step table of <c>bench/run.sh --only ingest</c>). The encoder is checked once (a small image must come back decodable at
/// its size); without the library or when the check fails the caller falls back to SkiaSharp's encoder.
/// </summary>
internal static unsafe class TurboJpeg
{
    private const string Library = "libturbojpeg.so.0";

    // turbojpeg.h: pixel formats, chroma subsampling, flags.
    private const int PixelFormatRgbx = 2, PixelFormatBgrx = 3, PixelFormatGray = 6;
    private const int Subsampling420 = 2, SubsamplingGray = 3;
    private const int FlagFastDct = 2048, FlagProgressive = 16384;

    private static readonly Lazy<bool> Usable = new(Probe);

    /// <summary>Whether libturbojpeg is loaded and its encoder passed the check.</summary>
    public static bool Available => Usable.Value;

    /// <summary>
    /// Encodes an opaque 8-bit RGBA or BGRA bitmap, or a luma plane (<see cref="SKColorType.Gray8"/>, always one channel),
    /// as a baseline JPEG; null when the library is missing or refuses. With
    /// <paramref name="gray"/> the JPEG has one channel, the luma (for a page without colour: no chroma to compute or
    /// store); with <paramref name="progressive"/> it is progressive, which also optimises its Huffman tables.
    /// </summary>
    public static byte[]? Encode(SKBitmap bitmap, int quality, bool gray = false, bool progressive = false) =>
        Available ? EncodeCore(bitmap, quality, gray, progressive) : null;

    private static byte[]? EncodeCore(SKBitmap bitmap, int quality, bool gray = false, bool progressive = false)
    {
        var format = bitmap.ColorType switch
        {
            SKColorType.Rgba8888 or SKColorType.Rgb888x => PixelFormatRgbx,
            SKColorType.Bgra8888 => PixelFormatBgrx,
            SKColorType.Gray8 => PixelFormatGray,
            _ => -1,
        };
        // A luma plane has no colour to keep: a one-channel JPEG, without the colour conversion.
        gray |= format == PixelFormatGray;
        if (format < 0) return null;
        var handle = tjInitCompress();
        if (handle == 0) return null;
        byte* jpeg = null;
        try
        {
            nuint size = 0;
            if (tjCompress2(handle, (byte*)bitmap.GetPixels(), bitmap.Width, bitmap.RowBytes, bitmap.Height, format,
                    &jpeg, &size, gray ? SubsamplingGray : Subsampling420, quality, FlagFastDct | (progressive ? FlagProgressive : 0)) != 0 || jpeg is null)
                return null;
            return new ReadOnlySpan<byte>(jpeg, checked((int)size)).ToArray();
        }
        finally
        {
            if (jpeg is not null) tjFree(jpeg);
            tjDestroy(handle);
        }
    }

    private static bool Probe()
    {
        try
        {
            if (!NativeLibrary.TryLoad(Library, out _)) return false;
            using var probe = new SKBitmap(new SKImageInfo(40, 24, SKColorType.Rgba8888, SKAlphaType.Opaque));
            probe.Erase(new SKColor(40, 120, 200));
            var bytes = EncodeCore(probe, 80);
            using var decoded = bytes is null ? null : SKBitmap.Decode(bytes);
            if (decoded is not { Width: 40, Height: 24 }) return false;
            // Channels in the right order: blue stays blue (a swapped RGB/BGR would come back orange).
            var pixel = decoded.GetPixel(20, 12);
            return pixel.Blue > 150 && pixel.Red < 90;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            return false;
        }
    }

    [DllImport(Library)] private static extern nint tjInitCompress();
    [DllImport(Library)] private static extern int tjCompress2(nint handle, byte* source, int width, int pitch, int height, int pixelFormat,
        byte** jpeg, nuint* jpegSize, int subsampling, int quality, int flags);
    [DllImport(Library)] private static extern void tjFree(byte* buffer);
    [DllImport(Library)] private static extern int tjDestroy(nint handle);
}
