using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;
using SkiaSharp;

namespace Wenku.Bench;

/// <summary>
/// Uncached reads at library size (issue 15): a site's data folder filled straight through SQL with a library of
/// ready documents (uploaders, every category, page text, tags, some comments and ratings, tiny page images in the
/// storage layout), then a real <c>wenku serve</c> on it and <c>wrk</c> with random document ids, category pages
/// (page 1–50), uploader pages and the document API, each beside the same few URLs again and again, at two library
/// sizes. The random runs are honest misses: that site runs with the document page's output cache off
/// (<c>Wenku:DocumentPageCacheSeconds=0</c>); the cached document page is measured on a second start with it on.
/// </summary>
public static partial class ReadsBenchmark
{
    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "link", StringMarshalling = System.Runtime.InteropServices.StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Link(string existing, string created);

    private const double DocTargetRps = 10_000, DocTargetP99 = 20, ListTargetRps = 5_000, ListTargetP99 = 30, RssTargetMb = 500;
    private const int PagesPerDocument = 3, PreviewPages = 2, DocumentsPerUploader = 100;

    private static readonly string[] Sentences =
    [
        "中国经济发展保持稳定增长，市场需求继续扩大。", "城市建设和交通网络的完善带动了区域经济。",
        "教育投入增加，学校的数量和质量都有提升。", "科技创新是引领发展的第一动力，企业研发投入不断增加。",
        "农业生产方式正在改变，农民收入持续增长。", "文化产业的市场规模超过了预期。", "金融监管加强，风险得到有效控制。",
        "The market for documents grows every year.", "Research and development spending reached a new high.",
    ];

    private static readonly string[] Words = ["报告", "方案", "总结", "试题", "论文", "合同", "教案", "课件", "手册", "指南"];

    private sealed record Row(int Docs, string Page, string Kind, WrkResult Result, double CpuMs, double TargetRps, double TargetP99);

