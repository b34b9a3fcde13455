using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Wenku.Documents;
using Wenku.Search;
using Wenku.Storage;
using Wenku.Tests.Infrastructure;
using Wenku.Tests.ScaleOut;

namespace Wenku.Tests.Cli;

/// <summary>
/// <c>wenku admin check</c> on an install converted by the real program, then broken by hand in each way it can break:
/// it names every break, <c>--repair</c> fixes what can be fixed and reports the rest.
/// </summary>
public sealed class CheckCommandTests : IDisposable
{
    private readonly string _data = TestPaths.NewTempDir("check");

    private static readonly Dictionary<string, string> Env = new()
    {
        ["Wenku__Workers"] = "1",
        ["Wenku__UploadsPerHour"] = "100000",
        ["Wenku__OrphanMinAgeSeconds"] = "0",
    };

    [Fact]
    public async Task Check_names_a_lost_page_a_cut_page_image_a_truncated_original_a_missing_search_entry_a_missing_fingerprint_and_an_orphan_and_repair_fixes_all_it_can()
    {
        await WenkuProcess.RunAsync("admin", "create-user", "--data", _data, "--email", "check@test.local", "--password", TestUsers.Password);
        var token = await WenkuProcess.RunAsync("admin", "create-token", "--data", _data, "--email", "check@test.local");
        long lostPage, truncated, unsearchable, unfingerprinted, damagedPage;
        using (var site = await WenkuProcess.StartServeAsync(_data, Env))
        {
            using var api = OperatorCli.ApiClient(site.BaseAddress, token);
            var ids = new List<long>();
            for (var i = 1; i <= 5; i++)
            {
                var id = await api.UploadAsync(TestPdfs.Upload(TestPdfs.MultiPage(3, salt: $"check-{i}"), title: $"检查 checkword{i}"));
                await OperatorCli.WaitForStatusAsync(api, id, "ready");
                await OperatorCli.WaitForHitAsync(api, $"checkword{i}", id);
                ids.Add(id);
            }
            (lostPage, truncated, unsearchable, unfingerprinted, damagedPage) = (ids[0], ids[1], ids[2], ids[3], ids[4]);
        }

        var healthy = await OperatorCli.RunAsync("admin", "check", "--data", _data);
        healthy.ExitCode.ShouldBe(0, healthy.ToString());
        healthy.Output.ShouldContain("Everything is consistent.");

        // Break it in each way.
        File.Delete(FilePath($"pages/{lostPage}/2.jpg"));
        var original = FilePath(Scalar($"SELECT StorageKey FROM Documents WHERE Id = {truncated}"));
        var originalBytes = await File.ReadAllBytesAsync(original);
        await File.WriteAllBytesAsync(original, originalBytes[..(originalBytes.Length / 2)]);
        using (var index = new LuceneIndex(CurrentIndex()))
        {
            index.Delete(unsearchable);
            index.Commit(index.Watermark);
        }
        Execute($"DELETE FROM DocumentFingerprints WHERE DocumentId = {unfingerprinted}");
        var damagedImage = await File.ReadAllBytesAsync(FilePath($"pages/{damagedPage}/3.jpg"));
        Scalar($"SELECT ImageBytes FROM DocumentPages WHERE DocumentId = {damagedPage} AND Number = 3").ShouldBe(damagedImage.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await File.WriteAllBytesAsync(FilePath($"pages/{damagedPage}/3.jpg"), damagedImage[..100]);
        Directory.CreateDirectory(FilePath("pages/999999"));
        await File.WriteAllBytesAsync(FilePath("pages/999999/1.jpg"), [0xFF, 0xD8, 0xFF, 0xD9]);
        // A desktop WebP as a version-1 conversion wrote it: today's documents (version 2) do not name one.
        await File.WriteAllBytesAsync(FilePath($"pages/{unsearchable}/1.webp"), [0x52, 0x49, 0x46, 0x46]);

        var found = await OperatorCli.RunAsync("admin", "check", "--data", _data);
        found.ExitCode.ShouldBe(1, found.ToString());
        Problems(found).ShouldBe([
            $"originals  document {truncated}",
            $"pages  document {lostPage}  pages/{lostPage}/2.jpg",
            $"pages  document {damagedPage}  pages/{damagedPage}/3.jpg",
            $"search  document {unsearchable}",
            $"fingerprints  document {unfingerprinted}",
            "orphans  pages/999999/1.jpg",
            $"orphans  pages/{unsearchable}/1.webp",
        ], ignoreOrder: true);
        Line(found, $"document {truncated}").ShouldContain($"has {originalBytes.Length / 2} bytes, {originalBytes.Length} were uploaded");
        Line(found, $"pages/{damagedPage}/3.jpg").ShouldContain($"has 100 bytes, {damagedImage.Length} were stored at conversion");

        var repair = await OperatorCli.RunAsync("admin", "check", "--data", _data, "--repair");
        repair.ExitCode.ShouldBe(1, repair.ToString()); // a truncated original cannot be made whole here
        Problems(repair).ShouldBe([$"originals  document {truncated}"]);
        Line(repair, $"pages/{lostPage}/2.jpg").ShouldStartWith("repaired");
        repair.Output.ShouldContain("restore those files from a backup");

        // What the repair did: the document that lost a page converts again, search and the fingerprint are back, the orphan is gone.
        Scalar($"SELECT Status FROM Documents WHERE Id = {lostPage}").ShouldBe("Queued");
        Scalar($"SELECT Status FROM Documents WHERE Id = {damagedPage}").ShouldBe("Queued");
        Scalar($"SELECT COUNT(*) FROM DocumentFingerprints WHERE DocumentId = {unfingerprinted}").ShouldBe("1");
        LuceneIndex.ReadCommitted(CurrentIndex()).Ids.ShouldContain(unsearchable);
        File.Exists(FilePath("pages/999999/1.jpg")).ShouldBeFalse();
        File.Exists(FilePath($"pages/{unsearchable}/1.webp")).ShouldBeFalse();
        File.Exists(FilePath($"pages/{unsearchable}/1.m.webp")).ShouldBeTrue();

        // Files of an earlier conversion that the next one does not write (a version-1 desktop WebP, a page past the
        // new count) go when the document is converted again.
        await File.WriteAllBytesAsync(FilePath($"pages/{lostPage}/1.webp"), [0x52, 0x49, 0x46, 0x46]);
        await File.WriteAllBytesAsync(FilePath($"pages/{lostPage}/7.jpg"), [0xFF, 0xD8, 0xFF, 0xD9]);

        // Once the original is put back (from a backup) and the site has converted the document again, all is well.
        await File.WriteAllBytesAsync(original, originalBytes);
        using (var site = await WenkuProcess.StartServeAsync(_data, Env))
        {
            using var api = OperatorCli.ApiClient(site.BaseAddress, token);
            await OperatorCli.WaitForStatusAsync(api, lostPage, "ready");
            (await api.GetAsync($"/d/{lostPage}/page/2.jpg")).StatusCode.ShouldBe(HttpStatusCode.OK);
            // Removed just after the conversion's commit, which the status shows first.
            for (var wait = 0; wait < 100 && (File.Exists(FilePath($"pages/{lostPage}/7.jpg")) || File.Exists(FilePath($"pages/{lostPage}/1.webp"))); wait++) await Task.Delay(100);
            File.Exists(FilePath($"pages/{lostPage}/1.webp")).ShouldBeFalse();
            File.Exists(FilePath($"pages/{lostPage}/7.jpg")).ShouldBeFalse();
            File.Exists(FilePath($"pages/{lostPage}/1.m.webp")).ShouldBeTrue();
            await OperatorCli.WaitForStatusAsync(api, damagedPage, "ready");
            (await api.GetByteArrayAsync($"/d/{damagedPage}/page/3.jpg")).Length.ShouldBeGreaterThan(100);
            await OperatorCli.WaitForHitAsync(api, "checkword1", lostPage);
            await OperatorCli.WaitForHitAsync(api, "checkword3", unsearchable);
        }
        var whole = await OperatorCli.RunAsync("admin", "check", "--data", _data);
        whole.ExitCode.ShouldBe(0, whole.ToString());
    }

    [Fact]
    public async Task Check_of_a_folder_without_an_install_says_so()
    {
        var outcome = await OperatorCli.RunAsync("admin", "check", "--data", _data);
        outcome.ExitCode.ShouldBe(1);
        outcome.Error.ShouldContain("No embedded database");
    }

    /// <summary>The problem lines, each cut to its area, document and key (the words after them may change).</summary>
    private static List<string> Problems(OperatorCli.Outcome outcome) =>
        outcome.Output.Split('\n').Where(l => l.StartsWith("PROBLEM  ", StringComparison.Ordinal))
            .Select(l => l["PROBLEM  ".Length..].Split("  "))
            .Select(parts => string.Join("  ", parts.TakeWhile((p, i) => i == 0 || p.StartsWith("document ", StringComparison.Ordinal)
                || p.StartsWith("pages/", StringComparison.Ordinal))))
            .ToList();

    private static string Line(OperatorCli.Outcome outcome, string containing) =>
        outcome.Output.Split('\n').Single(l => l.Contains(containing, StringComparison.Ordinal) && (l.StartsWith("PROBLEM", StringComparison.Ordinal) || l.StartsWith("repaired", StringComparison.Ordinal)));

    private string FilePath(string key) => Path.Combine(_data, "files", key);

    private string CurrentIndex() => Path.Combine(_data, "search", File.ReadAllText(Path.Combine(_data, "search", "CURRENT")).Trim());

    private string Scalar(string sql)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        return Convert.ToString(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture)!;
    }

