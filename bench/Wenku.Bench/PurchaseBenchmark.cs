using System.Collections.Concurrent;
using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.EntityFrameworkCore;
using Wenku.Accounts;
using Wenku.Cli;
using Wenku.Commerce;
using Wenku.Data;
using Wenku.Documents;
using Wenku.Tests.Infrastructure;

namespace Wenku.Bench;

/// <summary>One side of the comparison: operations per second and latency percentiles.</summary>
/// <param name="CpuMsPerOp">CPU milliseconds per operation of the process named in <paramref name="CpuOf"/> (the site for
/// the API, this process in process; PostgreSQL's own server processes are not counted).</param>
public sealed record Throughput(string What, int Operations, double Seconds, double P50Ms, double P99Ms, double CpuMsPerOp = 0, string CpuOf = "")
{
    public double PerSecond => Operations / Seconds;
}

public sealed record PurchaseResult(string Database, Throughput Purchases, Throughput InProcess, Throughput InProcessAlone, Throughput BareUpdate, string Verify)
{
    public double Ratio => Purchases.PerSecond / BareUpdate.PerSecond;
    public double InProcessRatio => InProcess.PerSecond / BareUpdate.PerSecond;
}

/// <summary>
/// Purchases per second and p99 at N concurrent buyers (<c>POST /api/v1/documents/{id}/purchase</c> on a real
/// <c>wenku serve</c>, each buyer buying documents it does not own yet), beside a bare conditional <c>UPDATE</c> of one
/// balance row (the debit at the heart of a purchase, autocommit, N connections) on the same database, on SQLite and on
/// PostgreSQL in one run. Between the two, <c>wenku admin ledger verify</c> checks the ledger the load left.
/// </summary>
public static class PurchaseBenchmark
{
    /// <summary>
    /// Paid documents seeded. Each buyer buys a document once, through every phase (API, in process with and without
    /// group commit, each after its warm-up): enough for ~4,000 purchases a second in all of them, at most 50,000.
    /// </summary>
    private static int DocumentsFor(int buyers, int seconds) => Math.Clamp(seconds * 3 * 4000 / Math.Max(1, buyers), 2000, 50_000);

    public static async Task<List<PurchaseResult>> RunAsync(BenchSettings settings)
    {
        var results = new List<PurchaseResult>();
        if (settings.PurchasesOn("sqlite"))
            results.Add(await RunOnAsync(settings, "SQLite", "purchases-sqlite", new Dictionary<string, string?> { ["Wenku:Workers"] = "0" }, null));
        // The tests' cluster (fsync and synchronous_commit off), then, when scripts/services.sh started it, one with
        // PostgreSQL's durable defaults: SQLite's connections are durable (synchronous=FULL), so that is the like-for-like row.
        var clusters = new List<(string Name, string Server)>();
        if (settings.PurchasesOn("postgres")) clusters.Add(("PostgreSQL (fsync off)", ScaleOutServices.NewPostgresDatabase("bench_purchases")));
        if (settings.PurchasesOn("durable") && Environment.GetEnvironmentVariable("WENKU_TEST_POSTGRES_DURABLE") is { Length: > 0 } durable)
            clusters.Add(("PostgreSQL (durable)", $"{durable};Database=wenku_bench_purchases_{Guid.NewGuid():N}"));
        foreach (var (name, postgres) in clusters)
        {
            try
            {
                results.Add(await RunOnAsync(settings, name, name.Contains("durable") ? "purchases-postgres-durable" : "purchases-postgres",
                    new Dictionary<string, string?> { ["Wenku:Workers"] = "0", ["Wenku:Database:Provider"] = "postgres", ["Wenku:Database:ConnectionString"] = postgres }, postgres));
            }
            finally
            {
                await ScaleOutServices.DropPostgresDatabaseAsync(postgres);
            }
        }
        PrintSummary(results, settings);
        return results;
    }

