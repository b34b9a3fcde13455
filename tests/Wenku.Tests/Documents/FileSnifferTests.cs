using System.IO.Compression;
using System.Text;
using SkiaSharp;
using Wenku.Documents;
using Wenku.Tests.Infrastructure;

namespace Wenku.Tests.Documents;

public sealed class FileSnifferTests
{
    static FileSnifferTests() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    private static SniffResult Sniff(byte[] file, string name) => FileSniffer.Sniff(new MemoryStream(file), name);

    [Fact]
    public void Every_format_has_a_media_type_of_its_own()
    {
        foreach (var format in FileSniffer.Formats.Keys)
            FileSniffer.MediaTypeOf(format).ShouldNotBe("application/octet-stream", format);
        FileSniffer.MediaTypeOf("pdf").ShouldBe("application/pdf");
        FileSniffer.MediaTypeOf("xlsx").ShouldBe("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    }

    [Fact]
    public void Pdf_is_recognised_by_its_header_even_after_leading_junk()
    {
        FileSniffer.Sniff("%PDF-1.7\n"u8).Format.ShouldBe("pdf");
        FileSniffer.Sniff([.. new byte[500], .. "%PDF-1.4"u8]).Format.ShouldBe("pdf");
        FileSniffer.Sniff([.. new byte[1100], .. "%PDF-1.4"u8]).Format.ShouldBeNull();
    }

    [Fact]
    public void Other_content_is_named()
    {
        FileSniffer.Sniff([]).What.ShouldBe("an empty file");
        FileSniffer.Sniff("MZ\x90\0"u8).What.ShouldBe("a Windows program");
        FileSniffer.Sniff([0x7F, 0x45, 0x4C, 0x46, 2]).What.ShouldBe("a Linux program");
        FileSniffer.Sniff([0x89, 0x50, 0x4E, 0x47, 0x0D]).What.ShouldBe("a PNG image");
        FileSniffer.Sniff("hello"u8, "hello.pdf").Format.ShouldBeNull();
        FileSniffer.Sniff("hello"u8, "hello.pdf").What.ShouldBe("a text file named .pdf");
    }

    [Fact]
    public void Office_open_xml_is_told_apart_by_its_parts()
    {
        Sniff(TestOffice.Docx(2), "a.docx").Format.ShouldBe("docx");
        Sniff(TestOffice.Xlsx("x"), "a.xlsx").Format.ShouldBe("xlsx");
        Sniff(TestOffice.Pptx(1), "a.pptx").Format.ShouldBe("pptx");
        // The name does not decide: a Word document named .zip is a Word document.
        Sniff(TestOffice.Docx(1), "a.zip").Format.ShouldBe("docx");
        Sniff(Zip(("readme.txt", "hi"u8.ToArray())), "a.docx").Format.ShouldBe("zip");
    }

    [Fact]
    public void OpenDocument_is_told_by_its_mimetype_entry()
    {
        Sniff(OpenDocument("application/vnd.oasis.opendocument.text"), "a.odt").Format.ShouldBe("odt");
        Sniff(OpenDocument("application/vnd.oasis.opendocument.spreadsheet"), "a").Format.ShouldBe("ods");
        Sniff(OpenDocument("application/vnd.oasis.opendocument.presentation"), "a").Format.ShouldBe("odp");
    }

    [Fact]
    public void Truncated_zip_is_refused()
    {
        var docx = TestOffice.Docx(1);
        var result = Sniff(docx[..(docx.Length / 2)], "a.docx");
        result.Format.ShouldBeNull();
        result.What.ShouldContain("truncated");
    }

    [Fact]
    public void Images_archives_drawings_and_rtf_are_recognised()
    {
        Sniff(TestImages.Encode(SKEncodedImageFormat.Png), "x").Format.ShouldBe("png");
        Sniff(TestImages.Encode(SKEncodedImageFormat.Jpeg), "x").Format.ShouldBe("jpg");
        Sniff(TestImages.Encode(SKEncodedImageFormat.Webp), "x").Format.ShouldBe("webp");
        Sniff(TestImages.Bmp(), "x").Format.ShouldBe("bmp");
        Sniff(TestImages.Gif(2), "x").Format.ShouldBe("gif");
        Sniff(TestImages.Tiff(2), "x").Format.ShouldBe("tiff");
        Sniff("Rar!\x1A\x07\x01\0"u8.ToArray(), "x").Format.ShouldBe("rar");
        Sniff([0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C, 0, 4], "x").Format.ShouldBe("7z");
        Sniff(TarGz(), "x.tar.gz").Format.ShouldBe("tar.gz");
        Sniff("AC1018\0\0\0\0"u8.ToArray(), "x").Format.ShouldBe("dwg");
        Sniff("999\nmade by a test\n  0\nSECTION\n  2\nENTITIES\n  0\nENDSEC\n  0\nEOF\n"u8.ToArray(), "x.dxf").Format.ShouldBe("dxf");
        Sniff("{\\rtf1\\ansi hello}"u8.ToArray(), "x.doc").Format.ShouldBe("rtf");
    }

    [Fact]
    public void Text_is_accepted_only_under_a_text_name_and_md_is_told_by_its_name()
    {
        Sniff("# 标题\n正文"u8.ToArray(), "readme.md").Format.ShouldBe("md");
        Sniff("正文"u8.ToArray(), "notes.txt").Format.ShouldBe("txt");
        Sniff("正文"u8.ToArray(), "notes").Format.ShouldBe("txt");
        Sniff(Encoding.GetEncoding("gb18030").GetBytes("中文文本"), "gbk.txt").Format.ShouldBe("txt");
        Sniff("正文"u8.ToArray(), "notes.docx").Format.ShouldBeNull();
        Sniff([.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes("UTF-16 文本")], "utf16.txt").Format.ShouldBe("txt");
    }

    [Fact]
    public void Old_office_binaries_are_told_apart_by_their_streams_and_wps_by_its_name()
    {
        var doc = TestOffice.ConvertWithLibreOffice(TestOffice.Docx(1), "a.docx", "doc");
        Sniff(doc, "a.doc").Format.ShouldBe("doc");
        Sniff(doc, "a.wps").Format.ShouldBe("wps");
        var xls = TestOffice.ConvertWithLibreOffice(TestOffice.Xlsx("x"), "a.xlsx", "xls");
        Sniff(xls, "a.xls").Format.ShouldBe("xls");
        Sniff(xls, "a.et").Format.ShouldBe("et");
        var ppt = TestOffice.ConvertWithLibreOffice(TestOffice.Pptx(1), "a.pptx", "ppt");
        Sniff(ppt, "a.ppt").Format.ShouldBe("ppt");
        Sniff(ppt, "a.dps").Format.ShouldBe("dps");
        Sniff(doc[..1024], "a.doc").Format.ShouldBeNull();
    }

    [Fact]
    public void Polyglots_are_refused()
    {
        // An executable with a PDF header inside its first kilobyte.
        var exe = new byte[600];
        "MZ"u8.CopyTo(exe);
        "%PDF-1.4"u8.CopyTo(exe.AsSpan(300));
        Sniff(exe, "a.pdf").What.ShouldContain("polyglot");
        Sniff(exe, "a.pdf").Format.ShouldBeNull();

        // A PDF with a ZIP archive appended: a PDF to one reader, an archive to another.
        var pdf = TestPdfs.MultiPage(1);
        var polyglot = Sniff([.. pdf, .. Zip(("payload.exe", "MZ"u8.ToArray()))], "a.pdf");
        polyglot.Format.ShouldBeNull();
        polyglot.What.ShouldContain("polyglot");
        Sniff(pdf, "a.pdf").Format.ShouldBe("pdf");
    }

    internal static byte[] Zip(params (string Name, byte[] Content)[] entries)
    {
        using var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
            foreach (var (name, content) in entries)
            {
                using var s = zip.CreateEntry(name).Open();
                s.Write(content);
            }
        return ms.ToArray();
    }

    private static byte[] OpenDocument(string mime)
    {
        using var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
        {
            using (var s = zip.CreateEntry("mimetype", CompressionLevel.NoCompression).Open()) s.Write(Encoding.ASCII.GetBytes(mime));
            using (var s = zip.CreateEntry("content.xml").Open()) s.Write("<x/>"u8);
        }
        return ms.ToArray();
    }

    private static byte[] TarGz()
    {
        var dir = TestPaths.NewTempDir("tar");
        File.WriteAllText(Path.Combine(dir, "a.txt"), "hello");
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
            System.Formats.Tar.TarFile.CreateFromDirectory(dir, gz, includeBaseDirectory: false);
        TestPaths.TryDelete(dir);
        return ms.ToArray();
    }
}
