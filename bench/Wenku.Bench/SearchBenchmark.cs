using Wenku.Tests.Infrastructure;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Wenku.Search;

namespace Wenku.Bench;

/// <summary>
/// The search issue's benchmark: N documents (default 100,000, about 1 GB of UTF-8 text) recombined from the
/// sentences of the cnews corpus, indexed by Wenku's Lucene index and by SQLite FTS5 with the trigram tokenizer in
/// the same run; then the same queries against both — 1–3 Chinese terms, quoted phrases, and a term with a category
/// filter plus facet counts — each returning what a results page needs (top 20 with snippets and the total).
/// </summary>
public static class SearchBenchmark
{
    internal const int Seed = 4242;
    private const int PagesPerDoc = 3;
    private const int CharsPerPage = 1150;
    internal static readonly string[] Categories = ["sports", "entertainment", "home", "property", "education", "fashion", "politics", "games", "technology", "finance"];
    private static readonly string[] Formats = ["pdf", "docx", "pptx", "xlsx", "txt"];

    public static async Task<int> RunAsync(string[] args)
    {
        var docs = Arg(args, "--docs", 100_000);
        var queries = Arg(args, "--queries", 200);
        var work = ArgString(args, "--work") ?? Path.Combine(Path.GetTempPath(), "wenku-search-bench-" + Guid.NewGuid().ToString("N"));
        var corpus = ArgString(args, "--corpus") ?? TestPaths.Shared("corpus", "cnews", "cnews.val.tsv")
            ?? throw new InvalidOperationException("cnews corpus not found (../shared/corpus/cnews/cnews.val.tsv); pass --corpus.");
        Directory.CreateDirectory(work);
        Console.WriteLine($"Machine: {Environment.ProcessorCount} CPUs, .NET {Environment.Version}; load average {BenchRun.LoadAverage()}");
        Console.WriteLine($"Corpus: {corpus}; {docs:N0} documents of {PagesPerDoc}×{CharsPerPage} characters; {queries} queries per class; work folder {work}");

        var sentences = Sentences(corpus);
        Console.WriteLine($"{sentences.Count:N0} sentences to recombine");
        if (args.Contains("--postgres")) return await PostgresSearchBenchmark.RunAsync(args, docs, queries, work, sentences);

        // ---- build both indexes from the same generated documents ----
        var luceneDir = Path.Combine(work, "lucene");
        var sqlitePath = Path.Combine(work, "fts5.db");
        long textBytes = 0;
        var marker = Path.Combine(work, $"built-{docs}");
        var reuse = args.Contains("--reuse") && File.Exists(marker);
        if (reuse) Console.WriteLine("Reusing the indexes built earlier in this work folder (--reuse): build figures are not measured.");
        var sw = Stopwatch.StartNew();
        if (!reuse)
        using (var index = new LuceneIndex(luceneDir, ramBufferMb: 256))
        {
            // IndexWriter takes documents from several threads at once (FTS5 has one writer).
            var done = 0;
            Parallel.For(1, docs + 1, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
            {
                var d = Generate(i, sentences);
                Interlocked.Add(ref textBytes, d.Pages.Sum(p => (long)System.Text.Encoding.UTF8.GetByteCount(p)));
                index.Upsert(d);
                if (Interlocked.Increment(ref done) % 20_000 == 0) Console.WriteLine($"  lucene: {done:N0} documents, {sw.Elapsed.TotalSeconds:0} s");
            });
            index.Commit(1);
        }
        var luceneBuild = sw.Elapsed;
        var luceneSize = DirectorySize(luceneDir);
        if (!reuse) Console.WriteLine($"Lucene built with {Environment.ProcessorCount} threads in {luceneBuild.TotalSeconds:0.0} s ({docs / luceneBuild.TotalSeconds:N0} docs/s), {luceneSize / 1e6:N0} MB; text {textBytes / 1e9:0.00} GB");

        sw.Restart();
        if (!reuse) BuildFts5(sqlitePath, docs, sentences);
        File.WriteAllText(marker, "");
        var ftsBuild = sw.Elapsed;
        var ftsSize = new FileInfo(sqlitePath).Length;
        if (!reuse) Console.WriteLine($"FTS5 built in {ftsBuild.TotalSeconds:0.0} s ({docs / ftsBuild.TotalSeconds:N0} docs/s), {ftsSize / 1e6:N0} MB");

        // ---- queries ----
        var random = new Random(Seed + 1);
        var termQueries = Enumerable.Range(0, queries).Select(_ => Enumerable.Range(0, random.Next(1, 4)).Select(_ => CjkPiece(sentences, random, 3, 4)).ToArray()).ToList();
        var phraseQueries = Enumerable.Range(0, queries).Select(_ => CjkPiece(sentences, random, 6, 10)).ToList();
        var facetQueries = Enumerable.Range(0, queries).Select(_ => (Term: CjkPiece(sentences, random, 3, 4), Category: Categories[random.Next(Categories.Length)])).ToList();

        GC.Collect(2, GCCollectionMode.Aggressive, true, true);
        var results = new List<(string Class, Timing Lucene, Timing Fts)>();
        using (var index = new LuceneIndex(luceneDir))
        {
            // The serving process's own memory with the Lucene index open and every query run once: anonymous memory
            // (heap, caches) is what the process holds; the index files are memory-mapped, i.e. the OS page cache.
            foreach (var q in termQueries) index.Search(new SearchQuery(string.Join(' ', q)));
            foreach (var q in phraseQueries) index.Search(new SearchQuery("\"" + q + "\""));
            foreach (var q in facetQueries) index.Search(new SearchQuery(q.Term, Category: q.Category));
            GC.Collect();
            var (luceneAnon, luceneFile) = Rss();
            Console.WriteLine($"\nLucene serving memory (index open, all queries run once): own (RssAnon) {luceneAnon / 1e6:N0} MB, " +
                $"mapped index pages (RssFile, page cache) {luceneFile / 1e6:N0} MB, managed heap {GC.GetTotalMemory(false) / 1e6:N0} MB");
            using var fts = OpenFts(sqlitePath);
            results.Add(Measure("1–3 terms", termQueries, q => index.Search(new SearchQuery(string.Join(' ', q))).Total,
                q => FtsSearch(fts, string.Join(" AND ", q.Select(Quote)), null)));
            results.Add(Measure("phrase", phraseQueries, q => index.Search(new SearchQuery("\"" + q + "\"")).Total,
                q => FtsSearch(fts, Quote(q), null)));
            results.Add(Measure("term + category + facets", facetQueries, q => index.Search(new SearchQuery(q.Term, Category: q.Category)).Total,
                q => FtsSearch(fts, Quote(q.Term), q.Category)));
            var rss = luceneAnon;
            Console.WriteLine($"\n== Search, {docs:N0} documents{(reuse ? "" : $" ({textBytes / 1e9:0.00} GB of text)")}, {queries} queries per class, one thread ==");
            var rows = new List<string[]> { new[] { "", "lucene p50", "p99", "q/s", "fts5 p50", "p99", "q/s", "lucene faster", "hits agree" } };
            foreach (var (cls, l, f) in results)
                rows.Add([cls, Stats.Ms(l.P50), Stats.Ms(l.P99), l.Qps.ToString("N0", CultureInfo.InvariantCulture), Stats.Ms(f.P50), Stats.Ms(f.P99), f.Qps.ToString("N0", CultureInfo.InvariantCulture),
                    (f.Mean / l.Mean).ToString("0.0", CultureInfo.InvariantCulture) + "×", $"{l.Totals.Zip(f.Totals).Count(p => p.First > 0 == p.Second > 0) * 100 / l.Totals.Count}%"]);
            if (!reuse)
                rows.Add([$"build (lucene {Environment.ProcessorCount} threads, fts5 1)", $"{docs / luceneBuild.TotalSeconds:N0} docs/s", "", "", $"{docs / ftsBuild.TotalSeconds:N0} docs/s", "", "", "", ""]);
            rows.Add(["index size", $"{luceneSize / 1e6:N0} MB", "", "", $"{ftsSize / 1e6:N0} MB", "", "", "", ""]);
            BenchRun.PrintTable(rows);
            var p99 = results.Max(r => r.Lucene.P99);
            Console.WriteLine($"\nTargets: p99 ≤ 20 ms → {Stats.Ms(p99)} worst class {(p99 <= 20 ? "PASS" : "MISS")}; faster than FTS5 on every class → " +
                $"{(results.All(r => r.Lucene.Mean < r.Fts.Mean) ? "PASS" : "MISS")}; serving memory < 1 GB → own memory {rss / 1e6:N0} MB {(rss < 1e9 ? "PASS" : "MISS")}");
            Console.WriteLine("Lucene returns top 20 with highlighted passages, the total and facet counts of four dimensions on every query; " +
                "FTS5 returns top 20 by bm25 with snippet() and the total (COUNT), and for the facet class the category counts (GROUP BY).");
        }
        Console.WriteLine($"Load average at end: {BenchRun.LoadAverage()}");
        if (!args.Contains("--keep") && !args.Contains("--reuse")) try { Directory.Delete(work, true); } catch (IOException) { }
        return 0;
    }

