using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SkiaSharp;
using Wenku.Conversion;
using Wenku.Demo;

namespace Wenku.Bench;

public sealed record OcrResult(int Pages, double OursPagesPerSecond, double BarePagesPerSecond)
{
    /// <summary>ours / bare pages per second: 1 = no overhead over tesseract alone.</summary>
    public double Ratio => OursPagesPerSecond / BarePagesPerSecond;
}

/// <summary>
/// OCR throughput: the same scanned Chinese pages (A4 at 300 dpi) read one after the other by Wenku's
/// <see cref="PageOcr"/> (tesseract under prlimit, CJK spaces joined) and by bare <c>tesseract IMG stdout -l chi_sim+eng</c>.
/// </summary>
public static class OcrBenchmark
{
    public static async Task<OcrResult> RunAsync(BenchSettings settings, int pages = 4)
    {
        var dir = Path.Combine(settings.WorkDir, "ocr");
        Directory.CreateDirectory(dir);
        var paragraphs = DemoSeeder.NewsArticles().SelectMany(DemoSeeder.Paragraphs).ToList();
        var images = Enumerable.Range(0, pages).Select(i => Scan(Path.Combine(dir, $"scan-{i}.png"), string.Concat(paragraphs.Skip(i * 6).Take(6)))).ToList();
        var options = new ConversionOptions();
        var ocr = new PageOcr(Options.Create(options), NullLogger<PageOcr>.Instance);

        await Commands.CheckAsync("tesseract", [images[0], "stdout", "-l", options.OcrLanguages]); // warm-up: language data into the page cache
        var ours = TimeSpan.Zero;
        var bare = TimeSpan.Zero;
        foreach (var image in images)
        {
            var clock = Stopwatch.StartNew();
            _ = await ocr.RecognizeAsync(image, CancellationToken.None) ?? throw new InvalidOperationException($"tesseract could not read {image}");
            var oursPage = clock.Elapsed;
            ours += oursPage;
            var barePage = (await Commands.CheckAsync("tesseract", [image, "stdout", "-l", options.OcrLanguages, "--psm", "3"])).Elapsed;
            bare += barePage;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {Path.GetFileName(image)}: wenku {Stats.Seconds(oursPage)}, bare tesseract {Stats.Seconds(barePage)}"));
        }
        return new OcrResult(pages, pages / ours.TotalSeconds, pages / bare.TotalSeconds);
    }

    private static string Scan(string path, string text)
    {
        const int width = 2480, height = 3508, margin = 200;
        using var bitmap = new SKBitmap(width, height);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.White);
            using var font = new SKFont(SKFontManager.Default.MatchCharacter('中') ?? SKTypeface.Default, 46);
            using var ink = new SKPaint { Color = SKColors.Black, IsAntialias = true };
            var y = margin;
            foreach (var line in DemoPdfWriter.Wrap(text, font, width - 2 * margin))
            {
                if (y + 70 > height - margin) break;
                y += 70;
                canvas.DrawText(line, margin, y, SKTextAlign.Left, font, ink);
            }
        }
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 90);
        using var file = File.Create(path);
        data.SaveTo(file);
        return path;
    }
}