    private static async Task<PurchaseResult> RunOnAsync(BenchSettings settings, string database, string name, Dictionary<string, string?> siteSettings, string? postgres)
    {
        var buyers = settings.WrkConnections;
        Console.WriteLine($"\n-- {database}: {buyers} buyers, {settings.WrkSeconds} s (after {settings.WrkWarmupSeconds} s warm-up) --");
        await using var site = await WenkuSite.StartAsync(settings.WenkuDll, settings.WorkDir, name, siteSettings);
        var data = Path.Combine(settings.WorkDir, name + "-data");
        var (tokens, accounts, buyerIds, docs) = await SeedAsync(data, siteSettings, buyers, settings.WrkWarmupSeconds + settings.WrkSeconds);

        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = buyers * 2 };
        var clients = tokens.Select(t =>
        {
            var c = new HttpClient(handler, disposeHandler: false) { BaseAddress = site.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
            c.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", t);
            return c;
        }).ToList();
        var next = new int[buyers];
        async Task<bool> BuyAsync(int buyer)
        {
            // Each buyer walks the documents from its own starting point: buyers do not queue on one document's row.
            var i = next[buyer]++;
            if (i >= docs.Count) return false;
            var doc = docs[(i + buyer * docs.Count / buyers) % docs.Count];
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/documents/{doc}/purchase") { Content = JsonContent.Create(new { expectedPrice = 10 }) };
            request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
            using var response = await clients[buyer].SendAsync(request);
            if (response.StatusCode != HttpStatusCode.OK)
                throw new InvalidOperationException($"purchase answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            return true;
        }
        // PostgreSQL's server processes of this database (its backends, not the server's shared writers): their CPU per
        // purchase too. Backends that close meanwhile are lost from the sum; the pools keep theirs open.
        var databaseName = postgres is null ? "" : new Npgsql.NpgsqlConnectionStringBuilder(postgres).Database!;
        double ServerCpu() => postgres is null ? 0 : ProcessCpu.SecondsOfAll("postgres", " " + databaseName + " ");
        void PrintServerCpu(double before, int operations)
        {
            if (postgres is not null)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    PostgreSQL backends of the database: {(ServerCpu() - before) * 1000 / operations:0.000} ms CPU each"));
        }
        await LoadAsync(buyers, settings.WrkWarmupSeconds, BuyAsync);
        var siteCpu = ProcessCpu.Seconds(site.Pid);
        var serverCpu = ServerCpu();
        var purchases = await LoadAsync(buyers, settings.WrkSeconds, BuyAsync);
        PrintServerCpu(serverCpu, purchases.Count);
        var buys = new Throughput("purchases (HTTP API, group commit)", purchases.Count, purchases.Seconds, purchases.P50, purchases.P99,
            (ProcessCpu.Seconds(site.Pid) - siteCpu) * 1000 / purchases.Count, "site");
        Print(buys);
        // The same purchases without HTTP: Purchases.BuyAsync (the ledger transaction the API runs) from N tasks, each
        // with its own scope, in this process beside the running site — with group commit, then without (batches of
        // one, as many PostgreSQL writers as buyers: a transaction per purchase, as before group commit).
        async Task<Throughput> InProcessAsync(string what, Dictionary<string, string?> extra)
        {
            await using var services = CliServices.Build(data, siteSettings.Concat(extra).Select(kv => new KeyValuePair<string, string?>(kv.Key, kv.Value)));
            async Task<bool> BuyInProcessAsync(int buyer)
            {
                var i = next[buyer]++;
                if (i >= docs.Count) return false;
                var doc = docs[(i + buyer * docs.Count / buyers) % docs.Count];
                await using var scope = services.CreateAsyncScope();
                var outcome = await scope.ServiceProvider.GetRequiredService<Purchases>()
                    .BuyAsync(doc, buyerIds[buyer], buyerIsStaff: false, expectedPrice: 10, Guid.NewGuid().ToString(), CancellationToken.None);
                if (outcome is not PurchaseOutcome.Done { Receipt.Charged: 10 }) throw new InvalidOperationException($"purchase ended {outcome}");
                return true;
            }
            await LoadAsync(buyers, settings.WrkWarmupSeconds, BuyInProcessAsync);
            var ownCpu = ProcessCpu.Seconds(Environment.ProcessId);
            var serverBefore = ServerCpu();
            var inProcess = await LoadAsync(buyers, settings.WrkSeconds, BuyInProcessAsync);
            PrintServerCpu(serverBefore, inProcess.Count);
            var result = new Throughput(what, inProcess.Count, inProcess.Seconds, inProcess.P50, inProcess.P99,
                (ProcessCpu.Seconds(Environment.ProcessId) - ownCpu) * 1000 / inProcess.Count, "bench");
            Print(result);
            var sizes = services.GetRequiredService<PurchaseQueue>().BatchSizes.ToList();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"    {sizes.Count} batches, {sizes.Average():0.0} purchases each on average, at most {sizes.Max()}"));
            return result;
        }
        var inProcessResult = await InProcessAsync("purchases in process (Purchases.BuyAsync, group commit)", []);
        var aloneResult = await InProcessAsync("purchases in process, one transaction each (no group commit)",
            new() { ["Wenku:Purchases:MaxBatch"] = "1", ["Wenku:Purchases:PostgresWriters"] = buyers.ToString(CultureInfo.InvariantCulture) });

