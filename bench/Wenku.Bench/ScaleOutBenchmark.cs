using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Wenku.Tests.Infrastructure;

namespace Wenku.Bench;

/// <summary>One batch of uploads, timed from the first upload until the last document of the batch is ready.</summary>
public sealed record BatchIngest(
    string Configuration, IReadOnlyList<long> DocumentIds, int Pages, TimeSpan Elapsed,
    double WenkuCpuSeconds, double? EnginesCpuSeconds, IReadOnlyList<int> ReadyPerWorker, string LoadAverage)
{
    public double DocumentsPerMinute => DocumentIds.Count / Elapsed.TotalMinutes;
}

/// <summary>
/// <c>wrk</c> on one document page through one configuration; the CPU each serve spent meanwhile and, behind nginx, the
/// requests each answered (both from the warm-up on).
/// </summary>
public sealed record PageLoad(string Configuration, WrkResult Result, IReadOnlyList<double> ServeCpuSeconds, IReadOnlyList<int>? ServeRequests, string LoadAverage)
{
    public PageLoad WithRequests(LoopbackNginx proxy, params WenkuSite[] serves)
    {
        var counts = proxy.RequestsPerUpstream();
        return this with { ServeRequests = [.. serves.Select(s => counts.GetValueOrDefault(s.BaseAddress.Authority))] };
    }
}

public sealed record ScaleOutResult(int Documents, int Pages, IReadOnlyList<BatchIngest> Ingest, IReadOnlyList<PageLoad> Page);

/// <summary>
/// Scale-out against the embedded default, in one run: a batch of PDFs converted by the embedded site (SQLite, local
/// disk, the worker serve starts), by one and by two separate <c>wenku worker</c> processes on PostgreSQL and an S3
/// bucket (s3rver); then <c>/d/{id}</c> under <c>wrk</c> on the embedded site, on one PostgreSQL serve, through nginx
/// to that serve, and through nginx to two serves. Each PostgreSQL configuration gets a fresh database and bucket.
/// </summary>
public static partial class ScaleOutBenchmark
{
    private const int WarmupDocuments = 4;
    private static readonly TimeSpan BatchTimeout = TimeSpan.FromMinutes(30);

    public static async Task<ScaleOutResult> RunAsync(BenchSettings settings)
    {
        var dir = Path.Combine(settings.WorkDir, "scaleout");
        Directory.CreateDirectory(dir);
        // The same files for every configuration (each has a database of its own, so none is an exact duplicate there).
        var batch = Enumerable.Range(1, settings.ScaleOutDocs).Select(i => Pdf(dir, $"batch-{i}", $"规模基准 Scale-out #{i}", settings.ScaleOutPages)).ToList();
        // Not timed: the first conversions of every worker pay for JIT and the font cache; enough for two workers to take some.
        var warmups = Enumerable.Range(1, WarmupDocuments).Select(i => Pdf(dir, $"warmup-{i}", $"规模预热 Warm-up #{i}", 2)).ToList();
        var ingest = new List<BatchIngest>();
        List<PageLoad> pages = [];

        // Kept running (its worker idle) to the end, so that all page loads run back to back, under the same machine load.
        await using var embedded = await WenkuSite.StartAsync(settings.WenkuDll, settings.WorkDir, "embedded", new Dictionary<string, string?>());
        ingest.Add(await IngestBatchAsync("embedded: SQLite + local disk, serve's own worker", embedded, [embedded.Pid], [embedded.LogPath], [],
            warmups, batch, settings.ScaleOutPages));
        var embeddedId = ingest[0].DocumentIds[0];

        foreach (var workers in new[] { 1, 2 })
        {
            await using var stack = await Stack.CreateAsync($"pg{workers}w");
            await using var serveA = await WenkuSite.StartAsync(settings.WenkuDll, settings.WorkDir, stack.Name + "-serve-a", stack.ServeSettings);
            BatchIngest run;
            var started = new List<WenkuWorker>();
            try
            {
                for (var i = 1; i <= workers; i++)
                    started.Add(await WenkuWorker.StartAsync(settings.WenkuDll, settings.WorkDir, $"{stack.Name}-worker-{i}", stack.Settings));
                run = await IngestBatchAsync($"PostgreSQL + S3, {workers} × wenku worker", serveA, [serveA.Pid, .. started.Select(w => w.Pid)],
                    [.. started.Select(w => w.LogPath)], stack.EnginePids(), warmups, batch, settings.ScaleOutPages);
                ingest.Add(run);
            }
            finally
            {
                foreach (var worker in started) await worker.DisposeAsync();
            }
            if (workers < 2) continue;

            // The pages on the last database: a second serve shares it (and the bucket) with the first.
            await using var serveB = await WenkuSite.StartAsync(settings.WenkuDll, settings.WorkDir, stack.Name + "-serve-b", stack.ServeSettings, serveA.Token);
            pages = await PagesAsync(settings, (embedded, embeddedId), serveA, serveB, run.DocumentIds[0]);
        }
        return new ScaleOutResult(settings.ScaleOutDocs, settings.ScaleOutPages, ingest, pages);
    }

