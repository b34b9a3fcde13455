using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using Wenku.Documents;
using Wenku.Tests.Infrastructure;

namespace Wenku.Tests.Web;

/// <summary>The real site of <see cref="BrowserSite"/> with a conversion worker, so that uploads become ready while the page watches.</summary>
public class UploadBrowserSite : BrowserSite
{
    protected override int Workers => 1;
}

/// <summary>
/// Uploading in a real Chromium at desktop and phone width: two files dropped at once (desktop) or picked together
/// (phone), each with its own details row and progress bar, both followed live to ready without a reload; /me in words
/// on a phone. Screenshots land in <c>.artifacts/screenshots/upload-*.png</c>.
/// </summary>
public sealed class UploadBrowserTests(UploadBrowserSite site) : IClassFixture<UploadBrowserSite>
{
    /// <summary>Every text a file's status line showed, in order, per file name (watched from before the first upload).</summary>
    internal const string WatchStatuses = """
        () => {
            window.__seen = {};
            window.__notReloaded = true;
            new MutationObserver(() => {
                for (const row of document.querySelectorAll('.upload-file')) {
                    const name = row.querySelector('[data-file-name]').textContent;
                    const text = row.querySelector('[data-file-status]').textContent;
                    const seen = window.__seen[name] = window.__seen[name] || [];
                    if (seen[seen.length - 1] !== text) seen.push(text);
                }
            }).observe(document.querySelector('[data-upload-files]'), { subtree: true, childList: true, characterData: true, attributes: true });
        }
        """;

