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
/// desktop takes the desktop WebP — or, for a document of version 2 (no desktop WebP), the desktop JPEG. Screenshots land
/// in <c>.artifacts/screenshots/phone-image-*.png</c>.
/// </summary>
public sealed class PhoneImageBrowserTests(BrowserSite site) : IClassFixture<BrowserSite>
{
    private const int Pages = 3, Width = 990, Height = 1400;

    /// <summary>A 3-page sized document with every file of every page its version has in the store.</summary>
    private Task<Tuple<long>> SceneAsync(int version) => site.OnceAsync($"phone-image-v{version}", async () =>
    {
        var uploaderId = await site.EnsureUserAsync("uploader@phoneimage.test");
        var id = await site.ReadyDocAsync(uploaderId, 0);
        await site.WithDbAsync(async db =>
        {
            var doc = await db.Documents.FindAsync(id);
            (doc!.Title, doc.PageCount, doc.PreviewPages, doc.PreviewVersion, doc.ReadyAt) = ("手机预览图 Phone previews", Pages, Pages, version, DateTime.UtcNow);
            for (var n = 1; n <= Pages; n++)
                db.DocumentPages.Add(new DocumentPage { DocumentId = id, Number = n, Width = Width, Height = Height, Text = $"第{n}页" });
            return await db.SaveChangesAsync();
        });
        await using var scope = site.Services.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<IFileStore>();
        for (var n = 1; n <= Pages; n++)
            foreach (var size in new[] { PreviewVersions.Size.Desktop, PreviewVersions.Size.Phone })
                foreach (var webp in new[] { false, true }.Where(webp => !webp || size == PreviewVersions.Size.Phone || PreviewVersions.HasDesktopWebp(version)))
                {
                    var w = size == PreviewVersions.Size.Desktop ? Width : PageImagesView.PhoneWidth;
                    var image = TestImages.Encode(webp ? SKEncodedImageFormat.Webp : SKEncodedImageFormat.Jpeg, w, w * Height / Width, new SKColor(240, 240, (byte)(200 + n * 10)));
                    await store.PutAsync(PreviewVersions.PageKey(id, n, size, webp), new MemoryStream(image), CancellationToken.None);
                }
        return Tuple.Create(id);
    });

    [Theory]
    [InlineData("phone-dpr2", 390, 844, 2f, "/page/1.m.webp", PreviewVersions.Sized)]
    [InlineData("phone-dpr3", 390, 844, 3f, "/page/1.m.webp", PreviewVersions.Sized)]
    [InlineData("desktop", 1280, 800, 1f, "/page/1.webp", PreviewVersions.Sized)]
    [InlineData("v2-phone-dpr3", 390, 844, 3f, "/page/1.m.webp", PreviewVersions.DesktopJpeg)]
    [InlineData("v2-desktop", 1280, 800, 1f, "/page/1.jpg", PreviewVersions.DesktopJpeg)]
    [InlineData("v2-desktop-dpr2", 1280, 800, 2f, "/page/1.jpg", PreviewVersions.DesktopJpeg)]
    public async Task Browser_loads_the_size_that_fits_the_window(string name, int width, int height, float dpr, string expected, int version)
    {
        var id = (await SceneAsync(version)).Item1;
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