    /// <summary>
    /// <c>/d/{id}</c> under the same wrk load, back to back: the embedded site, serve A directly, nginx in front of A,
    /// nginx in front of A and B (both on PostgreSQL, after every serve has shown the document and its first preview).
    /// </summary>
    private static async Task<List<PageLoad>> PagesAsync(BenchSettings settings, (WenkuSite Site, long Id) embedded, WenkuSite serveA, WenkuSite serveB, long id)
    {
        await CheckServesAsync(embedded.Id, embedded.Site);
        await CheckServesAsync(id, serveA, serveB);
        var pages = new List<PageLoad>
        {
            await PageAsync("embedded, 1 serve", embedded.Site.BaseAddress, embedded.Id, settings, embedded.Site),
            await PageAsync("PostgreSQL, 1 serve", serveA.BaseAddress, id, settings, serveA),
        };
        // Not measured: the second serve gets the load the first just had, so both enter the two-serve run as warm.
        await Wrk.RunAsync(new Uri(serveB.BaseAddress, $"/d/{id}"), settings.WrkThreads, settings.WrkConnections,
            settings.WrkWarmupSeconds + settings.WrkSeconds, settings.WorkDir);
        foreach (var upstreams in new WenkuSite[][] { [serveA], [serveA, serveB] })
        {
            var proxy = await LoopbackNginx.ProxyAsync(settings.WorkDir, $"{upstreams.Length}", upstreams.Select(s => s.BaseAddress));
            PageLoad load;
            await using (proxy) // stopped before its log is read: stopping flushes it
                load = await PageAsync($"PostgreSQL, nginx → {upstreams.Length} serve{(upstreams.Length > 1 ? "s" : "")}", proxy.BaseAddress, id, settings, upstreams);
            pages.Add(load.WithRequests(proxy, upstreams));
        }
        return pages;
    }

    /// <summary>A fresh PostgreSQL database and S3 bucket for one configuration, dropped when it is disposed.</summary>
    private sealed class Stack : IAsyncDisposable
    {
        private readonly string _postgres;
        private readonly S3StorageOptions _s3;
        public string Name { get; }

        /// <summary>What every process of the configuration gets: the database and the object store, nothing else.</summary>
        public Dictionary<string, string?> Settings { get; }

        /// <summary>A serve's: no workers of its own (they run as <c>wenku worker</c>), behind nginx.</summary>
        public Dictionary<string, string?> ServeSettings => new(Settings) { ["Wenku:Workers"] = "0", ["Wenku:BehindProxy"] = "true" };

        private Stack(string name, string postgres, S3StorageOptions s3)
        {
            (Name, _postgres, _s3) = (name, postgres, s3);
            Settings = ScaleOutServices.SiteSettings(postgres, s3);
        }

        public static async Task<Stack> CreateAsync(string name)
        {
            var stack = new Stack(name, ScaleOutServices.NewPostgresDatabase("bench_" + name), ScaleOutServices.NewBucket("bench-" + name));
            await ScaleOutServices.CreateBucketAsync(stack._s3);
            return stack;
        }

        /// <summary>The PostgreSQL server (postmaster, whose children are the connections) and s3rver that scripts/services.sh started.</summary>
        public int[] EnginePids()
        {
            var pgPort = new Npgsql.NpgsqlConnectionStringBuilder(_postgres).Port.ToString(CultureInfo.InvariantCulture);
            var s3Port = new Uri(_s3.ServiceUrl!).Port.ToString(CultureInfo.InvariantCulture);
            int?[] pids = [Commands.FindProcess("bin/postgres ", $" -p {pgPort} "), Commands.FindProcess("s3rver ", $" -p {s3Port} ")];
            return pids.All(p => p is not null) ? [.. pids.Select(p => p!.Value)] : [];
        }

