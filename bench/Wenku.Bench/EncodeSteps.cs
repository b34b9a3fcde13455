using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Options;
using SkiaSharp;
using Wenku.Conversion;

namespace Wenku.Bench;

/// <summary>
/// Where the CPU of one page's previews goes, step by step, on one thread: read the PPM pdftoppm wrote, watermark,
/// downscale to the phone width, JPEG and WebP of each size; beside the renderer at the desktop and the phone size.
/// Thread CPU time, so other work on the machine inflates it less than wall time.
/// </summary>
public static class EncodeSteps
{
    public sealed record Result(int Pages, IReadOnlyList<(string Step, double MsPerPage, long BytesPerPage)> Steps);

    /// <summary>Renders <paramref name="pdf"/> to PPM (and at the phone width) and times each step over its pages.</summary>
    public static async Task<Result> RunAsync(string pdf, string dir)
    {
        Directory.CreateDirectory(dir);
        var o = new ConversionOptions();
        var steps = new List<(string, double, long)>();

        var cpu = ProcessCpu.ReapedChildrenSeconds();
        await Commands.CheckAsync("pdftoppm", ["-scale-to", N(o.PreviewSize), pdf, Path.Combine(dir, "p")]);
        var ppms = Directory.GetFiles(dir, "p-*.ppm").Order(StringComparer.Ordinal).ToArray();
        var pages = ppms.Length;
        steps.Add(("pdftoppm render desktop size (PPM), per page", (ProcessCpu.ReapedChildrenSeconds() - cpu) * 1000 / pages, 0));
        cpu = ProcessCpu.ReapedChildrenSeconds();
        await Commands.CheckAsync("pdftoppm", ["-scale-to-x", N(PreviewEncoder.PhoneWidth), "-scale-to-y", "-1", pdf, Path.Combine(dir, "m")]);
        steps.Add(($"pdftoppm render phone size {PreviewEncoder.PhoneWidth} px (PPM), per page", (ProcessCpu.ReapedChildrenSeconds() - cpu) * 1000 / pages, 0));
        cpu = ProcessCpu.ReapedChildrenSeconds();
        await Commands.CheckAsync("pdftotext", ["-enc", "UTF-8", pdf, Path.Combine(dir, "text.txt")]);
        steps.Add(("pdftotext, per page", (ProcessCpu.ReapedChildrenSeconds() - cpu) * 1000 / pages, 0));

        var conversion = Options.Create(o);
        var encoder = new PreviewEncoder(conversion);
        var watermarker = new Watermarker(Options.Create(new WenkuOptions()), conversion, encoder);
        var totals = new Dictionary<string, (TimeSpan Cpu, long Bytes)>();
        var order = new List<string>();
        void Time(string step, Func<long> action)
        {
            var before = ThreadCpu();
            var bytes = action();
            var spent = ThreadCpu() - before;
            if (!totals.TryGetValue(step, out var t)) order.Add(step);
            totals[step] = (t.Cpu + spent, t.Bytes + bytes);
        }

        // One page untimed first: JIT and the font cache.
        foreach (var (ppm, i) in ppms.Prepend(ppms[0]).Select((p, i) => (p, i)))
        {
            if (i == 1) { totals.Clear(); order.Clear(); }
            SKBitmap page = null!;
            Time("read PPM", () => { page = PreviewEncoder.ReadRendered(ppm)!; return 0; });
            using (page)
            {
                Time("watermark", () => { watermarker.Draw(page); return 0; });
                SKBitmap phone = null!;
                Time($"downscale to {PreviewEncoder.PhoneWidth} px", () => { phone = PreviewEncoder.Downscale(page, PreviewEncoder.PhoneWidth); return 0; });
                using (phone)
                {
                    foreach (var (name, bitmap) in new[] { ("desktop", page), ("phone", phone) })
                        foreach (var format in PreviewEncoder.Formats)
                            Time($"{format} {name} ({bitmap.Width} px)", () => encoder.Encode(bitmap, format).Length);
                    Time($"WebP phone as the site encodes it (gray palette or lossy)", () => encoder.EncodePhoneWebp(phone).Bytes.Length);
                    var gray = false;
                    Time("gray check (desktop bitmap, once a page)", () => { gray = PreviewEncoder.IsGray(page); return 0; });
                    Time($"JPEG desktop as the site encodes it (progressive{(gray ? ", gray" : "")}, q{o.DesktopJpegQuality})", () => encoder.EncodeDesktopJpeg(page, gray).Length);
                    Time($"JPEG phone as the site encodes it ({(gray ? "gray" : "colour")})", () => TurboJpeg.Encode(phone, o.JpegQuality, gray)?.Length ?? 0);
                    if (gray)
                    {
                        // What the site does with a page without colour: one luma plane through every later step.
                        SKBitmap luma = null!, phoneLuma = null!;
                        Time("gray page: luma plane of the desktop bitmap", () => { luma = PreviewEncoder.ToLuma(page); return 0; });
                        using (luma)
                        {
                            Time($"gray page: downscale luma to {PreviewEncoder.PhoneWidth} px", () => { phoneLuma = PreviewEncoder.Downscale(luma, PreviewEncoder.PhoneWidth); return 0; });
                            using (phoneLuma)
                            {
                                Time($"gray page: JPEG desktop from luma (progressive, q{o.DesktopJpegQuality})", () => encoder.EncodeDesktopJpeg(luma, true).Length);
                                Time("gray page: JPEG phone from luma", () => TurboJpeg.Encode(phoneLuma, o.JpegQuality)?.Length ?? 0);
                                Time("gray page: WebP phone from luma as the site encodes it", () => encoder.EncodePhoneWebp(phoneLuma, true).Bytes.Length);
                            }
                        }
                    }
                    // Everything the site writes for the page after the watermark (the steps above that it runs, in one call).
                    var written = Path.Combine(dir, "w-page.jpg");
                    Time("site: all previews of the page (PreviewEncoder.Write)", () =>
                    {
                        encoder.Write(page, written);
                        return PreviewFiles.Of(written).Written.Sum(f => new FileInfo(f.Path).Length);
                    });
                    // The alternatives weighed, on the same bitmaps.
                    Time($"  alt: downscale by SKPixmap.ScalePixels", () =>
                    {
                        using var scaled = new SKBitmap(new SKImageInfo(phone.Width, phone.Height, SKColorType.Rgba8888, SKAlphaType.Opaque));
                        using var src = page.PeekPixels();
                        using var dst = scaled.PeekPixels();
                        src.ScalePixels(dst, new SKSamplingOptions(SKFilterMode.Linear));
                        return 0;
                    });
                    foreach (var (name, bitmap) in new[] { ("desktop", page), ("phone", phone) })
                    {
                        Time($"  alt: JPEG {name} SkiaSharp (accurate DCT)", () =>
                        {
                            using var px = bitmap.PeekPixels();
                            using var data = px.Encode(new SKJpegEncoderOptions(o.JpegQuality, SKJpegEncoderDownsample.Downsample420, SKJpegEncoderAlphaOption.Ignore));
                            return data?.Size ?? 0;
                        });
                        Time($"  alt: JPEG {name} TurboJPEG fast DCT", () => TurboJpeg.Encode(bitmap, o.JpegQuality)?.Length ?? 0);
                        Time($"  alt: JPEG {name} gray (one channel)", () => TurboJpeg.Encode(bitmap, o.JpegQuality, gray: true)?.Length ?? 0);
                        Time($"  alt: JPEG {name} gray progressive", () => TurboJpeg.Encode(bitmap, o.JpegQuality, gray: true, progressive: true)?.Length ?? 0);
                        Time($"  alt: JPEG {name} colour progressive", () => TurboJpeg.Encode(bitmap, o.JpegQuality, progressive: true)?.Length ?? 0);
                        Time($"  alt: JPEG {name} gray progressive q75", () => TurboJpeg.Encode(bitmap, 75, gray: true, progressive: true)?.Length ?? 0);
                        Time($"  alt: JPEG {name} gray progressive q70", () => TurboJpeg.Encode(bitmap, 70, gray: true, progressive: true)?.Length ?? 0);
                        Time($"  alt: WebP {name} m0 1 segment, no SNS/filter", () => LibWebp.Encode(bitmap, o.WebpQuality, 0,
                            [(LibWebp.ConfigSegments, 1), (LibWebp.ConfigSnsStrength, 0), (LibWebp.ConfigFilterStrength, 0)])?.Length ?? 0);
                        Time($"  alt: WebP {name} m0 q60", () => LibWebp.Encode(bitmap, 60, 0)?.Length ?? 0);
                    }
                }
            }
        }
        foreach (var step in order)
            steps.Add((step, totals[step].Cpu.TotalMilliseconds / pages, totals[step].Bytes / pages));
        return new Result(pages, steps);
    }

