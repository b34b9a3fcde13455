using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Playwright;
using Wenku.Tests.Infrastructure;

namespace Wenku.Tests.Web;

/// <summary>
/// Issue 14's proof: one walk through the site as new people use it, in a real Chromium on the real site (Kestrel, a
/// conversion worker, poppler), at desktop and phone size. An uploader registers and drops two PDFs at once, watching
/// each upload's bar and then its conversion live (server-sent events) until both are published; a reader registers,
/// reads one of them up to its preview limit (banner, and the page image past it refused with the site's error page),
/// finds it by a word of its text, comments (the counter stops at 150), favourites and rates it (counted on the page
/// and in my library), switches to English, and a blog on another origin embeds it. axe on every page; a full-page
/// screenshot of every step in <c>.artifacts/screenshots/journey/{viewport}/NN-step.png</c> (CI keeps .artifacts).
/// </summary>
public sealed class JourneyBrowserTests(UploadBrowserSite site) : IClassFixture<UploadBrowserSite>
{
    private const int PreviewPages = 2, LongPages = 5;

    [Theory]
    [InlineData("desktop")]
    [InlineData("phone")]
    public async Task New_uploader_and_reader_walk_the_site_from_upload_to_embed(string width)
    {
        var viewport = BrowserViewport.Both.Single(v => v.Name == width);
        var walk = new Walk(viewport);
        var run = Guid.NewGuid().ToString("N")[..8];
        // A word only this run's long document has in its text (the test PDFs write "Paragraph k of {salt}").
        var word = $"journey{width}{run}";

        // ── The uploader: register, sign in, drop two files, watch both reach "published".
        await using var uploader = await site.ContextAsync(viewport, deviceScaleFactor: viewport.IsPhone ? 3 : null);
        var page = await walk.OpenAsync(uploader);
        await RegisterAndSignInAsync(walk, page, $"uploader-{width}-{run}@journey.test", "上传的人");

        await walk.GotoAsync(page, "/upload", "upload");
        var longPdf = TestPdfs.MultiPage(LongPages, title: "线性代数讲义", salt: word);
        var shortPdf = TestPdfs.MultiPage(2, title: "概率论习题", salt: $"short-{width}-{run}");
        // A true drop: a DataTransfer with two files, dispatched on the drop zone as the browser does.
        await page.EvaluateAsync("""
            ([a, b]) => {
                const file = (name, base64) => new File([Uint8Array.from(atob(base64), c => c.charCodeAt(0))], name, { type: 'application/pdf' });
                const data = new DataTransfer();
                data.items.add(file('线性代数讲义.pdf', a));
                data.items.add(file('概率论习题.pdf', b));
                const zone = document.querySelector('[data-upload-drop]');
                for (const type of ['dragenter', 'dragover', 'drop'])
                    zone.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: data }));
            }
            """, new[] { Convert.ToBase64String(longPdf), Convert.ToBase64String(shortPdf) });
        var rows = page.Locator(".upload-file");
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        (await rows.Nth(0).Locator("[data-field=title]").InputValueAsync()).ShouldBe("线性代数讲义");
        (await rows.Nth(1).Locator("[data-field=title]").InputValueAsync()).ShouldBe("概率论习题");
        await rows.Nth(0).Locator("[data-field=previewPages]").FillAsync(PreviewPages.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await walk.ShotAsync(page, "upload-two-files-dropped");

        // Every status line each row shows, and every bar value, from before the first byte is sent.
        await page.EvaluateAsync(UploadBrowserTests.WatchStatuses);
        await page.EvaluateAsync("""
            () => {
                window.__bars = [[], []];
                const record = () => document.querySelectorAll('[data-upload-bar]').forEach((bar, i) => {
                    const seen = window.__bars[i], v = bar.hasAttribute('value') ? bar.value + '/' + bar.max : 'indeterminate';
                    if (seen[seen.length - 1] !== v) seen.push(v);
                });
                new MutationObserver(record).observe(document.querySelector('[data-upload-files]'), { subtree: true, attributes: true, attributeFilter: ['value', 'max'] });
                // Upload bars move by property (bar.value = …), which no attribute observer sees: sample them too.
                window.__barTimer = setInterval(record, 20);
            }
            """);
        await page.ClickAsync("[data-upload-start]");
        await page.WaitForFunctionAsync("() => [...document.querySelectorAll('.upload-file')].some(r => r.dataset.state !== 'waiting' && r.dataset.state !== 'sending')",
            null, new PageWaitForFunctionOptions { Timeout = 30_000 });
        await walk.ShotAsync(page, "upload-converting");
        await page.WaitForFunctionAsync("() => [...document.querySelectorAll('.upload-file')].every(r => r.dataset.state === 'ready')",
            null, new PageWaitForFunctionOptions { Timeout = 120_000 });
        await walk.ShotAsync(page, "upload-both-ready");
        (await page.EvaluateAsync<bool>("() => window.__notReloaded === true")).ShouldBeTrue("the upload page was not reloaded");
        var seen = await page.EvaluateAsync<Dictionary<string, string[]>>("() => window.__seen");
        foreach (var name in new[] { "线性代数讲义.pdf", "概率论习题.pdf" })
        {
            var steps = seen[name];
            var told = $"{name}: {string.Join(" → ", steps)}";
            steps.ShouldContain(s => s.StartsWith("正在上传", StringComparison.Ordinal), told); // bytes sent
            steps.Last().ShouldBe("已发布", told);
            // Between sent and published, the conversion told by the server (queued, page k of n), not a reload.
            steps.SkipWhile(s => s.StartsWith("正在上传", StringComparison.Ordinal)).SkipLast(1).ShouldNotBeEmpty(told);
        }
        var bars = await page.EvaluateAsync<string[][]>("() => { clearInterval(window.__barTimer); return window.__bars; }");
        foreach (var bar in bars) bar.Last().ShouldBe("1/1", string.Join(" → ", bar));
        var longDoc = long.Parse(Regex.Match((await rows.Nth(0).Locator("[data-file-status] a").GetAttributeAsync("href"))!, @"^/d/(\d+)").Groups[1].Value,
            System.Globalization.CultureInfo.InvariantCulture);
        await page.CloseAsync();

        // ── A reader: register, sign in, read up to the preview limit.
        await using var readerContext = await site.ContextAsync(viewport, deviceScaleFactor: viewport.IsPhone ? 3 : null);
        page = await walk.OpenAsync(readerContext);
        var readerEmail = $"reader-{width}-{run}@journey.test";
        await RegisterAndSignInAsync(walk, page, readerEmail, "读书的人");
        await walk.GotoAsync(page, $"/d/{longDoc}", "document");
        (await page.Locator("[data-reader-counter]").TextContentAsync()).ShouldBe($"第 1 / {LongPages} 页");
        await Assertions.Expect(page.Locator("[data-reader-pages] img")).ToHaveCountAsync(PreviewPages);
        var banner = page.Locator("#preview-end");
        await banner.ScrollIntoViewIfNeededAsync();
        await Assertions.Expect(banner).ToBeInViewportAsync();
        (await banner.TextContentAsync())!.ShouldContain("全文预览已结束");
        (await page.Locator("#preview-end [data-remaining-pages]").TextContentAsync()).ShouldBe((LongPages - PreviewPages).ToString(System.Globalization.CultureInfo.InvariantCulture));
        (await page.Locator("#download [data-action=download]").TextContentAsync())!.ShouldBe("下载本文档（免费）");
        await walk.ShotAsync(page, "preview-end-banner", fullPage: false);
        // The page past the limit, asked for from the page itself: refused, as the site's page and not JSON.
        var refused = await page.EvaluateAsync<RefusedFetch>(
            "async url => { const r = await fetch(url); return { status: r.status, type: r.headers.get('content-type'), body: await r.text() }; }",
            $"/d/{longDoc}/page/{PreviewPages + 1}.jpg");
        refused.Status.ShouldBe(403);
        refused.Type.ShouldStartWith("text/html");
        var refusal = Html.Parse(refused.Body);
        refusal.QuerySelector("main h1")!.TextContent.Trim().ShouldBe($"全文预览已结束：预览到第 {PreviewPages} 页为止。");
        refusal.QuerySelector("header form.search").ShouldNotBeNull("the error page is in the site's frame");
        // As a person opening the image's address: the same page, and its way on is the document's download.
        var imagePage = await walk.OpenAsync(readerContext);
        await walk.GotoAsync(imagePage, $"/d/{longDoc}/page/{PreviewPages + 1}.jpg", "page-past-preview-refused", expectedStatus: 403);
        (await imagePage.Locator("main h1").TextContentAsync())!.Trim().ShouldBe($"全文预览已结束：预览到第 {PreviewPages} 页为止。");
        await imagePage.Locator("a[data-way-on]").ClickAsync();
        await imagePage.WaitForURLAsync($"**/d/{longDoc}#download");
        await imagePage.CloseAsync();

        // ── Search by a word of its text (the header's search box) and open the hit.
        await SearchUntilFoundAsync(walk, page, word, longDoc);
        await page.Locator($"ol.hits a.hit-title[href='/d/{longDoc}']").ClickAsync();
        await page.WaitForURLAsync($"**/d/{longDoc}");
        await walk.CheckAsync(page, "document-from-search");

        // ── Comment: 160 characters typed, 150 kept; the counter and the button agree; then a real one.
        var box = page.Locator("#comments textarea[name=body]");
        var submit = page.Locator("#comment-submit");
        await box.PressSequentiallyAsync(new string('好', 160));
        (await box.InputValueAsync()).Length.ShouldBe(150);
        (await page.Locator("#comment-count").TextContentAsync()).ShouldBe("150");
        (await submit.IsEnabledAsync()).ShouldBeTrue("150 characters is the limit, not past it");
        // A script (or a paste the browser did not cut) can put more in the box: then the counter says so and the button is off.
        await box.EvaluateAsync("box => { box.value = '好'.repeat(151); box.dispatchEvent(new Event('input', { bubbles: true })); }");
        (await page.Locator("#comment-count").TextContentAsync()).ShouldBe("151");
        (await page.Locator("#comment-count").GetAttributeAsync("class"))!.ShouldContain("over");
        (await submit.IsDisabledAsync()).ShouldBeTrue();
        await walk.ShotAsync(page, "comment-over-the-limit");
        var comment = $"讲得很清楚，第二章的例题尤其有用。谢谢分享！{run}";
        await box.FillAsync(comment);
        (await submit.IsEnabledAsync()).ShouldBeTrue();
        await submit.ClickAsync();
        await page.WaitForLoadStateAsync(LoadState.Load);
        var posted = page.Locator("#comments [data-comment]", new() { HasText = comment });
        await Assertions.Expect(posted).ToHaveCountAsync(1);
        await walk.CheckAsync(page, "comment-posted");

        // ── Favourite and rate, counted on the page and in my library.
        var heart = page.Locator(".favourite-button");
        await heart.ClickAsync();
        await Assertions.Expect(heart).ToHaveAttributeAsync("aria-pressed", "true");
        await page.Locator(".stars label[for$='-4']").ClickAsync();
        await Assertions.Expect(page.Locator("[data-rating-status]")).ToHaveTextAsync("谢谢评分！");
        await Assertions.Expect(page.Locator("[data-average]")).ToHaveTextAsync("4.0");
        await Assertions.Expect(page.Locator("[data-rating-summary] [data-count]")).ToHaveTextAsync("1 人评分");
        await walk.ShotAsync(page, "favourited-and-rated");
        await walk.GotoAsync(page, "/me/library", "my-library");
        (await page.Locator("[data-tab=favourites] .count").TextContentAsync()).ShouldBe("1");
        var card = page.Locator($".doc-card[data-doc='{longDoc}']");
        (await card.Locator(".doc-card-title").TextContentAsync()).ShouldBe("线性代数讲义");
        (await card.Locator("[data-fact=rating]").TextContentAsync())!.ShouldContain("4.0");
        (await card.Locator("[data-fact=rating] .count").TextContentAsync()).ShouldBe("(1)");

        // ── Switch to English with the header's switch; the choice sticks on the next page.
        await page.Locator("#lang-menu summary").ClickAsync();
        await page.Locator("#lang-menu a[hreflang=en]").ClickAsync();
        await Assertions.Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "en");
        await walk.CheckAsync(page, "my-library-in-english");
        (await page.Locator("main h1").TextContentAsync())!.Trim().ShouldBe("My library");
        (await page.Locator("[data-tab=favourites]").TextContentAsync())!.ShouldStartWith("Saved"); // the list, not the button's "Save"
        await walk.GotoAsync(page, $"/d/{longDoc}", "document-in-english");
        (await page.Locator("html").GetAttributeAsync("lang")).ShouldBe("en");
        (await page.Locator("[data-reader-counter]").TextContentAsync()).ShouldBe($"Page 1 of {LongPages}");
        (await page.Locator("#preview-end strong").TextContentAsync()).ShouldBe("The preview has ended");
        // Nothing of the site's own frame is left in Chinese: every text node of the header, the reader's controls, the
        // banner, the comment form, the notices and the footer, except people's words (the uploader's and reader's names,
        // comments, the title inside the embed code), the site's name (configuration) and the other language's own name
        // in the switch (lang="zh-CN").
        var siteName = site.Services.GetRequiredService<IOptions<WenkuOptions>>().Value.SiteName;
        var chinese = await page.EvaluateAsync<string[]>("""
            siteName => {
                const left = [];
                for (const root of document.querySelectorAll('header, .reader-bar, #reader-actions, #download, #comments > h2, #comments form, #notices, #copyright, footer')) {
                    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
                    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
                        const el = n.parentElement, lang = el.closest('[lang]');
                        if (el.closest('.brand, [data-comment], #signed-in-as, #copyright a, [data-fact=uploader], [data-embed-snippet]') || (lang && lang.lang !== 'en')) continue;
                        const text = n.textContent.split(siteName).join('').trim();
                        if (/[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]/.test(text)) left.push(el.tagName.toLowerCase() + ': ' + text);
                    }
                }
                return left;
            }
            """, siteName);
        chinese.ShouldBeEmpty();
        (await readerContext.CookiesAsync()).ShouldContain(c => c.Name == ".AspNetCore.Culture" && c.Value.Contains("en", StringComparison.Ordinal));

        // ── Embed: the snippet the document page offers, pasted into a blog on another origin.
        var snippet = await page.Locator("textarea[data-embed-snippet]").InputValueAsync();
        // In the reader's language now: the snippet carries it, so the viewer speaks it on any other site.
        snippet.ShouldStartWith($"<iframe src=\"{site.BaseAddress.ToString().TrimEnd('/')}/embed/{longDoc}?lang=en\"");
        var origin = site.BaseAddress.ToString().TrimEnd('/');
        var embedPage = await walk.OpenAsync(readerContext);
        await walk.GotoAsync(embedPage, $"/embed/{longDoc}", "embed-page");
        await embedPage.CloseAsync();
        var blog = "<!DOCTYPE html><html lang=zh-CN><meta charset=utf-8><meta name=viewport content='width=device-width, initial-scale=1'><title>博客</title>" +
                   "<style>body{font-family:sans-serif;margin:1rem} iframe{max-width:100%}</style><h1>我的读书博客</h1><p>推荐一份讲义：</p>" +
                   $"{snippet}<p>原文页面（不允许嵌入）：</p><iframe name=page title=原文页面 src='{origin}/d/{longDoc}' width=300 height=200></iframe>";
        using var other = OtherSite.Serve(blog);
        // Not a page of the walk: the blog's console has the browser's refusal of the framed document page, as it should.
        var blogPage = await readerContext.NewPageAsync();
        var blogConsole = PageCheck.Listen(blogPage);
        await blogPage.GotoAsync(other.Url);
        var embed = blogPage.FrameLocator($"iframe[src='{origin}/embed/{longDoc}?lang=en']");
        await Assertions.Expect(embed.Locator("#page-1")).ToBeVisibleAsync(new() { Timeout = 15_000 });
        await Assertions.Expect(embed.Locator("img[src*='/page/']")).ToHaveCountAsync(PreviewPages);
        (await embed.Locator("h1").TextContentAsync())!.ShouldContain("线性代数讲义");
        await embed.Locator("img#page-1").EvaluateAsync("img => img.decode()");
        await blogPage.WaitForTimeoutAsync(300);
        // The browser refused to show the document page itself in a frame: an error page stands in for it.
        blogPage.Frames.Single(f => f.Name == "page").Url.ShouldStartWith("chrome-error:");
        await walk.ShotAsync(blogPage, "embedded-in-a-blog");
        // What blocks it: the page says so in its headers.
        var headers = (await blogPage.APIRequest.GetAsync($"{origin}/d/{longDoc}")).Headers;
        (headers.GetValueOrDefault("x-frame-options") ?? "").ShouldBe("DENY", StringCompareShould.IgnoreCase);
        (headers.GetValueOrDefault("content-security-policy") ?? "").ShouldContain("frame-ancestors 'none'");
        blogConsole.ShouldNotBeEmpty();
        blogConsole.ShouldAllBe(p => p.Contains("frame-ancestors 'none'"));

        walk.Problems.ShouldBeEmpty();
        (await site.WithDbAsync(db => db.Comments.CountAsync(c => c.DocumentId == longDoc))).ShouldBe(1);
    }