    [Theory]
    [InlineData("desktop")]
    [InlineData("phone")]
    public async Task Two_files_at_once_show_bytes_sent_then_reach_ready_live(string width)
    {
        var viewport = BrowserViewport.Both.Single(v => v.Name == width);
        var context = await site.ContextOfAsync($"uploader-{width}@uploadbrowser.test", viewport);
        var page = await context.NewPageAsync();
        var problems = PageCheck.Listen(page);
        (await page.GotoAsync("/upload"))!.Status.ShouldBe(200);
        var a = TestPdfs.MultiPage(3, title: "第一份", salt: $"browser-a-{width}-{Guid.NewGuid()}");
        var b = TestPdfs.MultiPage(2, title: "第二份", salt: $"browser-b-{width}-{Guid.NewGuid()}");
        if (viewport.IsPhone)
        {
            // A phone picks several files in the (multiple) file input.
            await page.SetInputFilesAsync("#file", [
                new FilePayload { Name = "线性代数讲义.pdf", MimeType = "application/pdf", Buffer = a },
                new FilePayload { Name = "概率论习题.pdf", MimeType = "application/pdf", Buffer = b },
            ]);
        }
        else
        {
            // A desktop drops two files at once onto the drop zone: a DataTransfer built in the page.
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
                """, new[] { Convert.ToBase64String(a), Convert.ToBase64String(b) });
        }

        var rows = page.Locator(".upload-file");
        (await rows.CountAsync()).ShouldBe(2);
        (await rows.Nth(0).Locator("[data-field=title]").InputValueAsync()).ShouldBe("线性代数讲义");
        (await rows.Nth(1).Locator("[data-field=title]").InputValueAsync()).ShouldBe("概率论习题");
        // Details per file; the defaults apply to all.
        await rows.Nth(1).Locator("[data-field=title]").FillAsync("概率论习题（第二版）");
        await page.FillAsync("#Tags", "数学, 大学");
        await page.ClickAsync("[data-apply-all]");
        (await rows.Nth(0).Locator("[data-field=tags]").InputValueAsync()).ShouldBe("数学, 大学");
        (await page.TextContentAsync("[data-upload-start]"))!.ShouldBe("开始上传 2 个文件");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Shot($"rows-{width}"), FullPage = true });

        await page.EvaluateAsync(WatchStatuses);
        await page.ClickAsync("[data-upload-start]");
        await page.WaitForFunctionAsync("() => [...document.querySelectorAll('.upload-file')].every(r => r.dataset.state === 'ready')",
            null, new PageWaitForFunctionOptions { Timeout = 120_000 });
        (await page.EvaluateAsync<bool>("() => window.__notReloaded === true")).ShouldBeTrue("the page was not reloaded");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Shot($"ready-{width}"), FullPage = true });

        var seen = await page.EvaluateAsync<Dictionary<string, string[]>>("() => window.__seen");
        foreach (var name in new[] { "线性代数讲义.pdf", "概率论习题.pdf" })
        {
            var steps = seen[name];
            steps.ShouldContain(s => s.StartsWith("正在上传", StringComparison.Ordinal), $"{name}: {string.Join(" → ", steps)}");
            steps.Last().ShouldBe("已发布");
        }
        (await rows.Nth(1).Locator("[data-file-status] a").GetAttributeAsync("href"))!.ShouldStartWith("/d/");
        var bars = await page.EvaluateAsync<double[]>("() => [...document.querySelectorAll('[data-upload-bar]')].map(b => b.value / b.max)");
        bars.ShouldAllBe(v => v == 1);
        (await page.TextContentAsync("[data-upload-start]"))!.ShouldBe("已全部上传");
        problems.ShouldBeEmpty();
        await page.CloseAsync();
    }

    [Theory]
    [InlineData("desktop")]
    [InlineData("phone")]
    public async Task My_documents_read_well_with_statuses_in_words(string width)
    {
        var viewport = BrowserViewport.Both.Single(v => v.Name == width);
        var email = $"mine-{width}@uploadbrowser.test";
        var uploaderId = await site.EnsureUserAsync(email);
        await site.OnceAsync($"mine-{width}", async () =>
        {
            foreach (var (title, status, converted) in new[]
            {
                ("高等数学（上册）期末复习提纲与历年真题详解 Calculus final review with past papers", DocumentStatus.Ready, 0),
                ("机械制图国家标准汇编", DocumentStatus.Processing, 4),
                ("新上传的讲义", DocumentStatus.Queued, 0),
                ("建筑施工组织设计", DocumentStatus.Held, 0),
                ("损坏的文件", DocumentStatus.Failed, 0),
            })
            {
                var id = await site.ReadyDocAsync(uploaderId, 0, status);
                await site.WithDbAsync(async db =>
                {
                    var doc = (await db.Documents.FindAsync(id))!;
                    (doc.Title, doc.ConvertedPages, doc.PageCount) = (title, converted, status == DocumentStatus.Processing ? 12 : doc.PageCount);
                    if (status == DocumentStatus.Failed) doc.Error = "文件已损坏，无法读取。";
                    return await db.SaveChangesAsync();
                });
            }
            return new object();
        });
        var context = await site.ContextOfAsync(email, viewport);
        var problems = await PageCheck.RunAsync(context, "/me", viewport, Shot($"me-{width}"));
        problems.ShouldBeEmpty();

        var page = await context.NewPageAsync();
        await page.GotoAsync("/me");
        var statuses = await page.Locator("[data-status-for]").AllTextContentsAsync();
        statuses.ShouldContain("转换中（第 4/12 页）");
        statuses.ShouldContain("待审核");
        statuses.ShouldContain("转换失败：文件已损坏，无法读取。");
        statuses.ShouldAllBe(s => s != "held" && s != "queued" && s != "processing");
        // Titles get the phone's width (not one character a line) and dates stay on one line.
        var titleWidth = await page.EvaluateAsync<double>("() => document.querySelector('td.mine-title').getBoundingClientRect().width");
        titleWidth.ShouldBeGreaterThan(viewport.IsPhone ? 300 : 200);
        var dateLines = await page.EvaluateAsync<double[]>("""
            () => [...document.querySelectorAll('td time')].map(t => t.getBoundingClientRect().height / parseFloat(getComputedStyle(t).lineHeight))
            """);
        dateLines.ShouldAllBe(lines => lines < 1.5);

        // Live, without a reload: the converting document moves on, then is published.
        var converting = await site.WithDbAsync(db => db.Documents.Where(d => d.UploaderId == uploaderId && d.Status == DocumentStatus.Processing).Select(d => d.Id).SingleAsync());
        var badge = $"document.querySelector('[data-status-for=\"{converting}\"]')";
        await site.WithDbAsync(db => db.Documents.Where(d => d.Id == converting).ExecuteUpdateAsync(u => u.SetProperty(d => d.ConvertedPages, 9)));
        await page.WaitForFunctionAsync($"() => {badge}.textContent === '转换中（第 9/12 页）'", null, new PageWaitForFunctionOptions { Timeout = 15_000 });
        await site.WithDbAsync(db => db.Documents.Where(d => d.Id == converting).ExecuteUpdateAsync(u => u.SetProperty(d => d.Status, DocumentStatus.Ready)));
        await page.WaitForFunctionAsync($"() => {badge}.textContent === '已发布' && {badge}.classList.contains('status-badge') && {badge}.classList.contains('status-ready')",
            null, new PageWaitForFunctionOptions { Timeout = 15_000 });
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Shot($"me-live-{width}"), FullPage = true });
        await page.CloseAsync();
    }

    private static string Shot(string name) => Path.Combine(BrowserSite.ScreenshotDir, $"upload-{name}.png");
}