    public static async Task<int> RunAsync(string[] args)
    {
        string? Arg(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        var seconds = int.Parse(Arg("--seconds") ?? Arg("--duration") ?? "10", CultureInfo.InvariantCulture);
        var connections = int.Parse(Arg("--connections") ?? "64", CultureInfo.InvariantCulture);
        var sizes = (Arg("--sizes") ?? "10000,100000").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        var work = Path.GetFullPath(Arg("--work") ?? Path.Combine(Path.GetTempPath(), "wenku-reads-" + Guid.NewGuid().ToString("N")[..8]));
        var wenkuDll = Path.GetFullPath(Arg("--wenku") ?? BenchSettings.DefaultWenkuDll());
        Directory.CreateDirectory(work);
        Console.WriteLine($"Machine: {Environment.ProcessorCount} CPUs, load average {BenchRun.LoadAverage()}; wrk -t2 -c{connections}, {seconds} s per run after 2 s of warm-up; work folder {work}");
        Console.WriteLine($"Targets: document page ≥ {DocTargetRps:N0} req/s, p99 < {DocTargetP99} ms; category and uploader pages ≥ {ListTargetRps:N0} req/s, p99 < {ListTargetP99} ms; serve's peak RSS < {RssTargetMb} MB.");
        Console.WriteLine("\"random\" = a random document / category page 1–50 / uploader per request with the output cache off (every read a miss);");
        Console.WriteLine("\"same 4\" = four URLs again and again (the document page from the output cache, the others from warm database pages).\n");

        var rows = new List<Row>();
        var peaks = new List<(int Docs, string Phase, double Mb)>();
        foreach (var size in sizes)
        {
            var name = $"reads{size}";
            var data = Path.Combine(work, name + "-data");
            Directory.CreateDirectory(data);
            var environment = WenkuSite.SiteEnvironment(data, new Dictionary<string, string?>());
            Library library;
            string token;
            if (File.Exists(Path.Combine(data, "wenku.db")))
            {
                // A library left in --work by an earlier run (with its search index): measured again as it is.
                token = (await Commands.CheckAsync("dotnet", [wenkuDll, "admin", "create-token", "--data", data, "--email", WenkuSite.Email], environment)).StdOut.Trim();
                library = Read(data);
                Console.WriteLine($"{size:N0} documents: the library already in {data}");
            }
            else
            {
                token = await WenkuSite.CreateAdminAsync(wenkuDll, data, environment);
                var filled = Stopwatch.StartNew();
                library = Fill(data, size);
                Console.WriteLine($"{size:N0} documents ({library.Uploaders.Count:N0} uploaders, {library.Categories.Count} categories) written in {filled.Elapsed.TotalSeconds:0.0} s");
            }

            var settings = new Dictionary<string, string?> { ["Wenku:SearchesPerMinute"] = "1000000", ["Wenku:Workers"] = "0" };
            var uncached = new Dictionary<string, string?>(settings) { ["Wenku:DocumentPageCacheSeconds"] = "0" };
            var logPath = Path.Combine(work, name + "-serve.log");
            var logLines = File.Exists(logPath) ? File.ReadLines(logPath).Count() : 0;
            var started = Stopwatch.StartNew();
            await using (var site = await WenkuSite.StartAsync(wenkuDll, work, name, uncached, token))
            {
                Console.WriteLine($"  serve ready in {started.Elapsed.TotalSeconds:0.0} s; peak RSS {PeakRssMb(site.Pid):0} MB");
                await WaitIndexedAsync(site, logLines);
                Console.WriteLine($"  search index built in {started.Elapsed.TotalSeconds:0.0} s after start; peak RSS {PeakRssMb(site.Pid):0} MB");
                peaks.Add((size, "start and index", PeakRssMb(site.Pid)));
                var docIds = library.Documents;
                var few = docIds.Take(4).ToArray();
                var runs = new (string, string, string, double, double)[]
                         {
                             ("document /d/{id}", Script("/d/%d", docIds.Min(), docIds.Max()), Cycle(few.Select(i => $"/d/{i}")), DocTargetRps, DocTargetP99),
                             ("category /c/{slug}?page=n", ScriptOf(library.Categories.SelectMany(c => Enumerable.Range(1, 50).Select(p => $"/c/{c}?page={p}")).ToList()),
                                 Cycle(library.Categories.Take(2).SelectMany(c => new[] { $"/c/{c}", $"/c/{c}?page=2" })), ListTargetRps, ListTargetP99),
                             ("uploader /u/{slug}", ScriptOf(library.Uploaders.Select(u => $"/u/{u}").ToList()), Cycle(library.Uploaders.Take(4).Select(u => $"/u/{u}")), ListTargetRps, ListTargetP99),
                             ("API /api/v1/documents/{id}", Script("/api/v1/documents/%d", docIds.Min(), docIds.Max()), Cycle(few.Select(i => $"/api/v1/documents/{i}")), 0, 0),
                         };
                // Warm-up of every path first (the JIT's second tier, EF Core's query cache, SQLite's page cache), so that
                // the first measured run does not pay for it.
                foreach (var (_, random, _, _, _) in runs) await Wrk.RunAsync(site.BaseAddress, 2, connections, 5, work, random);
                foreach (var (page, random, same, rps, p99) in runs)
                {
                    rows.Add(await MeasureAsync(site, work, size, page, "random", random, connections, seconds, rps, p99));
                    if (!page.StartsWith("document", StringComparison.Ordinal))
                        rows.Add(await MeasureAsync(site, work, size, page, "same 4", same, connections, seconds, rps, p99));
                }
                peaks.Add((size, "uncached runs", PeakRssMb(site.Pid)));
            }
            logLines = File.ReadLines(logPath).Count();
            await using (var site = await WenkuSite.StartAsync(wenkuDll, work, name, settings, token))
            {
                // Its start-up check of the index reads the whole library: not while the cached page is measured.
                await WaitIndexedAsync(site, logLines);
                var few = library.Documents.Take(4).ToArray();
                rows.Add(await MeasureAsync(site, work, size, "document /d/{id}", "same 4 (output cache)", Cycle(few.Select(i => $"/d/{i}")), connections, seconds, DocTargetRps, DocTargetP99));
                peaks.Add((size, "cached runs", PeakRssMb(site.Pid)));
            }
        }

        Console.WriteLine($"\nUncached reads under wrk -t2 -c{connections} on {Environment.ProcessorCount} CPUs (wrk shares them): req/s (p50 / p99; CPU of serve per request). Load average now {BenchRun.LoadAverage()}; timings on a shared machine are noisy, CPU per request less so.");
        Console.WriteLine("| page | requests | " + string.Join(" | ", sizes.Select(s => $"{s:N0} documents")) + " | target |");
        Console.WriteLine("|---|---|" + string.Concat(sizes.Select(_ => "---|")) + "---|");
        foreach (var group in rows.GroupBy(r => (r.Page, r.Kind)))
        {
            var first = group.First();
            var target = first.TargetRps > 0 ? $"≥ {first.TargetRps:N0} req/s, p99 < {first.TargetP99} ms" : "—";
            Console.WriteLine($"| {group.Key.Page} | {group.Key.Kind} | " + string.Join(" | ", sizes.Select(s =>
            {
                var row = group.SingleOrDefault(r => r.Docs == s);
                if (row is null) return "";
                var r = row.Result;
                var ok = row.TargetRps > 0 && r.RequestsPerSecond >= row.TargetRps && r.P99Ms < row.TargetP99 ? " ✓" : "";
                return string.Create(CultureInfo.InvariantCulture, $"{r.RequestsPerSecond:0} ({Stats.Ms(r.P50Ms)} / {Stats.Ms(r.P99Ms)}; {row.CpuMs:0.00} ms CPU){ok}{r.Errors}");
            })) + $" | {target} |");
        }
        Console.WriteLine($"\nPeak RSS of serve (VmHWM), target < {RssTargetMb} MB:");
        foreach (var (docs, phase, mb) in peaks)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {docs,7:N0} documents, {phase,-16} {mb,5:0} MB{(mb < RssTargetMb ? " ✓" : "")}"));
        return 0;
    }

    private static async Task<Row> MeasureAsync(WenkuSite site, string work, int docs, string page, string kind, string script,
        int connections, int seconds, double targetRps, double targetP99)
    {
        await Wrk.RunAsync(site.BaseAddress, 2, connections, 2, work, script);
        var cpuBefore = ProcessCpu.Seconds(site.Pid);
        var r = await Wrk.RunAsync(site.BaseAddress, 2, connections, seconds, work, script);
        var cpuMs = (ProcessCpu.Seconds(site.Pid) - cpuBefore) * 1000 / Math.Max(1, r.Requests);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {docs,7:N0} docs  {page,-28} {kind,-22} {r.RequestsPerSecond,7:0} req/s  p50 {Stats.Ms(r.P50Ms),9}  p99 {Stats.Ms(r.P99Ms),9}  CPU {cpuMs,5:0.00} ms/request  RSS peak {PeakRssMb(site.Pid):0} MB{r.Errors}"));
        return new Row(docs, page, kind, r, cpuMs, targetRps, targetP99);
    }

    /// <summary>A wrk script asking for <paramref name="format"/> with a random id in [min, max] (each thread seeded apart).</summary>
    private static string Script(string format, long min, long max) => $$"""
        local n = 0
        init = function(args) math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16)) end
        request = function() return wrk.format("GET", string.format("{{format}}", math.random({{min}}, {{max}}))) end
        """;

    /// <summary>A wrk script asking for a random one of <paramref name="paths"/>.</summary>
    private static string ScriptOf(IReadOnlyList<string> paths) => $$"""
        local paths = { {{string.Join(", ", paths.Select(p => "\"" + p + "\""))}} }
        init = function(args) math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16)) end
        request = function() return wrk.format("GET", paths[math.random(1, #paths)]) end
        """;

    /// <summary>A wrk script asking for <paramref name="paths"/> in turn.</summary>
    private static string Cycle(IEnumerable<string> paths) => $$"""
        local paths = { {{string.Join(", ", paths.Select(p => "\"" + p + "\""))}} }
        local i = 0
        request = function() i = i % #paths + 1; return wrk.format("GET", paths[i]) end
        """;

    /// <summary>Peak resident memory of a process (VmHWM), in MB; 0 when it is gone.</summary>
    private static double PeakRssMb(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
        }
        catch (IOException) { return 0; }
    }

