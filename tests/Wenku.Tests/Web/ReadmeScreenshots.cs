using Microsoft.Data.Sqlite;
using Microsoft.Playwright;
using Wenku.Demo;
using Wenku.Tests.Infrastructure;

namespace Wenku.Tests.Web;

/// <summary>
/// A test that runs only when <c>WENKU_SCREENSHOTS=1</c> (<c>scripts/screenshots.sh</c> sets it); anywhere else it is
/// reported as skipped, so CI (scripts/test.sh) never rewrites the committed pictures.
/// </summary>
public sealed class ScreenshotsFactAttribute : FactAttribute
{
    public const string Variable = "WENKU_SCREENSHOTS";

    public ScreenshotsFactAttribute()
    {
        if (Environment.GetEnvironmentVariable(Variable) != "1") Skip = $"{Variable}=1 (scripts/screenshots.sh) writes docs/screenshots/.";
    }
}

/// <summary>
/// The README's pictures: the main pages of a new install (a fresh <c>wenku serve</c> with its demo library, as the
/// real program in its own process) at desktop and phone width, in Chinese and in English, as viewport-sized PNGs in
/// <c>docs/screenshots/</c>, and the embed snippet as text. Re-run with <c>bash scripts/screenshots.sh</c>, which
/// also shrinks the PNGs (pngquant).
/// </summary>
[Trait("Category", "Screenshots")]
public sealed class ReadmeScreenshots
{
    private static readonly string OutDir = Path.Combine(BrowserSite.RepositoryRoot(), "docs", "screenshots");

    /// <summary>What the README shows of an address: the site's own origin stands for any install.</summary>
    private const string ExampleOrigin = "https://wenku.example.com";

