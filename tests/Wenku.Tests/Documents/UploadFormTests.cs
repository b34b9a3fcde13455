using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Wenku.Documents;
using Wenku.Tests.Infrastructure;

namespace Wenku.Tests.Documents;

/// <summary>The upload form of the site (cookie, antiforgery, multipart).</summary>
[Trait(WenkuFactory.Suite, WenkuFactory.OnBothStacks)]
public sealed partial class UploadFormTests : IDisposable
{
    private sealed class SmallLimitFactory : WenkuFactory
    {
        protected override int Workers => 0;
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Wenku:MaxUploadBytes"] = "300000" };
    }

    private readonly SmallLimitFactory _site = new();

    private static async Task<HttpResponseMessage> PostUploadAsync(HttpClient browser, byte[] file, string fileName, Dictionary<string, string> fields)
    {
        var page = await browser.GetStringAsync("/upload");
        var token = WebUtility.HtmlDecode(Token().Match(page).Groups[1].Value);
        var content = new MultipartFormDataContent { { new ByteArrayContent(file), "file", fileName }, { new StringContent(token), "__RequestVerificationToken" } };
        foreach (var (k, v) in fields) content.Add(new StringContent(v), k);
        return await browser.PostAsync("/upload", content);
    }

    [Fact]
    public async Task Upload_form_creates_a_queued_document_and_redirects_to_its_page()
    {
        var (browser, userId) = await _site.SignedInBrowserAsync("form@test.local");
        var response = await PostUploadAsync(browser, TestPdfs.MultiPage(1), "讲义.pdf", new()
        {
            ["Title"] = "高等数学讲义", ["Description"] = "第一章", ["Category"] = "education", ["Tags"] = "数学，讲义, 大学", ["Price"] = "0", ["PreviewPages"] = "3",
        });
        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var doc = await _site.WithDbAsync(db => db.Documents.AsNoTracking().SingleAsync(d => d.UploaderId == userId));
        response.Headers.Location!.ToString().ShouldBe($"/d/{doc.Id}");
        doc.Title.ShouldBe("高等数学讲义");
        doc.Tags.ShouldBe("数学,讲义,大学");
        doc.PreviewPages.ShouldBe(3);
        doc.Status.ShouldBe(DocumentStatus.Queued);
        (await _site.WithDbAsync(db => db.Jobs.CountAsync(j => j.DocumentId == doc.Id))).ShouldBe(1);
        (await browser.GetDocumentAsync(response.Headers.Location.ToString())).One("#status").Text().ShouldContain("排队转换中");
        (await browser.GetDocumentAsync("/me")).QuerySelectorAll("td a").Select(a => a.Text()).ShouldContain("高等数学讲义");
    }

    [Fact]
    public async Task Exact_duplicate_upload_is_refused_with_a_link_to_the_existing_document()
    {
        var (browser, _) = await _site.SignedInBrowserAsync("form-dup@test.local");
        var pdf = TestPdfs.MultiPage(1);
        var first = await PostUploadAsync(browser, pdf, "a.pdf", new() { ["Category"] = "other" });
        var existing = first.Headers.Location!.ToString();
        var second = await PostUploadAsync(browser, pdf, "b.pdf", new() { ["Category"] = "other" });
        second.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        Html.Parse(await second.Content.ReadAsStringAsync()).One("[role=alert] a").GetAttribute("href").ShouldBe(existing);
    }

    [Fact]
    public async Task Upload_over_the_size_limit_is_refused_in_words_and_leaves_nothing_behind()
    {
        var (browser, _) = await _site.SignedInBrowserAsync("form-big@test.local");
        var big = TestPdfs.MultiPage(1).Concat(new byte[400_000]).ToArray();
        var response = await PostUploadAsync(browser, big, "big.pdf", new() { ["Category"] = "other" });
        response.StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
        // The limit as a person reads it (300,000 bytes), not "0 MB".
        Html.Parse(await response.Content.ReadAsStringAsync()).One("[role=alert]").Text().ShouldContain("超过 292.9 KB 上限");
        (await _site.WithDbAsync(db => db.Documents.CountAsync())).ShouldBe(0);
        Directory.EnumerateFiles(_site.DataDir, "*.part", SearchOption.AllDirectories).ShouldBeEmpty();
        var originals = Path.Combine(_site.DataDir, "files", "originals");
        (Directory.Exists(originals) ? Directory.EnumerateFiles(originals, "*", SearchOption.AllDirectories) : []).ShouldBeEmpty();
    }

