using Xunit;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using SkiaSharp;
using Wenku.Documents;
using Wenku.Tests.Infrastructure;

namespace Wenku.Tests.Conversion;

/// <summary>Archives through the real pipeline: the listing, previews of the first documents inside, and the bounds.</summary>
[Trait(WenkuFactory.Suite, WenkuFactory.OnBothStacks)]
public sealed class ArchiveTests(WenkuFactory site) : IClassFixture<WenkuFactory>
{
    [Fact]
    public async Task Zip_lists_every_entry_and_previews_the_documents_inside()
    {
        var salt = Guid.NewGuid().ToString("N");
        var zip = Zip(
            ("资料/", null),
            ("资料/报告.docx", TestOffice.Docx(2, k => $"{TestOffice.PageText(k)} {salt}")),
            ("资料/图片.png", TestImages.Encode(SKEncodedImageFormat.Png)),
            ("说明.txt", Encoding.UTF8.GetBytes("压缩包里的说明文字 readme")),
            ("数据.bin", [1, 2, 3]));
        var doc = await UploadAndWaitAsync(zip, "资料包.zip");
        doc.Status.ShouldBe(DocumentStatus.Ready, doc.Error);
        doc.Format.ShouldBe("zip");
        doc.PageCount.ShouldBe(4); // 2 of the Word document, 1 image, 1 of text

        var entries = await site.WithDbAsync(db => db.ArchiveEntries.Where(e => e.DocumentId == doc.Id).OrderBy(e => e.Number).ToListAsync());
        entries.Select(e => e.Path).ShouldBe(["资料/", "资料/报告.docx", "资料/图片.png", "说明.txt", "数据.bin"]);
        entries[1].FirstPage.ShouldBe(1);
        entries[1].PageCount.ShouldBe(2);
        entries[2].FirstPage.ShouldBe(3);
        entries[3].FirstPage.ShouldBe(4);
        entries[4].FirstPage.ShouldBeNull();
        entries[4].Size.ShouldBe(3);

        var page = await site.CreateClient().GetStringAsync($"/d/{doc.Id}");
        page.ShouldContain("压缩包内容（5）");
        page.ShouldContain("资料/报告.docx");
        page.ShouldContain("href=\"#page-3\"");
        page.ShouldContain("压缩包里的说明文字");
    }

    [Fact]
    public async Task Tar_gz_is_listed_and_previewed()
    {
        var dir = TestPaths.NewTempDir("targz");
        Directory.CreateDirectory(Path.Combine(dir, "docs"));
        File.WriteAllText(Path.Combine(dir, "docs", "note.txt"), $"tar 包里的文字 {Guid.NewGuid()}");
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
            System.Formats.Tar.TarFile.CreateFromDirectory(dir, gz, includeBaseDirectory: false);
        TestPaths.TryDelete(dir);

        var doc = await UploadAndWaitAsync(ms.ToArray(), "docs.tar.gz");
        doc.Status.ShouldBe(DocumentStatus.Ready, doc.Error);
        doc.Format.ShouldBe("tar.gz");
        doc.PageCount.ShouldBe(1);
        var entries = await site.WithDbAsync(db => db.ArchiveEntries.Where(e => e.DocumentId == doc.Id).ToListAsync());
        entries.ShouldContain(e => e.Path.EndsWith("docs/note.txt") && e.FirstPage == 1);
    }

