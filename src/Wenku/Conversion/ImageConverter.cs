using System.Buffers.Binary;
using Microsoft.Extensions.Options;
using SkiaSharp;
using Wenku.Web.Localization;

namespace Wenku.Conversion;

/// <summary>
/// Images to pages, one per image or frame (animated GIF/WebP, multi-page TIFF). The size comes from the header and
/// is checked against <see cref="ConversionOptions.MaxImagePixels"/> before anything is decoded, so a decompression
/// bomb (a few KB that inflate to gigabytes of pixels) is refused without being inflated. JPEG, PNG, WebP, BMP and
/// GIF are decoded by SkiaSharp; TIFF, which Skia cannot read, is turned into a PDF by <c>tiff2pdf</c> (a limited
/// child process) and goes through the PDF pipeline, its frames split by <c>tiffsplit</c> so that OCR reads each at
/// its own resolution. Every image is read by OCR (<see cref="PageOcr"/>).
/// </summary>
public sealed class ImageConverter(IOptions<ConversionOptions> options, Watermarker watermarker, PdfConverter pdf, PageOcr ocr, ILogger<ImageConverter> log) : IDocumentConverter
{
    private readonly ConversionOptions _o = options.Value;

    public static readonly Message Unreadable = new("image.unreadable", "无法读取此图片，文件可能已损坏（{0}）。");
    public static readonly Message TooManyFrames = new("image.too-many-frames", "此图片有 {0} 帧，超过上限 {1}。");
    public static readonly Message Incomplete = new("image.incomplete", "图片不完整，文件可能被截断。");
    public static readonly Message Undecodable = new("image.undecodable", "无法解码此图片（{0}），文件可能已损坏。");
    public static readonly Message TiffUnreadable = new("tiff.unreadable", "无法读取此 TIFF 图片，文件可能已损坏。");
    public static readonly Message TiffUnreadableWhy = new("tiff.unreadable-why", "无法读取此 TIFF 图片，文件可能已损坏（{0}）。");
    public static readonly Message TiffTooManyPages = new("tiff.too-many-pages", "此 TIFF 超过 {0} 页上限。");
    public static readonly Message TiffTimedOut = new("tiff.timeout", "TIFF 转换超时，文件可能已损坏。");
    public static readonly Message NoSize = new("image.no-size", "此图片没有尺寸，文件可能已损坏。");
    public static readonly Message TooManyPixels = new("image.too-many-pixels", "图片过大（{0}×{1} 像素），超过 {2} 百万像素上限。");

    public bool CanConvert(string format) => format is "jpg" or "png" or "webp" or "bmp" or "gif" or "tiff";

    public Task<ConversionResult> ConvertAsync(ConversionRequest request, CancellationToken ct) =>
        request.Format == "tiff" ? ConvertTiffAsync(request.InputPath, request.WorkDir, request.Progress, ct) : ConvertWithSkiaAsync(request.InputPath, request.WorkDir, ct);

