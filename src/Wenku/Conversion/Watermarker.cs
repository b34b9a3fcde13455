using Microsoft.Extensions.Options;
using SkiaSharp;
using Wenku.Web.Localization;

namespace Wenku.Conversion;

/// <summary>
/// Draws the site name across a rendered page, once, and has <see cref="PreviewEncoder"/> write every size and format
/// of it from that one bitmap.
/// </summary>
public sealed class Watermarker(IOptions<WenkuOptions> site, IOptions<ConversionOptions> conversion, PreviewEncoder encoder)
{
    private readonly string _text = site.Value.SiteName;

    /// <summary>Drawn on a page that could not be rendered (the image is stored, so it carries both languages).</summary>
    public static readonly Message PagePlaceholder = new("page.placeholder", "第 {0} 页无法预览");
    private static readonly SKTypeface Typeface =
        SKFontManager.Default.MatchCharacter(0x6587) ?? SKTypeface.Default; // 文: a typeface with Chinese

    /// <summary>Watermarks the image at <paramref name="imagePath"/> into the previews of <paramref name="jpgPath"/>; returns the image size.</summary>
    public (int Width, int Height) Apply(string imagePath, string jpgPath)
    {
        using var bitmap = PreviewEncoder.ReadRendered(imagePath) ?? throw new ConversionException(PreviewEncoder.Unreadable);
        return Apply(bitmap, jpgPath);
    }

    /// <summary>
    /// Watermarks a page rendered in memory (drawn on in place) and writes its previews: <paramref name="jpgPath"/>
    /// (desktop JPEG) and its siblings (<see cref="PreviewFiles"/>); returns its size.
    /// </summary>
    public (int Width, int Height) Apply(SKBitmap bitmap, string jpgPath)
    {
        Draw(bitmap);
        encoder.Write(bitmap, jpgPath);
        return (bitmap.Width, bitmap.Height);
    }

    /// <summary>Draws the watermark on <paramref name="bitmap"/> in place.</summary>
    public void Draw(SKBitmap bitmap)
    {
        using var canvas = new SKCanvas(bitmap);
        Draw(canvas, bitmap.Width, bitmap.Height);
    }

    /// <summary>An A4-shaped page that says it could not be previewed, for a page the converter could not render.</summary>
    public (int Width, int Height) Placeholder(int page, string jpgPath)
    {
        var height = conversion.Value.PreviewSize;
        var width = (int)(height / Math.Sqrt(2));
        using var bitmap = new SKBitmap(width, height);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.White);
            using var font = new SKFont(Typeface, width / 22f);
            using var ink = new SKPaint { Color = SKColors.Gray, IsAntialias = true };
            foreach (var (line, dy) in new[] { (PagePlaceholder.Format(page), -0.6f), ($"Page {page} could not be previewed", 0.8f) })
                canvas.DrawText(line, (width - font.MeasureText(line)) / 2, height / 2f + dy * font.Size, SKTextAlign.Left, font, ink);
            Draw(canvas, width, height);
        }
        encoder.Write(bitmap, jpgPath);
        return (width, height);
    }

    private void Draw(SKCanvas canvas, int width, int height)
    {
        var size = Math.Max(12f, Math.Min(width, height) / 14f);
        using var font = new SKFont(Typeface, size);
        using var paint = new SKPaint { Color = new SKColor(120, 120, 120, 56), IsAntialias = true };
        var textWidth = font.MeasureText(_text);
        canvas.Save();
        canvas.Translate(width / 2f, height / 2f);
        canvas.RotateDegrees(-30);
        // Three marks along the page's diagonal: hard to crop away, light enough to read through.
        for (var i = -1; i <= 1; i++)
            canvas.DrawText(_text, -textWidth / 2, i * height / 3f, SKTextAlign.Left, font, paint);
        canvas.Restore();

        using var small = new SKFont(Typeface, Math.Max(10f, size / 3));
        using var corner = new SKPaint { Color = new SKColor(90, 90, 90, 110), IsAntialias = true };
        var cw = small.MeasureText(_text);
        canvas.DrawText(_text, width - cw - 8, height - 8, SKTextAlign.Left, small, corner);
    }
}