    [Fact]
    public async Task Seven_zip_is_listed_and_previewed_and_its_encrypted_entries_are_noted()
    {
        var dir = TestPaths.NewTempDir("7z");
        var salt = Guid.NewGuid().ToString("N");
        Directory.CreateDirectory(Path.Combine(dir, "docs"));
        File.WriteAllText(Path.Combine(dir, "docs", "note.txt"), $"七z 包里的文字 {salt}");
        File.WriteAllText(Path.Combine(dir, "secret.txt"), "机密 secret");
        var plain = Path.Combine(dir, "plain.7z");
        var locked = Path.Combine(dir, "locked.7z");
        SevenZip(dir, "a", plain, "docs");
        SevenZip(dir, "a", "-pwenku", locked, "secret.txt"); // names readable, content encrypted
        try
        {
            var doc = await UploadAndWaitAsync(File.ReadAllBytes(plain), "docs.7z");
            doc.Status.ShouldBe(DocumentStatus.Ready, doc.Error);
            doc.Format.ShouldBe("7z");
            doc.PageCount.ShouldBe(1);
            var entries = await site.WithDbAsync(db => db.ArchiveEntries.Where(e => e.DocumentId == doc.Id).ToListAsync());
            entries.ShouldContain(e => e.Path.EndsWith("docs/note.txt") && e.FirstPage == 1);
            (await site.CreateClient().GetStringAsync($"/d/{doc.Id}")).ShouldContain(salt);

            var encrypted = await UploadAndWaitAsync(File.ReadAllBytes(locked), "locked.7z");
            if (encrypted.Status == DocumentStatus.Ready)
            {
                var listed = await site.WithDbAsync(db => db.ArchiveEntries.Where(e => e.DocumentId == encrypted.Id).ToListAsync());
                listed.ShouldHaveSingleItem().IsEncrypted.ShouldBeTrue();
                encrypted.PageCount.ShouldBe(0);
            }
            else encrypted.Error.ShouldNotBeNullOrWhiteSpace(); // a reason either way, never the content
        }
        finally
        {
            TestPaths.TryDelete(dir);
        }
    }

    private static readonly DateTime RarTime = new(2024, 3, 15, 10, 42, 36);

    [Fact]
    public async Task Rar_lists_every_entry_and_previews_the_documents_inside()
    {
        var salt = Guid.NewGuid().ToString("N");
        var docx = TestOffice.Docx(1, k => $"{TestOffice.PageText(k)} {salt}");
        var pdf = TestPdfs.MultiPage(2, salt: salt);
        // The Word document comes first: a PDF header in the first KB of a stored archive would make it a polyglot.
        var rar = TestRar.Write(
            new("资料", null, RarTime),
            new("资料/报告.docx", docx, RarTime),
            new("资料/论文.pdf", pdf, RarTime.AddDays(1)),
            new("数据.bin", [1, 2, 3], RarTime));
        var doc = await UploadAndWaitAsync(rar, "资料包.rar");
        doc.Status.ShouldBe(DocumentStatus.Ready, doc.Error);
        doc.Format.ShouldBe("rar");
        doc.PageCount.ShouldBe(3); // 1 of the Word document, 2 of the PDF

        var entries = await site.WithDbAsync(db => db.ArchiveEntries.Where(e => e.DocumentId == doc.Id).OrderBy(e => e.Number).ToListAsync());
        entries.Select(e => e.Path).ShouldBe(["资料", "资料/报告.docx", "资料/论文.pdf", "数据.bin"]);
        entries[0].IsDirectory.ShouldBeTrue();
        entries[1].Size.ShouldBe(docx.Length);
        entries[1].Modified.ShouldBe(RarTime);
        (entries[1].FirstPage, entries[1].PageCount).ShouldBe((1, 1));
        entries[2].Modified.ShouldBe(RarTime.AddDays(1));
        (entries[2].FirstPage, entries[2].PageCount).ShouldBe((2, 2));
        entries[3].FirstPage.ShouldBeNull();

        var page = await site.CreateClient().GetStringAsync($"/d/{doc.Id}");
        page.ShouldContain("压缩包内容（4）");
        page.ShouldContain("资料/论文.pdf");
        page.ShouldContain("2024-03-16 10:42");
        page.ShouldContain("href=\"#page-2\"");
        var text = await _api!.GetFromJsonAsync<JsonElement>($"/api/v1/documents/{doc.Id}/text");
        var all = string.Join("\n", text.GetProperty("pages").EnumerateArray().Select(p => p.GetProperty("text").GetString()));
        all.ShouldContain("创新是引领发展的第一动力");
        all.ShouldContain("Paragraph 2");

        // The API lists the same entries.
        var meta = await site.CreateClient().GetFromJsonAsync<JsonElement>($"/api/v1/documents/{doc.Id}");
        meta.GetProperty("entryCount").GetInt32().ShouldBe(4);
        var listed = meta.GetProperty("entries").EnumerateArray().ToList();
        listed.Select(e => e.GetProperty("path").GetString()).ShouldBe(["资料", "资料/报告.docx", "资料/论文.pdf", "数据.bin"]);
        listed[0].GetProperty("isDirectory").GetBoolean().ShouldBeTrue();
        listed[2].GetProperty("size").GetInt64().ShouldBe(pdf.Length);
        listed[2].GetProperty("modified").GetDateTime().ShouldBe(RarTime.AddDays(1));
        listed[2].GetProperty("encrypted").GetBoolean().ShouldBeFalse();
        listed[2].GetProperty("pages").GetProperty("first").GetInt32().ShouldBe(2);
        listed[2].GetProperty("pages").GetProperty("last").GetInt32().ShouldBe(3);
        listed[3].GetProperty("pages").ValueKind.ShouldBe(JsonValueKind.Null);
        listed[3].GetProperty("note").GetString()!.ShouldContain("预览");
        meta.GetProperty("ocrPages").ValueKind.ShouldBe(JsonValueKind.Null);
        meta.GetProperty("title").GetString().ShouldBe("资料包.rar"); // the fields before stay as they were
    }

