using Xunit;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using SkiaSharp;
using Wenku.Documents;
using Wenku.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Wenku.Tests.Conversion;

/// <summary>
/// Hostile and broken files of every format through the real site and a real worker: each is refused at upload or
/// ends <c>failed</c> with a reason, the site answers <c>/health/ready</c> throughout, and the worker's memory stays
/// under 1 GB (the converters it starts are held by their own limits).
/// </summary>
[Trait(WenkuFactory.Suite, WenkuFactory.OnBothStacks)]
public sealed class HostileFileTests(WenkuFactory site, ITestOutputHelper output) : IClassFixture<WenkuFactory>
{
    [Fact]
    public async Task Hostile_and_truncated_files_are_refused_or_fail_with_a_reason_and_the_site_stays_up()
    {
        var (api, _) = await site.ApiClientAsync("hostile@test.local");
        var health = site.CreateClient();
        var unhealthy = 0;
        using var stop = new CancellationTokenSource();
        var poll = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    if ((await health.GetAsync("/health/ready", stop.Token)).StatusCode != HttpStatusCode.OK) unhealthy++;
                }
                catch (OperationCanceledException) { }
                await Task.Delay(250, CancellationToken.None);
            }
        });

        var failures = new List<string>();
        foreach (var (name, file, mayBeReady) in Fixtures())
        {
            var response = await api.PostAsync("/api/v1/documents", TestPdfs.Upload(file, name, title: name));
            var body = await response.Content.ReadAsStringAsync();
            if (response.StatusCode != HttpStatusCode.Accepted)
            {
                output.WriteLine($"{name}: refused {(int)response.StatusCode} {Title(body)}");
                if ((int)response.StatusCode is not (415 or 400)) failures.Add($"{name}: unexpected {(int)response.StatusCode}");
                continue;
            }
            var id = JsonDocument.Parse(body).RootElement.GetProperty("id").GetInt64();
            var doc = await site.WaitForDocumentAsync(id, TimeSpan.FromMinutes(4));
            output.WriteLine($"{name}: {doc.Status} {doc.Error}");
            if (doc.Status == DocumentStatus.Failed && string.IsNullOrWhiteSpace(doc.Error)) failures.Add($"{name}: failed without a reason");
            if (doc.Status == DocumentStatus.Ready && !mayBeReady) failures.Add($"{name}: ready, expected refused or failed");
        }
        await stop.CancelAsync();
        await poll;

        var peak = WorkerPeakMemoryMb();
        output.WriteLine($"worker peak resident memory: {peak} MB");
        failures.ShouldBeEmpty();
        unhealthy.ShouldBe(0);
        peak.ShouldBeLessThan(1024);
    }

    /// <summary>Each hostile file, its name, and whether ending <c>ready</c> is acceptable (truncation it cannot tell).</summary>
    private static IEnumerable<(string Name, byte[] File, bool MayBeReady)> Fixtures()
    {
        yield return ("empty.pdf", [], false);
        yield return ("billion-laughs.docx", BillionLaughsDocx(), true); // LibreOffice ignores the DTD or gives up: either is safe
        yield return ("pixel-bomb.png", TestImages.PixelBombPng(), false);
        // Archives inside an archive are listed, never opened (nesting depth 1): the bomb stays a short listing.
        yield return ("nested-bomb.zip", NestedBomb(), false);

        var salt = Guid.NewGuid().ToString("N");
        var docx = TestOffice.Docx(2, k => $"{TestOffice.PageText(k)} {salt}");
        var xlsx = TestOffice.Xlsx(salt);
        var pptx = TestOffice.Pptx(1, k => salt);
        var originals = new (string Name, byte[] File, bool MayBeReady)[]
        {
            ("cut.pdf", TestPdfs.MultiPage(3), false),
            ("cut.docx", docx, false), ("cut.xlsx", xlsx, false), ("cut.pptx", pptx, false),
            ("cut.doc", TestOffice.ConvertWithLibreOffice(docx, "a.docx", "doc"), false),
            ("cut.xls", TestOffice.ConvertWithLibreOffice(xlsx, "a.xlsx", "xls"), false),
            ("cut.ppt", TestOffice.ConvertWithLibreOffice(pptx, "a.pptx", "ppt"), false),
            ("cut.odt", TestOffice.ConvertWithLibreOffice(docx, "a.docx", "odt"), false),
            // RTF and text have no end marker and no directory: a cut copy is a shorter document.
            ("cut.rtf", TestOffice.ConvertWithLibreOffice(docx, "a.docx", "rtf"), true),
            ("cut.txt", Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat($"截断的文本 {salt}\n", 200))), true),
            ("cut.png", TestImages.Encode(SKEncodedImageFormat.Png, 600, 400), false),
            ("cut.jpg", TestImages.Encode(SKEncodedImageFormat.Jpeg, 600, 400), false),
            ("cut.webp", TestImages.Encode(SKEncodedImageFormat.Webp, 600, 400), false),
            ("cut.gif", TestImages.Gif(3), false),
            ("cut.bmp", TestImages.Bmp(200, 100), false),
            ("cut.tiff", TestImages.Tiff(2, 200, 100), false),
            ("cut.zip", FileSnifferTestsZip(("a.txt", Encoding.UTF8.GetBytes(salt))), false),
            ("cut.tar.gz", TarGz(salt), false),
            ("cut.dxf", Encoding.UTF8.GetBytes(MinimalDxf(salt)), false),
        };
        foreach (var (name, file, mayBeReady) in originals)
            yield return (name, file[..(file.Length / 2)], mayBeReady);
    }

    /// <summary>A Word document whose main part declares the "billion laughs" entities (10^9 copies of "lol").</summary>
    private static byte[] BillionLaughsDocx()
    {
        var docx = TestOffice.Docx(1, _ => "laughs " + Guid.NewGuid());
        using var ms = new MemoryStream();
        ms.Write(docx);
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Update, leaveOpen: true))
        {
            var entry = zip.GetEntry("word/document.xml")!;
            string xml;
            using (var r = new StreamReader(entry.Open())) xml = r.ReadToEnd();
            entry.Delete();
            var dtd = new StringBuilder("<!DOCTYPE w:document [<!ENTITY lol0 \"lol\">");
            for (var i = 1; i <= 9; i++) dtd.Append($"<!ENTITY lol{i} \"{string.Concat(Enumerable.Repeat($"&lol{i - 1};", 10))}\">");
            dtd.Append("]>");
            var declarationEnd = xml.IndexOf("?>", StringComparison.Ordinal) + 2;
            xml = xml[..declarationEnd] + dtd + xml[declarationEnd..].Replace("laughs", "&lol9;", StringComparison.Ordinal);
            using var w = new StreamWriter(zip.CreateEntry("word/document.xml").Open());
            w.Write(xml);
        }
        return ms.ToArray();
    }

    /// <summary>A zip of ten zips of ten zips … whose innermost entries are 10 MB of zeros each.</summary>
    private static byte[] NestedBomb()
    {
        var layer = FileSnifferTestsZip(("zeros.bin", new byte[10 * 1024 * 1024]));
        for (var depth = 0; depth < 3; depth++)
            layer = FileSnifferTestsZip(Enumerable.Range(0, 10).Select(i => ($"{depth}-{i}.zip", layer)).ToArray());
        return layer;
    }

    private static byte[] FileSnifferTestsZip(params (string Name, byte[] Content)[] entries) => Documents.FileSnifferTests.Zip(entries);

    private static byte[] TarGz(string salt)
    {
        var dir = TestPaths.NewTempDir("tar");
        for (var i = 0; i < 20; i++) File.WriteAllText(Path.Combine(dir, $"{i}.txt"), $"{salt} {i} " + new string('x', 2000));
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
            System.Formats.Tar.TarFile.CreateFromDirectory(dir, gz, includeBaseDirectory: false);
        TestPaths.TryDelete(dir);
        return ms.ToArray();
    }

    private static string MinimalDxf(string salt) =>
        "  0\nSECTION\n  2\nENTITIES\n" + string.Concat(Enumerable.Range(0, 50).Select(i => $"  0\nLINE\n 10\n{i}\n 20\n0\n 11\n{i}\n 21\n10\n")) +
        $"  0\nTEXT\n 10\n0\n 20\n0\n 40\n1\n  1\n{salt}\n  0\nENDSEC\n  0\nEOF\n";

    /// <summary>Peak resident memory (VmHWM) of this site's worker processes, in MB.</summary>
    private long WorkerPeakMemoryMb()
    {
        long peak = 0;
        var data = Path.GetFullPath(site.DataDir);
        foreach (var dir in Directory.EnumerateDirectories("/proc").Where(d => int.TryParse(Path.GetFileName(d), out _)))
        {
            try
            {
                var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                if (!cmdline.Contains(" worker ", StringComparison.Ordinal) || !cmdline.Contains(data, StringComparison.Ordinal)) continue;
                var hwm = File.ReadAllLines(Path.Combine(dir, "status")).FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
                if (hwm is null) continue;
                peak = Math.Max(peak, long.Parse(hwm.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) / 1024);
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        return peak;
    }

    private static string Title(string body)
    {
        try { return JsonDocument.Parse(body).RootElement.GetProperty("title").GetString() ?? body; }
        catch (JsonException) { return body; }
    }
}