    private sealed class RefusedFetch
    {
        public int Status { get; set; }
        public string Type { get; set; } = "";
        public string Body { get; set; } = "";
    }

    private static async Task RegisterAndSignInAsync(Walk walk, IPage page, string email, string name)
    {
        await walk.GotoAsync(page, "/account/register", $"register-{name}");
        await page.FillAsync("#Email", email);
        await page.FillAsync("#DisplayName", name);
        await page.FillAsync("#Password", TestUsers.Password);
        await SubmitAndWaitAsync(page, url => url.EndsWith("/account/login?registered=true", StringComparison.Ordinal));
        await walk.CheckAsync(page, "registered-sign-in");
        await page.FillAsync("#Email", email);
        await page.FillAsync("#Password", TestUsers.Password);
        await SubmitAndWaitAsync(page, url => !url.Contains("/account/", StringComparison.Ordinal));
        (await page.Locator("#signed-in-as").TextContentAsync()).ShouldBe(name);
    }

    /// <summary>Submits the page's form and waits to arrive where <paramref name="arrived"/> says (listening before the click: a wait begun after it can miss a redirect already made).</summary>
    internal static async Task SubmitAndWaitAsync(IPage page, Func<string, bool> arrived)
    {
        var moved = page.WaitForURLAsync(arrived, new PageWaitForURLOptions { Timeout = 30_000 });
        await page.ClickAsync("main form button[type=submit]");
        await moved;
    }