    [Fact]
    public async Task Rar_entries_flagged_encrypted_are_listed_with_a_note_and_not_previewed()
    {
        var rar = TestRar.Write(
            new("公开.txt", Encoding.UTF8.GetBytes($"公开的文字 {Guid.NewGuid()}"), RarTime),
            new("机密.txt", Encoding.UTF8.GetBytes("机密 secret"), RarTime, Encrypted: true));
        var doc = await UploadAndWaitAsync(rar, "locked.rar");
        doc.Status.ShouldBe(DocumentStatus.Ready, doc.Error);
        doc.PageCount.ShouldBe(1);
        var entries = await site.WithDbAsync(db => db.ArchiveEntries.Where(e => e.DocumentId == doc.Id).OrderBy(e => e.Number).ToListAsync());
        entries[1].IsEncrypted.ShouldBeTrue();
        entries[1].FirstPage.ShouldBeNull();
        entries[1].Note.ShouldBe(ArchiveNotes.Encrypted.Code);
        var page = await site.CreateClient().GetStringAsync($"/d/{doc.Id}");
        page.ShouldContain("此压缩包含有加密文件：只列出，不预览。");
        page.ShouldNotContain("机密 secret");
        var listed = (await site.CreateClient().GetFromJsonAsync<JsonElement>($"/api/v1/documents/{doc.Id}")).GetProperty("entries").EnumerateArray().ToList();
        listed[1].GetProperty("encrypted").GetBoolean().ShouldBeTrue();
        listed[1].GetProperty("pages").ValueKind.ShouldBe(JsonValueKind.Null);
        listed[1].GetProperty("note").GetString().ShouldBe("已加密：只列出，不预览");
    }

    [Fact]
    public async Task Rar_5_is_listed_and_previewed_and_a_cut_one_fails_with_a_reason()
    {
        var salt = Guid.NewGuid().ToString("N");
        TestRar.Entry[] two = [new("文档", null, RarTime), new("文档/说明.txt", Encoding.UTF8.GetBytes($"RAR 5 包里的文字 {salt}"), RarTime)];
        var rar = TestRar.WriteRar5([.. two, new("文档/附件.txt", Encoding.UTF8.GetBytes(new string('附', 3000)), RarTime)]);
        var doc = await UploadAndWaitAsync(rar, "rar5.rar");
        doc.Status.ShouldBe(DocumentStatus.Ready, doc.Error);
        doc.Format.ShouldBe("rar");
        var entries = await site.WithDbAsync(db => db.ArchiveEntries.Where(e => e.DocumentId == doc.Id).OrderBy(e => e.Number).ToListAsync());
        entries.Select(e => e.Path).ShouldBe(["文档", "文档/说明.txt", "文档/附件.txt"]);
        entries[1].FirstPage.ShouldBe(1);
        entries[1].Modified.ShouldBe(RarTime);
        (await site.CreateClient().GetStringAsync($"/d/{doc.Id}")).ShouldContain(salt);

        // Without its end of archive header, or cut off after the second entry: the third is missing, and that is said.
        const int endHeader = 8;
        foreach (var cut in new[] { rar.Length - endHeader, TestRar.WriteRar5(two).Length - endHeader })
        {
            var failed = await UploadAndWaitAsync(rar[..cut], $"cut5-{cut}.rar");
            failed.Status.ShouldBe(DocumentStatus.Failed);
            failed.Error!.ShouldContain("截断");
            failed.ErrorCode!.ShouldStartWith("archive.");
        }
    }

