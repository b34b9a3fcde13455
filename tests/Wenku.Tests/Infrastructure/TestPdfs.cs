using Wenku.Demo;

namespace Wenku.Tests.Infrastructure;

/// <summary>Real PDFs made for a test, with known text on every page.</summary>
public static class TestPdfs
{
    /// <summary>A PDF of exactly <paramref name="pages"/> pages; page k starts with 第k段 and <c>Paragraph k</c>.</summary>
    public static byte[] MultiPage(int pages, string title = "测试文档 Test document", string? salt = null)
    {
        var path = Path.Combine(TestPaths.NewTempDir("pdf"), "test.pdf");
        // Each paragraph is long enough to fill most of a page, so paragraphs map to pages.
        var paragraphs = Enumerable.Range(1, pages).Select(k =>
            $"第{k}段 创新是引领发展的第一动力。Paragraph {k} of {salt ?? Guid.NewGuid().ToString("N")}. " +
            string.Concat(Enumerable.Repeat("文库测试文本，用于检查分页与文字提取。", 30)));
        DemoPdfWriter.Write(path, title, paragraphs, pagePerParagraph: true);
        var bytes = File.ReadAllBytes(path);
        TestPaths.TryDelete(Path.GetDirectoryName(path)!);
        return bytes;
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
