using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Amazon.S3;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Wenku.Documents;
using Wenku.Storage;
using Wenku.Tests.Infrastructure;

namespace Wenku.Tests.Storage;

/// <summary>
/// The scale-out stack losing a part for a while — its object store, its database — on a PostgreSQL cluster and an
/// s3rver of the test's own: requests that need the part answer 503 naming it, nothing is half-written,
/// <c>/health/ready</c> says which part is down, and the same site carries on once the part is back.
/// </summary>
public sealed class ScaleOutFaultTests : IDisposable
{
    private readonly PrivateScaleOutStack _stack = new();
    private readonly FaultSite _site;

    public ScaleOutFaultTests() => _site = new FaultSite(_stack);

    private sealed class FaultSite(PrivateScaleOutStack stack, int workers = 0) : WenkuFactory
    {
        protected override bool FollowsTestStack => false; // its own stack, which the test stops and starts
        protected override int Workers => workers;
        protected override IDictionary<string, string?> Settings => ScaleOutServices.SiteSettings(stack.Postgres, stack.S3);
    }

    [Fact]
    public async Task Object_store_down_uploads_and_page_reads_answer_503_and_both_resume_when_it_is_back()
    {
        var (api, _) = await _site.ApiClientAsync("s3-down@test.local");
        var id = await ReadyDocumentWithOnePageAsync(api);
        (await api.GetAsync($"/api/v1/documents/{id}/pages/1")).StatusCode.ShouldBe(HttpStatusCode.OK);

        _stack.StopS3();

        var page = await api.GetAsync($"/api/v1/documents/{id}/pages/1");
        page.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        (await ProblemAsync(page)).GetProperty("detail").GetString()!.ShouldContain("文件存储");

        var upload = await api.PostAsync("/api/v1/documents", TestPdfs.Upload(TestPdfs.MultiPage(1, salt: "while-down")));
        upload.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        (await ProblemAsync(upload)).GetProperty("detail").GetString()!.ShouldContain("文件存储");
        (await _site.WithDbAsync(db => db.Documents.CountAsync())).ShouldBe(1);

        var ready = await HealthAsync();
        ready.Status.ShouldBe(HttpStatusCode.ServiceUnavailable);
        ready.Checks["files"].ShouldBe("Unhealthy");
        ready.Checks["database"].ShouldBe("Healthy");
        ready.Checks["search"].ShouldBe("Healthy");

        _stack.StartS3();

        (await api.GetAsync($"/api/v1/documents/{id}/pages/1")).StatusCode.ShouldBe(HttpStatusCode.OK);
        await api.UploadAsync(TestPdfs.Upload(TestPdfs.MultiPage(1, salt: "after")));
        (await HealthAsync()).Status.ShouldBe(HttpStatusCode.OK);
        await OnlyOriginalsWithRowsAsync();
    }

    [Fact]
    public async Task Database_down_uploads_answer_503_on_both_doors_and_the_site_resumes_without_a_restart()
    {
        var (api, _) = await _site.ApiClientAsync("pg-down@test.local");
        var (browser, _) = await _site.SignedInBrowserAsync("pg-down-form@test.local");
        var token = await browser.AntiforgeryTokenAsync("/upload");

        _stack.StopPostgres();

        var upload = await api.PostAsync("/api/v1/documents", TestPdfs.Upload(TestPdfs.MultiPage(1, salt: "while-down")));
        upload.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        upload.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        (await ProblemAsync(upload)).GetProperty("detail").GetString()!.ShouldContain("数据库");

        var form = await browser.PostAsync("/upload", new MultipartFormDataContent
        {
            { new ByteArrayContent(TestPdfs.MultiPage(1, salt: "form-while-down")), "file", "讲义.pdf" },
            { new StringContent(token), "__RequestVerificationToken" },
            { new StringContent("other"), "Category" },
        });
        form.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        var html = new AngleSharp.Html.Parser.HtmlParser().ParseDocument(await form.Content.ReadAsStringAsync());
        html.QuerySelector("main h1")!.TextContent.ShouldContain("暂时不可用");
        html.QuerySelector("main h1 + p")!.TextContent.ShouldContain("数据库");

        var ready = await HealthAsync();
        ready.Status.ShouldBe(HttpStatusCode.ServiceUnavailable);
        ready.Checks["database"].ShouldBe("Unhealthy");
        ready.Checks["search"].ShouldBe("Unhealthy"); // PostgreSQL search lives in that database
        ready.Checks["files"].ShouldBe("Healthy");

        _stack.StartPostgres();

        var id = await api.UploadAsync(TestPdfs.Upload(TestPdfs.MultiPage(1, salt: "after")));
        (await _site.WithDbAsync(db => db.Documents.Select(d => d.Id).ToListAsync())).ShouldBe([id]);
        (await HealthAsync()).Status.ShouldBe(HttpStatusCode.OK);
        await OnlyOriginalsWithRowsAsync();
    }