    [Fact]
    public async Task Truncated_or_damaged_rar_fails_with_a_reason()
    {
        var second = Encoding.UTF8.GetBytes(new string('字', 4000) + Guid.NewGuid());
        var rar = TestRar.Write(new("one.txt", Encoding.UTF8.GetBytes($"第一个文件 {Guid.NewGuid()}"), RarTime), new("two.txt", second, RarTime));
        var secondHeader = rar.Length - 7 - second.Length - (32 + "two.txt".Length); // the end block, the data, the header
        foreach (var cut in new[] { rar.Length - 5000, secondHeader + 10 }) // inside the data; inside the second header
        {
            var doc = await UploadAndWaitAsync(rar[..cut], $"cut-{cut}.rar");
            doc.Status.ShouldBe(DocumentStatus.Failed);
            doc.Error!.ShouldContain("截断");
            doc.ErrorCode!.ShouldStartWith("archive.");
        }

        // RAR 5's signature, then junk: a reason, not a crash retried.
        var damaged = await UploadAndWaitAsync([.. TestRar.Rar5Marker, .. Encoding.ASCII.GetBytes(Guid.NewGuid().ToString())], "damaged.rar");
        damaged.Status.ShouldBe(DocumentStatus.Failed);
        damaged.Error!.ShouldContain("压缩包不完整");
    }

