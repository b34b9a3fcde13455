using System.Diagnostics;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Wenku.Accounts;
using Wenku.Data;
using Wenku.Documents;
using Wenku.Search;
using Wenku.Tests.Infrastructure;

namespace Wenku.Bench;

/// <summary>
/// <c>bench/search.sh --postgres</c>: the scale-out search backend (PostgreSQL full-text search over the analyzer's
/// tokens) beside the embedded Lucene index, on the same generated documents and the same queries, one thread, each
/// query on both back to back. Each query returns what the site shows: top 20 with highlighted passages, the total and
/// facet counts. Uses a database of its own on the PostgreSQL that <c>scripts/services.sh</c> runs, dropped at the end.
/// </summary>
public static class PostgresSearchBenchmark
{
    public static async Task<int> RunAsync(string[] args, int docs, int queries, string work, List<string> sentences)
    {
        if (Environment.GetEnvironmentVariable("WENKU_TEST_POSTGRES") is null)
            throw new InvalidOperationException("WENKU_TEST_POSTGRES is not set: run through bench/search.sh --postgres (it starts scripts/services.sh).");
        var connection = ScaleOutServices.NewPostgresDatabase("searchbench");
        var services = new ServiceCollection().AddLogging();
        services.AddWenkuDatabase(new DatabaseOptions { Provider = DatabaseProvider.Postgres, ConnectionString = connection }, new WenkuOptions { DataDir = work });
        await using var provider = services.BuildServiceProvider();
        try
        {
            await DatabaseSetup.MigrateAsync(provider);
            var dbFactory = provider.GetRequiredService<IDbContextFactory<WenkuDb>>();
            await using var pg = new PostgresSearchIndex(dbFactory, NullLogger<PostgresSearchIndex>.Instance);
            await using var pgEarlier = new PostgresSearchIndex(dbFactory, NullLogger<PostgresSearchIndex>.Instance) { Format2Statement = true };
            await pg.VerifyAsync(CancellationToken.None); // creates the search tables (format PostgresSearchIndex.Format)

            // ---- build both from the same documents ----
            var luceneDir = Path.Combine(work, "lucene-vs-pg");
            var sw = Stopwatch.StartNew();
            using (var index = new LuceneIndex(luceneDir, ramBufferMb: 256))
            {
                Parallel.For(1, docs + 1, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i => index.Upsert(SearchBenchmark.Generate(i, sentences)));
                index.Commit(1);
            }
            var luceneBuild = sw.Elapsed;
            var luceneSize = SearchBenchmark.DirectorySize(luceneDir);
            Console.WriteLine($"Lucene built in {luceneBuild.TotalSeconds:0.0} s ({docs / luceneBuild.TotalSeconds:N0} docs/s), {luceneSize / 1e6:N0} MB");

            sw.Restart();
            var done = 0;
            await Parallel.ForEachAsync(Enumerable.Range(1, docs).Chunk(100), new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, async (chunk, ct) =>
            {
                await using var db = await dbFactory.CreateDbContextAsync(ct);
                await db.Database.CreateExecutionStrategy().ExecuteAsync(async () =>
                {
                    await using var tx = await db.Database.BeginTransactionAsync(ct);
                    await PostgresSearchIndex.WriteAsync(db, [], chunk.Select(i => SearchBenchmark.Generate(i, sentences)).ToList(), ct);
                    await tx.CommitAsync(ct);
                });
                if (Interlocked.Add(ref done, chunk.Length) % 20_000 < chunk.Length) Console.WriteLine($"  postgres: {done:N0} documents, {sw.Elapsed.TotalSeconds:0} s");
            });
            await using (var db = await dbFactory.CreateDbContextAsync())
            {
                // Vacuum merges the GIN index's pending list, work that grows with the table: no time limit (at 20,000
                // documents it ran past the 30 s command timeout).
                db.Database.SetCommandTimeout(0);
                await db.Database.ExecuteSqlRawAsync("""VACUUM ANALYZE "SearchParts" """);
                await db.Database.ExecuteSqlRawAsync("""VACUUM ANALYZE "SearchEntries" """);
            }
            var pgBuild = sw.Elapsed;
            long pgSize;
            await using (var size = new NpgsqlConnection(connection))
            {
                await size.OpenAsync();
                await using var command = new NpgsqlCommand("""SELECT pg_total_relation_size('"SearchParts"') + pg_total_relation_size('"SearchEntries"')""", size);
                pgSize = (long)(await command.ExecuteScalarAsync())!;
            }
            Console.WriteLine($"PostgreSQL built with {Environment.ProcessorCount} writers in {pgBuild.TotalSeconds:0.0} s ({docs / pgBuild.TotalSeconds:N0} docs/s), {pgSize / 1e6:N0} MB");

            // ---- queries ----
            var random = new Random(SearchBenchmark.Seed + 1);
            var termQueries = Enumerable.Range(0, queries).Select(_ => string.Join(' ', Enumerable.Range(0, random.Next(1, 4)).Select(_ => SearchBenchmark.CjkPiece(sentences, random, 3, 4)))).ToList();
            var phraseQueries = Enumerable.Range(0, queries).Select(_ => "\"" + SearchBenchmark.CjkPiece(sentences, random, 6, 10) + "\"").ToList();
            var facetQueries = Enumerable.Range(0, queries).Select(_ => new SearchQuery(SearchBenchmark.CjkPiece(sentences, random, 3, 4), Category: SearchBenchmark.Categories[random.Next(SearchBenchmark.Categories.Length)])).ToList();

            using var lucene = new LuceneIndex(luceneDir);
            int Pg(SearchQuery q) => pg.SearchAsync(q, CancellationToken.None).GetAwaiter().GetResult().Total;
            int PgEarlier(SearchQuery q) => pgEarlier.SearchAsync(q, CancellationToken.None).GetAwaiter().GetResult().Total;
            var classes = new List<(string Name, List<SearchQuery> Queries)>
            {
                ("1–3 terms", termQueries.Select(q => new SearchQuery(q)).ToList()),
                ("phrase", phraseQueries.Select(q => new SearchQuery(q)).ToList()),
                ("term + category + facets", facetQueries),
            };
            var results = new List<(string Class, SearchBenchmark.Timing Lucene, SearchBenchmark.Timing Pg, SearchBenchmark.Timing? Earlier)>();
            foreach (var (name, list) in classes)
            {
                var (_, l, p) = SearchBenchmark.Measure(name, list, q => lucene.Search(q).Total, Pg);
                var (_, _, e) = SearchBenchmark.Measure(name, list.Take(Math.Max(20, list.Count / 2)).ToList(), q => lucene.Search(q).Total, PgEarlier);
                results.Add((name, l, p, e));
            }
            if (args.Contains("--explain"))
                foreach (var (name, list) in classes)
                    await ExplainSlowestAsync(dbFactory, name, list);

            // The same term queries while uploads arrive as a site has them: 10 a second, each a document row made
            // ready with its pages (the change goes to the outbox in the same transaction), applied by a sync loop
            // that asks twice a second or at once when a document was added, as every serve does.
            string uploadsRow;
            using (var stop = new CancellationTokenSource())
            {
                var uploaded = 0;
                var applied = 0;
                var nudge = new SemaphoreSlim(0, 1);
                await using (var seed = await dbFactory.CreateDbContextAsync())
                {
                    var user = new WenkuUser { UserName = "bench@bench.local", Email = "bench@bench.local", DisplayName = "bench" };
                    seed.Users.Add(user);
                    seed.Categories.AddRange(SearchBenchmark.Categories.Select(c => new Category { Slug = c, Name = c }));
                    await seed.SaveChangesAsync();
                    // Document ids above the generated ones, which the search tables already hold.
                    seed.Database.SetCommandTimeout(0);
                    await seed.Database.ExecuteSqlAsync($"""SELECT setval(pg_get_serial_sequence('"Documents"', 'Id'), {(long)docs + 1_000_000})""");
                }
                string uploader;
                Dictionary<string, int> categoryIds;
                await using (var seed = await dbFactory.CreateDbContextAsync())
                {
                    uploader = await seed.Users.Select(u => u.Id).SingleAsync();
                    categoryIds = await seed.Categories.ToDictionaryAsync(c => c.Slug, c => c.Id);
                }
                var writer = Task.Run(async () =>
                {
                    var next = docs;
                    while (!stop.IsCancellationRequested)
                    {
                        var tick = Stopwatch.StartNew();
                        var g = SearchBenchmark.Generate(++next, sentences);
                        await using var db = await dbFactory.CreateDbContextAsync();
                        var doc = new Document
                        {
                            Title = g.Title, CategoryId = categoryIds[g.Category], UploaderId = uploader, OriginalFileName = "bench.pdf", Format = g.Format,
                            Sha256 = Guid.NewGuid().ToString("N"), StorageKey = "bench/" + next, Price = g.Price, PageCount = g.Pages.Count,
                            PreviewPages = g.Pages.Count, Status = DocumentStatus.Processing,
                        };
                        db.Documents.Add(doc);
                        await db.SaveChangesAsync();
                        db.DocumentPages.AddRange(g.Pages.Select((text, i) => new DocumentPage { DocumentId = doc.Id, Number = i + 1, Text = text }));
                        doc.Status = DocumentStatus.Ready;
                        await db.SaveChangesAsync(); // the outbox row, in the same transaction
                        uploaded++;
                        if (nudge.CurrentCount == 0) try { nudge.Release(); } catch (SemaphoreFullException) { }
                        var rest = TimeSpan.FromMilliseconds(100) - tick.Elapsed;
                        if (rest > TimeSpan.Zero) await Task.Delay(rest);
                    }
                });
                var sync = Task.Run(async () =>
                {
                    while (!stop.IsCancellationRequested)
                    {
                        applied += await pg.SyncAsync(CancellationToken.None);
                        try { await nudge.WaitAsync(500, stop.Token); } catch (OperationCanceledException) { }
                    }
                });
                var clock = Stopwatch.StartNew();
                var (_, l, p) = SearchBenchmark.Measure("1–3 terms, 10 uploads/s", classes[0].Queries, q => lucene.Search(q).Total, Pg);
                var seconds = clock.Elapsed.TotalSeconds;
                await stop.CancelAsync();
                await writer;
                await sync;
                applied += await pg.SyncAsync(CancellationToken.None);
                uploadsRow = $"1–3 terms, {uploaded / seconds:0.0} uploads/s through the outbox";
                results.Add((uploadsRow, l, p, null));
                var idle = results[0].Pg;
                Console.WriteLine($"Under uploads: {uploaded} uploaded, {applied} applied through the outbox; PostgreSQL p99 {Stats.Ms(p.P99)} " +
                    $"against {Stats.Ms(idle.P99)} idle ({p.P99 / idle.P99:0.00}×, target ≤ 1.5×)");
            }
            long pgSizeAfter;
            await using (var size = new NpgsqlConnection(connection))
            {
                await size.OpenAsync();
                await using var command = new NpgsqlCommand("""SELECT pg_total_relation_size('"SearchParts"') + pg_total_relation_size('"SearchEntries"')""", size);
                pgSizeAfter = (long)(await command.ExecuteScalarAsync())!;
            }
            // The GIN index as grown by the live path against the same index built once, as a site's rebuild (wenku admin
            // reindex, or a format change) builds it: concurrent writers insert into the middle of its posting lists.
            var grown = await RelationSizesAsync(connection);
            var rebuild = Stopwatch.StartNew();
            await using (var reindex = new NpgsqlConnection(connection))
            {
                await reindex.OpenAsync();
                // One statement a command: VACUUM cannot run inside the implicit transaction of a multi-statement command.
                foreach (var sql in new[] { "SET maintenance_work_mem = '256MB'", """REINDEX INDEX "IX_SearchParts_Terms" """, """REINDEX INDEX "IX_SearchParts_Pairs" """, """VACUUM ANALYZE "SearchParts" """ })
                {
                    await using var command = new NpgsqlCommand(sql, reindex) { CommandTimeout = 0 };
                    await command.ExecuteNonQueryAsync();
                }
            }
            var rebuilt = await RelationSizesAsync(connection);
            Console.WriteLine($"Search tables after the write-load run, MB (GIN as grown → rebuilt once by REINDEX in {rebuild.Elapsed.TotalSeconds:0} s): " +
                string.Join(", ", grown.Select(g => $"{g.Key} {g.Value / 1e6:N0}" + (rebuilt[g.Key] != g.Value ? $" → {rebuilt[g.Key] / 1e6:N0}" : ""))));
            var pgSizeRebuilt = rebuilt["total"];

            Console.WriteLine($"\n== Search backends, {docs:N0} documents, {queries} queries per class, one thread ==");
            var rows = new List<string[]> { new[] { "", "lucene p50", "p99", "q/s", "postgres p50", "p99", "q/s", "postgres / lucene time", "same totals", "format 2 statement p50", "p99" } };
            foreach (var (cls, l, p, e) in results)
                rows.Add([cls, Stats.Ms(l.P50), Stats.Ms(l.P99), l.Qps.ToString("N0", CultureInfo.InvariantCulture),
                    Stats.Ms(p.P50), Stats.Ms(p.P99), p.Qps.ToString("N0", CultureInfo.InvariantCulture),
                    (p.Mean / l.Mean).ToString("0.0", CultureInfo.InvariantCulture) + "×", $"{l.Totals.Zip(p.Totals).Count(t => t.First == t.Second) * 100 / l.Totals.Count}%",
                    e is null ? "" : Stats.Ms(e.P50), e is null ? "" : Stats.Ms(e.P99)]);
            rows.Add(["build", $"{docs / luceneBuild.TotalSeconds:N0} docs/s", "", "", $"{docs / pgBuild.TotalSeconds:N0} docs/s", "", "", "", "", "", ""]);
            rows.Add(["index size", $"{luceneSize / 1e6:N0} MB", "", "", $"{pgSize / 1e6:N0} MB", "", "", (pgSize / (double)luceneSize).ToString("0.0", CultureInfo.InvariantCulture) + "×", "", "", ""]);
            rows.Add(["index size, GIN rebuilt once", "", "", "", $"{pgSizeRebuilt / 1e6:N0} MB", "", "", (pgSizeRebuilt / (double)luceneSize).ToString("0.0", CultureInfo.InvariantCulture) + "×", "", "", ""]);
            BenchRun.PrintTable(rows);
            Console.WriteLine($"PostgreSQL search tables after the write-load run: {pgSizeAfter / 1e6:N0} MB; with the GIN index rebuilt once: {pgSizeRebuilt / 1e6:N0} MB. \"format 2 statement\": the search statement " +
                "before format 3 (phrases checked in every candidate's vector, every match ranked by ts_rank) on the same tables, on half the queries of each class.");
            Console.WriteLine("Both return the top 20 with highlighted passages, the total and facet counts of four dimensions. " +
                "PostgreSQL ranks, counts and pages every matching row in one SQL statement; Lucene in one pass over its postings.");
            Console.WriteLine($"Load average at end: {BenchRun.LoadAverage()}");
            return 0;
        }
        finally
        {
            if (args.Contains("--keep-db")) Console.WriteLine($"Database kept (--keep-db): {new NpgsqlConnectionStringBuilder(connection).Database}");
            else await ScaleOutServices.DropPostgresDatabaseAsync(connection);
            if (!args.Contains("--keep")) try { Directory.Delete(work, true); } catch (IOException) { }
        }
    }