    public static void Print(Result r)
    {
        Console.WriteLine($"  step (CPU per page, mean of {r.Pages} pages, one thread)          ms/page   bytes/page");
        foreach (var (step, ms, bytes) in r.Steps)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {step,-62} {ms,7:0.0}   {(bytes > 0 ? (bytes / 1024.0).ToString("0.0", CultureInfo.InvariantCulture) + " KB" : ""),10}"));
    }

    private static TimeSpan ThreadCpu()
    {
        // CLOCK_THREAD_CPUTIME_ID through /proc: utime+stime of this thread, in 10 ms ticks; too coarse per page, so
        // clock_gettime is used instead.
        return TimeSpan.FromTicks(ThreadClock.Nanoseconds() / 100);
    }

    private static string N(int n) => n.ToString(CultureInfo.InvariantCulture);
}

internal static partial class ThreadClock
{
    private const int ClockThreadCpuTimeId = 3;

    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
    private struct Timespec { public long Seconds; public long Nanoseconds; }

    [System.Runtime.InteropServices.LibraryImport("libc")]
    private static partial int clock_gettime(int clock, out Timespec time);

    /// <summary>CPU time of the calling thread, in nanoseconds.</summary>
    public static long Nanoseconds() => clock_gettime(ClockThreadCpuTimeId, out var t) == 0 ? t.Seconds * 1_000_000_000 + t.Nanoseconds : 0;
}
