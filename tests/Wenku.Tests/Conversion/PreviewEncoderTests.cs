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
        // 16-bit pixels are not a format this pipeline hands TurboJPEG: the SkiaSharp encoder answers instead.
        using var rgb565 = Page(400, 300, SKColorType.Rgb565);
        TurboJpeg.Encode(rgb565, 80).ShouldBeNull();

        using var decoded = SKBitmap.Decode(_encoder.Encode(rgb565, "JPEG"));
        (decoded.Width, decoded.Height).ShouldBe((400, 300));
    }

    [Fact]
    public void A_luma_plane_is_encoded_as_a_one_channel_jpeg_of_its_pixels()
    {
        if (!TurboJpeg.Available) return;
        using var page = DesktopTextPage();
        using var luma = PreviewEncoder.ToLuma(page);

        var bytes = TurboJpeg.Encode(luma, 80, progressive: true)!;

        JpegFrame(bytes).ShouldBe((true, 1, 990, 1400));
        using var decoded = SKBitmap.Decode(bytes);
        Enumerable.Range(60, 400).SelectMany(x => Enumerable.Range(44, 20).Select(y => decoded.GetPixel(x, y).Red)).Min().ShouldBeLessThan((byte)60);
        decoded.GetPixel(20, 20).Red.ShouldBeGreaterThan((byte)245);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(8)]
    [InlineData(21)]
    [InlineData(990)]
    public void Luma_of_every_pixel_is_the_rec601_weighted_sum_and_gray_keeps_its_value(int width)
    {
        // Vectors of eight and a tail: every path of the row loop sees pixels.
        var random = new Random(width);
        var row = Enumerable.Range(0, width).Select(_ => (uint)random.Next() | 0xFF000000u).ToArray();
        row[0] = 0xFF7B7B7Bu; // gray 123
        var luma = new byte[width];

        PreviewEncoder.LumaRow(row, luma);

        for (var x = 0; x < width; x++)
        {
            var p = row[x];
            luma[x].ShouldBe((byte)(((p & 0xFF) * 77 + (p >> 8 & 0xFF) * 150 + (p >> 16 & 0xFF) * 29 + 128) >> 8), $"pixel {x}");
        }
        luma[0].ShouldBe((byte)123);
    }

    [Fact]
    public void A_luma_plane_is_downscaled_as_one_and_keeps_a_one_pixel_rule()
    {
        using var page = Page();
        using var luma = PreviewEncoder.ToLuma(page);
        using var small = PreviewEncoder.Downscale(luma, PreviewEncoder.PhoneWidth);

        (small.Width, small.Height, small.ColorType).ShouldBe((PreviewEncoder.PhoneWidth, 1018, SKColorType.Gray8));
        Enumerable.Range(508, 3).Min(y => small.GetPixel(PreviewEncoder.PhoneWidth / 2, y).Red).ShouldBeLessThan((byte)200);
        small.GetPixel(PreviewEncoder.PhoneWidth / 2, 1018 / 4).Red.ShouldBeGreaterThan((byte)240);
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

    /// <summary>A phone-size page of black text lines on white, as pdftoppm renders a text PDF (anti-aliased, exactly gray).</summary>
    private static SKBitmap TextPage(SKColor? ink = null)
    {
        var bitmap = new SKBitmap(new SKImageInfo(PreviewEncoder.PhoneWidth, 1018, SKColorType.Rgba8888, SKAlphaType.Opaque));
        using var canvas = new SKCanvas(bitmap);
        canvas.Clear(SKColors.White);
        using var font = new SKFont(SKTypeface.Default, 15);
        using var paint = new SKPaint { Color = ink ?? SKColors.Black, IsAntialias = true };
        for (var line = 0; line < 50; line++)
            canvas.DrawText($"Line {line}: the quick brown fox jumps over the lazy dog, 0123456789 times.", 40, 40 + line * 19, font, paint);
        return bitmap;
    }

    private static string WebpKind(byte[] webp) => System.Text.Encoding.ASCII.GetString(webp, 12, 4);

    /// <summary>What a JPEG's frame header (SOF0 baseline, SOF2 progressive) says: its kind, channels and size.</summary>
    private static (bool Progressive, int Channels, int Width, int Height) JpegFrame(byte[] jpeg)
    {
        for (var i = 2; i + 9 < jpeg.Length;)
        {
            if (jpeg[i] != 0xFF) throw new InvalidOperationException("not a JPEG marker");
            var marker = jpeg[i + 1];
            if (marker is 0xC0 or 0xC2)
                return (marker == 0xC2, jpeg[i + 9], jpeg[i + 7] << 8 | jpeg[i + 8], jpeg[i + 5] << 8 | jpeg[i + 6]);
            i += 2 + (jpeg[i + 2] << 8 | jpeg[i + 3]);
        }
        throw new InvalidOperationException("no frame header");
    }

    /// <summary>A desktop-size page of black text on white (rendered text is exactly gray), as pdftoppm writes it.</summary>
    private static SKBitmap DesktopTextPage()
    {
        var bitmap = new SKBitmap(new SKImageInfo(990, 1400, SKColorType.Rgba8888, SKAlphaType.Opaque));
        using var canvas = new SKCanvas(bitmap);
        canvas.Clear(SKColors.White);
        using var font = new SKFont(SKTypeface.Default, 20);
        using var paint = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        for (var line = 0; line < 60; line++)
            canvas.DrawText($"Line {line}: the quick brown fox jumps over the lazy dog, 0123456789 times.", 60, 60 + line * 21, font, paint);
        return bitmap;
    }

    [Fact]
    public void A_page_without_colour_is_written_as_a_gray_progressive_desktop_jpeg_of_its_size_and_no_desktop_webp()
    {
        if (!TurboJpeg.Available) return; // gray and progressive JPEGs are TurboJPEG's; SkiaSharp writes colour baseline
        var dir = Directory.CreateTempSubdirectory("wenku-gray-").FullName;
        try
        {
            using var page = DesktopTextPage();
            var files = PreviewFiles.Of(Path.Combine(dir, "page-1.jpg"));

            _encoder.Write(page, files.Jpeg);

            Directory.GetFiles(dir).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ShouldBe(["page-1.jpg", "page-1.m.jpg", "page-1.m.webp"]);
            files.Written.Select(f => f.Path).ShouldBe([files.Jpeg, files.PhoneJpeg, files.PhoneWebp]);
            JpegFrame(File.ReadAllBytes(files.Jpeg)).ShouldBe((true, 1, 990, 1400));
            JpegFrame(File.ReadAllBytes(files.PhoneJpeg)).ShouldBe((false, 1, PreviewEncoder.PhoneWidth, 1018));
            WebpKind(File.ReadAllBytes(files.PhoneWebp)).ShouldBe("VP8L"); // the gray palette image, as before
            // The text is still there: dark glyphs on a white margin.
            using var decoded = SKBitmap.Decode(files.Jpeg);
            (decoded.Width, decoded.Height).ShouldBe((990, 1400));
            Enumerable.Range(60, 400).SelectMany(x => Enumerable.Range(44, 20).Select(y => decoded.GetPixel(x, y).Red)).Min().ShouldBeLessThan((byte)60);
            decoded.GetPixel(20, 20).Red.ShouldBeGreaterThan((byte)245);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(8)]
    [InlineData(13)]
    [InlineData(20)]
    public void One_coloured_pixel_anywhere_in_a_row_makes_it_coloured_and_near_gray_stays_gray(int at)
    {
        // 21 pixels: two vectors of eight (or five of four) and a tail, so every path of the check sees the pixel.
        var row = Enumerable.Repeat(0xFF808080u, 21).ToArray();
        row[at] = 0xFF809880u; // green 24 above the others: still gray (JPEG chroma noise)
        PreviewEncoder.IsGrayRow(row).ShouldBeTrue();
        row[at] = 0xFF809980u; // 25 above: colour
        PreviewEncoder.IsGrayRow(row).ShouldBeFalse();
        row[at] = 0xFF7F8098u; // red 0x98, blue 0x7F: spread 25 between the outer channels
        PreviewEncoder.IsGrayRow(row).ShouldBeFalse();
    }

    [Fact]
    public void A_page_with_a_small_red_stamp_keeps_colour_jpegs_and_its_red()
    {
        if (!TurboJpeg.Available) return;
        var dir = Directory.CreateTempSubdirectory("wenku-colour-").FullName;
        try
        {
            using var page = DesktopTextPage();
            using (var canvas = new SKCanvas(page))
            using (var red = new SKPaint { Color = new SKColor(220, 20, 20) })
                canvas.DrawRect(800, 1300, 12, 12, red);
            PreviewEncoder.IsGray(page).ShouldBeFalse();
            var files = PreviewFiles.Of(Path.Combine(dir, "page-1.jpg"));

            _encoder.Write(page, files.Jpeg);

            JpegFrame(File.ReadAllBytes(files.Jpeg)).ShouldBe((true, 3, 990, 1400));
            JpegFrame(File.ReadAllBytes(files.PhoneJpeg)).Channels.ShouldBe(3);
            File.Exists(files.Webp).ShouldBeFalse();
            using var decoded = SKBitmap.Decode(files.Jpeg);
            var stamp = decoded.GetPixel(806, 1306);
            stamp.Red.ShouldBeGreaterThan((byte)180);
            stamp.Green.ShouldBeLessThan((byte)80);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void The_phone_sizes_of_a_stored_gray_jpeg_are_made_from_it()
    {
        if (!TurboJpeg.Available) return;
        var dir = Directory.CreateTempSubdirectory("wenku-missing-").FullName;
        try
        {
            using var page = DesktopTextPage();
            var files = PreviewFiles.Of(Path.Combine(dir, "page-1.jpg"));
            File.WriteAllBytes(files.Jpeg, _encoder.EncodeDesktopJpeg(page, gray: true));

            // A one-channel JPEG decodes as gray pixels: the phone sizes and the cover are still made from it.
            _encoder.WriteMissing(files.Jpeg);
            _encoder.WriteCover(files.PhoneJpeg, Path.Combine(dir, "cover.jpg"), Path.Combine(dir, "cover.webp"));

            JpegFrame(File.ReadAllBytes(files.PhoneJpeg)).ShouldBe((false, 1, PreviewEncoder.PhoneWidth, 1018));
            WebpKind(File.ReadAllBytes(files.PhoneWebp)).ShouldBe("VP8L");
            JpegFrame(File.ReadAllBytes(Path.Combine(dir, "cover.jpg"))).Width.ShouldBe(PreviewEncoder.CoverWidth);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void A_text_page_without_colour_gets_a_smaller_lossless_gray_phone_webp_that_keeps_its_ink()
    {
        using var page = TextPage();
        var lossy = _encoder.Encode(page, "WebP");

        var (bytes, encoding) = _encoder.EncodePhoneWebp(page);

        encoding.ShouldBe(PreviewEncoder.PhoneWebp.GrayPalette);
        WebpKind(bytes).ShouldBe("VP8L");
        bytes.Length.ShouldBeLessThan(lossy.Length);
        using var decoded = SKBitmap.Decode(bytes);
        (decoded.Width, decoded.Height).ShouldBe((PreviewEncoder.PhoneWidth, 1018));
        PreviewEncoder.IsGray(decoded).ShouldBeTrue();
        // The glyphs are still there and still black: the darkest pixel of the first line, the white margin.
        Enumerable.Range(40, 300).SelectMany(x => Enumerable.Range(28, 14).Select(y => decoded.GetPixel(x, y).Red)).Min().ShouldBeLessThan((byte)40);
        decoded.GetPixel(10, 10).Red.ShouldBe((byte)255);
    }

    [Fact]
    public void A_text_page_as_a_luma_plane_gets_the_same_gray_phone_webp()
    {
        using var page = TextPage();
        using var luma = PreviewEncoder.ToLuma(page);

        var fromRgba = _encoder.EncodePhoneWebp(page);
        var fromLuma = _encoder.EncodePhoneWebp(luma);

        fromLuma.Encoding.ShouldBe(PreviewEncoder.PhoneWebp.GrayPalette);
        fromLuma.Bytes.ShouldBe(fromRgba.Bytes);
        using var levels = PreviewEncoder.ToGrayLevels(luma, PreviewEncoder.GrayLevels);
        PreviewEncoder.LumaPaperShare(luma).ShouldBe(PreviewEncoder.PaperShare(levels));
    }

    [Fact]
    public void A_gray_photograph_as_a_luma_plane_gets_a_lossy_phone_webp()
    {
        using var photo = new SKBitmap(new SKImageInfo(PreviewEncoder.PhoneWidth, 1018, SKColorType.Gray8, SKAlphaType.Opaque));
        var random = new Random(7);
        var pixels = new byte[photo.RowBytes * photo.Height];
        for (var y = 0; y < photo.Height; y++)
            for (var x = 0; x < photo.Width; x++)
                pixels[y * photo.RowBytes + x] = (byte)Math.Clamp(128 + 90 * Math.Sin(x / 37.0) * Math.Cos(y / 53.0) + random.Next(-12, 13), 0, 255);
        System.Runtime.InteropServices.Marshal.Copy(pixels, 0, photo.GetPixels(), pixels.Length);

        var (bytes, encoding) = _encoder.EncodePhoneWebp(photo);

        encoding.ShouldBe(PreviewEncoder.PhoneWebp.Lossy);
        WebpKind(bytes).ShouldBe("VP8 ");
        using var decoded = SKBitmap.Decode(bytes);
        (decoded.Width, decoded.Height).ShouldBe((PreviewEncoder.PhoneWidth, 1018));
        // The plane goes into libwebp's YUV as its own RGB→YUV would put an RGBA copy: the same file.
        using var rgba = photo.Copy(SKColorType.Rgba8888);
        rgba.GetPixel(100, 100).Red.ShouldBe(photo.GetPixel(100, 100).Red);
        _encoder.EncodePhoneWebp(rgba).Bytes.ShouldBe(bytes);
    }

    [Fact]
    public void A_page_with_colour_keeps_a_lossy_phone_webp_with_its_colour()
    {
        using var page = Page();
        using var phone = PreviewEncoder.Downscale(page, PreviewEncoder.PhoneWidth);
        PreviewEncoder.IsGray(phone).ShouldBeFalse();

        var (bytes, encoding) = _encoder.EncodePhoneWebp(phone);

        encoding.ShouldBe(PreviewEncoder.PhoneWebp.Lossy);
        WebpKind(bytes).ShouldBe("VP8 ");
        using var decoded = SKBitmap.Decode(bytes);
        decoded.GetPixel(145, 109).Blue.ShouldBeGreaterThan((byte)180);
        decoded.GetPixel(145, 109).Red.ShouldBeLessThan((byte)80);
    }

    [Fact]
    public void Coloured_text_is_not_turned_gray()
    {
        using var page = TextPage(new SKColor(200, 20, 20));
        _encoder.EncodePhoneWebp(page).Encoding.ShouldBe(PreviewEncoder.PhoneWebp.Lossy);
    }

    [Fact]
    public void A_gray_photograph_stays_lossy_where_a_palette_image_would_be_larger()
    {
        // A scanned photo: smooth shading with grain, no colour. Sixteen levels would band it and cost more bytes.
        using var photo = new SKBitmap(new SKImageInfo(PreviewEncoder.PhoneWidth, 1018, SKColorType.Rgba8888, SKAlphaType.Opaque));
        var random = new Random(7);
        for (var y = 0; y < photo.Height; y++)
            for (var x = 0; x < photo.Width; x++)
            {
                var l = (byte)Math.Clamp(128 + 90 * Math.Sin(x / 37.0) * Math.Cos(y / 53.0) + random.Next(-12, 13), 0, 255);
                photo.SetPixel(x, y, new SKColor(l, l, l));
            }
        PreviewEncoder.IsGray(photo).ShouldBeTrue();

        var (bytes, encoding) = _encoder.EncodePhoneWebp(photo);

        encoding.ShouldBe(PreviewEncoder.PhoneWebp.Lossy);
        WebpKind(bytes).ShouldBe("VP8 ");
    }

    [Fact]
    public void Gray_levels_are_evenly_spaced_and_keep_black_and_white()
    {
        using var ramp = new SKBitmap(new SKImageInfo(256, 1, SKColorType.Rgba8888, SKAlphaType.Opaque));
        for (var x = 0; x < 256; x++) ramp.SetPixel(x, 0, new SKColor((byte)x, (byte)x, (byte)x));

        using var gray = PreviewEncoder.ToGrayLevels(ramp, PreviewEncoder.GrayLevels);

        var levels = Enumerable.Range(0, 256).Select(x => gray.GetPixel(x, 0).Red).Distinct().ToList();
        levels.Count.ShouldBe(PreviewEncoder.GrayLevels);
        levels.ShouldContain((byte)0);
        levels.ShouldContain((byte)255);
        levels.ShouldContain((byte)Math.Round(255.0 / (PreviewEncoder.GrayLevels - 1)));
    }
}