        public async ValueTask DisposeAsync()
        {
            await ScaleOutServices.DeleteBucketAsync(_s3);
            await ScaleOutServices.DropPostgresDatabaseAsync(_postgres);
        }
    }

    private static string Pdf(string dir, string file, string title, int pages)
    {
        var path = Path.Combine(dir, file + ".pdf");
        BenchPdf.Write(path, title, pages);
        return path;
    }

    /// <summary>
    /// Warm-up documents first (not timed), then the batch: every upload through <paramref name="site"/>, timed until
    /// the last is ready. CPU is counted for the Wenku processes (<paramref name="wenku"/> and their children) and for
    /// PostgreSQL and s3rver (<paramref name="engines"/>); <paramref name="workerLogs"/> tell which worker converted what.
    /// </summary>
    private static async Task<BatchIngest> IngestBatchAsync(string configuration, WenkuSite site, int[] wenku, string[] workerLogs, int[] engines,
        List<string> warmups, List<string> batch, int pages)
    {
        Console.WriteLine($"\n  {configuration}: {warmups.Count} warm-up documents, then {batch.Count} × {pages} pages");
        await IngestBenchmark.WaitUntilReadyAsync(site, await UploadAllAsync(site, warmups), BatchTimeout);

        var wenkuBefore = CpuSeconds(wenku);
        var enginesBefore = CpuSeconds(engines);
        var clock = Stopwatch.StartNew();
        var ids = await UploadAllAsync(site, batch);
        var uploaded = clock.Elapsed;
        await IngestBenchmark.WaitUntilReadyAsync(site, ids, BatchTimeout);
        var elapsed = clock.Elapsed;
        var run = new BatchIngest(configuration, ids, pages, elapsed, CpuSeconds(wenku) - wenkuBefore,
            engines.Length == 0 ? null : CpuSeconds(engines) - enginesBefore,
            [.. workerLogs.Select(log => ReadyIn(log, ids))], BenchRun.LoadAverage());
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {run.DocumentsPerMinute:0.0} documents/min: {ids.Count} ready in {Stats.Seconds(elapsed)} (uploads {Stats.Seconds(uploaded)}); " +
            $"CPU wenku {run.WenkuCpuSeconds:0.0} s{(run.EnginesCpuSeconds is { } e ? $", PostgreSQL + s3rver {e:0.0} s" : "")}; " +
            $"converted per worker {string.Join(" + ", run.ReadyPerWorker)}; load average {run.LoadAverage}"));
        return run;
    }

    private static async Task<List<long>> UploadAllAsync(WenkuSite site, IReadOnlyList<string> pdfs)
    {
        var ids = new List<long>();
        foreach (var pdf in pdfs) ids.Add(await IngestBenchmark.UploadAsync(site, pdf));
        return ids;
    }

    /// <summary>How many of <paramref name="ids"/> a worker's log says it made ready (the converter logs each document it finishes).</summary>
    private static int ReadyIn(string log, IReadOnlyList<long> ids)
    {
        var batch = ids.ToHashSet();
        return File.ReadLines(log).Select(line => DocumentReady().Match(line))
            .Count(m => m.Success && batch.Contains(long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)));
    }

    [GeneratedRegex(@"Document (\d+) Ready: \d+ pages")]
    private static partial Regex DocumentReady();

    /// <summary>CPU of processes and of all their children, live or reaped.</summary>
    private static double CpuSeconds(int[] roots) =>
        roots.Concat(roots.SelectMany(Commands.Descendants)).Distinct().Sum(ProcessCpu.Seconds);

    /// <summary>Every serve shows the document and its first preview (read from the shared object store), before any load.</summary>
    private static async Task CheckServesAsync(long id, params WenkuSite[] serves)
    {
        foreach (var serve in serves)
            foreach (var path in new[] { $"/d/{id}", $"/d/{id}/page/1.jpg" })
            {
                using var response = await serve.Anonymous.GetAsync(path);
                if (!response.IsSuccessStatusCode)
                    throw new InvalidOperationException($"{serve.BaseAddress}{path.TrimStart('/')} answered {(int)response.StatusCode}\n{serve.Tail()}");
            }
    }

    /// <summary>wrk through <paramref name="baseAddress"/>; the serves' CPU (from the warm-up on) shows which of them answered.</summary>
    private static async Task<PageLoad> PageAsync(string configuration, Uri baseAddress, long id, BenchSettings settings, params WenkuSite[] serves)
    {
        var before = serves.Select(s => ProcessCpu.Seconds(s.Pid)).ToList();
        var result = await DocumentPageBenchmark.LoadAsync(new Uri(baseAddress, $"/d/{id}"), settings, settings.WrkSeconds, configuration);
        return new PageLoad(configuration, result, [.. serves.Select((s, i) => ProcessCpu.Seconds(s.Pid) - before[i])], null, BenchRun.LoadAverage());
    }

    public static void PrintSummary(ScaleOutResult r)
    {
        var cpus = Environment.ProcessorCount;
        string Cpu(double? seconds, int documents) => seconds is { } s ? (s / documents).ToString("0.00", CultureInfo.InvariantCulture) + " s" : "—";
        Console.WriteLine($"\n== Scale-out summary ({r.Documents} PDFs × {r.Pages} pages per configuration; ratios against the embedded default) ==");
        var embedded = r.Ingest[0];
        var ingest = new List<string[]> { new[] { "ingest", "documents/min", "batch ready in", "vs embedded", "CPU/doc wenku", "CPU/doc PG+s3rver", "per worker", "load avg" } };
        ingest.AddRange(r.Ingest.Select(b => new[]
        {
            b.Configuration, b.DocumentsPerMinute.ToString("0.0", CultureInfo.InvariantCulture), Stats.Seconds(b.Elapsed),
            Stats.Ratio(b.DocumentsPerMinute / embedded.DocumentsPerMinute), Cpu(b.WenkuCpuSeconds, b.DocumentIds.Count),
            Cpu(b.EnginesCpuSeconds, b.DocumentIds.Count), string.Join(" + ", b.ReadyPerWorker), b.LoadAverage,
        }));
        BenchRun.PrintTable(ingest);

        Console.WriteLine();
        var first = r.Page[0].Result;
        var page = new List<string[]> { new[] { "document page /d/{id}", "req/s", "p50", "p99", "vs embedded", "serve CPU (warm-up + run)", "requests per serve (nginx log)", "load avg" } };
        page.AddRange(r.Page.Select(p => new[]
        {
            p.Configuration, p.Result.RequestsPerSecond.ToString("0", CultureInfo.InvariantCulture) + p.Result.Errors, Stats.Ms(p.Result.P50Ms),
            Stats.Ms(p.Result.P99Ms), Stats.Ratio(p.Result.RequestsPerSecond / first.RequestsPerSecond),
            string.Join(" + ", p.ServeCpuSeconds.Select(c => c.ToString("0.0", CultureInfo.InvariantCulture) + " s")),
            p.ServeRequests is { } n ? string.Join(" + ", n.Select(c => c.ToString("N0", CultureInfo.InvariantCulture))) : "—", p.LoadAverage,
        }));
        BenchRun.PrintTable(page);
        if (r.Page.Count == 4)
        {
            double Rps(int i) => r.Page[i].Result.RequestsPerSecond;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"nginx's own cost: nginx → 1 serve / 1 serve direct = {Stats.Ratio(Rps(2) / Rps(1))}; second serve: nginx → 2 serves / nginx → 1 serve = {Stats.Ratio(Rps(3) / Rps(2))}."));
        }
        Console.WriteLine($"""

            What these figures mean: on this {cpus}-CPU machine every process of a configuration (serves, workers, their
            converters, PostgreSQL, s3rver, nginx, wrk) shares the same {cpus} CPUs. A second worker or serve brings no
            CPU of its own: it gains only where the first leaves CPUs idle (a worker converts one document at a time,
            and a document of one page batch runs one converter process; waits on uploads, the database and the object
            store) and otherwise competes with it. So these figures show that the scale-out shape works end to end (each
            worker converts part of the batch, either serve shows any document, nginx spreads the reads) and what
            PostgreSQL + S3 and the proxy cost against the embedded default; throughput that grows with processes needs
            cores or machines for them.
            """);
    }
}
