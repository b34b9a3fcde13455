using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using SkiaSharp;
using Wenku.Documents;
using Wenku.Storage;
using Wenku.Tests.Infrastructure;
using Xunit;

namespace Wenku.Tests.Web;

/// <summary>
/// The reader in a real headless Chromium at desktop and phone width: nothing shifts while the pages load (layout
/// shift measured in the page), keys and the jump form move the counter, zoom, the preview-limit banner, where a
/// signed-in reader stopped, and the embed inside another site's page. Screenshots land in
/// <c>.artifacts/screenshots/reader-*.png</c>.
/// </summary>
public sealed class ReaderBrowserTests(BrowserSite site) : IClassFixture<BrowserSite>
{
    private const string ReaderEmail = "reader@readerbrowser.test";

    private sealed record Scene(long Document, string UploaderId);

    /// <summary>A free document of 10 pages, 6 of them in the preview, with real page images in the store.</summary>
    private Task<Scene> SceneAsync() => site.OnceAsync("reader", async () =>
    {
        var uploaderId = await site.EnsureUserAsync("uploader@readerbrowser.test");
        var id = await site.ReadyDocAsync(uploaderId, 0);
        const int pages = 10, preview = 6, width = 700, height = 990;
        await site.WithDbAsync(async db =>
        {
            var doc = await db.Documents.FindAsync(id);
            (doc!.Title, doc.PageCount, doc.PreviewPages, doc.ReadyAt) = ("高等数学讲义（第二版）Lecture notes on calculus", pages, preview, DateTime.UtcNow);
            for (var n = 1; n <= pages; n++)
                db.DocumentPages.Add(new DocumentPage { DocumentId = id, Number = n, Width = width, Height = height, Text = $"第{n}章 微积分基础。导数是函数变化率的度量。" });
            return await db.SaveChangesAsync();
        });
        await using var scope = site.Services.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<IFileStore>();
        for (var n = 1; n <= pages; n++)
            await store.PutAsync(Document.PageKey(id, n), new MemoryStream(TestImages.Encode(SKEncodedImageFormat.Jpeg, width, height, new SKColor(250, 250, (byte)(180 + n * 7)))), CancellationToken.None);
        return new Scene(id, uploaderId);
    });