    [Fact]
    public async Task Body_far_over_the_limit_is_refused_before_it_is_read_at_both_doors()
    {
        var (browser, _) = await _site.SignedInBrowserAsync("form-huge@test.local");
        var huge = new byte[3_000_000];
        var page = await PostUploadAsync(browser, huge, "huge.pdf", new() { ["Category"] = "other" });
        page.StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
        Html.Parse(await page.Content.ReadAsStringAsync()).One("main h1").Text().ShouldContain("文件太大");

        var (api, _) = await _site.ApiClientAsync("api-huge@test.local");
        var response = await api.PostAsync("/api/v1/documents", TestPdfs.Upload(huge));
        response.StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        Directory.EnumerateFiles(_site.DataDir, "*", SearchOption.AllDirectories).Where(f => f.Contains("originals")).ShouldBeEmpty();
    }

    [Fact]
    public async Task Upload_form_names_the_limit_readably()
    {
        var (browser, _) = await _site.SignedInBrowserAsync("form-limit@test.local");
        (await browser.GetDocumentAsync("/upload")).One("[data-upload-limit]").Text().ShouldBe("292.9 KB");
    }

    [Fact]
    public async Task Api_upload_over_the_limit_names_the_limit_readably()
    {
        var (api, _) = await _site.ApiClientAsync("api-big@test.local");
        var response = await api.PostAsync("/api/v1/documents", TestPdfs.Upload(TestPdfs.MultiPage(1).Concat(new byte[400_000]).ToArray()));
        response.StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
        var problem = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        problem.GetProperty("title").GetString()!.ShouldContain("超过 292.9 KB 上限");
    }

    /// <summary>A body whose length is not declared: sent chunked, as a streaming client sends it.</summary>
    private sealed class ChunkedContent(HttpContent inner) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context) => await inner.CopyToAsync(stream);
        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }

    [Fact]
    public async Task Chunked_upload_over_the_limit_answers_413_with_the_too_large_page_at_both_doors()
    {
        var (browser, _) = await _site.SignedInBrowserAsync("form-chunked@test.local");
        var token = WebUtility.HtmlDecode(Token().Match(await browser.GetStringAsync("/upload")).Groups[1].Value);
        var multipart = new MultipartFormDataContent
        {
            { new StringContent(token), "__RequestVerificationToken" },
            { new StringContent("other"), "Category" },
            { new ByteArrayContent(new byte[3_000_000]), "file", "huge.pdf" },
        };
        var chunked = new ChunkedContent(multipart);
        chunked.Headers.ContentType = multipart.Headers.ContentType;
        var page = await browser.PostAsync("/upload", chunked);
        page.StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
        var html = Html.Parse(await page.Content.ReadAsStringAsync());
        html.One("h1").Text().ShouldContain("文件太大");
        html.QuerySelector("main section p")!.Text().ShouldContain("292.9 KB");

        var (api, _) = await _site.ApiClientAsync("api-chunked@test.local");
        var upload = TestPdfs.Upload(new byte[3_000_000]);
        var apiChunked = new ChunkedContent(upload);
        apiChunked.Headers.ContentType = upload.Headers.ContentType;
        var response = await api.PostAsync("/api/v1/documents", apiChunked);
        response.StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        (await _site.WithDbAsync(db => db.Documents.CountAsync())).ShouldBe(0);
    }

    [Fact]
    public async Task Renamed_program_is_refused_by_content()
    {
        var (browser, _) = await _site.SignedInBrowserAsync("form-exe@test.local");
        var exe = new byte[] { 0x4D, 0x5A }.Concat(new byte[3000]).ToArray();
        var response = await PostUploadAsync(browser, exe, "report.pdf", new() { ["Category"] = "other" });
        response.StatusCode.ShouldBe(HttpStatusCode.UnsupportedMediaType);
        Html.Parse(await response.Content.ReadAsStringAsync()).One("[role=alert]").Text().ShouldContain("Windows program");
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex Token();

    public void Dispose() => _site.Dispose();
}
