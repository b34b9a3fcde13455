using Xunit;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Wenku.Documents;
using Wenku.Tests.Infrastructure;

namespace Wenku.Tests.Documents;

/// <summary>Upload through the API, conversion by a real worker process with real poppler, and the preview limit.</summary>
[Trait(WenkuFactory.Suite, WenkuFactory.OnBothStacks)]
public sealed class UploadApiTests(WenkuFactory site) : IClassFixture<WenkuFactory>
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task Uploaded_pdf_is_converted_to_ready_with_pages_and_text()
    {
        var (api, _) = await site.ApiClientAsync("uploader1@test.local");
        var response = await api.PostAsync("/api/v1/documents", TestPdfs.Upload(TestPdfs.MultiPage(8), previewPages: 3, title: "八页测试"));
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();

        var doc = await site.WaitForDocumentAsync(id);
        doc.Status.ShouldBe(DocumentStatus.Ready, doc.Error);
        doc.PageCount.ShouldBe(8);

        var meta = await api.GetFromJsonAsync<DocumentDto>($"/api/v1/documents/{id}", Json);
        meta!.Status.ShouldBe("ready");
        meta.Title.ShouldBe("八页测试");
        meta.PreviewPages.ShouldBe(3);
        (meta.OcrPages, meta.Entries, meta.Drawing).ShouldBe((null, null, null)); // a PDF with a text layer has none of these

        var page1 = await api.GetAsync($"/api/v1/documents/{id}/pages/1");
        page1.StatusCode.ShouldBe(HttpStatusCode.OK);
        page1.Content.Headers.ContentType!.MediaType.ShouldBe("image/jpeg");
        page1.Headers.GetValues("X-Content-Type-Options").ShouldBe(["nosniff"]);
        var bytes = await page1.Content.ReadAsByteArrayAsync();
        bytes[..3].ShouldBe(new byte[] { 0xFF, 0xD8, 0xFF });
    }

    [Fact]
    public async Task Anonymous_user_cannot_fetch_page_past_preview_limit_but_owner_can()
    {
        var (owner, _) = await site.ApiClientAsync("owner-limit@test.local");
        var id = await UploadReadyAsync(owner, TestPdfs.MultiPage(6), previewPages: 2);
        var anonymous = site.CreateClient();

        (await anonymous.GetAsync($"/api/v1/documents/{id}/pages/2")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await anonymous.GetAsync($"/api/v1/documents/{id}/pages/3")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await anonymous.GetAsync($"/d/{id}/page/3.jpg")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await anonymous.GetAsync($"/d/{id}/page/6.jpg")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await anonymous.GetAsync($"/d/{id}/page/7.jpg")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await anonymous.GetAsync($"/d/{id}/page/0.jpg")).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        (await owner.GetAsync($"/api/v1/documents/{id}/pages/6")).StatusCode.ShouldBe(HttpStatusCode.OK);

        var (other, _) = await site.ApiClientAsync("other-limit@test.local");
        (await other.GetAsync($"/api/v1/documents/{id}/pages/3")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Text_endpoint_gives_preview_pages_to_readers_and_everything_to_the_owner()
    {
        var (owner, _) = await site.ApiClientAsync("owner-text@test.local");
        var id = await UploadReadyAsync(owner, TestPdfs.MultiPage(4), previewPages: 2);

        var anonymous = await site.CreateClient().GetFromJsonAsync<DocumentText>($"/api/v1/documents/{id}/text", Json);
        anonymous!.Pages.Select(p => p.Number).ShouldBe([1, 2]);
        anonymous.Truncated.ShouldBeTrue();
        anonymous.Pages[0].Text.ShouldContain("创新是引领发展的第一动力");
        anonymous.Pages[1].Text.ShouldContain("Paragraph 2");

        var full = await owner.GetFromJsonAsync<DocumentText>($"/api/v1/documents/{id}/text", Json);
        full!.Pages.Count.ShouldBe(4);
        full.Truncated.ShouldBeFalse();
        full.Pages[3].Text.ShouldContain("第4段");
    }

    [Fact]
    public async Task Exact_duplicate_is_refused_with_a_link_to_the_existing_document()
    {
        var (api, _) = await site.ApiClientAsync("dup@test.local");
        var pdf = TestPdfs.MultiPage(1);
        var first = await api.PostAsync("/api/v1/documents", TestPdfs.Upload(pdf));
        first.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var id = (await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();

        var second = await api.PostAsync("/api/v1/documents", TestPdfs.Upload(pdf, fileName: "renamed.pdf"));
        second.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        var problem = await second.Content.ReadFromJsonAsync<JsonElement>();
        problem.GetProperty("duplicateOf").GetInt64().ShouldBe(id);
        problem.GetProperty("duplicateUrl").GetString().ShouldBe($"/d/{id}");
    }

    [Fact]
    public async Task A_file_whose_conversion_failed_may_be_uploaded_again()
    {
        var (api, _) = await site.ApiClientAsync("retry@test.local");
        var broken = "%PDF-1.4\n"u8.ToArray().Concat(new byte[3000]).ToArray();
        var first = await api.PostAsync("/api/v1/documents", TestPdfs.Upload(broken));
        var id = (await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        (await site.WaitForDocumentAsync(id)).Status.ShouldBe(DocumentStatus.Failed);
        (await api.PostAsync("/api/v1/documents", TestPdfs.Upload(broken))).StatusCode.ShouldBe(HttpStatusCode.Accepted);
    }

    [Fact]
    public async Task Api_errors_are_problem_details_not_pages()
    {
        var response = await site.CreateClient().GetAsync("/api/v1/documents/987654");
        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
    }

    [Theory]
    [InlineData(new byte[] { 0x4D, 0x5A, 0x90, 0x00, 0x03 }, "Windows program")]
    [InlineData(new byte[] { 0x50, 0x4B, 0x03, 0x04, 0x14 }, "ZIP")]
    [InlineData(new byte[] { 0x68, 0x65, 0x6C, 0x6C, 0x6F }, "unrecognised")]
    public async Task Content_that_is_not_a_pdf_is_refused_whatever_its_name(byte[] head, string what)
    {
        var (api, _) = await site.ApiClientAsync($"sniff-{what.Replace(' ', '-')}@test.local");
        var file = head.Concat(new byte[2000]).ToArray();
        var response = await api.PostAsync("/api/v1/documents", TestPdfs.Upload(file, fileName: "looks-like.pdf"));
        response.StatusCode.ShouldBe(HttpStatusCode.UnsupportedMediaType);
        (await response.Content.ReadAsStringAsync()).ShouldContain(what);
    }

    [Fact]
    public async Task Empty_file_is_refused_with_a_reason()
    {
        var (api, _) = await site.ApiClientAsync("empty@test.local");
        var response = await api.PostAsync("/api/v1/documents", TestPdfs.Upload([], fileName: "empty.pdf"));
        response.StatusCode.ShouldBe(HttpStatusCode.UnsupportedMediaType);
        (await response.Content.ReadAsStringAsync()).ShouldContain("空文件");
    }

    [Fact]
    public async Task Invalid_metadata_is_refused_field_by_field()
    {
        var (api, _) = await site.ApiClientAsync("fields@test.local");
        var content = TestPdfs.Upload(TestPdfs.MultiPage(1), category: "no-such-category", price: -5, previewPages: 999);
        var response = await api.PostAsync("/api/v1/documents", content);
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        errors.TryGetProperty("category", out _).ShouldBeTrue();
        errors.TryGetProperty("price", out _).ShouldBeTrue();
        errors.TryGetProperty("previewPages", out _).ShouldBeTrue();
        (await site.WithDbAsync(db => db.Documents.CountAsync(d => d.Uploader.Email == "fields@test.local"))).ShouldBe(0);
    }

    [Fact]
    public async Task Broken_pdf_ends_failed_with_a_reason_a_person_understands()
    {
        var (api, _) = await site.ApiClientAsync("broken@test.local");
        var garbage = "%PDF-1.7\n"u8.ToArray().Concat(Enumerable.Range(0, 5000).Select(i => (byte)(i * 7 % 251))).ToArray();
        var response = await api.PostAsync("/api/v1/documents", TestPdfs.Upload(garbage, fileName: "broken.pdf"));
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        var doc = await site.WaitForDocumentAsync(id);
        doc.Status.ShouldBe(DocumentStatus.Failed);
        doc.Error.ShouldNotBeNullOrWhiteSpace();
        doc.ErrorCode.ShouldBeOneOf(Wenku.Conversion.PdfConverter.Truncated.Code, Wenku.Conversion.PdfConverter.Unreadable.Code);
        doc.Error.ShouldContain("无法读取此 PDF");

        var meta = await api.GetFromJsonAsync<DocumentDto>($"/api/v1/documents/{id}", Json);
        meta!.Status.ShouldBe("failed");
        meta.Error.ShouldBe(doc.Error);
        // Nobody else sees a failed document.
        (await site.CreateClient().GetAsync($"/api/v1/documents/{id}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Upload_without_a_token_is_unauthorized_with_a_problem()
    {
        var anonymous = site.CreateClient();
        var response = await anonymous.PostAsync("/api/v1/documents", TestPdfs.Upload(TestPdfs.MultiPage(1)));
        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await response.Content.ReadAsStringAsync()).ShouldContain("token");

        anonymous.DefaultRequestHeaders.Authorization = new("Bearer", "wk_not-a-real-token");
        (await anonymous.PostAsync("/api/v1/documents", TestPdfs.Upload(TestPdfs.MultiPage(1)))).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    private async Task<long> UploadReadyAsync(HttpClient api, byte[] pdf, int? previewPages = null, int? price = null)
    {
        var response = await api.PostAsync("/api/v1/documents", TestPdfs.Upload(pdf, previewPages: previewPages, price: price));
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        (await site.WaitForDocumentAsync(id)).Status.ShouldBe(DocumentStatus.Ready);
        return id;
    }
}