    /// <summary>Searches from the header until the hit is listed (the index takes the new document a moment after it is published).</summary>
    private static async Task SearchUntilFoundAsync(Walk walk, IPage page, string word, long doc)
    {
        var search = page.Locator("header form.search input[name=q]");
        await search.FillAsync(word);
        await search.PressAsync("Enter");
        await page.WaitForURLAsync("**/search?q=*");
        var hit = page.Locator($"ol.hits a.hit-title[href='/d/{doc}']");
        for (var i = 0; i < 50 && await hit.CountAsync() == 0; i++)
        {
            await Task.Delay(300);
            await page.ReloadAsync();
        }
        (await hit.CountAsync()).ShouldBe(1, $"the search for {word} lists the document");
        await walk.CheckAsync(page, "search-hit");
    }

    /// <summary>
    /// The walk's bookkeeping: numbered full-page screenshots of every step, and what went wrong on any page of it
    /// (console errors, axe's serious and critical violations), all reported at the end.
    /// </summary>
    private sealed class Walk(BrowserViewport viewport)
    {
        private readonly string dir = CleanDir(Path.Combine(BrowserSite.ScreenshotDir, "journey", viewport.Name));
        private readonly List<string> found = [];
        private readonly List<List<string>> pages = [];
        private int step;

        /// <summary>
        /// Everything that went wrong so far. The two refusals the walk asks for on purpose (the page image past the
        /// preview, fetched and opened) are logged by Chromium as "status of 403" console errors: those are expected.
        /// </summary>
        public List<string> Problems
        {
            get
            {
                lock (found)
                    return [.. found.Concat(pages.SelectMany(p => p)).Where(p => !p.Contains("status of 403 (Forbidden)", StringComparison.Ordinal))];
            }
        }

