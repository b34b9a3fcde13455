using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Wenku.Data;
using Wenku.Documents;
using Wenku.Search;
using Microsoft.Extensions.DependencyInjection;
using Wenku.Storage;
using Wenku.Tests.Infrastructure;

namespace Wenku.Tests.ScaleOut;

/// <summary>A site on PostgreSQL and an S3-compatible store (s3rver), with its own database and bucket.</summary>
public class ScaleOutSite : WenkuFactory
{
    public ScaleOutSite() : this(ScaleOutServices.NewPostgresDatabase("site"), ScaleOutServices.NewBucket("site"), ownsStorage: true) { }

    /// <summary>Another <c>serve</c> of the same site: same database and bucket, its own data folder, no workers.</summary>
    public static ScaleOutSite AnotherServe(ScaleOutSite of) => new(of.Postgres, of.S3, ownsStorage: false) { _workers = 0 };

    /// <summary>A new site whose <c>serve</c> starts no workers: they run on their own (<c>wenku worker</c>).</summary>
    public static ScaleOutSite WithoutWorkers() =>
        new(ScaleOutServices.NewPostgresDatabase("site"), ScaleOutServices.NewBucket("site"), ownsStorage: true) { _workers = 0 };

    private ScaleOutSite(string postgres, S3StorageOptions s3, bool ownsStorage)
    {
        Postgres = postgres;
        S3 = s3;
        _ownsStorage = ownsStorage;
        if (ownsStorage) ScaleOutServices.CreateBucketAsync(s3).GetAwaiter().GetResult();
    }

    private readonly bool _ownsStorage;
    private int _workers = 1;
    protected override int Workers => _workers;
    public string Postgres { get; }
    public S3StorageOptions S3 { get; }
    protected override IDictionary<string, string?> Settings => ScaleOutServices.SiteSettings(Postgres, S3);
    protected override bool FollowsTestStack => false;

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (!disposing || !_ownsStorage) return;
        ScaleOutServices.DeleteBucketAsync(S3).GetAwaiter().GetResult();
        ScaleOutServices.DropPostgresDatabaseAsync(Postgres).GetAwaiter().GetResult();
    }
}

/// <summary>The real site and a real worker process on PostgreSQL + s3rver: what the embedded default does, scaled out.</summary>
public sealed class ScaleOutSiteTests(ScaleOutSite site) : IClassFixture<ScaleOutSite>
{
    [Fact]
    public async Task An_upload_is_converted_by_a_worker_process_into_pages_in_the_object_store()
    {
        var (api, _) = await site.ApiClientAsync("scale-uploader@test.local");
        var response = await api.PostAsync("/api/v1/documents", TestPdfs.Upload(TestPdfs.MultiPage(4), previewPages: 2, title: "扩展测试"));
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();

        var doc = await site.WaitForDocumentAsync(id);
        doc.Status.ShouldBe(DocumentStatus.Ready, doc.Error);
        doc.PageCount.ShouldBe(4);
        (await site.WithDbAsync(db => Task.FromResult(db.Database.IsNpgsql()))).ShouldBeTrue();

        var page = await site.CreateClient().GetAsync($"/d/{id}/page/1.jpg");
        page.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await page.Content.ReadAsByteArrayAsync())[..3].ShouldBe(new byte[] { 0xFF, 0xD8, 0xFF });
        (await site.CreateClient().GetAsync($"/d/{id}/page/3.jpg")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        using var s3 = S3FileStore.CreateClient(site.S3);
        var pages = await s3.ListObjectsV2Async(new() { BucketName = site.S3.Bucket, Prefix = Document.PagePrefix(id) });
        pages.S3Objects.Count.ShouldBe(4 * 3 + 2); // four pages in three files each (desktop JPEG, phone JPEG and WebP: preview version 2) and the cover in two
        Directory.Exists(Path.Combine(site.DataDir, "files")).ShouldBeFalse();
    }

