using Microsoft.Extensions.Options;
using SkiaSharp;

namespace Wenku.Conversion;

/// <summary>Draws the site name across a rendered page and saves it as JPEG.</summary>
public sealed class Watermarker(IOptions<WenkuOptions> site, IOptions<ConversionOptions> conversion)
{
    private readonly string _text = site.Value.SiteName;
    private readonly int _quality = conversion.Value.JpegQuality;
    private static readonly SKTypeface Typeface =
        SKFontManager.Default.MatchCharacter('文') ?? SKTypeface.Default;

    /// <summary>Watermarks <paramref name="pngPath"/> into <paramref name="jpgPath"/>; returns the image size.</summary>
    public (int Width, int Height) Apply(string pngPath, string jpgPath)
    {
        using var bitmap = SKBitmap.Decode(pngPath)
            ?? throw new ConversionException("渲染结果无法读取。A rendered page could not be read back.");
        return Apply(bitmap, jpgPath);
    }

    /// <summary>Watermarks a page rendered in memory (drawn on in place) into <paramref name="jpgPath"/>; returns its size.</summary>
    public (int Width, int Height) Apply(SKBitmap bitmap, string jpgPath)
    {
        using (var canvas = new SKCanvas(bitmap))
            Draw(canvas, bitmap.Width, bitmap.Height);
        SaveJpeg(bitmap, jpgPath);
        return (bitmap.Width, bitmap.Height);
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
            foreach (var (line, dy) in new[] { ($"第 {page} 页无法预览", -0.6f), ($"Page {page} could not be previewed", 0.8f) })
                canvas.DrawText(line, (width - font.MeasureText(line)) / 2, height / 2f + dy * font.Size, SKTextAlign.Left, font, ink);
            Draw(canvas, width, height);
        }
        SaveJpeg(bitmap, jpgPath);
        return (width, height);
    }

    private void SaveJpeg(SKBitmap bitmap, string jpgPath)
    {
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Jpeg, _quality);
        using var file = File.Create(jpgPath);
        data.SaveTo(file);
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