    private sealed record Library(List<long> Documents, List<string> Categories, List<string> Uploaders);

    /// <summary>
    /// The library, in one transaction of prepared inserts: uploaders (100 documents each), documents spread over every
    /// category, three pages of text each (two in the preview), every fifth one paid, a rating and two comments on every
    /// tenth, and page images as hard links to one tiny JPEG and WebP per size (the layout of <see cref="Wenku.Documents.PreviewVersions"/>).
    /// </summary>
    private static Library Fill(string data, int docs)
    {
        using var db = new SqliteConnection($"Data Source={Path.Combine(data, "wenku.db")};Pooling=False");
        db.Open();
        Exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;");
        var categories = new List<(int Id, string Slug)>();
        using (var cmd = db.CreateCommand())
        {
            cmd.CommandText = "SELECT \"Id\", \"Slug\" FROM \"Categories\" ORDER BY \"SortOrder\"";
            using var reader = cmd.ExecuteReader();
            while (reader.Read()) categories.Add((reader.GetInt32(0), reader.GetString(1)));
        }
        var random = new Random(15);
        var now = DateTime.UtcNow;
        var uploaderCount = Math.Max(1, docs / DocumentsPerUploader);
        var uploaders = new List<(string Id, string Slug)>();
        using var tx = db.BeginTransaction();

        var user = Prepare(db, tx, """
            INSERT INTO "AspNetUsers" ("Id", "UserName", "NormalizedUserName", "Email", "NormalizedEmail", "EmailConfirmed", "SecurityStamp",
              "ConcurrencyStamp", "PhoneNumberConfirmed", "TwoFactorEnabled", "LockoutEnabled", "AccessFailedCount", "DisplayName", "CreatedAt",
              "Slug", "FailedSignIns")
            VALUES ($id, $email, $norm, $email, $norm, 1, $stamp, $stamp, 0, 0, 1, 0, $name, $at, $slug, 0)
            """);
        for (var u = 1; u <= uploaderCount; u++)
        {
            var id = Guid.NewGuid().ToString();
            var email = $"reader{u}@bench.invalid";
            Run(user, ("$id", id), ("$email", email), ("$norm", email.ToUpperInvariant()), ("$stamp", Guid.NewGuid().ToString("N")),
                ("$name", $"作者{u}"), ("$at", now.AddDays(-400)), ("$slug", $"author-{u}"));
            uploaders.Add((id, $"author-{u}"));
        }

        var doc = Prepare(db, tx, """
            INSERT INTO "Documents" ("Id", "Title", "Description", "CategoryId", "Tags", "UploaderId", "OriginalFileName", "Format", "SizeBytes",
              "Sha256", "StorageKey", "Price", "PreviewPages", "PageCount", "Status", "ConvertedPages", "PreviewVersion", "RatingCount", "RatingSum",
              "CreatedAt", "ReadyAt", "Views", "Downloads")
            VALUES ($id, $title, $description, $category, $tags, $uploader, $file, 'pdf', 123456, $sha, $key, $price, $preview, $pages, 'Ready',
              $pages, 1, $ratings, $stars, $at, $at, $views, $downloads)
            """);
        var page = Prepare(db, tx, """
            INSERT INTO "DocumentPages" ("DocumentId", "Number", "Text", "Width", "Height", "Ocr", "ImageBytes") VALUES ($doc, $n, $text, 1240, 1754, 0, 2000)
            """);
        var comment = Prepare(db, tx, """
            INSERT INTO "Comments" ("DocumentId", "UserId", "Body", "CreatedAt", "State") VALUES ($doc, $user, $body, $at, 'Visible')
            """);
        var rating = Prepare(db, tx, """
            INSERT INTO "Ratings" ("UserId", "DocumentId", "Stars", "CreatedAt", "UpdatedAt") VALUES ($user, $doc, $stars, $at, $at)
            """);
        var ids = new List<long>(docs);
        for (var i = 1; i <= docs; i++)
        {
            var (uploaderId, _) = uploaders[(i - 1) % uploaderCount];
            var category = categories[i % categories.Count].Id;
            var at = now.AddMinutes(-docs + i);
            var rated = i % 10 == 0;
            var stars = 1 + random.Next(5);
            var word = Words[i % Words.Length];
            Run(doc, ("$id", i), ("$title", $"{word} {i} benchreads {Words[random.Next(Words.Length)]}"),
                ("$description", $"第 {i} 份{word}的简介。"), ("$category", category), ("$tags", $"{word},标签{i % 50}"), ("$uploader", uploaderId),
                ("$file", $"bench-{i}.pdf"), ("$sha", Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes($"reads{i}"))).ToLowerInvariant()),
                ("$key", $"originals/bench-{i}.pdf"), ("$price", i % 5 == 0 ? 5 : 0), ("$preview", PreviewPages), ("$pages", PagesPerDocument),
                ("$ratings", rated ? 1 : 0), ("$stars", rated ? stars : 0), ("$at", at), ("$views", random.Next(1000)), ("$downloads", random.Next(200)));
            for (var n = 1; n <= PagesPerDocument; n++)
                Run(page, ("$doc", i), ("$n", n), ("$text", PageText(random, n, 500)));
            if (rated)
            {
                var (readerId, _) = uploaders[(i + 1) % uploaderCount];
                Run(rating, ("$user", readerId), ("$doc", i), ("$stars", stars), ("$at", at));
                for (var c = 0; c < 2; c++)
                    Run(comment, ("$doc", i), ("$user", uploaders[(i + c + 3) % uploaderCount].Id), ("$body", $"很有用的{word}，谢谢分享 {c}"), ("$at", at.AddMinutes(c + 1)));
            }
            ids.Add(i);
        }
        tx.Commit();
        Exec(db, "PRAGMA synchronous=FULL; PRAGMA wal_checkpoint(TRUNCATE);");
        WriteImages(Path.Combine(data, "files"), docs);
        return new Library(ids, categories.Select(c => c.Slug).ToList(), uploaders.Select(u => u.Slug).ToList());
    }

    /// <summary>The documents, categories and uploaders of a library an earlier run wrote.</summary>
    private static Library Read(string data)
    {
        using var db = new SqliteConnection($"Data Source={Path.Combine(data, "wenku.db")};Pooling=False;Mode=ReadOnly");
        db.Open();
        List<T> Column<T>(string sql, Func<SqliteDataReader, T> read)
        {
            using var cmd = db.CreateCommand();
            cmd.CommandText = sql;
            using var reader = cmd.ExecuteReader();
            var list = new List<T>();
            while (reader.Read()) list.Add(read(reader));
            return list;
        }
        return new Library(Column("SELECT \"Id\" FROM \"Documents\" ORDER BY \"Id\"", r => r.GetInt64(0)),
            Column("SELECT \"Slug\" FROM \"Categories\" ORDER BY \"SortOrder\"", r => r.GetString(0)),
            Column("SELECT \"Slug\" FROM \"AspNetUsers\" WHERE \"Email\" LIKE 'reader%@bench.invalid' ORDER BY \"Email\"", r => r.GetString(0)));
    }

    /// <summary>
    /// Hard links to tiny JPEG and WebP files: the files exist where the site looks, at the cost of directory entries.
    /// A file takes at most 65,000 links (ext4), so each block of 4,000 documents links its own copy.
    /// </summary>
    private static void WriteImages(string files, int docs)
    {
        var source = Path.Combine(files, "bench-source");
        Directory.CreateDirectory(source);
        byte[] jpeg, webp;
        using (var bitmap = new SKBitmap(8, 8))
        {
            bitmap.Erase(SKColors.White);
            using var image = SKImage.FromBitmap(bitmap);
            jpeg = image.Encode(SKEncodedImageFormat.Jpeg, 80).ToArray();
            webp = image.Encode(SKEncodedImageFormat.Webp, 80).ToArray();
        }
        var names = Enumerable.Range(1, PagesPerDocument).SelectMany(n => new[] { $"{n}.jpg", $"{n}.webp", $"{n}.m.jpg", $"{n}.m.webp" })
            .Concat(["cover.jpg", "cover.webp"]).ToArray();
        for (var i = 1; i <= docs; i++)
        {
            var block = (i / 4000).ToString(CultureInfo.InvariantCulture);
            var (blockJpeg, blockWebp) = (Path.Combine(source, block + ".jpg"), Path.Combine(source, block + ".webp"));
            if (!File.Exists(blockJpeg))
            {
                File.WriteAllBytes(blockJpeg, jpeg);
                File.WriteAllBytes(blockWebp, webp);
            }
            var dir = Path.Combine(files, "pages", i.ToString(CultureInfo.InvariantCulture));
            Directory.CreateDirectory(dir);
            foreach (var name in names)
                if (Link(name.EndsWith(".webp", StringComparison.Ordinal) ? blockWebp : blockJpeg, Path.Combine(dir, name)) != 0)
                    throw new IOException($"link {dir}/{name} failed: errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}");
        }
    }

    private static string PageText(Random random, int n, int length)
    {
        var text = new StringBuilder($"第{n}页\n");
        while (text.Length < length) text.Append(Sentences[random.Next(Sentences.Length)]).Append(random.Next(4) == 0 ? "\n" : "");
        return text.ToString();
    }

    private static SqliteCommand Prepare(SqliteConnection db, SqliteTransaction tx, string sql)
    {
        var cmd = db.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        return cmd;
    }

    private static void Run(SqliteCommand cmd, params (string Name, object Value)[] values)
    {
        if (cmd.Parameters.Count == 0)
            foreach (var (name, _) in values) cmd.Parameters.Add(new SqliteParameter { ParameterName = name });
        foreach (var (name, value) in values) cmd.Parameters[name].Value = value;
        cmd.ExecuteNonQuery();
    }

    private static void Exec(SqliteConnection db, string sql)
    {
        using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    /// <summary>
    /// The site indexes the library on start (its check of the index against the database, which logs when it is
    /// done): the load waits for it, so that indexing does not share the CPUs with the measured reads.
    /// </summary>
    private static async Task WaitIndexedAsync(WenkuSite site, int logLinesBefore)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromMinutes(30))
        {
            if (File.ReadLines(site.LogPath).Skip(logLinesBefore).Any(l => l.Contains("Search index checked", StringComparison.Ordinal))) return;
            await Task.Delay(500);
        }
        throw new TimeoutException("the site did not index the library within 30 minutes");
    }
}
