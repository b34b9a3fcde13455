using System.Runtime.InteropServices;
using SkiaSharp;

namespace Wenku.Conversion;

/// <summary>
/// Lossy WebP through the system's libwebp (Debian <c>libwebp7</c>) at the fastest method. SkiaSharp's WebP encoder fixes
/// method 3, which costs ~4× method 0 on a text page (measured: 74 vs 22 ms CPU for a 990×1400 page, for 5 % more
/// bytes); the previews are re-encoded at four sizes and formats per page, so that difference is most of the ingest.
/// The encoder is checked once (a small image must come back decodable); without the library or when the check fails
/// the caller falls back to SkiaSharp's encoder.
/// </summary>
internal static unsafe class LibWebp
{
    private const string Library = "libwebp.so.7";

    // WEBP_ENCODER_ABI_VERSION of libwebp 1.x: only its major byte is compared by the library.
    private const int AbiVersion = 0x020f;

    // Offsets into WebPPicture (encode.h, stable across 1.x: the padding fields keep them): the size, and the writer
    // with its custom pointer. The structs are allocated larger than the library's own sizes (WebPConfig 116 bytes,
    // WebPPicture 256, WebPMemoryWriter 32) and filled by its init functions.
    private const int PictureUseArgb = 0, PictureWidth = 8, PictureHeight = 12, PictureWriter = 96, PictureCustomPtr = 104;
    // The YUV 4:2:0 planes (colorspace 0) WebPPictureAlloc makes when use_argb is 0: pointers, then strides.
    private const int PictureY = 16, PictureU = 24, PictureV = 32, PictureYStride = 40, PictureUvStride = 44;
    private const int ConfigLossless = 0, ConfigMethod = 2; // int index: lossless, quality (float), method

    /// <summary>int fields of WebPConfig after <c>method</c> (encode.h): segments, spatial noise shaping, loop filter, entropy passes.</summary>
    public const int ConfigSegments = 6, ConfigSnsStrength = 7, ConfigFilterStrength = 8, ConfigPass = 15, ConfigPartitions = 18;

    private static readonly Lazy<bool> Usable = new(Probe);

    /// <summary>Whether libwebp is loaded and its encoder passed the check.</summary>
    public static bool Available => Usable.Value;

    private static nint _write;

    /// <summary>
    /// Encodes an opaque 8-bit RGBA or BGRA bitmap as lossless WebP (VP8L) with <paramref name="effort"/> (0 … 100) and
    /// <paramref name="method"/>; an image of at most 256 colours is stored with a palette. Null as for <see cref="Encode"/>.
    /// </summary>
    public static byte[]? EncodeLossless(SKBitmap bitmap, float effort, int method)
    {
        if (!Available) return null;
        return EncodeCore(bitmap, effort, method, null, lossless: true);
    }

    /// <summary>
    /// Encodes an opaque 8-bit RGBA or BGRA bitmap, or a luma plane (<see cref="SKColorType.Gray8"/>), as lossy WebP at <paramref name="quality"/> and
    /// <paramref name="method"/> (0 fastest … 6 smallest); null when the library is missing or refuses.
    /// </summary>
    public static byte[]? Encode(SKBitmap bitmap, float quality, int method, IReadOnlyList<(int Field, int Value)>? tuning = null)
    {
        if (!Available) return null;
        return EncodeCore(bitmap, quality, method, tuning);
    }

    /// <summary>
    /// libwebp's luma of a gray pixel <c>v</c> (its RGB→YUV with R = G = B = v: limited range, 16 + 219 v / 255 rounded
    /// as the library rounds), so that a luma plane imported here encodes to the bytes its RGBA copy would.
    /// </summary>
    private static readonly byte[] GrayToY = [.. Enumerable.Range(0, 256).Select(v => (byte)((16839 * v + 33059 * v + 6420 * v + (1 << 15) + (16 << 16)) >> 16))];

