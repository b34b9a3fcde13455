using Microsoft.Playwright;
using Wenku.Documents;
using Wenku.Tests.Infrastructure;

namespace Wenku.Tests.Web;

/// <summary>
/// The site's frame in a real headless Chromium, at desktop and phone width, through <see cref="PageCheck"/> (visible
/// h1, no script or CSP error, nothing scrolls sideways on a phone): home in both languages, search with hits and
/// empty, a category, sign-in, registration and an error page; and the header's menu opened on a phone. Screenshots
/// land in <c>.artifacts/screenshots/site-*.png</c> for people to look at.
/// </summary>
public sealed class SiteBrowserTests(BrowserSite site) : IClassFixture<BrowserSite>
{
    private const string ReaderEmail = "reader@sitebrowser.test";
    private const string Word = "微积分";

    /// <summary>Documents with long titles in the "other" category, found by search once the index has them.</summary>
    private Task<string> SceneAsync() => site.OnceAsync("site", async () =>
    {
        var uploaderId = await site.EnsureUserAsync("uploader@sitebrowser.test");
        foreach (var title in new[] { $"{Word}讲义：极限、导数与积分的基本概念和习题解答（第二版）", $"{Word}期末复习提纲 Calculus final review", "线性代数笔记" })
        {
            var id = await site.ReadyDocAsync(uploaderId, 0);
            await site.WithDbAsync(async db =>
            {
                var doc = await db.Documents.FindAsync(id);
                (doc!.Title, doc.Description) = (title, title);
                return await db.SaveChangesAsync();
            });
        }
        using var http = new HttpClient { BaseAddress = site.BaseAddress };
        for (var i = 0; i < 100; i++)
        {
            var html = Html.Parse(await http.GetStringAsync("/search?q=" + Uri.EscapeDataString(Word)));
            if (html.QuerySelectorAll("ol.hits > li").Length >= 2) return "ready";
            await Task.Delay(200);
        }
        throw new TimeoutException("the search index never listed the scene's documents");
    });

    /// <summary>Each page: who looks at it (null: nobody), where it is, and the status it answers.</summary>
    private static readonly Dictionary<string, (string? Email, string Path, int Status)> Pages = new()
    {
        ["home"] = (null, "/", 200),
        ["home-en"] = (null, "/?lang=en", 200),
        ["home-signed-in"] = (ReaderEmail, "/", 200),
        ["search"] = (null, "/search?q=" + Uri.EscapeDataString(Word), 200),
        ["search-empty"] = (null, "/search?q=" + Uri.EscapeDataString("没有这样的文档xyz"), 200),
        ["search-empty-en"] = (null, "/search?q=nothing-like-this-xyz&lang=en", 200),
        ["category"] = (null, "/c/other", 200),
        ["login"] = (null, "/account/login", 200),
        ["register"] = (null, "/account/register", 200),
        ["not-found"] = (null, "/no/such/page", 404),
        ["not-found-en"] = (null, "/no/such/page?lang=en", 404),
    };

    public static TheoryData<string, string> PagesAtBothWidths()
    {
        var data = new TheoryData<string, string>();
        foreach (var page in Pages.Keys)
            foreach (var viewport in BrowserViewport.Both) data.Add(page, viewport.Name);
        return data;
    }

    [Theory]
    [MemberData(nameof(PagesAtBothWidths))]
    public async Task Site_page_renders_cleanly(string name, string width)
    {
        await SceneAsync();
        var viewport = BrowserViewport.Both.Single(v => v.Name == width);
        var (email, path, status) = Pages[name];
        var context = email is null ? await site.ContextAsync(viewport) : await site.ContextOfAsync(email, viewport);
        try
        {
            var problems = await PageCheck.RunAsync(context, path, viewport, Path.Combine(BrowserSite.ScreenshotDir, $"site-{name}-{viewport.Name}.png"), status);
            problems.ShouldBeEmpty($"{path} at {viewport.Name} width");
        }
        finally
        {
            if (email is null) await context.CloseAsync();
        }
    }

