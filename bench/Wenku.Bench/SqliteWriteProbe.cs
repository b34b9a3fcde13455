using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace Wenku.Bench;

public sealed record ProbeResult(string Name, int Writers, double WritesPerSecond, double P50Ms, double P99Ms);

/// <summary>
/// The document page's view counter in isolation: concurrent one-row <c>UPDATE … SET Views = Views + 1</c> on a scratch
/// SQLite file next to the site's (same file system, same Microsoft.Data.Sqlite, WAL, pooled connections as Wenku
/// configures them), then with the settings this benchmark suggests. Shows how much of the page's time the write costs.
/// </summary>
public static class SqliteWriteProbe
{
    public static IReadOnlyList<ProbeResult> Run(string workDir, int writers, TimeSpan duration)
    {
        var path = Path.Combine(workDir, "probe.db");
        var results = new List<ProbeResult>();
        foreach (var (name, n, pragmas) in new[]
        {
            ("as Wenku: WAL, default synchronous (FULL), no busy_timeout", 1, ""),
            ("as Wenku: WAL, default synchronous (FULL), no busy_timeout", writers, ""),
            ("+ PRAGMA busy_timeout=5000", writers, "PRAGMA busy_timeout=5000;"),
            ("+ busy_timeout + PRAGMA synchronous=NORMAL", writers, "PRAGMA busy_timeout=5000; PRAGMA synchronous=NORMAL;"),
        })
        {
            SqliteConnection.ClearAllPools();
            foreach (var f in new[] { path, path + "-wal", path + "-shm" }) File.Delete(f);
            var connection = new SqliteConnectionStringBuilder { DataSource = path, DefaultTimeout = 30, Pooling = true }.ToString();
            using (var setup = new SqliteConnection(connection))
            {
                setup.Open();
                Execute(setup, "PRAGMA journal_mode=WAL; CREATE TABLE Documents (Id INTEGER PRIMARY KEY, Views INTEGER NOT NULL); INSERT INTO Documents VALUES (1, 0);");
            }
            results.Add(Measure(name, n, connection, pragmas, duration));
        }
        SqliteConnection.ClearAllPools();
        return results;
    }

    private static ProbeResult Measure(string name, int writers, string connection, string pragmas, TimeSpan duration)
    {
        var latencies = new List<double>[writers];
        var stop = Stopwatch.StartNew();
        var threads = Enumerable.Range(0, writers).Select(i =>
        {
            latencies[i] = [];
            var t = new Thread(() =>
            {
                while (stop.Elapsed < duration)
                {
                    var one = Stopwatch.StartNew();
                    using (var c = new SqliteConnection(connection))
                    {
                        c.Open();
                        if (pragmas.Length > 0) Execute(c, pragmas);
                        Execute(c, "UPDATE Documents SET Views = Views + 1 WHERE Id = 1;");
                    }
                    latencies[i].Add(one.Elapsed.TotalMilliseconds);
                }
            });
            t.Start();
            return t;
        }).ToList();
        foreach (var t in threads) t.Join();
        var all = latencies.SelectMany(l => l).Order().ToList();
        double Percentile(double p) => all[Math.Min(all.Count - 1, (int)Math.Ceiling(p * all.Count) - 1)];
        return new ProbeResult(name, writers, all.Count / stop.Elapsed.TotalSeconds, Percentile(0.5), Percentile(0.99));
    }

    private static void Execute(SqliteConnection c, string sql)
    {
        using var command = c.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
