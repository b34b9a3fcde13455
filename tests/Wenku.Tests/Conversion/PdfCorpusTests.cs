using Xunit;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Wenku.Documents;
using Wenku.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Wenku.Tests.Conversion;

/// <summary>
/// Real-world PDFs (the pdf.js test corpus in <c>../shared/corpus/pdfjs</c>: fuzzed files, bombs, broken xrefs,
/// passwords, CJK fonts) through the real pipeline. The whole folder runs with <c>scripts/pdfjs-corpus.sh</c>;
/// this is the fixed subset CI runs.
/// </summary>
[Trait(WenkuFactory.Suite, WenkuFactory.OnBothStacks)]
public sealed class PdfCorpusTests(PdfCorpusSite site, ITestOutputHelper output) : IClassFixture<PdfCorpusSite>
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Every k-th file of the folder (sorted by name) joins the subset.</summary>
    private const int Spread = 8;

    /// <summary>Files always in the subset: the bomb, CJK text, passwords and encryption, broken structure, no header.</summary>
    private static readonly string[] Named =
    [
        "bomb_giant.pdf",
        "issue19360.pdf", "issue2128r.pdf", "issue3521.pdf", "issue8372.pdf", // Chinese
        "90ms_rksj_h_sample.pdf", "noembed-identity.pdf", "bug1771477.pdf",     // Japanese, Korean
        "issue3371.pdf", "pr6531_1.pdf",                                        // need a password to open
        "issue17069.pdf", "issue7665.pdf", "issue9972-1.pdf",                   // encrypted, open without one
        "REDHAT-1531897-0.pdf", "issue15590.pdf", "poppler-91414-0-54.pdf",     // broken xref / page tree
        "Pages-tree-refs.pdf",                                                  // pdftoppm complains but renders
        "bug1606566.pdf",                                                       // no %PDF- header: refused
    ];

    /// <summary>Text that must come out of CJK files: what a reader searches for.</summary>
    private static readonly Dictionary<string, string> ExpectedText = new()
    {
        ["issue19360.pdf"] = "社会主义核心价值体系",
        ["issue3521.pdf"] = "我们都是黑体字",
        ["issue2128r.pdf"] = "校长的魅力",
        ["90ms_rksj_h_sample.pdf"] = "日本語",
    };

    /// <summary>No file may take the site longer than this from upload to a final status.</summary>
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(6);

    [CorpusFact] // WENKU_SKIP_CORPUS=1 reports it as skipped
    public async Task Every_corpus_pdf_ends_ready_or_failed_with_a_reason_while_the_site_stays_ready()
    {
        var folder = TestPaths.Shared("corpus", "pdfjs")
            ?? throw new DirectoryNotFoundException(
                "The PDF corpus ../shared/corpus/pdfjs is missing beside the repository. Put it there, or set WENKU_SKIP_CORPUS=1 to skip this test.");
        var files = Subset(folder);
        files.Count.ShouldBeGreaterThanOrEqualTo(60);

        var clock = Stopwatch.StartNew();
        var (api, _) = await site.ApiClientAsync("corpus@test.local");
        using var stopHealth = new CancellationTokenSource();
        var health = WatchHealthAsync(stopHealth.Token);

        var accepted = new Dictionary<long, string>();
        var refused = new List<(string File, HttpStatusCode Code, string Reason)>();
        foreach (var path in files)
        {
            var name = Path.GetFileName(path);
            var response = await api.PostAsync("/api/v1/documents", TestPdfs.Upload(await File.ReadAllBytesAsync(path), fileName: name));
            if (response.StatusCode == HttpStatusCode.Accepted)
            {
                accepted[(await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64()] = name;
                continue;
            }
            // A refusal is an answer too, if it is the uploader's problem and says so.
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            var reason = problem.TryGetProperty("title", out var t) ? t.GetString() ?? "" : "";
            ((int)response.StatusCode).ShouldBeInRange(400, 499, $"{name}: {reason}");
            reason.ShouldNotBeNullOrWhiteSpace($"{name} was refused without a reason");
            refused.Add((name, response.StatusCode, reason));
        }
        var uploadTime = clock.Elapsed;

        var docs = await WaitForAllAsync(accepted.Keys, Deadline);
        await stopHealth.CancelAsync();
        var (polls, unhealthy) = await health;

        // Held is an end too: the corpus has variants of one file (issue9972-1/2/3.pdf), held as near duplicates.
        var stuck = docs.Where(d => d.Status is not (DocumentStatus.Ready or DocumentStatus.Failed or DocumentStatus.Held)).ToList();
        var ready = docs.Where(d => d.Status is DocumentStatus.Ready or DocumentStatus.Held).ToList();
        var failed = docs.Where(d => d.Status == DocumentStatus.Failed).ToList();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"PDF corpus: {files.Count} files, {ready.Count} ready, {failed.Count} failed, {refused.Count} refused, {stuck.Count} stuck " +
            $"in {clock.Elapsed.TotalSeconds:F0} s (uploads {uploadTime.TotalSeconds:F0} s); /health/ready 200 in {polls - unhealthy.Count} of {polls} polls"));
        foreach (var group in failed.GroupBy(d => d.Error).OrderByDescending(g => g.Count()))
            output.WriteLine($"  failed ×{group.Count()}: {group.Key}  [{string.Join(", ", group.Select(d => accepted[d.Id]))}]");
        foreach (var (file, code, reason) in refused)
            output.WriteLine($"  refused {(int)code}: {reason}  [{file}]");
        foreach (var d in stuck)
            output.WriteLine($"  stuck {d.Status}: {accepted[d.Id]}");
        foreach (var d in docs.Where(d => d.Status == DocumentStatus.Held))
            output.WriteLine($"  held as a near duplicate of {accepted.GetValueOrDefault(d.NearDuplicateOfId ?? 0, $"/d/{d.NearDuplicateOfId}")}: {accepted[d.Id]}");

        stuck.Select(d => $"{accepted[d.Id]} still {d.Status}").ShouldBeEmpty();
        unhealthy.ShouldBeEmpty();
        polls.ShouldBeGreaterThan(10);
        refused.ShouldContain(r => r.File == "bug1606566.pdf" && r.Code == HttpStatusCode.UnsupportedMediaType);
        ready.Count.ShouldBeGreaterThan(files.Count / 2, "most real-world PDFs must convert");

        foreach (var doc in ready)
        {
            doc.PageCount.ShouldBeGreaterThan(0, accepted[doc.Id]);
            var page1 = await api.GetAsync($"/api/v1/documents/{doc.Id}/pages/1");
            page1.StatusCode.ShouldBe(HttpStatusCode.OK, accepted[doc.Id]);
            (await page1.Content.ReadAsByteArrayAsync())[..3].ShouldBe(new byte[] { 0xFF, 0xD8, 0xFF }, accepted[doc.Id]);
        }
        foreach (var doc in failed)
        {
            var meta = await api.GetFromJsonAsync<DocumentDto>($"/api/v1/documents/{doc.Id}", Json);
            meta!.Status.ShouldBe("failed");
            meta.Error.ShouldNotBeNullOrWhiteSpace($"{accepted[doc.Id]} failed without a reason");
            ShouldBeReadable(meta.Error, accepted[doc.Id]);
        }

        var bomb = docs.Single(d => accepted[d.Id] == "bomb_giant.pdf");
        bomb.Status.ShouldBeOneOf(DocumentStatus.Ready, DocumentStatus.Failed);
        var locked = docs.Single(d => accepted[d.Id] == "issue3371.pdf");
        locked.Status.ShouldBe(DocumentStatus.Failed);
        locked.ErrorCode.ShouldBe(Wenku.Conversion.PdfConverter.Encrypted.Code);
        (locked.Error ?? "").ShouldContain("密码");

        foreach (var (file, expected) in ExpectedText)
        {
            var doc = docs.Single(d => accepted[d.Id] == file);
            doc.Status.ShouldBe(DocumentStatus.Ready, $"{file}: {doc.Error}");
            var text = await site.WithDbAsync(db => db.DocumentPages.Where(p => p.DocumentId == doc.Id).Select(p => p.Text).ToListAsync());
            string.Concat(text).ShouldContain(expected, customMessage: file);
        }
    }

    /// <summary>The fixed subset: the named files, every fuzzed file, and every <see cref="Spread"/>-th file by name.</summary>
    private static List<string> Subset(string folder)
    {
        var all = Directory.EnumerateFiles(folder, "*.pdf").Order(StringComparer.Ordinal).ToList();
        var names = all.Select(Path.GetFileName).ToHashSet(StringComparer.Ordinal);
        var missing = Named.Where(n => !names.Contains(n)).ToList();
        missing.ShouldBeEmpty($"the corpus in {folder} lacks files this test names");
        var fuzzed = all.Where(p => Path.GetFileName(p).Contains("fuzzed", StringComparison.OrdinalIgnoreCase)).ToList();
        fuzzed.ShouldNotBeEmpty();
        return all.Where((p, i) => i % Spread == 0
                || Named.Contains(Path.GetFileName(p), StringComparer.Ordinal)
                || fuzzed.Contains(p))
            .ToList();
    }

    private async Task<List<Document>> WaitForAllAsync(IReadOnlyCollection<long> ids, TimeSpan deadline)
    {
        var until = DateTime.UtcNow + deadline;
        while (true)
        {
            var docs = await site.WithDbAsync(db => db.Documents.AsNoTracking().Where(d => ids.Contains(d.Id)).ToListAsync());
            if (docs.All(d => d.Status is DocumentStatus.Ready or DocumentStatus.Failed or DocumentStatus.Held) || DateTime.UtcNow > until) return docs;
            await Task.Delay(500);
        }
    }

    /// <summary>Polls <c>/health/ready</c> twice a second; every answer that is not a quick 200 is written down.</summary>
    private async Task<(int Polls, List<string> Unhealthy)> WatchHealthAsync(CancellationToken stop)
    {
        using var http = site.CreateClient();
        http.Timeout = TimeSpan.FromSeconds(5);
        var polls = 0;
        var unhealthy = new List<string>();
        while (!stop.IsCancellationRequested)
        {
            polls++;
            try
            {
                var response = await http.GetAsync("/health/ready", CancellationToken.None);
                if (response.StatusCode != HttpStatusCode.OK)
                    unhealthy.Add($"{DateTime.UtcNow:HH:mm:ss} HTTP {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(CancellationToken.None)}");
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                unhealthy.Add($"{DateTime.UtcNow:HH:mm:ss} no answer: {e.Message}");
            }
            try { await Task.Delay(500, stop); } catch (OperationCanceledException) { }
        }
        return (polls, unhealthy);
    }

    /// <summary>A reason for people: both languages, no stack trace, no raw bytes.</summary>
    private static void ShouldBeReadable(string reason, string file)
    {
        reason.ShouldMatch(@"\p{IsCJKUnifiedIdeographs}", $"{file}: no Chinese in \"{reason}\"");
        reason.ShouldMatch("[A-Za-z]{3,}", $"{file}: no English in \"{reason}\"");
        reason.ShouldNotContain("Exception", Case.Sensitive, $"{file}: {reason}");
        reason.ShouldNotContain("   at ", Case.Sensitive, $"{file}: {reason}");
        reason.ShouldNotContain("<0a>", Case.Sensitive, $"{file}: {reason}");
        reason.ShouldNotMatch(@"\(.{0,3}\)", $"{file}: a cut-off detail in \"{reason}\"");
    }
}

/// <summary>The site with two worker processes and tighter limits, so a hostile file ends soon.</summary>
public sealed class PdfCorpusSite : WenkuFactory
{
    protected override int Workers => 2;

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Wenku:Conversion:ProcessTimeoutSeconds"] = "30",
        ["Wenku:Conversion:ProcessMemoryMb"] = "1024",
        ["Wenku:Conversion:MaxAttempts"] = "2",
        // Many corpus pages have no text layer; OCR of each would cost this test many minutes and proves nothing
        // about the PDF handling it is for (OcrTests and HostileFileTests cover OCR).
        ["Wenku:Conversion:Ocr"] = "false",
    };
}
