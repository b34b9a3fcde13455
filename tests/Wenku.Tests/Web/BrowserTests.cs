using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using SkiaSharp;
using Wenku.Accounts;
using Wenku.Commerce;
using Wenku.Documents;
using Wenku.Storage;
using Wenku.Tests.Commerce;
using Wenku.Tests.Infrastructure;

namespace Wenku.Tests.Web;

/// <summary>
/// The money pages in a real headless Chromium, at desktop and phone width: no console error or CSP violation, no
/// sideways scrolling on a phone, every image loaded, the heading visible, and a full-page screenshot of each in
/// <c>.artifacts/screenshots/</c> for people to look at. Plus buying a document by clicks, download included.
/// </summary>
public sealed class BrowserTests(BrowserSite site) : IClassFixture<BrowserSite>
{
    private const string AdminEmail = "admin@browser.test", UploaderEmail = "uploader@browser.test",
        RichEmail = "rich@browser.test", PoorEmail = "poor@browser.test";

    private static readonly byte[] Original = "%PDF-1.4 原文件 the original of a paid document"u8.ToArray();

    /// <summary>What the pages show: sales, a withdrawal waiting, a refund, a batch of codes, readers with and without points.</summary>
    private sealed record Shop(long BoughtDoc, long OtherDoc);

    private Task<Shop> ShopAsync() => site.OnceAsync("shop", async () =>
    {
        var adminId = await site.EnsureUserAsync(AdminEmail, Roles.Admin);
        var uploaderId = await site.EnsureUserAsync(UploaderEmail);
        var richId = await site.EnsureUserAsync(RichEmail);
        var poorId = await site.EnsureUserAsync(PoorEmail);
        var bought = await StockedDocAsync(uploaderId, 30, "高等数学习题集 Calculus exercises");
        var other = await StockedDocAsync(uploaderId, 45, "机械制图国家标准汇编 Drawing standards");
        await site.GrantAsync(richId, 500, "新用户礼包 welcome");
        await site.GrantAsync(poorId, 5, "新用户礼包 welcome");
        await site.WithdrawalAsync(uploaderId);          // a sale, then its 1000 earned points waiting for staff
        await site.SaleAsync(uploaderId, 1500);          // earned again: enough to withdraw on the page
        await site.RefundedPurchaseAsync(uploaderId);
        await using var scope = site.Services.CreateAsyncScope();
        var services = scope.ServiceProvider;
        (await services.GetRequiredService<Purchases>().BuyAsync(bought, richId, false, 30, null, CancellationToken.None))
            .ShouldBeOfType<PurchaseOutcome.Done>();
        var codes = services.GetRequiredService<RedeemCodes>();
        var expires = services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime.AddDays(30);
        var batch = await codes.GenerateAsync(5, 100, expires, "双十一推广 promotion", adminId, null, CancellationToken.None);
        var code = (await codes.CsvAsync(batch.Id, CancellationToken.None))!.Split("\r\n")[1].Split(',')[0];
        (await codes.RedeemAsync(richId, code, CancellationToken.None)).ShouldBeOfType<RedeemOutcome.Redeemed>();
        return new Shop(bought, other);
    });

    /// <summary>A ready paid document whose page previews are real JPEGs and whose original is in the store.</summary>
    private async Task<long> StockedDocAsync(string uploaderId, int price, string title)
    {
        var id = await site.ReadyDocAsync(uploaderId, price);
        var key = await site.WithDbAsync(async db =>
        {
            var doc = await db.Documents.FindAsync(id);
            doc!.Title = title;
            doc.SizeBytes = Original.Length;
            for (var n = 1; n <= 3; n++) db.DocumentPages.Add(new DocumentPage { DocumentId = id, Number = n, Width = 420, Height = 594, Text = $"第{n}页 page {n}" });
            await db.SaveChangesAsync();
            return doc.StorageKey;
        });
        await using var scope = site.Services.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<IFileStore>();
        await store.PutAsync(key, new MemoryStream(Original), CancellationToken.None);
        for (var n = 1; n <= 3; n++)
            await store.PutAsync(Document.PageKey(id, n), new MemoryStream(TestImages.Encode(SKEncodedImageFormat.Jpeg, 420, 594, new SKColor(250, 250, (byte)(200 + n)))), CancellationToken.None);
        return id;
    }

