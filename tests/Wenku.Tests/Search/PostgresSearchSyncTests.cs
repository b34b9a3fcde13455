using Microsoft.EntityFrameworkCore;
using Shouldly;
using Wenku.Accounts;
using Wenku.Data;
using Wenku.Documents;
using Wenku.Search;
using Wenku.Tests.Infrastructure;
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
    private async Task<Document> AddAsync(WenkuDb db, string title, string text, string format = "pdf")
    {
        var doc = NewDocument(title);
        doc.Format = format;
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

    [Fact]
    public async Task An_outbox_round_skips_while_a_long_writer_holds_the_tables_and_a_rebuild_waits_past_the_command_timeout()
    {
        // Every statement of this database gives up after 2 s unless it has a limit of its own.
        using var pg = new PostgresSearchDatabase("Command Timeout=2");
        await using (var seed = await pg.Db.CreateDbContextAsync())
        {
            var user = new WenkuUser { UserName = "long@test.local", Email = "long@test.local", DisplayName = "长事务" };
            var category = new Category { Slug = "tech", Name = "科技" };
            seed.AddRange(user, category);
            await seed.SaveChangesAsync();
            _userId = user.Id;
            _categoryId = category.Id;
        }
        await using var db = await pg.Db.CreateDbContextAsync();
        var doc = await AddAsync(db, "长事务期间的文档", "深海探测器下潜成功");

        // Another process's writer (a rebuild of a large library) holds the writer lock for 8 s.
        await using var other = new Npgsql.NpgsqlConnection(pg.ConnectionString);
        await other.OpenAsync();
        await using var otherTx = await other.BeginTransactionAsync();
        await using (var take = new Npgsql.NpgsqlCommand("SELECT pg_advisory_xact_lock(@k)", other, otherTx))
        {
            take.Parameters.AddWithValue("k", PostgresSearchIndex.WriterLock);
            await take.ExecuteNonQueryAsync();
        }
        var release = Task.Delay(TimeSpan.FromSeconds(8)).ContinueWith(_ => otherTx.Commit(), TaskScheduler.Default);

        var rebuild = pg.Index.RebuildAsync(null, CancellationToken.None); // waits for the lock without a time limit
        var waited = System.Diagnostics.Stopwatch.StartNew();
        (await pg.Index.SyncAsync(CancellationToken.None)).ShouldBe(0); // a round gives up after its 5 s wait, no error
        waited.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(8));
        (await rebuild).ShouldBe(1);
        await release;
        (await pg.Index.SearchAsync(new SearchQuery("深海探测"), CancellationToken.None)).Hits.Select(h => h.DocumentId).ShouldBe([doc.Id]);
        await pg.Index.SyncAsync(CancellationToken.None);
        (await db.SearchChanges.CountAsync()).ShouldBe(0);
    }

    [Fact]
    public async Task Facet_counts_past_the_limit_are_marked_as_estimates_and_the_total_stays_exact()
    {
        await SeedAsync();
        await using var db = await _pg.Db.CreateDbContextAsync();
        for (var i = 0; i < 12; i++) await AddAsync(db, $"气候报告第{i}号", "全球气候变化趋势分析");
        await _pg.Index.SyncAsync(CancellationToken.None);

        var exact = await _pg.Index.SearchAsync(new SearchQuery("气候变化"), CancellationToken.None);
        exact.Total.ShouldBe(12);
        exact.Facets.Estimated.ShouldBeFalse();
        exact.Facets.Format.ShouldBe([new FacetValue("pdf", 12)]);

        await using var sampled = new PostgresSearchIndex(_pg.Db, Microsoft.Extensions.Logging.Abstractions.NullLogger<PostgresSearchIndex>.Instance) { FacetSample = 5 };
        var estimate = await sampled.SearchAsync(new SearchQuery("气候变化"), CancellationToken.None);
        estimate.Total.ShouldBe(12);
        estimate.Facets.Estimated.ShouldBeTrue();
        estimate.Facets.EstimatedFacets.ShouldBe(["category", "format", "price", "pages"]);
        estimate.Facets.Format.ShouldBe([new FacetValue("pdf", 12)]); // 5 counted, scaled by 12/5
    }

    [Fact]
    public async Task Facets_are_sampled_after_the_other_filters_so_a_narrow_filter_counts_exactly()
    {
        await SeedAsync();
        await using var db = await _pg.Db.CreateDbContextAsync();
        for (var i = 0; i < 12; i++) await AddAsync(db, $"气候报告第{i}号", "全球气候变化趋势分析");
        for (var i = 0; i < 2; i++) await AddAsync(db, $"气候讲义第{i}号", "全球气候变化趋势分析", format: "docx");
        await _pg.Index.SyncAsync(CancellationToken.None);

        // 14 matches, 2 of them DOCX; the facets are counted in 5 matches at most.
        await using var sampled = new PostgresSearchIndex(_pg.Db, Microsoft.Extensions.Logging.Abstractions.NullLogger<PostgresSearchIndex>.Instance) { FacetSample = 5 };
        var docx = await sampled.SearchAsync(new SearchQuery("气候变化") { Format = "docx" }, CancellationToken.None);
        docx.Total.ShouldBe(2);
        // The category counts are over the 2 DOCX matches (the format filter applies first): exact, not a sample of
        // all 14 that may hold no DOCX at all.
        docx.Facets.Category.Select(f => f.Count).ShouldBe([2]);
        // The format counts are over all 14 matches (a facet ignores its own filter): counted in 5, scaled.
        docx.Facets.EstimatedFacets.ShouldBe(["format"]); // the other three counted over the 2 DOCX: exact
        docx.Facets.Format.Sum(f => f.Count).ShouldBeInRange(12, 16);
    }

    [Fact]
    public async Task Searches_read_from_a_streaming_replica_while_writes_go_to_the_primary()
    {
        await SeedAsync();
        var database = new Npgsql.NpgsqlConnectionStringBuilder(_pg.ConnectionString).Database!;
        var replicaConnection = ScaleOutServices.ReplicaDatabase(database);
        await using var replica = new PostgresSearchIndex(_pg.Db, Microsoft.Extensions.Logging.Abstractions.NullLogger<PostgresSearchIndex>.Instance, replicaConnection);
        async Task<List<long>> OnReplica(string q) =>
            (await replica.SearchAsync(new SearchQuery(q), CancellationToken.None)).Hits.Select(h => h.DocumentId).ToList();

        await using var db = await _pg.Db.CreateDbContextAsync();
        var first = await AddAsync(db, "主库写入的文档", "极地冰川消融观测");
        await _pg.Index.SyncAsync(CancellationToken.None); // the outbox is applied on the primary
        await ReplicaCaughtUpAsync(replicaConnection);
        (await OnReplica("冰川消融")).ShouldBe([first.Id]);

        // With the standby's replay paused, what the primary writes next is not there: the search read the replica.
        await ReplicaAsync(replicaConnection, "SELECT pg_wal_replay_pause()");
        try
        {
            var second = await AddAsync(db, "暂停期间写入", "热带雨林保护计划");
            await _pg.Index.SyncAsync(CancellationToken.None);
            (await FindAsync("热带雨林")).ShouldBe([second.Id]);
            (await OnReplica("热带雨林")).ShouldBeEmpty();
            (await OnReplica("冰川消融")).ShouldBe([first.Id]);
        }
        finally
        {
            await ReplicaAsync(replicaConnection, "SELECT pg_wal_replay_resume()");
        }
        await ReplicaCaughtUpAsync(replicaConnection);
        (await OnReplica("热带雨林")).Count.ShouldBe(1);

        // Writes and a rebuild (its table swap replayed on the standby) on the primary while the replica answers.
        using var stop = new CancellationTokenSource();
        var searching = Task.Run(async () =>
        {
            var rounds = 0;
            while (!stop.IsCancellationRequested)
            {
                (await OnReplica("冰川消融")).ShouldBe([first.Id]);
                rounds++;
            }
            return rounds;
        });
        for (var i = 0; i < 3; i++)
        {
            await AddAsync(db, $"并发写入{i}", "城市轨道交通规划");
            await _pg.Index.SyncAsync(CancellationToken.None);
        }
        await _pg.Index.RebuildAsync(null, CancellationToken.None);
        await ReplicaCaughtUpAsync(replicaConnection);
        await Task.Delay(300);
        await stop.CancelAsync();
        (await searching).ShouldBeGreaterThan(0);
        (await replica.SearchAsync(new SearchQuery("轨道交通"), CancellationToken.None)).Total.ShouldBe(3);
    }

    [Fact]
    public async Task A_fresh_search_skips_a_replica_that_has_not_replayed_the_latest_changes()
    {
        await SeedAsync();
        var database = new Npgsql.NpgsqlConnectionStringBuilder(_pg.ConnectionString).Database!;
        var replicaConnection = ScaleOutServices.ReplicaDatabase(database);
        await using var replica = new PostgresSearchIndex(_pg.Db, Microsoft.Extensions.Logging.Abstractions.NullLogger<PostgresSearchIndex>.Instance, replicaConnection);
        Task<SearchResults> OnReplica(string q, bool fresh) => replica.SearchAsync(new SearchQuery(q) { Fresh = fresh }, CancellationToken.None);

        await using var db = await _pg.Db.CreateDbContextAsync();
        var first = await AddAsync(db, "主库写入的文档", "极地冰川消融观测");
        await _pg.Index.SyncAsync(CancellationToken.None);
        await ReplicaCaughtUpAsync(replicaConnection);
        var caughtUp = await OnReplica("冰川消融", fresh: true);
        caughtUp.Hits.Select(h => h.DocumentId).ShouldBe([first.Id]);
        caughtUp.Freshness.ShouldNotBeNull();
        caughtUp.Freshness.Source.ShouldBe("replica"); // caught up: the replica answers
        caughtUp.Freshness.Current.ShouldBeTrue();

        await ReplicaAsync(replicaConnection, "SELECT pg_wal_replay_pause()");
        try
        {
            // The reader's own new document is applied on the primary; the standby has not replayed it.
            var second = await AddAsync(db, "暂停期间写入", "热带雨林保护计划");
            await _pg.Index.SyncAsync(CancellationToken.None);
            var stale = await OnReplica("热带雨林", fresh: false);
            stale.Hits.ShouldBeEmpty();
            stale.Freshness!.Source.ShouldBe("replica");
            stale.Freshness.Current.ShouldBeFalse();
            stale.Freshness.Applied.ShouldBe(caughtUp.Freshness.Applied);

            var fresh = await OnReplica("热带雨林", fresh: true);
            fresh.Hits.Select(h => h.DocumentId).ShouldBe([second.Id]);
            fresh.Freshness!.Source.ShouldBe("primary");
            fresh.Freshness.Current.ShouldBeTrue();
            fresh.Freshness.Applied.ShouldBeGreaterThan(stale.Freshness.Applied);
        }
        finally
        {
            await ReplicaAsync(replicaConnection, "SELECT pg_wal_replay_resume()");
        }
        await ReplicaCaughtUpAsync(replicaConnection);
        var again = await OnReplica("热带雨林", fresh: true);
        again.Hits.Count.ShouldBe(1);
        again.Freshness!.Source.ShouldBe("replica");
    }

    [Fact]
    public async Task Reindex_and_verification_work_in_batches_under_a_one_second_command_timeout()
    {
        // Every statement without a limit of its own gives up after 1 s; batches of 3 documents force many statements,
        // and rounds of two batches several outbox transactions.
        using var pg = new PostgresSearchDatabase("Command Timeout=1");
        await using (var seed = await pg.Db.CreateDbContextAsync())
        {
            var user = new WenkuUser { UserName = "batch@test.local", Email = "batch@test.local", DisplayName = "分批" };
            var category = new Category { Slug = "tech", Name = "科技" };
            seed.AddRange(user, category);
            await seed.SaveChangesAsync();
            _userId = user.Id;
            _categoryId = category.Id;
        }
        await using var index = new PostgresSearchIndex(pg.Db, Microsoft.Extensions.Logging.Abstractions.NullLogger<PostgresSearchIndex>.Instance) { BatchSize = 3, BatchesPerRound = 2 };
        await using var db = await pg.Db.CreateDbContextAsync();
        var ids = new List<long>();
        for (var i = 0; i < 10; i++) ids.Add((await AddAsync(db, $"分批重建{i}", $"第{i}份海底隧道施工记录")).Id);

        // Four batches of the outbox in two rounds, each its own transaction.
        (await index.SyncAsync(CancellationToken.None)).ShouldBe(10);
        (await db.SearchChanges.CountAsync()).ShouldBe(0);
        (await index.RebuildAsync(null, CancellationToken.None)).ShouldBe(10);
        var found = await index.SearchAsync(new SearchQuery("海底隧道") { PageSize = 20 }, CancellationToken.None);
        found.Total.ShouldBe(10);
        found.Hits.Select(h => h.DocumentId).Order().ShouldBe(ids);

        // Verification puts back what is missing, in batches too.
        await using (var drop = new Npgsql.NpgsqlConnection(pg.ConnectionString))
        {
            await drop.OpenAsync();
            await using var delete = new Npgsql.NpgsqlCommand("""DELETE FROM "SearchParts"; DELETE FROM "SearchEntries";""", drop);
            await delete.ExecuteNonQueryAsync();
        }
        (await index.VerifyAsync(CancellationToken.None)).ShouldBe(10);
        (await index.SearchAsync(new SearchQuery("海底隧道"), CancellationToken.None)).Total.ShouldBe(10);
    }

    [Fact]
    public async Task Search_tables_of_an_earlier_format_are_rebuilt_at_start() =>
        // The tables as the migration SearchTables made them (format 1: a row a page, one text), empty.
        await RebuiltFromAsync("格式升级", "旧格式的表在启动时重建", "启动时重建", """
            CREATE TABLE "SearchParts" ("DocumentId" bigint NOT NULL, "Part" integer NOT NULL, "Page" integer NOT NULL, "Text" text NOT NULL,
                "Terms" tsvector NOT NULL, PRIMARY KEY ("DocumentId", "Part"));
            """);

    [Fact]
    public async Task Format_3_tables_are_rebuilt_and_their_key_function_dropped()
    {
        // Format 3: the pair keys were an expression index over the vectors, through a function of their own.
        await RebuiltFromAsync("键函数", "第三版的表达式索引随旧表删除", "\"表达式索引\"", """
            CREATE TABLE "SearchParts" ("DocumentId" bigint NOT NULL, "Part" integer NOT NULL, "Page" integer NOT NULL,
                "Texts" text[] NOT NULL, "Terms" tsvector NOT NULL, "Length" integer NOT NULL, PRIMARY KEY ("DocumentId", "Part"));
            CREATE OR REPLACE FUNCTION wenku_search_pair_keys(v tsvector) RETURNS bigint[] LANGUAGE sql IMMUTABLE STRICT AS $f$ SELECT ARRAY[]::bigint[] $f$;
            CREATE INDEX "IX_SearchParts_Pairs" ON "SearchParts" USING GIN (wenku_search_pair_keys("Terms"));
            COMMENT ON TABLE "SearchParts" IS 'wenku search format 3';
            """);
        await using var db = await _pg.Db.CreateDbContextAsync();
        await db.Database.OpenConnectionAsync();
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = "SELECT to_regprocedure('wenku_search_pair_keys(tsvector)') IS NULL";
        (await command.ExecuteScalarAsync()).ShouldBe(true, "format 3's function is dropped with its tables");
    }

    /// <summary>
    /// Replaces the search tables with an earlier format's (<paramref name="oldParts"/>: its <c>SearchParts</c>; the entries
    /// as every format had them), empty, beside a new document; the start-up check must rebuild them in the current
    /// format, the document found by <paramref name="query"/>.
    /// </summary>
    private async Task RebuiltFromAsync(string title, string text, string query, string oldParts)
    {
        await SeedAsync();
        await using var db = await _pg.Db.CreateDbContextAsync();
        var doc = await AddAsync(db, title, text);
        await db.Database.ExecuteSqlRawAsync("""
            DROP TABLE "SearchParts", "SearchEntries";
            CREATE TABLE "SearchEntries" ("DocumentId" bigint NOT NULL PRIMARY KEY, "Title" text NOT NULL, "Category" text NOT NULL,
                "Format" text NOT NULL, "Price" integer NOT NULL, "PageCount" integer NOT NULL, "Downloads" bigint NOT NULL,
                "CreatedAt" timestamp with time zone NOT NULL, "Uploader" text NOT NULL);
            """);
        await db.Database.ExecuteSqlRawAsync(oldParts);

        await _pg.Index.VerifyAsync(CancellationToken.None);

        (await FindAsync(query)).ShouldBe([doc.Id]);
        await using var command = db.Database.GetDbConnection().CreateCommand();
        await db.Database.OpenConnectionAsync();
        command.CommandText = """SELECT obj_description('"SearchParts"'::regclass, 'pg_class')""";
        (await command.ExecuteScalarAsync()).ShouldBe($"wenku search format {PostgresSearchIndex.Format}");
    }

    private static async Task ReplicaAsync(string replicaConnection, string sql)
    {
        await using var connection = new Npgsql.NpgsqlConnection(replicaConnection);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Waits until the standby has replayed everything the primary has written so far.</summary>
    private async Task ReplicaCaughtUpAsync(string replicaConnection)
    {
        string written;
        await using (var primary = new Npgsql.NpgsqlConnection(_pg.ConnectionString))
        {
            await primary.OpenAsync();
            // The insert position: with synchronous_commit off, the last commit may not be written out yet.
            await using var command = new Npgsql.NpgsqlCommand("SELECT pg_current_wal_insert_lsn()::text", primary);
            written = (string)(await command.ExecuteScalarAsync())!;
        }
        var standby = new Npgsql.NpgsqlConnectionStringBuilder(replicaConnection) { Database = "postgres", Pooling = false };
        for (var waited = System.Diagnostics.Stopwatch.StartNew(); ; await Task.Delay(50))
        {
            await using var connection = new Npgsql.NpgsqlConnection(standby.ConnectionString);
            await connection.OpenAsync();
            await using var command = new Npgsql.NpgsqlCommand("SELECT pg_last_wal_replay_lsn() >= @lsn::pg_lsn", connection);
            command.Parameters.AddWithValue("lsn", written);
            if (await command.ExecuteScalarAsync() is true) return;
            if (waited.Elapsed > TimeSpan.FromSeconds(30)) throw new TimeoutException($"The replica has not replayed {written} within 30 s");
        }
    }

    public void Dispose() => _pg.Dispose();
}