    internal sealed record Timing(double P50, double P99, double Mean, double Qps, List<int> Totals);

    /// <summary>
    /// Runs each query on both engines one right after the other, so that whatever else loads the machine at that
    /// moment weighs on both alike; queries/s is 1000 / mean latency (one thread).
    /// </summary>
    internal static (string Class, Timing Lucene, Timing Fts) Measure<T>(string name, List<T> queries, Func<T, int> lucene, Func<T, int> fts)
    {
        foreach (var q in queries.Take(10)) { lucene(q); fts(q); } // warm-up
        var (lt, ft) = (new List<double>(queries.Count), new List<double>(queries.Count));
        var (ln, fn) = (new List<int>(queries.Count), new List<int>(queries.Count));
        for (var i = 0; i < queries.Count; i++)
        {
            // Alternate which engine goes first, so neither always finds the caches warmed by the other.
            if (i % 2 == 0) { Time(lucene, queries[i], lt, ln); Time(fts, queries[i], ft, fn); }
            else { Time(fts, queries[i], ft, fn); Time(lucene, queries[i], lt, ln); }
        }
        return (name, Summarise(lt, ln), Summarise(ft, fn));

        static void Time(Func<T, int> run, T q, List<double> times, List<int> totals)
        {
            var sw = Stopwatch.StartNew();
            totals.Add(run(q));
            times.Add(sw.Elapsed.TotalMilliseconds);
        }

        static Timing Summarise(List<double> times, List<int> totals)
        {
            var sorted = times.Order().ToList();
            return new Timing(sorted[sorted.Count / 2], sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(sorted.Count * 0.99) - 1)],
                sorted.Average(), 1000 / sorted.Average(), totals);
        }
    }

    private static int FtsSearch(SqliteConnection db, string match, string? category)
    {
        using var top = db.CreateCommand();
        top.CommandText = category is null
            ? "SELECT rowid, title, snippet(fts, 1, '«', '»', '…', 20) FROM fts WHERE fts MATCH $m ORDER BY rank LIMIT 20"
            : "SELECT fts.rowid, fts.title, snippet(fts, 1, '«', '»', '…', 20) FROM fts JOIN docs ON docs.id = fts.rowid WHERE fts MATCH $m AND docs.category = $c ORDER BY rank LIMIT 20";
        top.Parameters.AddWithValue("$m", match);
        if (category is not null) top.Parameters.AddWithValue("$c", category);
        using (var r = top.ExecuteReader()) while (r.Read()) { _ = r.GetString(2); }
        using var count = db.CreateCommand();
        count.Parameters.AddWithValue("$m", match);
        if (category is null)
        {
            count.CommandText = "SELECT COUNT(*) FROM fts WHERE fts MATCH $m";
            return Convert.ToInt32(count.ExecuteScalar(), CultureInfo.InvariantCulture);
        }
        count.CommandText = "SELECT docs.category, COUNT(*) FROM fts JOIN docs ON docs.id = fts.rowid WHERE fts MATCH $m GROUP BY docs.category";
        var total = 0;
        using (var r = count.ExecuteReader()) while (r.Read()) if (r.GetString(0) == category) total = r.GetInt32(1);
        return total;
    }

    private static void BuildFts5(string path, int docs, List<string> sentences)
    {
        using var db = OpenFts(path);
        Exec(db, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;");
        Exec(db, "CREATE TABLE docs(id INTEGER PRIMARY KEY, category TEXT, format TEXT, price INTEGER, pages INTEGER, downloads INTEGER, created INTEGER)");
        Exec(db, "CREATE VIRTUAL TABLE fts USING fts5(title, body, tokenize = 'trigram')");
        var sw = Stopwatch.StartNew();
        for (var start = 1; start <= docs; start += 1000)
        {
            using var tx = db.BeginTransaction();
            using var insertDoc = db.CreateCommand();
            insertDoc.CommandText = "INSERT INTO docs VALUES ($id, $c, $f, $p, $n, $d, $t)";
            using var insertText = db.CreateCommand();
            insertText.CommandText = "INSERT INTO fts(rowid, title, body) VALUES ($id, $title, $body)";
            for (var i = start; i < start + 1000 && i <= docs; i++)
            {
                var d = Generate(i, sentences);
                insertDoc.Parameters.Clear();
                insertDoc.Parameters.AddWithValue("$id", d.Id);
                insertDoc.Parameters.AddWithValue("$c", d.Category);
                insertDoc.Parameters.AddWithValue("$f", d.Format);
                insertDoc.Parameters.AddWithValue("$p", d.Price);
                insertDoc.Parameters.AddWithValue("$n", d.PageCount);
                insertDoc.Parameters.AddWithValue("$d", d.Downloads);
                insertDoc.Parameters.AddWithValue("$t", d.CreatedAt.Ticks);
                insertDoc.ExecuteNonQuery();
                insertText.Parameters.Clear();
                insertText.Parameters.AddWithValue("$id", d.Id);
                insertText.Parameters.AddWithValue("$title", d.Title);
                insertText.Parameters.AddWithValue("$body", string.Join('\n', d.Pages));
                insertText.ExecuteNonQuery();
            }
            tx.Commit();
            if ((start + 999) % 20_000 == 0) Console.WriteLine($"  fts5: {start + 999:N0} documents, {sw.Elapsed.TotalSeconds:0} s");
        }
        Exec(db, "CREATE INDEX docs_category ON docs(category)");
        Exec(db, "INSERT INTO fts(fts) VALUES('optimize')");
    }

    private static SqliteConnection OpenFts(string path)
    {
        var db = new SqliteConnection($"Data Source={path};Pooling=False");
        db.Open();
        Exec(db, "PRAGMA cache_size=-262144; PRAGMA mmap_size=4294967296;");
        return db;
    }

    private static void Exec(SqliteConnection db, string sql)
    {
        using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    /// <summary>Document i, the same every time it is generated (so both engines index identical documents).</summary>
    internal static SearchDocument Generate(int i, List<string> sentences)
    {
        var r = new Random(unchecked(Seed * 7919 + i * 31));
        var pages = new List<string>(PagesPerDoc);
        for (var p = 0; p < PagesPerDoc; p++)
        {
            var sb = new System.Text.StringBuilder(CharsPerPage + 200);
            while (sb.Length < CharsPerPage) sb.Append(sentences[r.Next(sentences.Count)]);
            pages.Add(sb.ToString());
        }
        var title = sentences[r.Next(sentences.Count)];
        if (title.Length > 30) title = title[..30];
        return new SearchDocument(i, title, "", "", Categories[r.Next(Categories.Length)], Formats[r.Next(Formats.Length)],
            r.Next(10) < 3 ? 5 : 0, r.Next(1, 200), r.Next(0, 5000), new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddMinutes(r.Next(3_000_000)),
            "bench", pages);
    }

    /// <summary>A run of Chinese characters (no punctuation) of the given length from a random sentence.</summary>
    internal static string CjkPiece(List<string> sentences, Random r, int min, int max)
    {
        while (true)
        {
            var s = sentences[r.Next(sentences.Count)];
            var length = r.Next(min, max + 1);
            if (s.Length < length) continue;
            var start = r.Next(0, s.Length - length + 1);
            var piece = s.Substring(start, length);
            if (piece.All(c => c is >= '\u4E00' and <= '\u9FFF')) return piece;
        }
    }

    private static List<string> Sentences(string corpus)
    {
        var list = new List<string>();
        foreach (var line in File.ReadLines(corpus))
        {
            var text = line.Split('\t', 2) is [_, var t] ? t : line;
            var start = 0;
            for (var i = 0; i < text.Length; i++)
            {
                if (text[i] is not ('。' or '！' or '？' or '；')) continue;
                if (i + 1 - start >= 8) list.Add(text[start..(i + 1)]);
                start = i + 1;
            }
        }
        return list;
    }

    /// <summary>Resident anonymous and file-backed memory of this process (/proc/self/status), in bytes.</summary>
    internal static (long Anon, long File) Rss()
    {
        long anon = 0, file = 0;
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("RssAnon:", StringComparison.Ordinal)) anon = Kb(line);
            else if (line.StartsWith("RssFile:", StringComparison.Ordinal)) file = Kb(line);
        }
        return (anon, file);
        static long Kb(string line) => long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }

    private static string Quote(string s) => "\"" + s.Replace("\"", "\"\"") + "\"";

    internal static long DirectorySize(string dir) => new DirectoryInfo(dir).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);

    private static int Arg(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }

    private static string? ArgString(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

}
