using System.Text;
using SharpCompress.Archives;
using Wenku.Documents;
using Wenku.Tests.Infrastructure;

namespace Wenku.Tests.Conversion;

/// <summary>The hand-written RAR 4 and RAR 5 fixtures are real RAR: the library the converter uses lists and extracts them, CRCs checked.</summary>
public sealed class RarFixtureTests
{
    private static readonly DateTime When = new(2024, 3, 15, 10, 42, 36);

    [Fact]
    public void End_of_archive_block_is_the_one_every_rar_4_ends_with()
    {
        var rar = TestRar.Write();
        rar[^7..].ShouldBe(new byte[] { 0xC4, 0x3D, 0x7B, 0x00, 0x40, 0x07, 0x00 });
        rar[..7].ShouldBe(TestRar.Marker);
    }

    [Fact]
    public void SharpCompress_lists_and_extracts_the_written_entries()
    {
        var note = Encoding.UTF8.GetBytes("压缩包里的说明文字 readme");
        var pdf = TestPdfs.MultiPage(1, "RAR 里的 PDF");
        var dir = TestPaths.NewTempDir("rar");
        var path = Path.Combine(dir, "test.rar");
        File.WriteAllBytes(path, TestRar.Write(
            new("资料", null, When),
            new("资料/说明.txt", note, When),
            new("report.pdf", pdf, When.AddDays(1))));
        try
        {
            using var archive = ArchiveFactory.OpenArchive(path);
            var entries = archive.Entries.ToList();
            entries.Select(e => e.Key!.Replace('\\', '/')).ShouldBe(["资料", "资料/说明.txt", "report.pdf"]);
            entries[0].IsDirectory.ShouldBeTrue();
            entries[1].Size.ShouldBe(note.Length);
            entries[1].LastModifiedTime.ShouldBe(When);
            entries[2].IsEncrypted.ShouldBeFalse();
            entries[2].Crc.ShouldBe(TestRar.Crc32(pdf));
            foreach (var (entry, content) in new[] { (entries[1], note), (entries[2], pdf) })
            {
                using var s = entry.OpenEntryStream(); // the reader checks the CRC at the end of the data
                using var copy = new MemoryStream();
                s.CopyTo(copy);
                copy.ToArray().ShouldBe(content);
            }
        }
        finally
        {
            TestPaths.TryDelete(dir);
        }
    }

    [Fact]
    public void SharpCompress_lists_and_extracts_a_rar_5()
    {
        var note = Encoding.UTF8.GetBytes("RAR 5 里的说明 readme");
        var dir = TestPaths.NewTempDir("rar5");
        var path = Path.Combine(dir, "test.rar");
        File.WriteAllBytes(path, TestRar.WriteRar5(new("资料", null, When), new("资料/说明.txt", note, When)));
        try
        {
            using var archive = ArchiveFactory.OpenArchive(path);
            var entries = archive.Entries.ToList();
            entries.Select(e => e.Key!.Replace('\\', '/')).ShouldBe(["资料", "资料/说明.txt"]);
            entries[0].IsDirectory.ShouldBeTrue();
            entries[1].Size.ShouldBe(note.Length);
            using var s = entries[1].OpenEntryStream();
            using var copy = new MemoryStream();
            s.CopyTo(copy);
            copy.ToArray().ShouldBe(note);
            FileSniffer.SniffFile(path).Format.ShouldBe("rar");
        }
        finally
        {
            TestPaths.TryDelete(dir);
        }
    }

    [Fact]
    public void An_entry_with_the_password_flag_is_listed_as_encrypted()
    {
        var dir = TestPaths.NewTempDir("rar");
        var path = Path.Combine(dir, "test.rar");
        File.WriteAllBytes(path, TestRar.Write(new("open.txt", "a"u8.ToArray(), When), new("secret.txt", "b"u8.ToArray(), When, Encrypted: true)));
        try
        {
            using var archive = ArchiveFactory.OpenArchive(path);
            archive.Entries.Select(e => e.IsEncrypted).ShouldBe([false, true]);
            FileSniffer.SniffFile(path).ShouldBe(new SniffResult("rar", "a RAR archive"));
        }
        finally
        {
            TestPaths.TryDelete(dir);
        }
    }
}
