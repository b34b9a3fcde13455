using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Wenku.Documents;
using Wenku.Storage;
using Wenku.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Wenku.Tests.Jobs;

/// <summary>A document deleted while a real worker converts it leaves no page image behind.</summary>
[Trait(WenkuFactory.Suite, WenkuFactory.OnBothStacks)]
public sealed class DeleteWhileConvertingTests(DeleteWhileConvertingTests.LongLeaseSite site, ITestOutputHelper output)
    : IClassFixture<DeleteWhileConvertingTests.LongLeaseSite>
{
    /// <summary>
    /// The default lease (60 s) rather than the suite's 10 s: the heartbeat, which stops a job whose row went with
    /// its document, comes after the conversion has finished, and the worker itself must notice.
    /// </summary>
    public sealed class LongLeaseSite : WenkuFactory
    {
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Wenku:Conversion:LeaseSeconds"] = "600" };
    }

    [Fact]
    public async Task Deleting_a_document_while_it_converts_stops_the_worker_and_leaves_no_page_images()
    {
        var (api, _) = await site.ApiClientAsync($"delete-{Guid.NewGuid():N}@test.local");
        var store = site.Services.GetRequiredService<IFileStore>();
        var upload = await api.PostAsync("/api/v1/documents", TestPdfs.Upload(TestPdfs.MultiPage(150), "长文档.pdf", title: "长文档"));
        upload.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var id = (await upload.Content.ReadFromJsonAsync<IdDto>())!.Id;

        // Deleted while the worker renders it.
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(4);
        while ((await site.WithDbAsync(db => db.Documents.AsNoTracking().SingleAsync(d => d.Id == id))).Status != DocumentStatus.Processing)
        {
            DateTime.UtcNow.ShouldBeLessThan(deadline, "the worker did not start within 4 minutes");
            await Task.Delay(20);
        }
        (await api.DeleteAsync($"/api/v1/documents/{id}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        // The one worker takes jobs one at a time: once a later document is ready, the deleted one's job has ended.
        var next = await site.UploadAndWaitAsync(api, TestPdfs.Upload(TestPdfs.MultiPage(1), "之后.pdf", title: "之后"), TimeSpan.FromMinutes(4));
        next.Status.ShouldBe(DocumentStatus.Ready, next.Error);
        var left = await PageCountAsync(store, id);
        output.WriteLine($"page images of the deleted document left in storage: {left}");
        left.ShouldBe(0);
    }

    [Fact]
    public async Task Janitor_removes_page_images_of_a_missing_document_however_young()
    {
        var store = site.Services.GetRequiredService<IFileStore>();
        const long missing = 987_654_321;
        await store.PutAsync(Document.PageKey(missing, 1), new MemoryStream([0xFF, 0xD8, 0xFF]), CancellationToken.None);

        var janitor = site.Services.GetServices<IHostedService>().OfType<StorageJanitor>().Single();
        await janitor.SweepAsync(TimeSpan.FromMinutes(5), CancellationToken.None);

        (await PageCountAsync(store, missing)).ShouldBe(0);
    }

    private static async Task<int> PageCountAsync(IFileStore store, long id)
    {
        var n = 0;
        await foreach (var _ in store.ListAsync(Document.PagePrefix(id), CancellationToken.None)) n++;
        return n;
    }

    private sealed record IdDto(long Id);
}