    /// <summary>Each money page: who looks at it and where it is.</summary>
    private static readonly Dictionary<string, (string Email, Func<Shop, string> Path)> Pages = new()
    {
        ["wallet"] = (RichEmail, _ => "/me/wallet"),
        ["earnings"] = (UploaderEmail, _ => "/me/earnings"),
        ["recharge"] = (RichEmail, _ => "/me/wallet/recharge"),
        ["redeem"] = (RichEmail, _ => "/me/wallet/redeem"),
        ["withdraw"] = (UploaderEmail, _ => "/me/wallet/withdraw"),
        ["buy-enough-points"] = (RichEmail, s => $"/d/{s.OtherDoc}/buy"),
        ["buy-too-few-points"] = (PoorEmail, s => $"/d/{s.OtherDoc}/buy"),
        ["document-before-buying"] = (PoorEmail, s => $"/d/{s.BoughtDoc}"),
        ["document-after-buying"] = (RichEmail, s => $"/d/{s.BoughtDoc}"),
        ["admin-finance"] = (AdminEmail, _ => "/admin/finance"),
        ["admin-finance-withdrawals"] = (AdminEmail, _ => "/admin/finance/withdrawals"),
        ["admin-finance-purchases"] = (AdminEmail, _ => "/admin/finance/purchases"),
        ["admin-finance-codes"] = (AdminEmail, _ => "/admin/finance/codes"),
        ["admin-finance-grant"] = (AdminEmail, _ => "/admin/finance/grant"),
        ["admin-settings"] = (AdminEmail, _ => "/admin/settings"),
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
    public async Task Money_page_renders_cleanly(string name, string width)
    {
        var shop = await ShopAsync();
        var viewport = BrowserViewport.Both.Single(v => v.Name == width);
        var (email, path) = Pages[name];
        var context = await site.ContextOfAsync(email, viewport, email == AdminEmail ? Roles.Admin : Roles.User);
        var problems = await PageCheck.RunAsync(context, path(shop), viewport, Path.Combine(BrowserSite.ScreenshotDir, $"{name}-{viewport.Name}.png"));
        problems.ShouldBeEmpty($"{path(shop)} at {viewport.Name} width");
    }

    [Fact]
    public async Task Page_check_reports_inline_code_overflow_broken_images_and_a_missing_heading()
    {
        // A page served with the site's own policy that breaks every rule once: the check must name each break.
        await using var context = await site.ContextAsync(BrowserViewport.Phone);
        await context.RouteAsync("**/broken-on-purpose", route => route.FulfillAsync(new RouteFulfillOptions
        {
            Status = 200,
            ContentType = "text/html; charset=utf-8",
            Headers = new Dictionary<string, string> { ["Content-Security-Policy"] = Wenku.Web.SecurityHeaders.BasePolicy },
            Body = """
                <!DOCTYPE html><html><head><meta name="viewport" content="width=device-width, initial-scale=1"><link rel="stylesheet" href="/broken-on-purpose.css"></head>
                <body><h2>没有主标题 No h1</h2><script>alert(1)</script>
                <div style="width:900px">内联 inline</div><div class="too-wide-too">宽 wide</div><img src="/no-such-image.png" alt="坏图 broken"></body></html>
                """,
        }));
        await context.RouteAsync("**/broken-on-purpose.css", route => route.FulfillAsync(new RouteFulfillOptions
        {
            Status = 200, ContentType = "text/css", Body = ".too-wide-too { width: 700px }",
        }));
        var problems = await PageCheck.RunAsync(context, "/broken-on-purpose", BrowserViewport.Phone, Path.Combine(TestPaths.NewTempDir("check"), "broken.png"));
        problems.ShouldContain(p => p.StartsWith("CSP: script-src", StringComparison.Ordinal));
        problems.ShouldContain(p => p.StartsWith("CSP: style-src", StringComparison.Ordinal));
        problems.ShouldContain(p => p.StartsWith("image not loaded:", StringComparison.Ordinal) && p.EndsWith("/no-such-image.png", StringComparison.Ordinal));
        problems.ShouldContain("no visible h1");
        problems.ShouldContain(p => p.StartsWith("scrolls sideways", StringComparison.Ordinal) && p.Contains("div.too-wide-too", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Reader_buys_a_paid_document_by_clicks_and_downloads_the_original()
    {
        await ShopAsync();
        var uploaderId = await site.EnsureUserAsync(UploaderEmail);
        var doc = await StockedDocAsync(uploaderId, 40, "建筑施工组织设计 Construction plan");
        var reader = $"flow-{Guid.NewGuid():N}@browser.test";
        await site.GrantAsync(await site.EnsureUserAsync(reader), 100);
        await using var context = await site.SignedInContextAsync(reader, BrowserViewport.Desktop);
        var page = await context.NewPageAsync();
        var problems = PageCheck.Listen(page);

        await page.GotoAsync($"/d/{doc}");
        await page.ClickAsync("#download a[data-action=buy]");
        await page.WaitForURLAsync($"**/d/{doc}/buy");
        (await page.TextContentAsync("[data-fact=price] [data-value]")).ShouldBe("40");
        (await page.TextContentAsync("[data-fact=balance] [data-value]")).ShouldBe("100");

        await page.ClickAsync("button[data-action=confirm-purchase]");
        await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex($"/d/{doc}(\\?[^#]*)?(#download)?$"));
        (await page.IsVisibleAsync("#purchase-done")).ShouldBeTrue();
        (await page.IsVisibleAsync("[data-purchased]")).ShouldBeTrue();

        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("button[data-action=download]"));
        var saved = Path.Combine(TestPaths.NewTempDir("download"), download.SuggestedFilename);
        await download.SaveAsAsync(saved).WaitAsync(TimeSpan.FromSeconds(60));
        (await File.ReadAllBytesAsync(saved)).ShouldBe(Original);
        (await site.BalanceAsync(await site.EnsureUserAsync(reader))).Total.ShouldBe(60);
        problems.ShouldBeEmpty();
    }
}

/// <summary>What a page must pass in the browser, and its screenshot.</summary>
public static class PageCheck
{
    /// <summary>Records console errors, uncaught exceptions and CSP violations of <paramref name="page"/> from now on.</summary>
    public static List<string> Listen(IPage page)
    {
        var problems = new List<string>();
        page.Console += (_, m) =>
        {
            if (m.Type is "error" or "warning") lock (problems) problems.Add($"console {m.Type}: {m.Text}");
        };
        page.PageError += (_, e) => { lock (problems) problems.Add($"page error: {e}"); };
        return problems;
    }

    /// <summary>Opens <paramref name="path"/> in a new tab of <paramref name="context"/>, checks it, saves a full-page screenshot; returns what is wrong.</summary>
    /// <param name="expectedStatus">The status the page must answer with: 200, or e.g. 410 for a removed document's page.</param>
    public static async Task<List<string>> RunAsync(IBrowserContext context, string path, BrowserViewport viewport, string screenshot, int expectedStatus = 200)
    {
        // Every step has its own bound but not every Playwright call has one (an evaluated script, axe's run): a check that
        // stalls fails this test, naming the page, instead of hanging the run until the runner's hang timeout aborts it all.
        var check = CheckAsync(context, path, viewport, screenshot, expectedStatus);
        try
        {
            return await check.WaitAsync(CheckTimeout);
        }
        catch (TimeoutException) when (!check.IsCompleted)
        {
            throw new TimeoutException($"checking {path} at {viewport.Name} width took over {CheckTimeout.TotalMinutes} minutes");
        }
    }

    private static readonly TimeSpan CheckTimeout = TimeSpan.FromMinutes(3);

    private static async Task<List<string>> CheckAsync(IBrowserContext context, string path, BrowserViewport viewport, string screenshot, int expectedStatus)
    {
        var page = await context.NewPageAsync();
        try
        {
            var problems = Listen(page);
            // Violations are also console errors, but the event names the directive and the blocked thing exactly.
            await page.AddInitScriptAsync("""
                window.__csp = [];
                document.addEventListener('securitypolicyviolation', e =>
                    window.__csp.push(e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') + ' at line ' + e.lineNumber));
                """);
            var response = await page.GotoAsync(path, new PageGotoOptions { WaitUntil = WaitUntilState.Load });
            if (response is null || response.Status != expectedStatus) problems.Add($"answered {response?.Status}");
            if (new Uri(page.Url).PathAndQuery != path) problems.Add($"sent elsewhere: {page.Url}");
            // Lazy images load once scrolled to: scroll through a screen at a time (a jump to the bottom of a long page skips
            // those in the middle), wait for them, and come back to the top.
            await page.EvaluateAsync("""
                async () => {
                    // Timers only: requestAnimationFrame never fires in a tab that is not in front, and the tests of two
                    // classes share the browser at once. Bounded, whatever the page does to its height.
                    for (let y = 0, n = 0; y < document.documentElement.scrollHeight && n < 200; y += window.innerHeight, n++) {
                        window.scrollTo(0, y);
                        await new Promise(r => setTimeout(r, 30));
                    }
                    window.scrollTo(0, document.documentElement.scrollHeight);
                }
                """).WaitAsync(TimeSpan.FromSeconds(60)); // a page script that never returns fails the check, not the run
            try
            {
                // A lazy image inside a closed <details> (the share box's QR code) loads when the box opens, not before.
                await page.WaitForFunctionAsync("() => [...document.images].every(i => i.complete || (i.loading === 'lazy' && i.closest('details:not([open])')))", null, new PageWaitForFunctionOptions { Timeout = 10_000 });
            }
            catch (TimeoutException)
            {
                problems.Add("images still loading after 10 s");
            }
            await page.EvaluateAsync("() => window.scrollTo(0, 0)");
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot, FullPage = true });

            problems.AddRange(await page.EvaluateAsync<string[]>("() => window.__csp.map(v => 'CSP: ' + v)"));
            problems.AddRange(await page.EvaluateAsync<string[]>(
                "() => [...document.images].filter(i => !(i.naturalWidth > 0) && !(i.loading === 'lazy' && i.closest('details:not([open])'))).map(i => 'image not loaded: ' + i.currentSrc)"));
            if (viewport.IsPhone)
            {
                // Against the phone's width, not window.innerWidth alone: a mobile browser zooms out to show a page that is
                // too wide, and then innerWidth grows with it and hides the very overflow we look for.
                var scrollWidth = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth");
                var innerWidth = await page.EvaluateAsync<int>("() => window.innerWidth");
                if (scrollWidth > Math.Min(innerWidth, viewport.Width))
                    problems.Add($"scrolls sideways: {scrollWidth}px wide on a {viewport.Width}px phone (innerWidth {innerWidth}); sticking out: " +
                        await page.EvaluateAsync<string>(WidestElements.Replace("window.innerWidth", viewport.Width.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)));
            }
            // Chromium logs the main document's own error status (a 410 page) as a console error; that one is expected.
            if (expectedStatus >= 400)
                problems.RemoveAll(p => p.StartsWith($"console error: Failed to load resource: the server responded with a status of {expectedStatus} ", StringComparison.Ordinal));
            var heading = page.Locator("h1").First;
            if (await page.Locator("h1").CountAsync() == 0 || !await heading.IsVisibleAsync()) problems.Add("no visible h1");
            problems.AddRange(await Axe.SeriousViolationsAsync(page));
            return problems;
        }
        finally
        {
            await page.CloseAsync();
        }
    }

