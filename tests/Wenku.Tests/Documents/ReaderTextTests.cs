using System.Diagnostics;
using Wenku.Documents;
using Wenku.Tests.Infrastructure;
using Xunit;

namespace Wenku.Tests.Documents;

/// <summary>
/// The 文档简介 and the stored page text: chunks never end inside a number, and page numbers printed at the top or
/// bottom of a page (—1—, - 2 -, 第 3 页, page 2 / 3) are not run into the text.
/// </summary>
public sealed class ReaderTextTests
{
    [Fact]
    public void Chunks_never_end_inside_a_decimal_number()
    {
        // The only full stops near the cut are inside 0.5 and 3.14: neither is a sentence end, nor a place to cut.
        for (var offset = 290; offset <= 302; offset++)
        {
            var text = new string('甲', offset) + "0.5个百分点，约3.14倍，" + new string('乙', 300);
            var chunks = TextChunker.Chunk(text, target: 300);
            chunks.ShouldNotContain(c => c.EndsWith("0.") || c.EndsWith("3.") || c.EndsWith('0') || c.EndsWith('3') || c.StartsWith('5') || c.StartsWith("14") || c.StartsWith('.'),
                $"offset {offset}");
            string.Concat(chunks).ShouldBe(text);
        }
    }

    [Fact]
    public void Chunks_never_split_a_number_from_its_unit()
    {
        // No sentence end or space anywhere: the hard cut must not fall between 3 and 元, or inside 12345.
        for (var offset = 290; offset <= 302; offset++)
        {
            var text = new string('甲', offset) + "共计12345元又3元，" + new string('乙', 400);
            var chunks = TextChunker.Chunk(text, target: 300);
            foreach (var (a, b) in chunks.Zip(chunks.Skip(1)))
            {
                (char.IsAsciiDigit(a[^1]) && (char.IsAsciiDigit(b[0]) || b[0] == '元')).ShouldBeFalse($"offset {offset}: …{a[^3..]} | {b[..3]}…");
            }
            string.Concat(chunks).ShouldBe(text);
        }
    }

    [Fact]
    public void Chunks_still_end_at_sentence_ends()
    {
        var sentence = "创新是引领发展的第一动力。";
        var chunks = TextChunker.Chunk(string.Concat(Enumerable.Repeat(sentence, 60)), target: 100);
        chunks.Count.ShouldBeGreaterThan(1);
        chunks.ShouldAllBe(c => c.EndsWith('。'));
    }

    [Theory]
    [InlineData("—1—")]
    [InlineData("- 2 -")]
    [InlineData("－ 12 －")]
    [InlineData("第 3 页")]
    [InlineData("第3页 共10页")]
    [InlineData("Page 4")]
    [InlineData("page 2 / 3")]
    public void Page_numbers_at_the_foot_of_a_page_are_not_run_into_the_text(string footer)
    {
        var cleaned = TextNormalizer.CleanPageText($"本章讨论创新驱动发展。\n结论见下一页\n{footer}\n");
        cleaned.ShouldBe("本章讨论创新驱动发展。结论见下一页");
        TextNormalizer.CleanPageText($"{footer}\n第二章 方法\n正文从这里开始。").ShouldBe("第二章方法正文从这里开始。");
    }

    [Fact]
    public void Numbers_inside_the_text_are_kept()
    {
        // A table's cells in the middle of a page, a year on its own line, a reference to a page: all text, searched.
        var cleaned = TextNormalizer.CleanPageText("年度报告\n2023\n收入\n1200\n支出\n800\n详见第 5 页的表格。\n结束");
        cleaned.ShouldContain("2023");
        cleaned.ShouldContain("1200");
        cleaned.ShouldContain("800");
        cleaned.ShouldContain("详见第5页的表格。");
        // A page that is only a number keeps it.
        TextNormalizer.CleanPageText("42").ShouldBe("42");
    }

    [Theory]
    [InlineData("创新是第一动力。—1—", "创新是第一动力。")]
    [InlineData("—2— 第二章的内容", "第二章的内容")]
    [InlineData("全文结束。第 3 页", "全文结束。")]
    [InlineData("表格见第3页", "表格见第3页")]
    public void Stored_text_shows_without_glued_page_numbers(string stored, string shown) =>
        TextNormalizer.TrimPageFurniture(stored).ShouldBe(shown);

    [Fact]
    public void A_long_run_of_dashes_is_trimmed_in_linear_time_and_a_long_page_keeps_its_footer_rule()
    {
        // Before, the end pattern was tried from every position: 200,000 dashes took minutes. Now only the page's end is
        // tried (the case runs in milliseconds; no timing is asserted, the test would simply hang).
        var dashes = new string('—', 200_000);
        TextNormalizer.TrimPageFurniture(dashes).ShouldBe(dashes);
        var page = new string('文', 50_000) + "。—12—";
        TextNormalizer.TrimPageFurniture(page).ShouldBe(new string('文', 50_000) + "。");
    }

    [CorpusFact]
    public void Corpus_pdf_footers_page_n_of_m_are_removed_from_the_page_text()
    {
        var folder = TestPaths.Shared("corpus", "pdfjs")
            ?? throw new DirectoryNotFoundException("The PDF corpus ../shared/corpus/pdfjs is missing beside the repository (WENKU_SKIP_CORPUS=1 skips this test).");
        var pdf = Path.Combine(folder, "basicapi.pdf");
        var page1 = TextNormalizer.CleanPageText(PdfToText(pdf, 1));
        var page2 = TextNormalizer.CleanPageText(PdfToText(pdf, 2));
        page1.ShouldStartWith("Table Of Content");
        page1.ShouldNotContain("page 1 / 3");
        page2.ShouldBe("Chapter 1");
        // Leaders of the table of contents stay (they are the page's text); the description leaves them out.
        page1.ShouldContain("Chapter 1");

        var fonts = TextNormalizer.CleanPageText(PdfToText(Path.Combine(folder, "standard_fonts.pdf"), 2));
        fonts.ShouldNotContain("page 2 / 14");
        Wenku.Discovery.DocumentSeo.MeaningfulText([page1]).ShouldNotContain("....");
    }

    private static string PdfToText(string pdf, int page)
    {
        using var process = Process.Start(new ProcessStartInfo("pdftotext", ["-f", $"{page}", "-l", $"{page}", "-enc", "UTF-8", pdf, "-"])
            { RedirectStandardOutput = true, UseShellExecute = false })!;
        var text = process.StandardOutput.ReadToEnd();
        process.WaitForExit(30_000);
        return text;
    }
}