    [Fact]
    public async Task A_worker_of_its_own_needs_only_the_database_and_object_store_settings()
    {
        using var serve = ScaleOutSite.WithoutWorkers();
        var (api, _) = await serve.ApiClientAsync("scale-worker@test.local");
        var response = await api.PostAsync("/api/v1/documents", TestPdfs.Upload(TestPdfs.MultiPage(3), title: "独立工作进程"));
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();

        // Everything the worker is told: the database, the object store, and (as ever) a folder for its work.
        var workerData = TestPaths.NewTempDir("worker");
        var settings = ScaleOutServices.SiteSettings(serve.Postgres, serve.S3)
            .ToDictionary(s => s.Key.Replace(":", "__", StringComparison.Ordinal), s => s.Value!);
        using (WenkuProcess.StartWorker(workerData, settings))
        {
            var doc = await serve.WaitForDocumentAsync(id);
            doc.Status.ShouldBe(DocumentStatus.Ready, doc.Error);
            doc.PageCount.ShouldBe(3);
        }
        (await serve.CreateClient().GetAsync($"/d/{id}/page/3.jpg")).StatusCode.ShouldBe(HttpStatusCode.OK);
        File.Exists(Path.Combine(workerData, "wenku.db")).ShouldBeFalse();
        Directory.Exists(Path.Combine(workerData, "files")).ShouldBeFalse();
        TestPaths.TryDelete(workerData);
    }

    [Fact]
    public async Task A_reader_signed_in_on_one_serve_is_signed_in_on_another()
    {
        await site.CreateUserAsync("scale-reader@test.local");
        var auth = await site.SignInCookieAsync("scale-reader@test.local");

        // A second serve of the same site: it has never seen this reader, and it has no key files of its own.
        using var other = ScaleOutSite.AnotherServe(site);
        var client = other.CreateClient(new() { AllowAutoRedirect = false, HandleCookies = false });
        client.DefaultRequestHeaders.Add("Cookie", auth);
        (await client.GetAsync("/me")).StatusCode.ShouldBe(HttpStatusCode.OK);
        var stranger = other.CreateClient(new() { AllowAutoRedirect = false, HandleCookies = false });
        (await stranger.GetAsync("/me")).StatusCode.ShouldBe(HttpStatusCode.Redirect);

        (await site.WithDbAsync(db => ((PostgresWenkuDb)db).DataProtectionKeys.CountAsync())).ShouldBeGreaterThan(0);
        Directory.Exists(Path.Combine(site.DataDir, "keys")).ShouldBeFalse();
    }

    [Fact]
    public async Task Search_is_shared_every_serve_finds_what_any_changed_and_reindex_keeps_it()
    {
        site.Services.GetRequiredService<ISearchIndex>().ShouldBeOfType<PostgresSearchIndex>();
        using var other = ScaleOutSite.AnotherServe(site);
        var (api, _) = await site.ApiClientAsync("scale-search@test.local");
        var doc = await site.UploadAndWaitAsync(api, TestPdfs.Upload(TestPdfs.MultiPage(2), title: "共享检索的冰川地貌图集"));
        doc.Status.ShouldBe(DocumentStatus.Ready, doc.Error);

        async Task<List<long>> FoundOn(WenkuFactory serve, string q)
        {
            var json = await serve.CreateClient().GetFromJsonAsync<JsonElement>($"/api/v1/search?q={Uri.EscapeDataString(q)}");
            return json.GetProperty("hits").EnumerateArray().Select(h => h.GetProperty("id").GetInt64()).ToList();
        }
        // The second serve never applied anything: it reads the tables the first one wrote.
        (await FoundOn(other, "冰川地貌")).ShouldBe([doc.Id]);

        // An edit through the second serve is searchable on the first.
        var otherApi = other.CreateClient();
        otherApi.DefaultRequestHeaders.Authorization = api.DefaultRequestHeaders.Authorization;
        var edit = await otherApi.PatchAsJsonAsync($"/api/v1/documents/{doc.Id}", new { title = "共享检索的沙丘地貌图集" });
        edit.StatusCode.ShouldBe(HttpStatusCode.OK);
        await other.Services.GetRequiredService<ISearchIndex>().SyncAsync(CancellationToken.None);
        (await FoundOn(site, "沙丘地貌")).ShouldBe([doc.Id]);
        (await FoundOn(site, "冰川地貌")).ShouldBeEmpty();

        // The operator's rebuild, from the command line beside both serves.
        (await site.RunCliAsync("admin", "reindex")).ShouldContain("rebuilt");
        (await FoundOn(other, "沙丘地貌")).ShouldBe([doc.Id]);
    }
}
