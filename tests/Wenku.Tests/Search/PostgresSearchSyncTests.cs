using Microsoft.EntityFrameworkCore;
using Shouldly;
using Wenku.Accounts;
using Wenku.Data;
using Wenku.Documents;
using Wenku.Search;
using Xunit;

namespace Wenku.Tests.Search;

/// <summary>
/// The PostgreSQL backend following the database through the outbox, where writers are not serialised: several
/// processes commit document changes in any order, and every change must reach search exactly as the database has it.
/// </summary>
public sealed class PostgresSearchSyncTests : IDisposable
{
    private readonly PostgresSearchDatabase _pg = new();
    private string _userId = "";
    private int _categoryId;

    private async Task SeedAsync()
    {
        await using var db = await _pg.Db.CreateDbContextAsync();
        var user = new WenkuUser { UserName = "sync@test.local", Email = "sync@test.local", DisplayName = "同步测试" };
        var category = new Category { Slug = "tech", Name = "科技" };
        db.Users.Add(user);
        db.Categories.Add(category);
        await db.SaveChangesAsync();
        _userId = user.Id;
        _categoryId = category.Id;
    }

    /// <summary>
    /// A document as upload and conversion make it: queued, then pages (a preview page holding <paramref name="text"/>
    /// and a second one beyond the preview) and ready — the change search follows.
    /// </summary>
    private async Task<Document> AddAsync(WenkuDb db, string title, string text)
    {
        var doc = NewDocument(title);
        db.Documents.Add(doc);
        await db.SaveChangesAsync();
        db.DocumentPages.AddRange(new DocumentPage { DocumentId = doc.Id, Number = 1, Text = text }, new DocumentPage { DocumentId = doc.Id, Number = 2, Text = "第二页不公开：机密内容" });
        doc.Status = DocumentStatus.Ready;
        await db.SaveChangesAsync();
        return doc;
    }

    private Document NewDocument(string title) => new()
    {
        Title = title,
        CategoryId = _categoryId,
        UploaderId = _userId,
        OriginalFileName = "a.pdf",
        Format = "pdf",
        Sha256 = Guid.NewGuid().ToString("N"),
        StorageKey = "k/" + Guid.NewGuid().ToString("N"),
        PreviewPages = 1,
        PageCount = 2,
        Status = DocumentStatus.Processing,
    };

    private async Task<List<long>> FindAsync(string q) =>
        (await _pg.Index.SearchAsync(new SearchQuery(q), CancellationToken.None)).Hits.Select(h => h.DocumentId).ToList();

    [Fact]
    public async Task A_change_that_commits_after_a_later_one_is_still_applied()
    {
        await SeedAsync();
        // A takes its outbox position first but commits last.
        await using var a = await _pg.Db.CreateDbContextAsync();
        var early = await a.Database.CreateExecutionStrategy().ExecuteAsync(async () =>
        {
            await using var aTx = await a.Database.BeginTransactionAsync();
            var early = await AddAsync(a, "早开始的事务", "量子通信卫星发射成功");

            var earlySeq = await a.SearchChanges.Where(c => c.DocumentId == early.Id).MaxAsync(c => c.Seq);

            await using (var b = await _pg.Db.CreateDbContextAsync())
            {
                var late = await AddAsync(b, "晚开始的事务", "高速铁路网络延伸");
                (await b.SearchChanges.Where(c => c.DocumentId == late.Id).MinAsync(c => c.Seq)).ShouldBeGreaterThan(earlySeq);
            }
            await _pg.Index.SyncAsync(CancellationToken.None);
            (await FindAsync("高速铁路")).Count.ShouldBe(1);
            (await FindAsync("量子通信")).ShouldBeEmpty();

            await aTx.CommitAsync();
            return early;
        });
        await _pg.Index.SyncAsync(CancellationToken.None);
        (await FindAsync("量子通信")).ShouldBe([early.Id]);
    }

    [Fact]
    public async Task Edits_and_deletions_follow_and_only_preview_pages_are_searchable()
    {
        await SeedAsync();
        await using var db = await _pg.Db.CreateDbContextAsync();
        var doc = await AddAsync(db, "城市规划报告", "绿地面积逐年增加");
        await _pg.Index.SyncAsync(CancellationToken.None);
        (await FindAsync("绿地面积")).ShouldBe([doc.Id]);
        (await FindAsync("机密内容")).ShouldBeEmpty();

        doc.Title = "乡村振兴报告";
        await db.SaveChangesAsync();
        await _pg.Index.SyncAsync(CancellationToken.None);
        (await FindAsync("乡村振兴")).ShouldBe([doc.Id]);
        (await FindAsync("城市规划")).ShouldBeEmpty();

        db.Documents.Remove(doc);
        await db.SaveChangesAsync();
        await _pg.Index.SyncAsync(CancellationToken.None);
        (await FindAsync("绿地面积")).ShouldBeEmpty();
        (await db.SearchChanges.CountAsync()).ShouldBe(0); // applied rows are consumed
    }

    [Fact]
    public async Task Verify_repairs_changes_made_behind_the_outbox_and_rebuild_keeps_answering()
    {
        await SeedAsync();
        await using var db = await _pg.Db.CreateDbContextAsync();
        var kept = await AddAsync(db, "保留的文档", "海洋生物多样性调查");
        var failed = await AddAsync(db, "失败的文档", "沙漠治理经验总结");
        await _pg.Index.SyncAsync(CancellationToken.None);

        // Behind the outbox's back: a row of search lost, a document no longer ready.
        await db.Database.ExecuteSqlRawAsync("""DELETE FROM "SearchParts" WHERE "DocumentId" = {0}; DELETE FROM "SearchEntries" WHERE "DocumentId" = {0};""", kept.Id);
        await db.Database.ExecuteSqlRawAsync("""UPDATE "Documents" SET "Status" = 'Failed' WHERE "Id" = {0}""", failed.Id);
        (await FindAsync("海洋生物")).ShouldBeEmpty();

        (await _pg.Index.VerifyAsync(CancellationToken.None)).ShouldBe(2);
        (await FindAsync("海洋生物")).ShouldBe([kept.Id]);
        (await FindAsync("沙漠治理")).ShouldBeEmpty();

        using var stop = new CancellationTokenSource();
        var searching = Task.Run(async () =>
        {
            var rounds = 0;
            while (!stop.IsCancellationRequested)
            {
                (await FindAsync("海洋生物")).ShouldBe([kept.Id]); // never empty while the tables are rewritten
                rounds++;
            }
            return rounds;
        });
        (await _pg.Index.RebuildAsync(null, CancellationToken.None)).ShouldBe(1);
        await Task.Delay(200);
        await stop.CancelAsync();
        (await searching).ShouldBeGreaterThan(0);
    }

    public void Dispose() => _pg.Dispose();
}