    [ScreenshotsFact]
    public async Task Main_pages_of_the_demo_library_in_both_languages_at_both_widths()
    {
        var dataDir = TestPaths.NewTempDir("screenshots");
        using var serve = await WenkuProcess.StartServeAsync(dataDir, new Dictionary<string, string>
        {
            ["Wenku__Demo"] = "true",
            ["Wenku__Workers"] = "2",
            ["Wenku__UploadsPerHour"] = "1000",
        });
        var origin = serve.BaseAddress.ToString().TrimEnd('/');
        await WaitForDemoLibraryAsync(Path.Combine(dataDir, "wenku.db"), origin);
        Directory.CreateDirectory(OutDir);
        foreach (var old in Directory.GetFiles(OutDir, "*.png")) File.Delete(old);

        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        using var playwright = await Playwright.CreateAsync();
        await using var chromium = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = BrowserSite.ChromiumPath, Headless = true, Args = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
        });
        var document = await DocumentToShowAsync(Path.Combine(dataDir, "wenku.db"));
        var n = 0;
        foreach (var lang in new[] { "zh-CN", "en" })
        {
            foreach (var viewport in BrowserViewport.Both)
            {
                n++;
                await using var context = await chromium.NewContextAsync(new BrowserNewContextOptions
                {
                    BaseURL = origin,
                    ViewportSize = new ViewportSize { Width = viewport.Width, Height = viewport.Height },
                    IsMobile = viewport.IsPhone,
                    HasTouch = viewport.IsPhone,
                    Locale = lang,
                });
                var page = await context.NewPageAsync();
                await page.GotoAsync($"/lang/{lang}?returnUrl=/");
                string Shot(string name) => Path.Combine(OutDir, $"{name}-{viewport.Name}-{(lang == "en" ? "en" : "zh")}.png");

                await ShootAsync(page, "/", Shot("home"));
                await ShootAsync(page, "/c/tech", Shot("category"));
                await ShootAsync(page, "/search?q=" + Uri.EscapeDataString(lang == "en" ? "economy" : "经济"), Shot("search"));
                await ShootAsync(page, $"/d/{document}", Shot("document"), scrollTo: "#reader");

                var email = $"demo-{n}@screenshots.test";
                await RegisterAndSignInAsync(page, email, lang == "en" ? "Demo reader" : "演示用户");
                await page.GotoAsync("/upload");
                var files = lang == "en"
                    ? new[] { ("Calculus final review.pdf", "Calculus final review"), ("English vocabulary list.pdf", "English vocabulary list") }
                    : new[] { ("高等数学期末复习提纲.pdf", "高等数学期末复习提纲"), ("大学英语四级词汇.pdf", "大学英语四级词汇") };
                await DropAsync(page, files.Select(f => (f.Item1, Pdf(f.Item2, $"{n}-{f.Item1}"))).ToArray());
                await page.ClickAsync("[data-upload-start]");
                await page.WaitForFunctionAsync("() => [...document.querySelectorAll('.upload-file')].some(r => !['waiting', 'sending'].includes(r.dataset.state))",
                    null, new PageWaitForFunctionOptions { Timeout = 60_000 });
                await page.Locator(".upload-file").First.ScrollIntoViewIfNeededAsync();
                await page.ScreenshotAsync(new PageScreenshotOptions { Path = Shot("upload"), Scale = ScreenshotScale.Css });
                await page.WaitForFunctionAsync("() => [...document.querySelectorAll('.upload-file')].every(r => r.dataset.state === 'ready')",
                    null, new PageWaitForFunctionOptions { Timeout = 120_000 });
                await ShootAsync(page, "/me", Shot("me"));

                if (lang == "zh-CN" && !viewport.IsPhone)
                {
                    await page.GotoAsync($"/d/{document}");
                    var snippet = await page.Locator("textarea[data-embed-snippet]").InputValueAsync();
                    await File.WriteAllTextAsync(Path.Combine(OutDir, "embed-snippet.html"), snippet.Replace(origin, ExampleOrigin, StringComparison.Ordinal) + "\n");
                    using var blog = OtherSite.Serve("<!DOCTYPE html><html lang=zh-CN><meta charset=utf-8><title>博客</title>" +
                        "<style>body{font-family:sans-serif;margin:1.5rem;background:#f6f7f9}</style><h1>我的读书博客</h1><p>推荐一份资料：</p>" + snippet);
                    var other = await context.NewPageAsync();
                    await other.GotoAsync(blog.Url);
                    await other.FrameLocator("iframe").Locator("img#page-1").EvaluateAsync("img => img.decode()");
                    await other.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(OutDir, "embed-desktop-zh.png"), Scale = ScreenshotScale.Css });
                    await other.CloseAsync();
                }
            }
        }
        Directory.GetFiles(OutDir, "*.png").Length.ShouldBe(6 * 4 + 1);
    }

    /// <summary>A viewport-sized picture of <paramref name="path"/> with its images loaded (the top, or the element <paramref name="scrollTo"/>).</summary>
    private static async Task ShootAsync(IPage page, string path, string file, string? scrollTo = null)
    {
        await page.GotoAsync(path, new PageGotoOptions { WaitUntil = WaitUntilState.Load });
        // The element a little below the top, with what comes just before it (the document's facts above the reader).
        if (scrollTo is not null) await page.EvaluateAsync("s => window.scrollTo(0, document.querySelector(s).getBoundingClientRect().top + window.scrollY - 220)", scrollTo);
        await page.WaitForFunctionAsync("() => [...document.images].filter(i => !(i.loading === 'lazy' && i.closest('details:not([open])')) && i.getBoundingClientRect().top < innerHeight).every(i => i.complete)",
            null, new PageWaitForFunctionOptions { Timeout = 10_000 });
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = file, Scale = ScreenshotScale.Css });
    }

    private static async Task RegisterAndSignInAsync(IPage page, string email, string name)
    {
        await page.GotoAsync("/account/register");
        await page.FillAsync("#Email", email);
        await page.FillAsync("#DisplayName", name);
        await page.FillAsync("#Password", TestUsers.Password);
        await JourneyBrowserTests.SubmitAndWaitAsync(page, url => url.EndsWith("/account/login?registered=true", StringComparison.Ordinal));
        await page.FillAsync("#Email", email);
        await page.FillAsync("#Password", TestUsers.Password);
        await JourneyBrowserTests.SubmitAndWaitAsync(page, url => !url.Contains("/account/", StringComparison.Ordinal));
    }

    /// <summary>Drops files on the upload page's drop zone, as a person dragging them from their desktop.</summary>
    private static async Task DropAsync(IPage page, (string Name, byte[] Bytes)[] files) => await page.EvaluateAsync("""
        files => {
            const data = new DataTransfer();
            for (const [name, base64] of files)
                data.items.add(new File([Uint8Array.from(atob(base64), c => c.charCodeAt(0))], name, { type: 'application/pdf' }));
            const zone = document.querySelector('[data-upload-drop]');
            for (const type of ['dragenter', 'dragover', 'drop'])
                zone.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: data }));
        }
        """, files.Select(f => new[] { f.Name, Convert.ToBase64String(f.Bytes) }).ToArray());

    /// <summary>A small PDF of a few pages written the way the demo library's are.</summary>
    private static byte[] Pdf(string title, string salt) => TestPdfs.MultiPage(6, title, salt);

    /// <summary>Waits until the demo library is converted and searchable: none queued or converting, and search finds it.</summary>
    private static async Task WaitForDemoLibraryAsync(string database, string origin)
    {
        var expected = DemoSeeder.DemoDocuments().Count();
        var until = DateTime.UtcNow.AddMinutes(10);
        while (true)
        {
            var (all, pending) = await CountsAsync(database);
            if (all >= expected && pending == 0) break;
            if (DateTime.UtcNow > until) throw new TimeoutException($"the demo library is not converted: {pending} of {all} still waiting");
            await Task.Delay(1000);
        }
        using var http = new HttpClient { BaseAddress = new Uri(origin) };
        for (var i = 0; i < 120; i++)
        {
            var html = Html.Parse(await http.GetStringAsync("/search?q=" + Uri.EscapeDataString("经济")));
            if (html.QuerySelectorAll("ol.hits > li").Length >= 3) return;
            await Task.Delay(500);
        }
        throw new TimeoutException("the search index never listed the demo library");
    }

    private static async Task<(long All, long Pending)> CountsAsync(string database)
    {
        if (!File.Exists(database)) return (0, 0);
        await using var db = new SqliteConnection($"Data Source={database};Mode=ReadOnly");
        await db.OpenAsync();
        await using var command = db.CreateCommand();
        command.CommandText = "SELECT COUNT(*), COALESCE(SUM(Status IN ('Queued', 'Processing')), 0) FROM Documents";
        try
        {
            await using var reader = await command.ExecuteReaderAsync();
            await reader.ReadAsync();
            return (reader.GetInt64(0), reader.GetInt64(1));
        }
        catch (SqliteException)
        {
            return (0, 0); // not created yet
        }
    }

    /// <summary>The demo document the README shows: a Chinese one with the most pages, past its preview limit.</summary>
    private static async Task<long> DocumentToShowAsync(string database)
    {
        await using var db = new SqliteConnection($"Data Source={database};Mode=ReadOnly");
        await db.OpenAsync();
        await using var command = db.CreateCommand();
        command.CommandText = "SELECT Id FROM Documents WHERE Status = 'Ready' AND Title NOT LIKE '%a%' ORDER BY PageCount DESC, Id LIMIT 1";
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
