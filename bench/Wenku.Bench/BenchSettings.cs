namespace Wenku.Bench;

/// <summary>What to run and how long; parsed from the command line.</summary>
public sealed record BenchSettings(
    string WorkDir,
    string WenkuDll,
    IReadOnlySet<string> Benchmarks,
    int IngestRuns,
    int IngestPages,
    int WrkThreads,
    int WrkConnections,
    int WrkSeconds,
    int WrkWarmupSeconds,
    int DiagnosticSeconds,
    int IndexSize = 1_000_000,
    int ScaleOutDocs = 12,
    int ScaleOutPages = 10,
    bool IngestSteps = true,
    IReadOnlySet<string>? PurchaseDatabases = null)
{
    public const string Usage = """
        usage: Wenku.Bench --work <dir> [--wenku <Wenku.dll>] [--only ingest|page|duplicates|office|ocr|words|scaleout|purchases|browser] [--index 1000000] [--runs 3] [--pages 100]
                           [--threads 2] [--connections 16] [--duration 10] [--warmup 3] [--diagnostics 3] [--docs 12] [--doc-pages 10]
                           [--steps 1] [--databases sqlite,postgres,durable]
          --work         empty scratch folder (data, PDFs, nginx config, logs); the caller removes it
          --wenku        the built site (default: src/Wenku/bin/Release/net10.0/Wenku.dll of this repository)
          --diagnostics  seconds per extra Wenku-only load run that shows where page time goes (0 = skip)
          --index        synthetic fingerprints in the near-duplicate index (duplicates benchmark)
          --only         one benchmark; without it, all but scaleout and purchases (which need PostgreSQL and s3rver: scripts/services.sh)
                         and browser (the document page in headless Chromium as a phone: LCP, CLS, bytes for 3 pages)
          --docs         documents in the scaleout batch, each of --doc-pages pages
          --steps        0: the ingest benchmark skips its step tables (where a page's CPU goes), for a short before/after run
          --databases    purchases: which of SQLite, the tests' PostgreSQL (fsync off) and the durable PostgreSQL to run on
        """;

    public bool Runs(string benchmark) => Benchmarks.Contains(benchmark);

    /// <summary>Whether the purchase benchmark runs on <paramref name="database"/> (sqlite, postgres or durable; all by default).</summary>
    public bool PurchasesOn(string database) => PurchaseDatabases is null || PurchaseDatabases.Contains(database);

    public static BenchSettings? Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length) return null;
            values[args[i][2..]] = args[++i];
        }
        if (!values.TryGetValue("work", out var work)) return null;

        int Int(string key, int fallback) => values.TryGetValue(key, out var v) ? int.Parse(v, System.Globalization.CultureInfo.InvariantCulture) : fallback;
        var only = values.GetValueOrDefault("only");
        string[] all = ["ingest", "page", "duplicates", "office", "ocr", "words"];
        var benchmarks = only is null ? new HashSet<string>(all) : new HashSet<string> { only };
        if (!benchmarks.IsSubsetOf([.. all, "scaleout", "purchases", "browser"])) return null;

        return new BenchSettings(
            Path.GetFullPath(work),
            Path.GetFullPath(values.GetValueOrDefault("wenku") ?? DefaultWenkuDll()),
            benchmarks,
            IngestRuns: Int("runs", 3),
            IngestPages: Int("pages", 100),
            WrkThreads: Int("threads", 2),
            WrkConnections: Int("connections", 16),
            WrkSeconds: Int("duration", 10),
            WrkWarmupSeconds: Int("warmup", 3),
            DiagnosticSeconds: Int("diagnostics", 3),
            IndexSize: Int("index", 1_000_000),
            ScaleOutDocs: Int("docs", 12),
            ScaleOutPages: Int("doc-pages", 10),
            IngestSteps: Int("steps", 1) != 0,
            PurchaseDatabases: values.TryGetValue("databases", out var dbs) ? dbs.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet() : null);
    }

    /// <summary>The Release build of the site in the repository this benchmark was built from.</summary>
    internal static string DefaultWenkuDll()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Wenku.slnx"))) dir = dir.Parent;
        if (dir is null) throw new InvalidOperationException("Cannot find the repository (Wenku.slnx); pass --wenku.");
        return Path.Combine(dir.FullName, "src", "Wenku", "bin", "Release", "net10.0", "wenku.dll");
    }
}
