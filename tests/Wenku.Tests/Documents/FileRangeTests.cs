using System.Net;
using System.Net.Http.Headers;
using Wenku.Documents;
using Wenku.Tests.Infrastructure;

namespace Wenku.Tests.Documents;

/// <summary>
/// Page images and originals answer HEAD and byte ranges (206, <c>Content-Range</c>, 416), on the disk and on S3,
/// after the same preview-limit and download checks as a whole GET.
/// </summary>
[Trait(WenkuFactory.Suite, WenkuFactory.OnBothStacks)]
public sealed class FileRangeTests(WenkuFactory site) : IClassFixture<WenkuFactory>, IAsyncLifetime
{
    private long _doc;
    private long _paid;
    private byte[] _pdf = [];
    private HttpClient _owner = null!;

    public async Task InitializeAsync()
    {
        (_owner, _) = await site.ApiClientAsync("range-owner@test.local");
        _pdf = TestPdfs.MultiPage(3, salt: Guid.NewGuid().ToString("N"));
        var docs = await Task.WhenAll(
            site.UploadAndWaitAsync(_owner, TestPdfs.Upload(_pdf, previewPages: 1, title: "范围请求")),
            site.UploadAndWaitAsync(_owner, TestPdfs.Upload(TestPdfs.MultiPage(2, salt: Guid.NewGuid().ToString("N")), previewPages: 1, price: 5, title: "付费范围")));
        docs.ShouldAllBe(d => d.Status == DocumentStatus.Ready);
        (_doc, _paid) = (docs[0].Id, docs[1].Id);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private static HttpRequestMessage Request(HttpMethod method, string url, long? from = null, long? to = null)
    {
        var request = new HttpRequestMessage(method, url);
        if (from is not null || to is not null) request.Headers.Range = new RangeHeaderValue(from, to);
        return request;
    }

    [Theory]
    [InlineData("site")]
    [InlineData("api")]
    public async Task Page_image_answers_head_and_ranges(string door)
    {
        var url = door == "site" ? $"/d/{_doc}/page/1.jpg" : $"/api/v1/documents/{_doc}/pages/1";
        var anonymous = site.CreateClient();
        var whole = await (await anonymous.GetAsync(url)).Content.ReadAsByteArrayAsync();
        whole.Length.ShouldBeGreaterThan(100);

        var head = await anonymous.SendAsync(Request(HttpMethod.Head, url));
        head.StatusCode.ShouldBe(HttpStatusCode.OK);
        head.Content.Headers.ContentLength.ShouldBe(whole.Length);
        head.Content.Headers.ContentType!.MediaType.ShouldBe("image/jpeg");
        head.Headers.AcceptRanges.ShouldContain("bytes");
        (await head.Content.ReadAsByteArrayAsync()).ShouldBeEmpty();

        var part = await anonymous.SendAsync(Request(HttpMethod.Get, url, 10, 49));
        part.StatusCode.ShouldBe(HttpStatusCode.PartialContent);
        part.Content.Headers.ContentRange!.ToString().ShouldBe($"bytes 10-49/{whole.Length}");
        (await part.Content.ReadAsByteArrayAsync()).ShouldBe(whole[10..50]);

        var tail = await anonymous.SendAsync(Request(HttpMethod.Get, url, null, 20));
        tail.StatusCode.ShouldBe(HttpStatusCode.PartialContent);
        (await tail.Content.ReadAsByteArrayAsync()).ShouldBe(whole[^20..]);

        var past = await anonymous.SendAsync(Request(HttpMethod.Get, url, whole.Length + 10, null));
        past.StatusCode.ShouldBe(HttpStatusCode.RequestedRangeNotSatisfiable);
        past.Content.Headers.ContentRange!.ToString().ShouldBe($"bytes */{whole.Length}");
    }

    [Theory]
    [InlineData("site")]
    [InlineData("api")]
    public async Task Head_and_ranges_past_the_preview_limit_are_refused_as_a_whole_get_is(string door)
    {
        var url = door == "site" ? $"/d/{_doc}/page/2.jpg" : $"/api/v1/documents/{_doc}/pages/2";
        var anonymous = site.CreateClient();
        (await anonymous.SendAsync(Request(HttpMethod.Head, url))).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        var ranged = await anonymous.SendAsync(Request(HttpMethod.Get, url, 0, 99));
        ranged.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        // The site answers with its 403 page (a way to download or buy), the API with problem details.
        ranged.Content.Headers.ContentType!.MediaType.ShouldBe(door == "site" ? "text/html" : "application/problem+json");
        // The uploader may.
        (await _owner.SendAsync(Request(HttpMethod.Get, $"/api/v1/documents/{_doc}/pages/2", 0, 99))).StatusCode.ShouldBe(HttpStatusCode.PartialContent);
    }

    [Fact]
    public async Task Original_answers_head_and_resumes_a_cut_download_for_a_reader_who_may_download_it()
    {
        var (reader, _) = await site.ApiClientAsync("range-reader@test.local");
        var url = $"/api/v1/documents/{_doc}/original";

        var head = await reader.SendAsync(Request(HttpMethod.Head, url));
        head.StatusCode.ShouldBe(HttpStatusCode.OK);
        head.Content.Headers.ContentLength.ShouldBe(_pdf.Length);
        head.Content.Headers.ContentType!.MediaType.ShouldBe("application/pdf");

        var first = await reader.SendAsync(Request(HttpMethod.Get, url, 0, 999));
        first.StatusCode.ShouldBe(HttpStatusCode.PartialContent);
        var rest = await reader.SendAsync(Request(HttpMethod.Get, url, 1000, null));
        rest.StatusCode.ShouldBe(HttpStatusCode.PartialContent);
        rest.Content.Headers.ContentRange!.ToString().ShouldBe($"bytes 1000-{_pdf.Length - 1}/{_pdf.Length}");
        (await first.Content.ReadAsByteArrayAsync()).Concat(await rest.Content.ReadAsByteArrayAsync()).ToArray().ShouldBe(_pdf);

        var whole = await reader.GetAsync(url);
        whole.StatusCode.ShouldBe(HttpStatusCode.OK);
        whole.Content.Headers.ContentDisposition!.DispositionType.ShouldBe("attachment");
        (await whole.Content.ReadAsByteArrayAsync()).ShouldBe(_pdf);
        (await reader.SendAsync(Request(HttpMethod.Get, url, _pdf.Length, null))).StatusCode.ShouldBe(HttpStatusCode.RequestedRangeNotSatisfiable);
    }

    [Fact]
    public async Task Original_of_a_paid_document_is_refused_to_head_and_ranges_as_to_a_whole_get()
    {
        var (reader, _) = await site.ApiClientAsync("range-paid-reader@test.local");
        var url = $"/api/v1/documents/{_paid}/original";
        (await reader.SendAsync(Request(HttpMethod.Head, url))).StatusCode.ShouldBe(HttpStatusCode.PaymentRequired);
        (await reader.SendAsync(Request(HttpMethod.Get, url, 0, 9))).StatusCode.ShouldBe(HttpStatusCode.PaymentRequired);
        (await site.CreateClient().SendAsync(Request(HttpMethod.Get, url, 0, 9))).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await _owner.SendAsync(Request(HttpMethod.Get, url, 0, 9))).StatusCode.ShouldBe(HttpStatusCode.PartialContent);
    }
}