    public static TheoryData<string> Widths()
    {
        var data = new TheoryData<string>();
        foreach (var v in BrowserViewport.Both) data.Add(v.Name);
        return data;
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public async Task Document_page_and_embed_render_cleanly(string width)
    {
        var scene = await SceneAsync();
        var viewport = BrowserViewport.Both.Single(v => v.Name == width);
        var context = await site.ContextAsync(viewport);
        try
        {
            (await PageCheck.RunAsync(context, $"/d/{scene.Document}", viewport, Shot($"document-{width}"))).ShouldBeEmpty();
            (await PageCheck.RunAsync(context, $"/embed/{scene.Document}", viewport, Shot($"embed-{width}"))).ShouldBeEmpty();
        }
        finally
        {
            await context.CloseAsync();
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public async Task Nothing_shifts_while_the_pages_load(string width)
    {
        var scene = await SceneAsync();
        var viewport = BrowserViewport.Both.Single(v => v.Name == width);
        var context = await site.ContextAsync(viewport);
        try
        {
            var page = await context.NewPageAsync();
            await page.AddInitScriptAsync("""
                window.__cls = 0;
                new PerformanceObserver(list => { for (const e of list.getEntries()) if (!e.hadRecentInput) window.__cls += e.value; })
                    .observe({ type: 'layout-shift', buffered: true });
                """);
            // Page images arrive late, as on a slow phone network: their boxes must be there before they are.
            await page.RouteAsync("**/page/*.jpg", async route => { await Task.Delay(400); await route.ContinueAsync(); });
            await page.GotoAsync($"/d/{scene.Document}", new() { WaitUntil = WaitUntilState.DOMContentLoaded });
            await page.EvaluateAsync("""
                async () => {
                    for (let y = 0, n = 0; y < document.documentElement.scrollHeight && n < 100; y += window.innerHeight / 2, n++) {
                        window.scrollTo(0, y);
                        await new Promise(r => setTimeout(r, 60));
                    }
                }
                """);
            await page.WaitForFunctionAsync("() => [...document.querySelectorAll('#reader img')].every(i => i.complete && i.naturalWidth > 0)", null, new() { Timeout = 20_000 });
            var cls = await page.EvaluateAsync<double>("() => window.__cls");
            cls.ShouldBeLessThan(0.02, $"cumulative layout shift at {width}");
            await page.CloseAsync();
        }
        finally
        {
            await context.CloseAsync();
        }
    }

    [Fact]
    public async Task Keys_jump_form_and_zoom_move_through_the_pages_up_to_the_preview_banner()
    {
        var scene = await SceneAsync();
        var context = await site.ContextAsync(BrowserViewport.Desktop);
        try
        {
            var page = await context.NewPageAsync();
            var problems = PageCheck.Listen(page);
            await page.GotoAsync($"/d/{scene.Document}");
            var counter = page.Locator("[data-reader-counter]");
            (await counter.TextContentAsync()).ShouldBe("第 1 / 10 页");

            await page.Keyboard.PressAsync("j");
            await Assertions.Expect(counter).ToHaveTextAsync("第 2 / 10 页");
            await page.Keyboard.PressAsync("ArrowRight");
            await Assertions.Expect(counter).ToHaveTextAsync("第 3 / 10 页");
            await page.Keyboard.PressAsync("k");
            await Assertions.Expect(counter).ToHaveTextAsync("第 2 / 10 页");
            await page.Keyboard.PressAsync("ArrowLeft");
            await Assertions.Expect(counter).ToHaveTextAsync("第 1 / 10 页");

            // Typing in a field is typing, not paging.
            var box = page.Locator("form[data-reader-jump] input[name=page]");
            await box.FillAsync("");
            await box.PressAsync("j");
            await Assertions.Expect(counter).ToHaveTextAsync("第 1 / 10 页");
            await box.FillAsync("5");
            await box.PressAsync("Enter");
            await Assertions.Expect(counter).ToHaveTextAsync("第 5 / 10 页");
            new Uri(page.Url).Fragment.ShouldBe("#page-5");
            await page.ScreenshotAsync(new() { Path = Shot("jumped-desktop") });

            // Zoom: half as large again, then back to fit the width.
            await page.Locator("[data-zoom='150']").ClickAsync();
            (await page.Locator("#page-5").BoundingBoxAsync())!.Width.ShouldBe(1200, 2);
            (await page.Locator("[data-zoom='150']").GetAttributeAsync("aria-pressed")).ShouldBe("true");
            await page.ScreenshotAsync(new() { Path = Shot("zoom-150-desktop") });
            await page.Locator("[data-zoom='fit']").ClickAsync();
            var pagesWidth = (await page.Locator("[data-reader-pages]").BoundingBoxAsync())!.Width;
            (await page.Locator("#page-5").BoundingBoxAsync())!.Width.ShouldBe(pagesWidth, 3);

            // Past the preview: the jump lands on the banner, which says how much is left.
            await box.FillAsync("9");
            await box.PressAsync("Enter");
            var banner = page.Locator("#preview-end");
            await Assertions.Expect(banner).ToBeInViewportAsync();
            (await banner.TextContentAsync())!.ShouldContain("全文预览已结束");
            (await page.Locator("#preview-end [data-remaining-pages]").TextContentAsync()).ShouldBe("4");
            await page.ScreenshotAsync(new() { Path = Shot("preview-end-desktop") });
            problems.ShouldBeEmpty();
        }
        finally
        {
            await context.CloseAsync();
        }
    }

    [Fact]
    public async Task Reader_who_leaves_at_page_four_is_offered_page_four_next_time()
    {
        var scene = await SceneAsync();
        var readerId = await site.EnsureUserAsync(ReaderEmail);
        var context = await site.SignedInContextAsync(ReaderEmail, BrowserViewport.Phone);
        try
        {
            var page = await context.NewPageAsync();
            var problems = PageCheck.Listen(page);
            await page.GotoAsync($"/d/{scene.Document}");
            var box = page.Locator("form[data-reader-jump] input[name=page]");
            await box.FillAsync("4");
            await box.PressAsync("Enter");
            await Assertions.Expect(page.Locator("[data-reader-counter]")).ToHaveTextAsync("第 4 / 10 页");
            // Leaving the page sends where they were (the beacon), without waiting for the script's next save.
            await page.CloseAsync(new() { RunBeforeUnload = true });
            problems.ShouldBeEmpty();

            var saved = 0;
            for (var i = 0; i < 50 && saved != 4; i++)
            {
                saved = await site.WithDbAsync(db => db.ReadingProgress.Where(r => r.UserId == readerId && r.DocumentId == scene.Document).Select(r => r.Page).SingleOrDefaultAsync());
                if (saved != 4) await Task.Delay(200);
            }
            saved.ShouldBe(4);

            var again = await context.NewPageAsync();
            await again.GotoAsync($"/d/{scene.Document}");
            var offer = again.Locator("#continue-reading a");
            (await offer.TextContentAsync()).ShouldBe("继续阅读第 4 页");
            await again.ScreenshotAsync(new() { Path = Shot("continue-phone") });
            await offer.ClickAsync();
            await Assertions.Expect(again.Locator("[data-reader-counter]")).ToHaveTextAsync("第 4 / 10 页");
        }
        finally
        {
            await context.CloseAsync();
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public async Task Another_site_embeds_the_viewer_but_not_the_document_page(string width)
    {
        var scene = await SceneAsync();
        var viewport = BrowserViewport.Both.Single(v => v.Name == width);
        var context = await site.ContextAsync(viewport);
        try
        {
            var page = await context.NewPageAsync();
            var origin = site.BaseAddress.ToString().TrimEnd('/');
            // A page of another site — another origin on this machine (its own port), served by a listener of the test:
            // the embed snippet from oEmbed, and the document page itself in a second frame, which must stay empty.
            var oembed = await page.APIRequest.GetAsync($"{origin}/oembed?format=json&url={Uri.EscapeDataString($"{origin}/d/{scene.Document}")}");
            var snippet = (await oembed.JsonAsync())!.Value.GetProperty("html").GetString()!;
            var html = $"<!DOCTYPE html><meta charset=utf-8><meta name=viewport content='width=device-width'><title>Blog</title><h1>Blog post</h1>" +
                       $"{snippet.Replace("width=\"640\"", "width=\"100%\"")}<iframe name=page src='{origin}/d/{scene.Document}' width=300 height=200></iframe>";
            using var embedderSite = OtherSite.Serve(html);
            var embedder = embedderSite.Url;
            var console = PageCheck.Listen(page);
            await page.GotoAsync(embedder);
            var embed = page.FrameLocator("iframe[src$='/embed/" + scene.Document + "?lang=zh-CN']");
            try
            {
                await Assertions.Expect(embed.Locator("#page-1")).ToBeVisibleAsync(new() { Timeout = 15_000 });
            }
            catch (PlaywrightException e)
            {
                await page.ScreenshotAsync(new() { Path = Shot($"embedded-{width}-failed"), FullPage = true });
                throw new InvalidOperationException($"{e.Message}\nframes: {string.Join(", ", page.Frames.Select(f => f.Url))}\nconsole: {string.Join(" | ", console)}");
            }
            (await embed.Locator("h1").TextContentAsync())!.ShouldContain("高等数学讲义");
            await page.WaitForTimeoutAsync(500);
            // The browser refuses to show the document page in a frame (DENY): an error page stands in for it.
            page.Frames.Single(f => f.Name == "page").Url.ShouldStartWith("chrome-error:");
            await page.ScreenshotAsync(new() { Path = Shot($"embedded-{width}"), FullPage = true });
        }
        finally
        {
            await context.CloseAsync();
        }
    }

    [Fact]
    public async Task A_phone_fetches_pages_far_below_only_when_the_reader_scrolls_near_them()
    {
        var scene = await SceneAsync();
        var context = await site.ContextAsync(BrowserViewport.Phone);
        try
        {
            var page = await context.NewPageAsync();
            var problems = PageCheck.Listen(page);
            var fetched = new System.Collections.Concurrent.ConcurrentDictionary<int, bool>();
            page.Request += (_, r) =>
            {
                var m = System.Text.RegularExpressions.Regex.Match(r.Url, @"/d/\d+/page/(\d+)\.");
                if (m.Success) fetched[int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)] = true;
            };
            await page.GotoAsync($"/d/{scene.Document}", new() { WaitUntil = WaitUntilState.Load });
            await page.WaitForTimeoutAsync(1000);
            // 390 px wide, a page is ~530 px high: pages 1 and 2 load at once; 5 and 6 lie three screens below and wait
            // (Chromium's own lazy loading, 1,250 px ahead, would already have taken page 4).
            fetched.Keys.ShouldContain(1);
            fetched.Keys.ShouldNotContain(5);
            fetched.Keys.ShouldNotContain(6);
            (await page.Locator("img.page-later").CountAsync()).ShouldBe(0, "reader.js put every page in its placeholder's place");
            (await page.Locator("#reader img[data-page]").CountAsync()).ShouldBe(6);

            // Reading down, a screen at a time: each page arrives before it is on screen, and all six are shown.
            for (var i = 0; i < 30 && await page.EvaluateAsync<bool>("() => document.getElementById('page-6').getBoundingClientRect().bottom > window.innerHeight"); i++)
            {
                await page.EvaluateAsync("() => window.scrollBy(0, window.innerHeight * 0.7)");
                await page.WaitForTimeoutAsync(150);
            }
            await page.WaitForFunctionAsync("() => [...document.querySelectorAll('#reader img[data-page]')].every(i => i.complete && i.naturalWidth > 100 && /\\/page\\/\\d+\\./.test(i.currentSrc))",
                null, new() { Timeout = 20_000 });
            fetched.Keys.Order().ShouldBe([1, 2, 3, 4, 5, 6]);
            await page.ScreenshotAsync(new() { Path = Shot("scrolled-phone") });
            problems.ShouldBeEmpty();
        }
        finally
        {
            await context.CloseAsync();
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public async Task Without_javascript_every_preview_page_is_shown(string width)
    {
        var scene = await SceneAsync();
        var viewport = BrowserViewport.Both.Single(v => v.Name == width);
        await using var context = await site.Chromium.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = site.BaseAddress.ToString().TrimEnd('/'),
            ViewportSize = new ViewportSize { Width = viewport.Width, Height = viewport.Height },
            IsMobile = viewport.IsPhone, HasTouch = viewport.IsPhone, DeviceScaleFactor = viewport.IsPhone ? 2 : 1,
            Locale = "zh-CN", JavaScriptEnabled = false,
        });
        var page = await context.NewPageAsync();
        var answered = new System.Collections.Concurrent.ConcurrentDictionary<int, int>();
        page.Response += (_, r) =>
        {
            var m = System.Text.RegularExpressions.Regex.Match(r.Url, @"/d/\d+/page/(\d+)\.");
            if (m.Success) answered[int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)] = r.Status;
        };
        await page.GotoAsync($"/d/{scene.Document}");
        // The blank placeholders are hidden; the <noscript> images are the pages, and each loads as it comes into view.
        (await page.Locator("img.page-later").First.IsVisibleAsync()).ShouldBeFalse();
        for (var n = 1; n <= 6; n++)
        {
            var image = page.Locator($"#page-{n}");
            await image.ScrollIntoViewIfNeededAsync();
            await Assertions.Expect(image).ToBeVisibleAsync();
            (await image.BoundingBoxAsync())!.Height.ShouldBeGreaterThan(200);
        }
        for (var i = 0; i < 50 && answered.Count < 6; i++) await page.WaitForTimeoutAsync(100);
        answered.Keys.Order().ShouldBe([1, 2, 3, 4, 5, 6]);
        answered.Values.ShouldAllBe(status => status == 200);
        await Assertions.Expect(page.Locator("#preview-end")).ToContainTextAsync("全文预览已结束");
        await page.ScreenshotAsync(new() { Path = Shot($"no-script-{width}") });
        await page.ScreenshotAsync(new() { Path = Shot($"no-script-{width}-full"), FullPage = true });
    }

    [Theory]
    [InlineData("phone", "fit")]
    [InlineData("desktop", "100")]
    public async Task The_pressed_zoom_button_says_what_the_page_shows(string width, string pressed)
    {
        var scene = await SceneAsync();
        var context = await site.ContextAsync(BrowserViewport.Both.Single(v => v.Name == width));
        try
        {
            var page = await context.NewPageAsync();
            await page.GotoAsync($"/d/{scene.Document}");
            // On a phone the page at "100 %" already fills the width: "fit width" is the one pressed.
            await Assertions.Expect(page.Locator($"[data-zoom='{pressed}']")).ToHaveAttributeAsync("aria-pressed", "true");
            (await page.Locator("[data-zoom][aria-pressed=true]").CountAsync()).ShouldBe(1);
            var pagesWidth = (await page.Locator("[data-reader-pages]").BoundingBoxAsync())!.Width;
            if (pressed == "fit") (await page.Locator("#page-1").BoundingBoxAsync())!.Width.ShouldBe(pagesWidth, 3);
            await page.ScreenshotAsync(new() { Path = Shot($"zoom-initial-{width}") });
        }
        finally
        {
            await context.CloseAsync();
        }
    }

    private static string Shot(string name) => Path.Combine(BrowserSite.ScreenshotDir, $"reader-{name}.png");
}