    /// <summary>
    /// axe-core (npm, installed by <c>scripts/setup.sh --tests</c> into <c>.artifacts/node-tools</c>) on the page as it
    /// is: its serious and critical violations, each with the rule, what it means and the first elements it found.
    /// Evaluated through the DevTools protocol, which the page's Content-Security-Policy does not apply to.
    /// </summary>
    public static class Axe
    {
        private static readonly Lazy<string> Source = new(() =>
        {
            var path = Path.Combine(BrowserSite.RepositoryRoot(), ".artifacts", "node-tools", "node_modules", "axe-core", "axe.min.js");
            if (!File.Exists(path)) throw new FileNotFoundException($"axe-core is missing: run `bash scripts/setup.sh --tests` ({path})");
            return File.ReadAllText(path);
        });

        public static async Task<string[]> SeriousViolationsAsync(IPage page)
        {
            if (!await page.EvaluateAsync<bool>("() => typeof window.axe === 'object'"))
                await page.EvaluateAsync("() => { " + Source.Value + "\n}");
            return await page.EvaluateAsync<string[]>("""
                async () => {
                    const result = await window.axe.run(document, { resultTypes: ['violations'] });
                    return result.violations
                        .filter(v => v.impact === 'serious' || v.impact === 'critical')
                        .map(v => `axe ${v.impact} ${v.id}: ${v.help} — ` + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '));
                }
                """);
        }
    }

    /// <summary>The elements that stick out on the right, to say in the failure what to fix.</summary>
    private const string WidestElements = """
        () => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
            .slice(0, 6)
            .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\s+/).join('.') : '') + ' ' + Math.round(e.getBoundingClientRect().right) + 'px')
            .join(', ')
        """;
}