    [Theory]
    [InlineData(Wenku.Accounts.Roles.User)]
    [InlineData(Wenku.Accounts.Roles.Admin)]
    public async Task In_english_on_a_phone_the_header_menus_keep_to_one_line_and_one_hit_is_one_document(string role)
    {
        await SceneAsync();
        var viewport = BrowserViewport.Phone;
        var context = await site.SignedInContextAsync($"english-{role.ToLowerInvariant()}@sitebrowser.test", viewport, role);
        var page = await context.NewPageAsync();
        try
        {
            await page.GotoAsync("/lang/en?returnUrl=" + Uri.EscapeDataString("/search?q=" + Uri.EscapeDataString("线性代数")));
            (await page.Locator("html").GetAttributeAsync("lang")).ShouldBe("en");
            (await page.Locator(".results > .meta").TextContentAsync())!.Trim().ShouldStartWith("1 document found");
            await page.Locator("header.top").ScreenshotAsync(new() { Path = Path.Combine(BrowserSite.ScreenshotDir, $"site-header-english-{role.ToLowerInvariant()}-phone.png") });
            // "English ▾" and the user's name with its arrow: each a single line, not cut short.
            foreach (var summary in new[] { "#lang-menu > summary", "#user-menu > summary" })
            {
                var lines = await page.EvaluateAsync<double>("""
                    s => { const e = document.querySelector(s), c = getComputedStyle(e);
                           return (e.getBoundingClientRect().height - parseFloat(c.paddingTop) - parseFloat(c.paddingBottom)) / parseFloat(c.lineHeight); }
                    """, summary);
                lines.ShouldBeLessThan(1.5, $"{summary} takes {lines:0.0} lines");
            }
            (await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth")).ShouldBeLessThanOrEqualTo(viewport.Width);
            await page.Locator("header.top").ScreenshotAsync(new() { Path = Path.Combine(BrowserSite.ScreenshotDir, $"site-header-english-{role.ToLowerInvariant()}-phone.png") });
            await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserSite.ScreenshotDir, $"site-search-one-hit-english-{role.ToLowerInvariant()}-phone.png") });
        }
        finally
        {
            await context.CloseAsync();
        }
    }

    [Theory]
    [InlineData("desktop")]
    [InlineData("phone")]
    public async Task The_user_menu_opens_without_scrolling_sideways_and_lists_the_readers_pages(string width)
    {
        var viewport = BrowserViewport.Both.Single(v => v.Name == width);
        var context = await site.ContextOfAsync(ReaderEmail, viewport);
        var page = await context.NewPageAsync();
        try
        {
            await page.GotoAsync("/");
            await page.ClickAsync("#user-menu summary");
            var library = page.Locator("#user-menu a[href='/me/library']");
            (await library.IsVisibleAsync()).ShouldBeTrue();
            var box = (await library.BoundingBoxAsync())!;
            (box.X + box.Width).ShouldBeLessThanOrEqualTo(viewport.Width);
            (box.Y + box.Height).ShouldBeLessThanOrEqualTo(viewport.Height); // under the header, not off the screen
            (await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth")).ShouldBeLessThanOrEqualTo(viewport.Width);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserSite.ScreenshotDir, $"site-menu-open-{viewport.Name}.png") });
            // The keyboard: Enter on the focused summary closes it again.
            await page.Locator("#user-menu summary").PressAsync("Enter");
            (await library.IsVisibleAsync()).ShouldBeFalse();
        }
        finally
        {
            await page.CloseAsync();
        }
    }

    [Theory]
    [InlineData("desktop")]
    [InlineData("phone")]
    public async Task Dark_mode_turns_the_page_dark_with_readable_text(string width)
    {
        await SceneAsync();
        var viewport = BrowserViewport.Both.Single(v => v.Name == width);
        var context = await site.ContextAsync(viewport);
        var page = await context.NewPageAsync();
        try
        {
            await page.EmulateMediaAsync(new PageEmulateMediaOptions { ColorScheme = ColorScheme.Dark });
            await page.GotoAsync("/search?q=" + Uri.EscapeDataString(Word));
            var (background, text) = (await page.EvaluateAsync<string>("() => getComputedStyle(document.body).backgroundColor"),
                await page.EvaluateAsync<string>("() => getComputedStyle(document.body).color"));
            background.ShouldBe("rgb(21, 23, 26)");
            text.ShouldBe("rgb(230, 230, 230)");
            (await page.EvaluateAsync<string>("() => getComputedStyle(document.querySelector('.panel')).backgroundColor")).ShouldBe("rgb(31, 34, 38)");
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserSite.ScreenshotDir, $"site-dark-search-{viewport.Name}.png"), FullPage = true });
        }
        finally
        {
            await context.CloseAsync();
        }
    }
}
