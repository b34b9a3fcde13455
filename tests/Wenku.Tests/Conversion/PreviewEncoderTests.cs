using Microsoft.Extensions.Options;
using SkiaSharp;
using Wenku.Conversion;

namespace Wenku.Tests.Conversion;

/// <summary>
/// The encoders behind every preview: TurboJPEG (fast DCT) where Debian's libturbojpeg0 is installed, SkiaSharp's
/// encoder otherwise; and the pixmap-to-pixmap downscale to the phone and cover widths.
/// </summary>
public sealed class PreviewEncoderTests
{
    private readonly PreviewEncoder _encoder = new(Options.Create(new ConversionOptions()));

    /// <summary>A white page with a blue block and a 1-pixel black rule, the things a page preview must keep.</summary>
    private static SKBitmap Page(int width = 990, int height = 1400, SKColorType type = SKColorType.Rgba8888)
    {
        var bitmap = new SKBitmap(new SKImageInfo(width, height, type, SKAlphaType.Opaque));
        using var canvas = new SKCanvas(bitmap);
        canvas.Clear(SKColors.White);
        using var blue = new SKPaint { Color = new SKColor(30, 80, 220) };
        canvas.DrawRect(100, 100, 300, 200, blue);
        using var black = new SKPaint { Color = SKColors.Black };
        canvas.DrawRect(0, 700, width, 1, black);
        return bitmap;
    }

    [Fact]
    public void TurboJpeg_passes_its_self_check_where_libturbojpeg_is_installed()
    {
        // scripts/setup.sh installs libturbojpeg0; the check runs once and the encoder falls back to SkiaSharp without it.
        var installed = File.Exists("/usr/lib/x86_64-linux-gnu/libturbojpeg.so.0") || File.Exists("/usr/lib/aarch64-linux-gnu/libturbojpeg.so.0");
        TurboJpeg.Available.ShouldBe(installed);
    }

    [Theory]
    [InlineData(SKColorType.Rgba8888)]
    [InlineData(SKColorType.Bgra8888)]
    public void Jpeg_preview_keeps_the_size_the_colours_and_a_thin_rule(SKColorType type)
    {
        using var page = Page(type: type);
        var bytes = _encoder.Encode(page, "JPEG");

        using var codec = SKCodec.Create(new SKMemoryStream(bytes));
        codec.EncodedFormat.ShouldBe(SKEncodedImageFormat.Jpeg);
        using var decoded = SKBitmap.Decode(bytes);
        (decoded.Width, decoded.Height).ShouldBe((990, 1400));
        var block = decoded.GetPixel(200, 150);
        block.Blue.ShouldBeGreaterThan((byte)180);
        block.Red.ShouldBeLessThan((byte)80);
        decoded.GetPixel(500, 700).Red.ShouldBeLessThan((byte)120);
        decoded.GetPixel(500, 400).Red.ShouldBeGreaterThan((byte)240);
    }

    [Fact]
    public void A_bitmap_turbojpeg_does_not_take_is_encoded_by_skiasharp()
    {
        // Gray pixels are not a format this pipeline hands TurboJPEG: the SkiaSharp encoder answers instead.
        using var gray = Page(400, 300, SKColorType.Gray8);
        TurboJpeg.Encode(gray, 80).ShouldBeNull();

        using var decoded = SKBitmap.Decode(_encoder.Encode(gray, "JPEG"));
        (decoded.Width, decoded.Height).ShouldBe((400, 300));
    }

    [Theory]
    [InlineData(PreviewEncoder.PhoneWidth, 1018)]
    [InlineData(PreviewEncoder.CoverWidth, 339)]
    public void Downscale_keeps_the_ratio_and_a_one_pixel_rule(int width, int height)
    {
        using var page = Page();
        using var small = PreviewEncoder.Downscale(page, width);

        (small.Width, small.Height).ShouldBe((width, height));
        var row = (int)Math.Round(700.0 * height / 1400);
        Enumerable.Range(row - 1, 3).Min(y => small.GetPixel(width / 2, y).Red).ShouldBeLessThan((byte)200);
        small.GetPixel(width / 2, height / 4).Red.ShouldBeGreaterThan((byte)240);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(5, 3)]
    [InlineData(17, 2)]
    [InlineData(990, 4)]
    public void A_ppm_page_is_read_pixel_for_pixel(int width, int height)
    {
        var rgb = new byte[width * height * 3];
        new Random(width * 31 + height).NextBytes(rgb);
        var path = Path.Combine(Path.GetTempPath(), $"wenku-ppm-{Guid.NewGuid():N}.ppm");
        File.WriteAllBytes(path, [.. System.Text.Encoding.ASCII.GetBytes($"P6\n# pdftoppm\n{width} {height}\n255\n"), .. rgb]);
        try
        {
            using var bitmap = PreviewEncoder.ReadRendered(path)!;

            (bitmap.Width, bitmap.Height, bitmap.ColorType).ShouldBe((width, height, SKColorType.Rgba8888));
            for (var y = 0; y < height; y++)
                for (var x = 0; x < width; x++)
                {
                    var i = (y * width + x) * 3;
                    bitmap.GetPixel(x, y).ShouldBe(new SKColor(rgb[i], rgb[i + 1], rgb[i + 2]), $"pixel {x},{y}");
                }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_ppm_cut_short_is_not_read()
    {
        var path = Path.Combine(Path.GetTempPath(), $"wenku-ppm-{Guid.NewGuid():N}.ppm");
        File.WriteAllBytes(path, [.. System.Text.Encoding.ASCII.GetBytes("P6\n20 20\n255\n"), .. new byte[20 * 19 * 3]]);
        try
        {
            PreviewEncoder.ReadRendered(path).ShouldBeNull();
        }
        finally
        {
            File.Delete(path);
        }
    }
}
