using Microsoft.Extensions.DependencyInjection;
using Wenku.Conversion;
using Wenku.Tests.Infrastructure;

namespace Wenku.Tests.Conversion;

/// <summary>A converter converts the format it is told (the one sniffed at upload), whatever the work file is named.</summary>
public sealed class ConversionRequestTests(WenkuNoWorkerFactory site) : IClassFixture<WenkuNoWorkerFactory>
{
    [Fact]
    public async Task Tiff_whose_work_file_is_named_like_something_else_converts_as_the_tiff_it_was_sniffed_as()
    {
        var dir = TestPaths.NewTempDir("request");
        try
        {
            // Named .png: a converter that trusted the name would hand it to the PNG decoder, which cannot read TIFF.
            var input = Path.Combine(dir, "scan.png");
            await File.WriteAllBytesAsync(input, TestImages.Tiff(2));
            var converter = site.Services.GetServices<IDocumentConverter>().First(c => c.CanConvert("tiff"));

            var result = await converter.ConvertAsync(new ConversionRequest(1, "tiff", input, dir), CancellationToken.None);

            result.Pages.Count.ShouldBe(2);
            result.Pages.ShouldAllBe(p => p.Unrendered == null && File.Exists(p.ImagePath));
        }
        finally
        {
            TestPaths.TryDelete(dir);
        }
    }
}
