using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using AngleSharp.Html.Parser;
using Microsoft.EntityFrameworkCore;
using Wenku.Tests.Infrastructure;

namespace Wenku.Tests.Storage;

/// <summary>
/// The data folder on a small real filesystem that fills up: uploads are refused in words, nothing already accepted
/// is lost, the site keeps serving, and uploads resume once space is back.
/// </summary>
public sealed class FullDiskTests
{
    private const long MB = 1024 * 1024;

    private sealed class SmallDiskSite(string dataDir, long reserve) : WenkuFactory
    {
        protected override bool FollowsTestStack => false; // the embedded default: everything on that disk
        protected override int Workers => 0;
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
        {
            ["Wenku:DataDir"] = dataDir,
            ["Wenku:MinFreeDiskBytes"] = reserve.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
    }

    [SmallDiskFact]
    public async Task Upload_below_the_free_space_reserve_is_refused_in_words_at_both_doors_and_nothing_accepted_is_lost()
    {
        using var disk = SmallDisk.Mount(40);
        using var site = new SmallDiskSite(Path.Combine(disk.Path, "data"), reserve: 8 * MB);
        var (api, _) = await site.ApiClientAsync("disk-api@test.local");
        var keptPdf = TestPdfs.MultiPage(2, salt: "kept");
        var kept = await api.UploadAsync(TestPdfs.Upload(keptPdf));

        disk.FillLeaving(4 * MB);

        var refused = await api.PostAsync("/api/v1/documents", TestPdfs.Upload(TestPdfs.MultiPage(1, salt: "refused")));
        refused.StatusCode.ShouldBe(HttpStatusCode.InsufficientStorage);
        refused.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        problem.GetProperty("title").GetString()!.ShouldContain("磁盘已满");

        var (browser, _) = await site.SignedInBrowserAsync("disk-form@test.local");
        var page = await PostUploadFormAsync(browser, TestPdfs.MultiPage(1, salt: "form"), "讲义.pdf");
        page.StatusCode.ShouldBe(HttpStatusCode.InsufficientStorage);
        var html = new HtmlParser().ParseDocument(await page.Content.ReadAsStringAsync());
        html.QuerySelector("main h1")!.TextContent.ShouldContain("磁盘已满");
        html.QuerySelector("main h1 + p")!.TextContent.ShouldContain("磁盘已满");

        (await site.WithDbAsync(db => db.Documents.Select(d => d.Id).ToListAsync())).ShouldBe([kept]);
        Directory.EnumerateFiles(disk.Path, "*.part", SearchOption.AllDirectories).ShouldBeEmpty();
        var key = await site.WithDbAsync(db => db.Documents.Where(d => d.Id == kept).Select(d => d.StorageKey).SingleAsync());
        SHA256.HashData(await File.ReadAllBytesAsync(Path.Combine(disk.Path, "data", "files", key))).ShouldBe(SHA256.HashData(keptPdf));

        // The site keeps serving what it has.
        (await browser.GetAsync("/")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await api.GetAsync($"/api/v1/documents/{kept}")).StatusCode.ShouldBe(HttpStatusCode.OK);

        disk.Free();
        await api.UploadAsync(TestPdfs.Upload(TestPdfs.MultiPage(1, salt: "after")));
    }

    [SmallDiskFact]
    public async Task Disk_that_fills_during_the_write_refuses_the_upload_and_leaves_nothing_half_written()
    {
        using var disk = SmallDisk.Mount(40);
        using var site = new SmallDiskSite(Path.Combine(disk.Path, "data"), reserve: 0); // no reserve: the write itself meets the full disk
        var (api, _) = await site.ApiClientAsync("disk-write@test.local");
        var kept = await api.UploadAsync(TestPdfs.Upload(TestPdfs.MultiPage(1, salt: "kept")));

        disk.FillLeaving(256 * 1024);
        var big = TestPdfs.MultiPage(1, salt: "big").Concat(new byte[2 * MB]).ToArray();
        var refused = await api.PostAsync("/api/v1/documents", TestPdfs.Upload(big));
        refused.StatusCode.ShouldBe(HttpStatusCode.InsufficientStorage);
        (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString()!.ShouldContain("磁盘已满");

        (await site.WithDbAsync(db => db.Documents.Select(d => d.Id).ToListAsync())).ShouldBe([kept]);
        (await site.WithDbAsync(db => db.Jobs.CountAsync())).ShouldBe(1);
        Directory.EnumerateFiles(disk.Path, "*.part", SearchOption.AllDirectories).ShouldBeEmpty();
        Directory.EnumerateFiles(Path.Combine(disk.Path, "data", "files", "originals"), "*", SearchOption.AllDirectories).Count().ShouldBe(1);

        disk.Free();
        await api.UploadAsync(TestPdfs.Upload(TestPdfs.MultiPage(1, salt: "after")));
    }

    private static async Task<HttpResponseMessage> PostUploadFormAsync(HttpClient browser, byte[] file, string fileName)
    {
        var token = await browser.AntiforgeryTokenAsync("/upload");
        var content = new MultipartFormDataContent
        {
            { new ByteArrayContent(file), "file", fileName },
            { new StringContent(token), "__RequestVerificationToken" },
            { new StringContent("other"), "Category" },
        };
        return await browser.PostAsync("/upload", content);
    }
}