        var verify = (await Commands.CheckAsync("dotnet", [settings.WenkuDll, "admin", "ledger", "verify", "--data", data],
            WenkuSite.SiteEnvironment(data, siteSettings))).StdOut.Trim();
        Console.WriteLine($"  {verify}");

        // The bare debit: the conditional update a purchase makes of the buyer's balance, alone, on N connections.
        var connections = new List<DbConnection>();
        for (var b = 0; b < buyers; b++)
        {
            DbConnection c = postgres is not null
                ? new Npgsql.NpgsqlConnection(postgres)
                : new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(data, "wenku.db")};Default Timeout=30");
            await c.OpenAsync();
            connections.Add(c);
        }
        async Task<bool> UpdateAsync(int buyer)
        {
            await using var cmd = connections[buyer].CreateCommand();
            cmd.CommandText = "UPDATE \"LedgerAccounts\" SET \"Balance\" = \"Balance\" - 1 WHERE \"Id\" = @id AND \"Balance\" >= 1";
            var p = cmd.CreateParameter();
            p.ParameterName = "@id";
            p.Value = accounts[buyer];
            cmd.Parameters.Add(p);
            if (await cmd.ExecuteNonQueryAsync() != 1) throw new InvalidOperationException("the balance ran out");
            return true;
        }
        await LoadAsync(buyers, settings.WrkWarmupSeconds, UpdateAsync);
        var updateCpu = ProcessCpu.Seconds(Environment.ProcessId);
        var updateServerCpu = ServerCpu();
        var updates = await LoadAsync(buyers, settings.WrkSeconds, UpdateAsync);
        PrintServerCpu(updateServerCpu, updates.Count);
        var bareCpu = (ProcessCpu.Seconds(Environment.ProcessId) - updateCpu) * 1000 / updates.Count;
        foreach (var c in connections) await c.DisposeAsync();
        var bare = new Throughput("bare conditional UPDATE of one balance row", updates.Count, updates.Seconds, updates.P50, updates.P99, bareCpu, "bench");
        Print(bare);
        foreach (var c in clients) c.Dispose();
        return new PurchaseResult(database, buys, inProcessResult, aloneResult, bare, verify);
    }

    /// <summary>N loops of <paramref name="operation"/> for <paramref name="seconds"/>: count and latency percentiles.</summary>
    private static async Task<(int Count, double Seconds, double P50, double P99)> LoadAsync(int workers, int seconds, Func<int, Task<bool>> operation)
    {
        var latencies = new ConcurrentBag<double>();
        var clock = Stopwatch.StartNew();
        var end = TimeSpan.FromSeconds(seconds);
        await Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
        {
            while (clock.Elapsed < end)
            {
                var started = clock.Elapsed;
                if (!await operation(w)) return;
                latencies.Add((clock.Elapsed - started).TotalMilliseconds);
            }
        })));
        var elapsed = clock.Elapsed.TotalSeconds;
        var sorted = latencies.Order().ToList();
        if (sorted.Count == 0) throw new InvalidOperationException("no operation completed");
        double At(double q) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(q * sorted.Count) - 1)];
        return (sorted.Count, elapsed, At(0.50), At(0.99));
    }

    /// <summary>Buyers with tokens and points, and paid documents of one uploader, written as the site writes them.</summary>
    private static async Task<(List<string> Tokens, List<long> Accounts, List<string> BuyerIds, List<long> Docs)> SeedAsync(string data, Dictionary<string, string?> settings, int buyers, int seconds)
    {
        await using var services = CliServices.Build(data, settings.Select(kv => new KeyValuePair<string, string?>(kv.Key, kv.Value)));
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WenkuDb>();
        var users = scope.ServiceProvider.GetRequiredService<AccountService>();
        var apiTokens = scope.ServiceProvider.GetRequiredService<ApiTokens>();
        // Documents of as many uploaders as there are buyers: one uploader's earned account is a row every sale of theirs
        // updates, so a single best-selling uploader serialises their sales (a real hot spot, but not the ledger's cost).
        var uploaders = new List<string>();
        for (var u = 0; u < buyers; u++)
            uploaders.Add((await users.CreateOrUpdateAsync($"uploader{u}@bench.invalid", "bench-password-1", Roles.User)).User!.Id);
        var category = await db.Categories.OrderBy(c => c.Id).Select(c => c.Id).FirstAsync();
        var docs = Enumerable.Range(0, DocumentsFor(buyers, seconds)).Select(i => new Document
        {
            Title = $"付费文档 bench {i}", CategoryId = category, UploaderId = uploaders[i % uploaders.Count], OriginalFileName = "paid.pdf", Format = "pdf", SizeBytes = 1,
            Sha256 = Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N"), StorageKey = $"originals/bench/{Guid.NewGuid():N}.pdf",
            PreviewPages = 1, PageCount = 3, Price = 10, Status = DocumentStatus.Ready,
        }).ToList();
        db.Documents.AddRange(docs);
        await db.SaveChangesAsync();

        var ledger = new Ledger(db);
        var grants = new PointGrants(ledger, db, new Wenku.Moderation.AuditLog(db, TimeProvider.System));
        var tokens = new List<string>();
        var accounts = new List<long>();
        var buyerIds = new List<string>();
        for (var b = 0; b < buyers; b++)
        {
            var (buyer, _) = await users.CreateOrUpdateAsync($"buyer{b}@bench.invalid", "bench-password-1", Roles.User);
            buyerIds.Add(buyer!.Id);
            tokens.Add(await apiTokens.CreateAsync(buyer!.Id, "bench", CancellationToken.None));
            await grants.GrantAsync(buyer.Id, PointGrants.MaxPoints, "基准测试 benchmark", null, CancellationToken.None);
            accounts.Add((await ledger.BookAsync(buyer.Id, CancellationToken.None)).Spendable.Id);
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        return (tokens, accounts, buyerIds, docs.Select(d => d.Id).ToList());
    }

    private static void Print(Throughput t) => Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"  {t.What}: {t.PerSecond:0} /s, p50 {Stats.Ms(t.P50Ms)}, p99 {Stats.Ms(t.P99Ms)} ({t.Operations} in {t.Seconds:0.0} s; CPU of the {t.CpuOf} {t.CpuMsPerOp:0.000} ms each)"));

    public static void PrintSummary(IReadOnlyList<PurchaseResult> results, BenchSettings settings)
    {
        Console.WriteLine($"\n== Purchases at {settings.WrkConnections} concurrent buyers vs a bare conditional UPDATE (target ≥ 0.3×, purchase p99 < 50 ms) ==");
        Console.WriteLine("| database | purchase through | purchases/s | p50 | p99 | CPU/purchase | bare UPDATE/s | p50 | p99 | CPU/update | ratio | target |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var r in results)
            foreach (var (how, t, ratio) in new[] { ("HTTP API", r.Purchases, r.Ratio), ("in process", r.InProcess, r.InProcessRatio),
                         ("in process, no group commit", r.InProcessAlone, r.InProcessAlone.PerSecond / r.BareUpdate.PerSecond) })
            {
                var met = ratio >= 0.3 && t.P99Ms < 50 ? "met" : "missed";
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {r.Database} | {how} | {t.PerSecond:0} | {Stats.Ms(t.P50Ms)} | {Stats.Ms(t.P99Ms)} | {t.CpuMsPerOp:0.000} ms ({t.CpuOf}) | {r.BareUpdate.PerSecond:0} | {Stats.Ms(r.BareUpdate.P50Ms)} | {Stats.Ms(r.BareUpdate.P99Ms)} | {r.BareUpdate.CpuMsPerOp:0.000} ms | {Stats.Ratio(ratio)} | {met} |"));
            }
    }
}
