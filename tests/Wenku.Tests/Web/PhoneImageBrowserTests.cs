using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using SkiaSharp;
using Wenku.Documents;
using Wenku.Storage;
using Wenku.Tests.Infrastructure;
using Xunit;

namespace Wenku.Tests.Web;

/// <summary>
/// Which preview file a real Chromium loads for a sized document: a phone takes the phone-size WebP at DPR 2 and at
/// DPR 3 (not the desktop image its pixel density alone would pick), zoomed to 150 % it may take the larger one, and a
/// desktop takes the desktop WebP. Screenshots land in <c>.artifacts/screenshots/phone-image-*.png</c>.
/// </summary>
public sealed class PhoneImageBrowserTests(BrowserSite site) : IClassFixture<BrowserSite>
{
    private const int Pages = 3, Width = 990, Height = 1400;

    /// <summary>A 3-page sized document with all four files of every page in the store.</summary>
    private Task<Tuple<long>> SceneAsync() => site.OnceAsync("phone-image", async () =>
    {
        var uploaderId = await site.EnsureUserAsync("uploader@phoneimage.test");
        var id = await site.ReadyDocAsync(uploaderId, 0);
        await site.WithDbAsync(async db =>
        {
            var doc = await db.Documents.FindAsync(id);
            (doc!.Title, doc.PageCount, doc.PreviewPages, doc.PreviewVersion, doc.ReadyAt) = ("手机预览图 Phone previews", Pages, Pages, PreviewVersions.Sized, DateTime.UtcNow);
            for (var n = 1; n <= Pages; n++)
                db.DocumentPages.Add(new DocumentPage { DocumentId = id, Number = n, Width = Width, Height = Height, Text = $"第{n}页" });
            return await db.SaveChangesAsync();
        });
        await using var scope = site.Services.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<IFileStore>();
        for (var n = 1; n <= Pages; n++)
            foreach (var size in new[] { PreviewVersions.Size.Desktop, PreviewVersions.Size.Phone })
                foreach (var webp in new[] { false, true })
                {
                    var w = size == PreviewVersions.Size.Desktop ? Width : PageImagesView.PhoneWidth;
                    var image = TestImages.Encode(webp ? SKEncodedImageFormat.Webp : SKEncodedImageFormat.Jpeg, w, w * Height / Width, new SKColor(240, 240, (byte)(200 + n * 10)));
                    await store.PutAsync(PreviewVersions.PageKey(id, n, size, webp), new MemoryStream(image), CancellationToken.None);
                }
        return Tuple.Create(id);
    });

    [Theory]
    [InlineData("phone-dpr2", 390, 844, 2f, "/page/1.m.webp")]
    [InlineData("phone-dpr3", 390, 844, 3f, "/page/1.m.webp")]
    [InlineData("desktop", 1280, 800, 1f, "/page/1.webp")]
    public async Task Browser_loads_the_size_that_fits_the_window(string name, int width, int height, float dpr, string expected)
    {
        var id = (await SceneAsync()).Item1;
        var phone = width < 640;
        await using var context = await site.Chromium.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = site.BaseAddress.ToString().TrimEnd('/'),
            ViewportSize = new ViewportSize { Width = width, Height = height },
            DeviceScaleFactor = dpr, IsMobile = phone, HasTouch = phone, Locale = "zh-CN",
        });
        var page = await context.NewPageAsync();
        await page.GotoAsync($"/d/{id}");
        await page.WaitForFunctionAsync("() => { const i = document.getElementById('page-1'); return i && i.complete && i.naturalWidth > 0; }");
        new Uri(await page.EvaluateAsync<string>("() => document.getElementById('page-1').currentSrc")).AbsolutePath.ShouldBe($"/d/{id}{expected}");
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserSite.ScreenshotDir, $"phone-image-{name}.png") });

        if (phone)
        {
            // Zoomed to 150 % the phone-only source is lifted: the browser chooses from the width steps again.
            await page.Locator("[data-zoom='150']").ClickAsync();
            (await page.Locator("#reader source[data-phone]").First.GetAttributeAsync("media")).ShouldBe("not all");
            await page.Locator("[data-zoom='100']").ClickAsync();
            (await page.Locator("#reader source[data-phone]").First.GetAttributeAsync("media")).ShouldBe(PageImagesView.PhoneMedia);
        }
    }
}