    /// <summary>
    /// <c>--explain</c>: each query of the class once more, timed, then <c>EXPLAIN (ANALYZE, BUFFERS)</c> of the search
    /// statement of the two slowest — the site's own statement with its parameters, in its transaction and settings.
    /// </summary>
    private static async Task ExplainSlowestAsync(IDbContextFactory<WenkuDb> dbFactory, string name, List<SearchQuery> queries)
    {
        await using var timed = new PostgresSearchIndex(dbFactory, NullLogger<PostgresSearchIndex>.Instance);
        var times = new List<(double Ms, SearchQuery Query)>(queries.Count);
        foreach (var q in queries)
        {
            var sw = Stopwatch.StartNew();
            await timed.SearchAsync(q, CancellationToken.None);
            times.Add((sw.Elapsed.TotalMilliseconds, q));
        }
        foreach (var (ms, q) in times.OrderByDescending(t => t.Ms).Take(2))
        {
            var plan = new List<string>();
            await using var explaining = new PostgresSearchIndex(dbFactory, NullLogger<PostgresSearchIndex>.Instance)
            {
                BeforeStatement = async (command, ct) =>
                {
                    if (!command.CommandText.StartsWith(PostgresSearchIndex.StatementSettings, StringComparison.Ordinal))
                        throw new InvalidOperationException("The search statement no longer starts with its settings.");
                    await using (var set = new NpgsqlCommand(PostgresSearchIndex.StatementSettings, command.Connection, command.Transaction))
                        await set.ExecuteNonQueryAsync(ct);
                    await using var explain = new NpgsqlCommand(
                        "EXPLAIN (ANALYZE, BUFFERS) " + command.CommandText[PostgresSearchIndex.StatementSettings.Length..], command.Connection, command.Transaction);
                    foreach (NpgsqlParameter p in command.Parameters) explain.Parameters.Add(p.Clone());
                    await using var reader = await explain.ExecuteReaderAsync(ct);
                    while (await reader.ReadAsync(ct)) plan.Add(reader.GetString(0));
                },
            };
            await explaining.SearchAsync(q, CancellationToken.None);
            Console.WriteLine($"\n-- {name}: {q.Text}{(q.Category is null ? "" : " in " + q.Category)} ({ms:0.0} ms timed)");
            foreach (var line in plan) Console.WriteLine(line);
        }
    }