    private void Execute(string sql)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    private SqliteConnection Open()
    {
        var c = new SqliteConnection($"Data Source={Path.Combine(_data, "wenku.db")};Pooling=False");
        c.Open();
        return c;
    }

    public void Dispose() => TestPaths.TryDelete(_data);
}

/// <summary><c>wenku admin check</c> with the settings of a running scale-out site (PostgreSQL, s3rver) while it runs.</summary>
public sealed class CheckOnScaleOutTests : IDisposable
{
    private readonly string _data = TestPaths.NewTempDir("check-scaleout");

    [Fact]
    public async Task Check_on_postgres_and_s3_names_a_lost_page_a_missing_search_row_and_fingerprint_and_repair_fixes_them()
    {
        using var site = new ScaleOutSite();
        var (api, _) = await site.ApiClientAsync("check-scaleout@test.local");
        var docs = new List<Document>();
        for (var i = 1; i <= 3; i++)
        {
            var doc = await site.UploadAndWaitAsync(api, TestPdfs.Upload(TestPdfs.MultiPage(2, salt: $"check-so-{i}"), title: $"扩展检查 scalecheck{i}"));
            doc.Status.ShouldBe(DocumentStatus.Ready, doc.Error);
            docs.Add(doc);
        }
        var (lostPage, unsearchable, unfingerprinted) = (docs[0].Id, docs[1].Id, docs[2].Id);
        var env = ScaleOutServices.SiteSettings(site.Postgres, site.S3)
            .ToDictionary(kv => kv.Key.Replace(":", "__", StringComparison.Ordinal), kv => kv.Value!);
        await WaitUntilAsync(async () => (await OperatorCli.RunAsync(env, "admin", "check", "--data", _data)).ExitCode == 0);

        using (var bucket = new S3FileStore(site.S3)) await bucket.DeleteAsync(Document.PageKey(lostPage, 2), CancellationToken.None);
        await site.WithDbAsync(db => db.Database.ExecuteSqlAsync($"DELETE FROM \"SearchEntries\" WHERE \"DocumentId\" = {unsearchable}"));
        await site.WithDbAsync(db => db.DocumentFingerprints.Where(f => f.DocumentId == unfingerprinted).ExecuteDeleteAsync());

        var found = await OperatorCli.RunAsync(env, "admin", "check", "--data", _data);
        found.ExitCode.ShouldBe(1, found.ToString());
        found.Output.ShouldContain($"PROBLEM  pages  document {lostPage}  pages/{lostPage}/2.jpg");
        found.Output.ShouldContain($"PROBLEM  search  document {unsearchable}");
        found.Output.ShouldContain($"PROBLEM  fingerprints  document {unfingerprinted}");

        var repair = await OperatorCli.RunAsync(env, "admin", "check", "--data", _data, "--repair");
        repair.ExitCode.ShouldBe(0, repair.ToString());
        repair.Output.ShouldContain("All 3 problems were repaired.");

        // The site's own worker converts the document again; search finds the one it had lost.
        (await site.WaitForDocumentAsync(lostPage)).Status.ShouldBe(DocumentStatus.Ready);
        (await site.CreateClient().GetAsync($"/d/{lostPage}/page/2.jpg")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await site.WithDbAsync(db => db.DocumentFingerprints.CountAsync(f => f.DocumentId == unfingerprinted))).ShouldBe(1);
        await WaitUntilAsync(async () => (await OperatorCli.RunAsync(env, "admin", "check", "--data", _data)).ExitCode == 0);
        var hits = await site.CreateClient().GetFromJsonAsync<JsonElement>("/api/v1/search?q=scalecheck2");
        hits.GetProperty("hits").EnumerateArray().Select(h => h.GetProperty("id").GetInt64()).ShouldContain(unsearchable);
    }

    /// <summary>A running site may still be applying its search outbox or finishing a conversion: a few tries.</summary>
    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        for (var i = 0; i < 20; i++)
        {
            if (await condition()) return;
            await Task.Delay(500);
        }
        (await condition()).ShouldBeTrue("check did not come out clean");
    }

    public void Dispose() => TestPaths.TryDelete(_data);
}
