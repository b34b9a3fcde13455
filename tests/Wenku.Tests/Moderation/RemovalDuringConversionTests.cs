using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Wenku.Documents;
using Wenku.Jobs;
using Wenku.Moderation;
using Wenku.Tests.Commerce;
using Wenku.Tests.Infrastructure;

namespace Wenku.Tests.Moderation;

/// <summary>
/// A document taken down before its conversion ran (a banned uploader's fresh upload, a report on a queued document)
/// stays removed when the conversion job comes, and a restore converts it then.
/// </summary>
[Trait(WenkuFactory.Suite, WenkuFactory.OnBothStacks)]
public sealed class RemovalDuringConversionTests(CommerceSite site) : IClassFixture<CommerceSite>
{
    [Fact]
    public async Task A_queued_document_removed_is_not_converted_and_a_restore_converts_it()
    {
        var (uploader, _) = await site.ApiClientAsync($"queued-{Guid.NewGuid():N}@test.local");
        var (_, staffId) = await site.ApiClientAsync($"remover-{Guid.NewGuid():N}@test.local", Wenku.Accounts.Roles.Moderator);
        var id = await uploader.UploadAsync(TestPdfs.Upload(TestPdfs.MultiPage(2, salt: Guid.NewGuid().ToString("N")), title: "排队中 queued"));

        await using (var scope = site.Services.CreateAsyncScope())
            (await scope.ServiceProvider.GetRequiredService<DocumentRemovals>()
                .RemoveAsync(id, RemovalCategory.Illegal, "违法内容 illegal", staffId, CancellationToken.None)).ShouldBeOfType<RemovalOutcome.Done>();

        // The job that was queued with the upload runs now (this site has no worker: run it as one would).
        var job = await site.WithDbAsync(db => db.Jobs.AsNoTracking().SingleAsync(j => j.DocumentId == id));
        await RunConversionAsync(job);
        var removed = await site.WithDbAsync(db => db.Documents.AsNoTracking().SingleAsync(d => d.Id == id));
        removed.Status.ShouldBe(DocumentStatus.Removed);
        removed.PageCount.ShouldBe(0);
        (await site.WithDbAsync(db => db.DocumentPages.CountAsync(p => p.DocumentId == id))).ShouldBe(0);

        await using (var scope = site.Services.CreateAsyncScope())
            (await scope.ServiceProvider.GetRequiredService<DocumentRemovals>()
                .RestoreAsync(id, "误删 removed by mistake", staffId, CancellationToken.None)).ShouldBeOfType<RestoreOutcome.Done>();
        var restored = await site.WithDbAsync(db => db.Documents.AsNoTracking().SingleAsync(d => d.Id == id));
        restored.Status.ShouldBe(DocumentStatus.Queued);
        var again = await site.WithDbAsync(db => db.Jobs.AsNoTracking().Where(j => j.DocumentId == id && j.Id != job.Id).SingleAsync());
        await RunConversionAsync(again);
        var ready = await site.WithDbAsync(db => db.Documents.AsNoTracking().SingleAsync(d => d.Id == id));
        ready.Status.ShouldBe(DocumentStatus.Ready);
        ready.PageCount.ShouldBe(2);
    }

    private async Task RunConversionAsync(Job job)
    {
        var handler = site.Services.GetServices<IJobHandler>().Single(h => h.Kind == Job.Kinds.Convert);
        await handler.RunAsync(new ClaimedJob(job.Id, job.Kind, job.DocumentId, 1, job.MaxAttempts), CancellationToken.None);
    }
}