        private static string CleanDir(string dir)
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
            Directory.CreateDirectory(dir);
            return dir;
        }

        /// <summary>A new tab whose console errors and uncaught exceptions count as problems of the walk.</summary>
        public async Task<IPage> OpenAsync(IBrowserContext context)
        {
            var page = await context.NewPageAsync();
            lock (found) pages.Add(PageCheck.Listen(page));
            return page;
        }

        /// <summary>Opens <paramref name="path"/>, then <see cref="CheckAsync"/>.</summary>
        public async Task GotoAsync(IPage page, string path, string name, int expectedStatus = 200)
        {
            var response = await page.GotoAsync(path);
            if (response?.Status != expectedStatus) Add($"{path} answered {response?.Status}, not {expectedStatus}");
            await CheckAsync(page, name);
        }

        private void Add(string problem)
        {
            lock (found) found.Add(problem);
        }

        /// <summary>axe on the page as it is now, nothing sticking out sideways on a phone, and its screenshot.</summary>
        public async Task CheckAsync(IPage page, string name)
        {
            await page.WaitForLoadStateAsync(LoadState.Load);
            foreach (var v in await PageCheck.Axe.SeriousViolationsAsync(page)) Add($"{name}: {v}");
            if (viewport.IsPhone)
            {
                var scrollWidth = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth");
                if (scrollWidth > viewport.Width) Add($"{name}: scrolls sideways ({scrollWidth}px on a {viewport.Width}px phone)");
            }
            await ShotAsync(page, name);
        }

        public async Task ShotAsync(IPage page, string name, bool fullPage = true)
        {
            step++;
            // Lazy images in view first, so the picture shows the page as a reader sees it.
            try
            {
                await page.WaitForFunctionAsync("() => [...document.images].filter(i => !(i.loading === 'lazy' && i.closest('details:not([open])')) && (i.loading !== 'lazy' || i.getBoundingClientRect().top < innerHeight)).every(i => i.complete)",
                    null, new PageWaitForFunctionOptions { Timeout = 5_000 });
            }
            catch (TimeoutException)
            {
                Add($"{name}: images still loading after 5 s");
            }
            await page.ScreenshotAsync(new PageScreenshotOptions
            {
                Path = Path.Combine(dir, $"{step:00}-{name}.png"),
                FullPage = fullPage,
                Scale = ScreenshotScale.Css, // a phone's page at 390 px wide, not 1170: small files, quick to write
            });
        }
    }
}