    private static byte[]? EncodeCore(SKBitmap bitmap, float quality, int method, IReadOnlyList<(int Field, int Value)>? tuning = null, bool lossless = false)
    {
        var luma = bitmap.ColorType == SKColorType.Gray8;
        if (luma && lossless) return null;
        if (!luma && bitmap.ColorType is not (SKColorType.Rgba8888 or SKColorType.Bgra8888 or SKColorType.Rgb888x)) return null;
        var config = stackalloc int[64];
        var picture = stackalloc byte[512];
        var writer = stackalloc byte[64];
        new Span<byte>(picture, 512).Clear();
        new Span<byte>(writer, 64).Clear();
        if (WebPConfigInitInternal(config, 0, quality, AbiVersion) == 0) return null;
        config[ConfigLossless] = lossless ? 1 : 0;
        config[ConfigMethod] = method;
        foreach (var (field, value) in tuning ?? []) config[field] = value;
        if (WebPPictureInitInternal(picture, AbiVersion) == 0) return null;
        // Lossless keeps the pixels as ARGB; lossy converts them to YUV on import.
        *(int*)(picture + PictureUseArgb) = lossless ? 1 : 0;
        *(int*)(picture + PictureWidth) = bitmap.Width;
        *(int*)(picture + PictureHeight) = bitmap.Height;
        try
        {
            var pixels = (byte*)bitmap.GetPixels();
            var imported = luma ? ImportLuma(picture, pixels, bitmap.RowBytes, bitmap.Width, bitmap.Height)
                : bitmap.ColorType == SKColorType.Bgra8888
                    ? WebPPictureImportBGRX(picture, pixels, bitmap.RowBytes)
                    : WebPPictureImportRGBX(picture, pixels, bitmap.RowBytes);
            if (imported == 0) return null;
            WebPMemoryWriterInit(writer);
            *(nint*)(picture + PictureWriter) = _write;
            *(nint*)(picture + PictureCustomPtr) = (nint)writer;
            if (WebPEncode(config, picture) == 0) return null;
            var mem = *(byte**)writer;
            var size = *(nuint*)(writer + 8);
            return new ReadOnlySpan<byte>(mem, checked((int)size)).ToArray();
        }
        finally
        {
            WebPPictureFree(picture);
            WebPMemoryWriterClear(writer);
        }
    }

    /// <summary>
    /// A luma plane straight into the picture's YUV planes: Y through <see cref="GrayToY"/>, U and V neutral (128, what
    /// the library computes for gray). Skips an RGBA copy of the page and the library's colour conversion.
    /// </summary>
    private static int ImportLuma(byte* picture, byte* pixels, int rowBytes, int width, int height)
    {
        if (WebPPictureAlloc(picture) == 0) return 0;
        byte* y = *(byte**)(picture + PictureY), u = *(byte**)(picture + PictureU), v = *(byte**)(picture + PictureV);
        int yStride = *(int*)(picture + PictureYStride), uvStride = *(int*)(picture + PictureUvStride);
        if (y is null || u is null || v is null) return 0;
        for (var row = 0; row < height; row++)
        {
            var from = new ReadOnlySpan<byte>(pixels + (long)row * rowBytes, width);
            var to = new Span<byte>(y + (long)row * yStride, width);
            for (var x = 0; x < width; x++) to[x] = GrayToY[from[x]];
        }
        var (uvWidth, uvHeight) = ((width + 1) / 2, (height + 1) / 2);
        for (var row = 0; row < uvHeight; row++)
        {
            new Span<byte>(u + (long)row * uvStride, uvWidth).Fill(128);
            new Span<byte>(v + (long)row * uvStride, uvWidth).Fill(128);
        }
        return 1;
    }

    private static bool Probe()
    {
        try
        {
            if (!NativeLibrary.TryLoad(Library, out var handle) || !NativeLibrary.TryGetExport(handle, "WebPMemoryWrite", out _write))
                return false;
            using var probe = new SKBitmap(new SKImageInfo(32, 24, SKColorType.Rgba8888, SKAlphaType.Opaque));
            probe.Erase(new SKColor(200, 40, 40));
            var bytes = EncodeCore(probe, 75, 0);
            using var decoded = bytes is null ? null : SKBitmap.Decode(bytes);
            return decoded is { Width: 32, Height: 24 };
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            return false;
        }
    }

    [DllImport(Library)] private static extern int WebPConfigInitInternal(int* config, int preset, float quality, int version);
    [DllImport(Library)] private static extern int WebPPictureInitInternal(byte* picture, int version);
    [DllImport(Library)] private static extern int WebPPictureImportRGBX(byte* picture, byte* rgbx, int stride);
    [DllImport(Library)] private static extern int WebPPictureImportBGRX(byte* picture, byte* bgrx, int stride);
    [DllImport(Library)] private static extern int WebPEncode(int* config, byte* picture);
    [DllImport(Library)] private static extern int WebPPictureAlloc(byte* picture);
    [DllImport(Library)] private static extern void WebPPictureFree(byte* picture);
    [DllImport(Library)] private static extern void WebPMemoryWriterInit(byte* writer);
    [DllImport(Library)] private static extern void WebPMemoryWriterClear(byte* writer);
}