    /// <summary>Sizes in bytes of the search tables' heaps, TOAST and indexes, and their total.</summary>
    private static async Task<Dictionary<string, long>> RelationSizesAsync(string connection)
    {
        await using var db = new NpgsqlConnection(connection);
        await db.OpenAsync();
        await using var command = new NpgsqlCommand(
            """
            SELECT 'parts heap', pg_relation_size('"SearchParts"')
            UNION ALL SELECT 'parts TOAST', pg_total_relation_size(reltoastrelid) FROM pg_class WHERE oid = '"SearchParts"'::regclass
            UNION ALL SELECT 'parts GIN', pg_relation_size('"IX_SearchParts_Terms"')
            UNION ALL SELECT 'parts pair keys GIN', pg_relation_size('"IX_SearchParts_Pairs"')
            UNION ALL SELECT 'of which pair keys (column, heap and TOAST)', sum(pg_column_size("Pairs"))::bigint FROM "SearchParts"
            UNION ALL SELECT 'parts key', pg_relation_size('"SearchParts_pkey"')
            UNION ALL SELECT 'entries', pg_total_relation_size('"SearchEntries"')
            UNION ALL SELECT 'total', pg_total_relation_size('"SearchParts"') + pg_total_relation_size('"SearchEntries"')
            """, db);
        var sizes = new Dictionary<string, long>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) sizes[reader.GetString(0)] = reader.GetInt64(1);
        return sizes;
    }
}
