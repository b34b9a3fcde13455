using Microsoft.Extensions.Options;
using SkiaSharp;
using Wenku.Conversion;
using Wenku.Tests.Infrastructure;

namespace Wenku.Tests.Conversion;

public sealed class WatermarkerTests : IDisposable
{
    private readonly string _dir = TestPaths.NewTempDir("watermark");

    [Fact]
    public void Preview_carries_a_visible_watermark_and_keeps_its_size()
    {
        var png = Path.Combine(_dir, "page.png");
        using (var blank = new SKBitmap(700, 1000))
        {
            blank.Erase(SKColors.White);
            using var data = SKImage.FromBitmap(blank).Encode(SKEncodedImageFormat.Png, 100);
            File.WriteAllBytes(png, data.ToArray());
        }
        var conversion = Options.Create(new ConversionOptions());
        var watermarker = new Watermarker(Options.Create(new WenkuOptions { SiteName = "Wenku 文库" }), conversion, new PreviewEncoder(conversion));
        var jpg = Path.Combine(_dir, "page.jpg");

        watermarker.Apply(png, jpg).ShouldBe((700, 1000));

        // Every size and format written from the one watermarked bitmap carries the mark.
        File.Exists(PreviewFiles.Of(jpg).Webp).ShouldBeFalse(); // no desktop WebP since version 2
        foreach (var (path, size, webp) in PreviewFiles.Of(jpg).Written)
        {
            using var result = SKBitmap.Decode(path);
            result.Width.ShouldBe(size == Wenku.Documents.PreviewVersions.Size.Desktop ? 700 : Math.Min(700, PreviewEncoder.PhoneWidth), path);
            var marked = 0;
            for (var y = 0; y < result.Height; y += 2)
                for (var x = 0; x < result.Width; x += 2)
                    if (result.GetPixel(x, y).Red < 240) marked++;
            // The diagonal marks and the corner mark cover a visible share of the page, but leave it readable.
            var share = marked / (result.Width * result.Height / 4.0);
            share.ShouldBeGreaterThan(0.005, path);
            share.ShouldBeLessThan(0.2, path);
            (webp ? Path.GetExtension(path) == ".webp" : Path.GetExtension(path) == ".jpg").ShouldBeTrue();
        }
    }

    public void Dispose() => TestPaths.TryDelete(_dir);
}
