using Wenku.Demo;

namespace Wenku.Tests.Infrastructure;

/// <summary>Real PDFs made for a test, with known text on every page.</summary>
public static class TestPdfs
{
    /// <summary>A PDF of exactly <paramref name="pages"/> pages; page k starts with 第k段 and <c>Paragraph k</c>.</summary>
    public static byte[] MultiPage(int pages, string title = "测试文档 Test document", string? salt = null)
    {
        var path = Path.Combine(TestPaths.NewTempDir("pdf"), "test.pdf");
        // Each paragraph is long enough to fill most of a page, so paragraphs map to pages. The filler is different
        // in every document (drawn from the salt): two test documents must not be near duplicates of each other.
        salt ??= Guid.NewGuid().ToString("N");
        var random = new Random(StableHash(salt));
        var paragraphs = Enumerable.Range(1, pages).Select(k =>
            $"第{k}段 创新是引领发展的第一动力。Paragraph {k} of {salt}. " + Filler(random, 570));
        DemoPdfWriter.Write(path, title, paragraphs, pagePerParagraph: true);
        var bytes = File.ReadAllBytes(path);
        TestPaths.TryDelete(Path.GetDirectoryName(path)!);
        return bytes;
    }

    /// <summary>
    /// A one-page PDF written by hand, with <paramref name="text"/> in font <c>/F1</c>: <paramref name="pageCount"/> is
    /// what the page tree claims (pdf.js's <c>poppler-67295-0.pdf</c> claims 9999999999), and with
    /// <paramref name="brokenFont"/> the font is an embedded TrueType whose program is garbage (poppler draws
    /// nothing with it, as with pdf.js's <c>issue5954.pdf</c>; MuPDF substitutes a font).
    /// </summary>
    public static byte[] Handmade(string text, string pageCount = "1", bool brokenFont = false)
    {
        var content = $"BT /F1 36 Tf 72 700 Td ({text}) Tj ET";
        var garbage = string.Concat(Enumerable.Range(0, 2048).Select(i => (char)(33 + i % 90)));
        var widths = string.Join(' ', Enumerable.Repeat("600", 95));
        string[] objects =
        [
            "<< /Type /Catalog /Pages 2 0 R >>",
            $"<< /Type /Pages /Kids [3 0 R] /Count {pageCount} >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
            $"<< /Length {content.Length} >>\nstream\n{content}\nendstream",
            brokenFont
                ? $"<< /Type /Font /Subtype /TrueType /BaseFont /Broken /FirstChar 32 /LastChar 126 /Widths [{widths}] /FontDescriptor 6 0 R /Encoding /WinAnsiEncoding >>"
                : "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            "<< /Type /FontDescriptor /FontName /Broken /Flags 32 /FontBBox [0 -200 1000 900] /ItalicAngle 0 /Ascent 900 /Descent -200 /CapHeight 700 /StemV 80 /FontFile2 7 0 R >>",
            $"<< /Length {garbage.Length} >>\nstream\n{garbage}\nendstream",
        ];
        var pdf = new System.Text.StringBuilder("%PDF-1.4\n");
        var offsets = new List<int>();
        for (var i = 0; i < objects.Length; i++)
        {
            offsets.Add(pdf.Length);
            pdf.Append(System.Globalization.CultureInfo.InvariantCulture, $"{i + 1} 0 obj\n{objects[i]}\nendobj\n");
        }
        var xref = pdf.Length;
        pdf.Append(System.Globalization.CultureInfo.InvariantCulture, $"xref\n0 {objects.Length + 1}\n0000000000 65535 f \n");
        foreach (var offset in offsets) pdf.Append(System.Globalization.CultureInfo.InvariantCulture, $"{offset:D10} 00000 n \n");
        pdf.Append(System.Globalization.CultureInfo.InvariantCulture, $"trailer\n<< /Size {objects.Length + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n");
        return System.Text.Encoding.ASCII.GetBytes(pdf.ToString());
    }

    private const string Characters = "的一是了我不人在他有这个上们来到时大地为子中你说生国年着就那和要她出也得里后自以会家可下而过天去能对小多然于心学么之都好看起发当没成只如事把还用第样道想作种开美总从无情己面最女但现前些所同日手又行意动方期它头经长儿回位分爱老因很给名法间斯知世什两次使身者被高已亲其进此话常与活正感文库测试本检查页字提取";

    /// <summary>Chinese-looking text of <paramref name="length"/> characters, in clauses.</summary>
    private static string Filler(Random random, int length)
    {
        var sb = new System.Text.StringBuilder(length);
        while (sb.Length < length)
        {
            for (var i = random.Next(6, 14); i > 0; i--) sb.Append(Characters[random.Next(Characters.Length)]);
            sb.Append(random.Next(4) == 0 ? '。' : '，');
        }
        return sb.ToString();
    }

    private static int StableHash(string s)
    {
        var h = 2166136261u;
        foreach (var c in s) h = (h ^ c) * 16777619u;
        return (int)h;
    }

    public static MultipartFormDataContent Upload(byte[] file, string fileName = "test.pdf", string category = "other",
        int? price = null, int? previewPages = null, string? title = null)
    {
        var content = new MultipartFormDataContent
        {
            { new ByteArrayContent(file), "file", fileName },
            { new StringContent(category), "category" },
        };
        if (price is { } p) content.Add(new StringContent(p.ToString(System.Globalization.CultureInfo.InvariantCulture)), "price");
        if (previewPages is { } n) content.Add(new StringContent(n.ToString(System.Globalization.CultureInfo.InvariantCulture)), "previewPages");
        if (title is not null) content.Add(new StringContent(title), "title");
        return content;
    }
}
