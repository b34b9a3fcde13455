using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Playwright;

namespace Wenku.Bench;

/// <summary>
/// The document page as a phone sees it, in Debian's headless Chromium on loopback: largest contentful paint,
/// cumulative layout shift, and the bytes downloaded until the first three preview pages have been scrolled into
/// view. Two documents of the same length and kind are measured in one run: one with the sized previews
/// (<c>PreviewVersion</c> 1: phone and desktop sizes, WebP with a JPEG fallback) and one set back to version 0, which
/// is the page as it was before (one 1400-pixel JPEG per page) — "today" beside "now".
/// </summary>
public static class BrowserPageBenchmark
{
    private const string ChromiumPath = "/usr/lib/chromium/chromium";

    public sealed record Measure(double LcpMs, double Cls, long Bytes, long ImageBytes, int Images);

    public sealed record Result(int Pages, IReadOnlyList<(string Profile, Measure Before, Measure Now)> Rows);

    public static async Task<Result> RunAsync(WenkuSite site, BenchSettings settings, string dataDir)
    {
        if (!File.Exists(ChromiumPath)) throw new FileNotFoundException($"{ChromiumPath} is missing: scripts/setup.sh installs chromium.");
        const int pages = 12;
        var ids = new List<long>();
        foreach (var name in new[] { "sized", "before" })
        {
            var pdf = Path.Combine(settings.WorkDir, $"browser-{name}.pdf");
            BenchPdf.Write(pdf, $"浏览器基准 {name}", pages);
            ids.Add(await IngestBenchmark.UploadAsync(site, pdf));
        }
        await IngestBenchmark.WaitUntilReadyAsync(site, ids, TimeSpan.FromMinutes(5));
        // The second document becomes a version-0 document: the page renders the single JPEG per page, as before.
        await using (var db = new SqliteConnection($"Data Source={Path.Combine(dataDir, "wenku.db")}"))
        {
            await db.OpenAsync();
            await using var update = db.CreateCommand();
            update.CommandText = "UPDATE Documents SET PreviewVersion = 0 WHERE Id = $id";
            update.Parameters.AddWithValue("$id", ids[1]);
            await update.ExecuteNonQueryAsync();
        }
        await Task.Delay(TimeSpan.FromSeconds(11)); // the page cache keeps a rendered page 10 s

        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
        });
        var rows = new List<(string, Measure, Measure)>();
        foreach (var dpr in new[] { 2f, 3f })
        {
            var before = await MedianAsync(browser, site.BaseAddress, ids[1], dpr);
            var now = await MedianAsync(browser, site.BaseAddress, ids[0], dpr);
            rows.Add(($"390×844 phone, DPR {dpr.ToString(CultureInfo.InvariantCulture)}", before, now));
        }
        return new Result(pages, rows);
    }

    private static async Task<Measure> MedianAsync(IBrowser browser, Uri site, long id, float dpr)
    {
        var runs = new List<Measure>();
        for (var i = 0; i < 5; i++) runs.Add(await OnceAsync(browser, site, id, dpr));
        T Mid<T>(Func<Measure, T> f) => runs.Select(f).Order().ElementAt(runs.Count / 2);
        return new Measure(Mid(m => m.LcpMs), Mid(m => m.Cls), Mid(m => m.Bytes), Mid(m => m.ImageBytes), Mid(m => m.Images));
    }

    /// <summary>A fresh context (an empty cache), the page opened, then scrolled until page 3 is wholly in view.</summary>
    private static async Task<Measure> OnceAsync(IBrowser browser, Uri site, long id, float dpr)
    {
        await using var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = site.ToString().TrimEnd('/'),
            ViewportSize = new ViewportSize { Width = 390, Height = 844 },
            DeviceScaleFactor = dpr,
            IsMobile = true,
            HasTouch = true,
            Locale = "zh-CN",
            UserAgent = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Mobile Safari/537.36",
        });
        var page = await context.NewPageAsync();
        await page.AddInitScriptAsync("""
            window.__lcp = 0; window.__cls = 0;
            new PerformanceObserver(l => { for (const e of l.getEntries()) window.__lcp = e.startTime; })
                .observe({ type: 'largest-contentful-paint', buffered: true });
            new PerformanceObserver(l => { for (const e of l.getEntries()) if (!e.hadRecentInput) window.__cls += e.value; })
                .observe({ type: 'layout-shift', buffered: true });
            """);
        await page.GotoAsync($"/d/{id}", new PageGotoOptions { WaitUntil = WaitUntilState.Load });
        // Scroll like a reader, a screen at a time, until the bottom of page 3 is on screen; then let its images finish.
        await page.EvaluateAsync("""
            async () => {
                const third = document.getElementById('page-3');
                for (let n = 0; n < 40; n++) {
                    if (!third || third.getBoundingClientRect().bottom <= window.innerHeight) break;
                    window.scrollBy(0, window.innerHeight * 0.8);
                    await new Promise(r => setTimeout(r, 150));
                }
            }
            """);
        await page.WaitForFunctionAsync("() => [1, 2, 3].every(n => { const i = document.getElementById('page-' + n); return !i || i.complete; })",
            null, new PageWaitForFunctionOptions { Timeout = 20_000 });
        await page.WaitForTimeoutAsync(300);
        var lcp = await page.EvaluateAsync<double>("() => window.__lcp");
        var cls = await page.EvaluateAsync<double>("() => window.__cls");
        var bytes = await page.EvaluateAsync<long>("""
            () => Math.round(performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))
                .reduce((sum, e) => sum + (e.transferSize || 0), 0))
            """);
        var images = await page.EvaluateAsync<long[]>("""
            () => { const r = performance.getEntriesByType('resource').filter(e => e.initiatorType === 'img' || /\/page\/|\/cover/.test(e.name));
                    return [Math.round(r.reduce((s, e) => s + (e.transferSize || 0), 0)), r.length]; }
            """);
        if (Environment.GetEnvironmentVariable("WENKU_BENCH_SHOW_IMAGES") == "1")
            Console.WriteLine("    images: " + await page.EvaluateAsync<string>("""
                () => performance.getEntriesByType('resource').filter(e => e.initiatorType === 'img' || /\/page\/|\/cover/.test(e.name))
                    .map(e => new URL(e.name).pathname + ' ' + Math.round(e.transferSize / 1024) + ' KB').join(', ') + ' | scrollY ' + window.scrollY
                """));
        return new Measure(lcp, cls, bytes, images[0], (int)images[1]);
    }

    public static void Print(Result result)
    {
        Console.WriteLine($"  (a {result.Pages}-page text PDF; v0 JPEG = previews of version 0, one 1400 px JPEG per page; now = sized WebP/JPEG, gray text pages lossless; both rows with the reader's deferred pages)");
        Console.WriteLine($"  {"profile",-26} {"",-8} {"LCP ms",9} {"CLS",7} {"KB to see 3 pages",18} {"of it images",13} {"images",7}");
        foreach (var (profile, before, now) in result.Rows)
        {
            foreach (var (label, m) in new[] { ("v0 JPEG", before), ("now", now) })
                Console.WriteLine($"  {profile,-26} {label,-8} {m.LcpMs,9:0} {m.Cls,7:0.000} {m.Bytes / 1024.0,18:0} {m.ImageBytes / 1024.0,13:0} {m.Images,7}");
        }
        Console.WriteLine("  targets: CLS < 0.02; under 400 KB for the first three pages on a phone");
    }
}