    private async Task<ConversionResult> ConvertWithSkiaAsync(string inputPath, string workDir, CancellationToken ct)
    {
        using var stream = File.OpenRead(inputPath);
        using var codec = SKCodec.Create(stream, out var opened)
            ?? throw new ConversionException(Unreadable, opened);
        var (width, height) = (codec.Info.Width, codec.Info.Height);
        CheckPixels(width, height);
        var frames = Math.Max(1, codec.FrameCount);
        if (frames > _o.MaxPages)
            throw new ConversionException(TooManyFrames, frames, _o.MaxPages);

        // JPEG decodes at 1/2, 1/4 or 1/8 size directly: a 40-megapixel photo never needs its full size in memory.
        // OCR wants more pixels than the preview.
        var scale = Math.Min(1f, (float)(ocr.Enabled ? PageOcr.ImageSize : _o.PreviewSize) / Math.Max(width, height));
        var decodeSize = frames == 1 ? codec.GetScaledDimensions(scale) : new SKSizeI(width, height);
        var pages = new List<ConvertedPage>(frames);
        for (var i = 0; i < frames; i++)
        {
            ct.ThrowIfCancellationRequested();
            var info = new SKImageInfo(decodeSize.Width, decodeSize.Height, SKColorType.Rgba8888, SKAlphaType.Premul);
            using var frame = new SKBitmap(info);
            var result = codec.GetPixels(info, frame.GetPixels(), new SKCodecOptions(i));
            if (result == SKCodecResult.InvalidScale)
            {
                decodeSize = new SKSizeI(width, height);
                i--;
                continue;
            }
            if (result == SKCodecResult.IncompleteInput)
                throw new ConversionException(Incomplete);
            if (result != SKCodecResult.Success)
                throw new ConversionException(Undecodable, result);

            string? recognised = null;
            if (ocr.Enabled && i < _o.OcrMaxPages)
            {
                var full = Path.Combine(workDir, $"ocr-{i + 1}.png");
                var (ow, oh) = Fit(frame.Width, frame.Height, PageOcr.ImageSize);
                await using (var file = File.Create(full))
                using (var flat = OnWhite(frame, ow, oh))
                using (var data = flat.Encode(SKEncodedImageFormat.Png, 90))
                    data.SaveTo(file);
                recognised = await ocr.RecognizeAsync(full, ct);
                File.Delete(full);
            }

            var (w, h) = Fit(frame.Width, frame.Height, _o.PreviewSize);
            var jpg = Path.Combine(workDir, $"page-{i + 1}.jpg");
            using var page = OnWhite(frame, w, h);
            var size = watermarker.Apply(page, jpg);
            pages.Add(new ConvertedPage(i + 1, jpg, size.Width, size.Height, recognised ?? "", Ocr: recognised is not null));
        }
        return new ConversionResult(pages);
    }

    private async Task<ConversionResult> ConvertTiffAsync(string inputPath, string workDir, ConversionProgress? progress, CancellationToken ct)
    {
        var sizes = TiffHeader.PageSizes(inputPath, _o.MaxPages + 1);
        if (sizes.Count == 0) throw new ConversionException(TiffUnreadable);
        if (sizes.Count > _o.MaxPages)
            throw new ConversionException(TiffTooManyPages, _o.MaxPages);
        foreach (var (w, h) in sizes) CheckPixels(w, h);

        var pdfPath = Path.Combine(workDir, "tiff.pdf");
        var outcome = await LimitedProcess.RunAsync("tiff2pdf", ["-o", pdfPath, inputPath],
            TimeSpan.FromSeconds(_o.ProcessTimeoutSeconds), (long)_o.ProcessMemoryMb * 1024 * 1024, 4096, ct, workDir);
        if (outcome.TimedOut) throw new ConversionException(TiffTimedOut);
        if (outcome.ExitCode != 0 || !File.Exists(pdfPath))
            throw new ConversionException(TiffUnreadableWhy, outcome.Crashed ? $"code {outcome.ExitCode}" : outcome.FirstErrorLine);
        if (!ocr.Enabled) return await pdf.ConvertPdfAsync(pdfPath, workDir, ct, progress: progress);

        // OCR reads each frame at its own resolution: a re-rendered PDF page is scaled to A4 at 300 dpi, which blows a
        // small 300-dpi frame (a card, a note) up two or three times, past the character size tesseract reads well.
        var framesDir = Path.Combine(workDir, "frames");
        Directory.CreateDirectory(framesDir);
        var split = await LimitedProcess.RunAsync("tiffsplit", [inputPath, Path.Combine(framesDir, "f")],
            TimeSpan.FromSeconds(_o.ProcessTimeoutSeconds), (long)_o.ProcessMemoryMb * 1024 * 1024, 4096, ct, workDir);
        // tiffsplit names the frames faaa.tif, faab.tif …: in order by name.
        var frames = split.ExitCode == 0 && !split.TimedOut
            ? Directory.GetFiles(framesDir, "f*.tif").Order(StringComparer.Ordinal).ToArray()
            : [];
        if (frames.Length != sizes.Count)
            log.LogInformation("tiffsplit gave {Frames} frames of {Pages}; OCR reads re-rendered pages instead", frames.Length, sizes.Count);
        return await pdf.ConvertPdfAsync(pdfPath, workDir, ct, frames.Length == sizes.Count ? (n, token) => ocr.RecognizeAsync(frames[n - 1], token) : null, progress);
    }