    private static void SevenZip(string workDir, params string[] args)
    {
        var psi = new System.Diagnostics.ProcessStartInfo("7zz") { WorkingDirectory = workDir, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(psi)!;
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        p.ExitCode.ShouldBe(0, $"7zz {string.Join(' ', args)}");
    }

    [Fact]
    public async Task Zip_slip_entries_are_listed_but_never_written_outside_the_work_folder()
    {
        var marker = $"slip-{Guid.NewGuid():N}.txt";
        var zip = Zip(($"../../../../../../tmp/{marker}", Encoding.UTF8.GetBytes("逃逸 escaped")), ($"/tmp/{marker}", Encoding.UTF8.GetBytes("绝对路径 absolute")));
        var doc = await UploadAndWaitAsync(zip, "slip.zip");
        doc.Status.ShouldBe(DocumentStatus.Ready, doc.Error);
        File.Exists(Path.Combine("/tmp", marker)).ShouldBeFalse();
        Directory.EnumerateFiles(site.DataDir, marker, SearchOption.AllDirectories).ShouldBeEmpty();
        var entries = await site.WithDbAsync(db => db.ArchiveEntries.Where(e => e.DocumentId == doc.Id).OrderBy(e => e.Number).ToListAsync());
        entries[0].Path.ShouldBe($"../../../../../../tmp/{marker}");
        entries[0].FirstPage.ShouldBe(1); // previewed from entry-1/original.txt, not from its name
    }

    [Fact]
    public async Task Encrypted_entries_are_listed_with_a_note_and_not_previewed()
    {
        var zip = Zip(("公开.txt", Encoding.UTF8.GetBytes($"公开的文字 {Guid.NewGuid()}")), ("机密.txt", Encoding.UTF8.GetBytes("机密")));
        MarkEncrypted(zip, "机密.txt");
        var doc = await UploadAndWaitAsync(zip, "locked.zip");
        doc.Status.ShouldBe(DocumentStatus.Ready, doc.Error);
        var entries = await site.WithDbAsync(db => db.ArchiveEntries.Where(e => e.DocumentId == doc.Id).OrderBy(e => e.Number).ToListAsync());
        entries[1].IsEncrypted.ShouldBeTrue();
        entries[1].FirstPage.ShouldBeNull();
        var page = await site.CreateClient().GetStringAsync($"/d/{doc.Id}");
        page.ShouldContain("此压缩包含有加密文件：只列出，不预览。");
    }

    [Fact]
    public async Task High_ratio_zip_bomb_fails_with_a_reason()
    {
        var zip = Zip(("zeros.txt", new byte[64 * 1024 * 1024]));
        var doc = await UploadAndWaitAsync(zip, "bomb.zip");
        doc.Status.ShouldBe(DocumentStatus.Failed);
        doc.Error!.ShouldContain("压缩炸弹");
    }

    [Fact]
    public async Task Nested_archives_are_listed_not_opened()
    {
        var inner = Zip(("deep.txt", Encoding.UTF8.GetBytes("深处")));
        for (var i = 0; i < 2; i++) inner = Zip(($"level{i}.zip", inner));
        var doc = await UploadAndWaitAsync(inner, $"nested-{Guid.NewGuid():N}.zip");
        doc.Status.ShouldBe(DocumentStatus.Ready, doc.Error);
        doc.PageCount.ShouldBe(0);
        var entries = await site.WithDbAsync(db => db.ArchiveEntries.Where(e => e.DocumentId == doc.Id).ToListAsync());
        entries.ShouldHaveSingleItem().Note.ShouldBe(ArchiveNotes.Nested.Code);
        var page = await site.CreateClient().GetStringAsync($"/d/{doc.Id}"); // an archive without previews still has its page
        page.ShouldContain("压缩包内容（1）");
        page.ShouldContain("level1.zip");
    }

    [Fact]
    public async Task Archives_nested_deeper_than_the_bound_fail_with_a_reason()
    {
        var inner = Zip(("deep.txt", Encoding.UTF8.GetBytes("深处")));
        for (var i = 0; i < 5; i++) inner = Zip(($"level{i}.zip", inner));
        var doc = await UploadAndWaitAsync(inner, $"deep-{Guid.NewGuid():N}.zip");
        doc.Status.ShouldBe(DocumentStatus.Failed);
        doc.Error!.ShouldContain("嵌套超过 3 层");
    }

    [Fact]
    public async Task Archive_of_100k_empty_entries_fails_with_a_reason()
    {
        using var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
            for (var i = 0; i < 100_000; i++) zip.CreateEntry($"e{i}", CompressionLevel.NoCompression);
        var doc = await UploadAndWaitAsync(ms.ToArray(), "many.zip");
        doc.Status.ShouldBe(DocumentStatus.Failed);
        doc.Error!.ShouldContain("个文件上限");
        (await site.CreateClient().GetAsync("/health/ready")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    /// <summary>Sets the "encrypted" flag of an entry in its local and central headers (the content stays readable to us).</summary>
    private static void MarkEncrypted(byte[] zip, string name)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name);
        for (var i = 0; i + 46 < zip.Length; i++)
        {
            if (zip[i] != 'P' || zip[i + 1] != 'K') continue;
            if (zip[i + 2] == 3 && zip[i + 3] == 4 && zip.AsSpan(i + 30, nameBytes.Length).SequenceEqual(nameBytes)) zip[i + 6] |= 1;
            if (zip[i + 2] == 1 && zip[i + 3] == 2 && zip.AsSpan(i + 46, nameBytes.Length).SequenceEqual(nameBytes)) zip[i + 8] |= 1;
        }
    }

    private static byte[] Zip(params (string Name, byte[]? Content)[] entries)
    {
        using var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true, entryNameEncoding: Encoding.UTF8))
            foreach (var (name, content) in entries)
            {
                var entry = zip.CreateEntry(name, CompressionLevel.SmallestSize);
                if (content is null) continue;
                using var s = entry.Open();
                s.Write(content);
            }
        return ms.ToArray();
    }

    private HttpClient? _api;

    private async Task<Document> UploadAndWaitAsync(byte[] file, string name)
    {
        _api ??= (await site.ApiClientAsync($"archives-{Guid.NewGuid():N}@test.local")).Client;
        return await site.UploadAndWaitAsync(_api, TestPdfs.Upload(file, name, title: name), TimeSpan.FromMinutes(3));
    }
}