    [Fact]
    public async Task Database_away_for_ten_seconds_during_conversions_then_the_worker_finishes_them_without_a_restart()
    {
        using var site = new FaultSite(_stack, workers: 1);
        var (api, _) = await site.ApiClientAsync("pg-convert@test.local");
        var ids = new List<long>();
        for (var i = 0; i < 3; i++) ids.Add(await api.UploadAsync(TestPdfs.Upload(TestPdfs.MultiPage(4, salt: $"convert-{i}"))));
        await WaitUntilAsync(async () => await site.WithDbAsync(db => db.Documents.AnyAsync(d => d.Status != DocumentStatus.Queued)), "a conversion has started");

        _stack.StopPostgres();
        await Task.Delay(TimeSpan.FromSeconds(10)); // the outage itself: the fault under test, not a wait for the machine
        _stack.StartPostgres();

        foreach (var id in ids)
            (await site.WaitForDocumentAsync(id, TimeSpan.FromMinutes(4))).Status.ShouldBe(DocumentStatus.Ready);
        (await site.WithDbAsync(db => db.DocumentPages.CountAsync())).ShouldBe(12);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (!await condition())
        {
            DateTime.UtcNow.ShouldBeLessThan(deadline, what);
            await Task.Delay(100);
        }
    }

    /// <summary>An uploaded document made ready with one page image in the store, as a conversion leaves it.</summary>
    private async Task<long> ReadyDocumentWithOnePageAsync(HttpClient api)
    {
        var id = await api.UploadAsync(TestPdfs.Upload(TestPdfs.MultiPage(1, salt: "ready")));
        var store = _site.Services.GetRequiredService<IFileStore>();
        await using (var jpeg = new MemoryStream(TestImages.Encode(SkiaSharp.SKEncodedImageFormat.Jpeg, 40, 30)))
            await store.PutAsync(Document.PageKey(id, 1), jpeg, CancellationToken.None);
        await _site.WithDbAsync(db => db.Documents.Where(d => d.Id == id)
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, DocumentStatus.Ready).SetProperty(d => d.PageCount, 1)));
        return id;
    }

    /// <summary>Nothing half-written: every original in the bucket belongs to a document row.</summary>
    private async Task OnlyOriginalsWithRowsAsync()
    {
        using var s3 = S3FileStore.CreateClient(_stack.S3);
        var objects = (await s3.ListObjectsV2Async(new() { BucketName = _stack.S3.Bucket, Prefix = "originals/" })).S3Objects ?? [];
        var keys = await _site.WithDbAsync(db => db.Documents.Select(d => d.StorageKey).ToListAsync());
        objects.Select(o => o.Key).Order().ShouldBe(keys.Order());
    }

    private async Task<(HttpStatusCode Status, Dictionary<string, string> Checks)> HealthAsync()
    {
        var response = await _site.CreateClient().GetAsync("/health/ready");
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (response.StatusCode, json.GetProperty("checks").EnumerateObject().ToDictionary(c => c.Name, c => c.Value.GetProperty("status").GetString()!));
    }

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response) => await response.Content.ReadFromJsonAsync<JsonElement>();

    public void Dispose()
    {
        _site.Dispose();
        _stack.Dispose();
    }
}