    /// <summary>The frame scaled to <paramref name="w"/> × <paramref name="h"/> on white: transparency shows as paper, not black.</summary>
    private static SKBitmap OnWhite(SKBitmap frame, int w, int h)
    {
        var page = new SKBitmap(w, h);
        using var canvas = new SKCanvas(page);
        canvas.Clear(SKColors.White);
        using var image = SKImage.FromBitmap(frame);
        canvas.DrawImage(image, new SKRect(0, 0, w, h), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));
        return page;
    }

    private void CheckPixels(long width, long height)
    {
        if (width <= 0 || height <= 0)
            throw new ConversionException(NoSize);
        if (width * height > _o.MaxImagePixels)
            throw new ConversionException(TooManyPixels, width, height, _o.MaxImagePixels / 1_000_000);
    }

    private static (int, int) Fit(int width, int height, int longest)
    {
        var scale = Math.Min(1.0, (double)longest / Math.Max(width, height));
        return (Math.Max(1, (int)Math.Round(width * scale)), Math.Max(1, (int)Math.Round(height * scale)));
    }
}

/// <summary>Reads the width and height of every page of a TIFF from its directories, without decoding any image.</summary>
public static class TiffHeader
{
    /// <summary>Sizes of up to <paramref name="max"/> pages; empty if the file is not a readable classic TIFF.</summary>
    public static List<(long Width, long Height)> PageSizes(string path, int max)
    {
        var sizes = new List<(long, long)>();
        using var file = File.OpenRead(path);
        var header = new byte[8];
        if (file.ReadAtLeast(header, 8, throwOnEndOfStream: false) < 8) return sizes;
        var little = header[0] == 'I';
        if (Read16(header, 2, little) != 42) return sizes; // BigTIFF (43) and anything else
        var offset = (long)Read32(header, 4, little);
        var seen = new HashSet<long>();
        while (offset > 0 && sizes.Count < max && seen.Add(offset) && offset + 2 <= file.Length)
        {
            var countBytes = ReadAt(file, offset, 2);
            var count = Read16(countBytes, 0, little);
            if (offset + 2 + count * 12L + 4 > file.Length) break;
            var entries = ReadAt(file, offset + 2, count * 12 + 4);
            long width = 0, height = 0;
            for (var i = 0; i < count; i++)
            {
                var tag = Read16(entries, i * 12, little);
                var type = Read16(entries, i * 12 + 2, little);
                if (tag is not (256 or 257)) continue;
                long value = type == 3 ? Read16(entries, i * 12 + 8, little) : Read32(entries, i * 12 + 8, little);
                if (tag == 256) width = value; else height = value;
            }
            sizes.Add((width, height));
            offset = Read32(entries, count * 12, little);
        }
        return sizes;
    }

    private static byte[] ReadAt(Stream file, long offset, int count)
    {
        var buffer = new byte[count];
        file.Position = offset;
        file.ReadExactly(buffer);
        return buffer;
    }

    private static int Read16(byte[] b, int at, bool little) =>
        little ? BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(at)) : BinaryPrimitives.ReadUInt16BigEndian(b.AsSpan(at));

    private static uint Read32(byte[] b, int at, bool little) =>
        little ? BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(at)) : BinaryPrimitives.ReadUInt32BigEndian(b.AsSpan(at));
}
