using Wenku.Documents;
using Wenku.Tests.Infrastructure;

namespace Wenku.Tests.Documents;

public sealed class TextChunkerTests
{
    [Fact]
    public void Short_text_is_one_chunk()
    {
        TextChunker.Chunk("创新是引领发展的第一动力。").ShouldBe(["创新是引领发展的第一动力。"]);
        TextChunker.Chunk("   ").ShouldBeEmpty();
    }

    [Fact]
    public void Long_chinese_text_is_cut_at_sentence_ends_and_nothing_is_lost()
    {
        var sentences = Enumerable.Range(1, 80).Select(i => $"这是第{i}句话，用来检查分块是否在句号处断开。").ToList();
        var text = string.Concat(sentences);
        var chunks = TextChunker.Chunk(text, target: 100, maxChunks: 1000);
        chunks.Count.ShouldBeGreaterThan(5);
        chunks.ShouldAllBe(c => c.Length <= 150);
        chunks.Take(chunks.Count - 1).ShouldAllBe(c => c.EndsWith('。'));
        string.Concat(chunks).ShouldBe(text);
    }

    [Fact]
    public void Text_without_sentence_ends_is_cut_at_spaces_or_anywhere()
    {
        var latin = string.Join(' ', Enumerable.Repeat("word", 300));
        var chunks = TextChunker.Chunk(latin, target: 50, maxChunks: 1000);
        chunks.ShouldAllBe(c => !c.StartsWith(' ') && c.Length <= 75);
        string.Join(' ', chunks).ShouldBe(latin);

        var noBreaks = new string('字', 1000);
        string.Concat(TextChunker.Chunk(noBreaks, target: 100, maxChunks: 1000)).ShouldBe(noBreaks);
    }

    [Fact]
    public void Chunks_never_split_a_surrogate_pair_and_respect_the_maximum()
    {
        var emoji = string.Concat(Enumerable.Repeat("😀", 500));
        var chunks = TextChunker.Chunk(emoji, target: 51, maxChunks: 1000);
        foreach (var c in chunks) (char.IsLowSurrogate(c[0]) || char.IsHighSurrogate(c[c.Length - 1])).ShouldBeFalse();
        TextChunker.Chunk(new string('字', 100_000), target: 100, maxChunks: 7).Count.ShouldBe(7);
    }

    [Fact]
    public void Visible_length_counts_what_a_person_counts()
    {
        TextChunker.VisibleLength("文库").ShouldBe(2);
        TextChunker.VisibleLength("👍🏽").ShouldBe(1);
        TextChunker.VisibleLength("e\u0301").ShouldBe(1);
    }
}

public sealed class TextNormalizerTests
{
    [Fact]
    public void Lines_of_chinese_are_joined_without_spaces_and_latin_with_one()
    {
        TextNormalizer.CleanPageText("创新是引领\n发展的第一动力。\nThe quick\nbrown fox").ShouldBe("创新是引领发展的第一动力。The quick brown fox");
        TextNormalizer.CleanPageText("第一段\n\n第二段").ShouldBe("第一段\n第二段");
        TextNormalizer.CleanPageText("  a    b\t c  ").ShouldBe("a b c");
        TextNormalizer.CleanPageText("中 文").ShouldBe("中文");
    }

    [Fact]
    public void Radical_glyphs_from_pdf_fonts_become_the_ideographs_they_stand_for()
    {
        // U+2F42 KANGXI RADICAL SCRIPT, U+2EDA CJK RADICAL C-SIMPLIFIED LEAF, U+2F08 KANGXI RADICAL MAN
        TextNormalizer.CleanPageText("\u2F42库分\u2EDA\u2F08").ShouldBe("文库分页人");
        TextNormalizer.FixRadicals("没有部首").ShouldBe("没有部首");
    }
}

public sealed class DocumentRulesTests
{
    private static readonly Dictionary<string, int> Categories = new(StringComparer.OrdinalIgnoreCase) { ["education"] = 1, ["1"] = 1 };

    [Fact]
    public void Title_defaults_to_the_file_name_and_tags_are_split_on_chinese_and_latin_separators()
    {
        var (meta, errors) = DocumentRules.Validate(new UploadForm(null, null, "education", "数学，讲义、大学; 数学 ,", null, null), "高数讲义.pdf", Categories, 5, TestText.T);
        errors.ShouldBeEmpty();
        meta!.Title.ShouldBe("高数讲义");
        meta.Tags.ShouldBe("数学,讲义,大学");
        meta.PreviewPages.ShouldBe(5);
        meta.Price.ShouldBe(0);
    }

    [Theory]
    [InlineData(null, null, "x", 0, 5, "category")]
    [InlineData(null, "a,b,c,d,e,f,g,h,i,j,k", "education", 0, 5, "tags")]
    [InlineData(null, "abcdefghijklmnopqrstuvwxyz", "education", 0, 5, "tags")]
    [InlineData(null, null, "education", -1, 5, "price")]
    [InlineData(null, null, "education", 100_001, 5, "price")]
    [InlineData(null, null, "education", 0, 0, "previewPages")]
    [InlineData(null, null, "education", 0, 51, "previewPages")]
    public void Out_of_bounds_fields_are_refused_by_name(string? title, string? tags, string category, int price, int preview, string field)
    {
        var (meta, errors) = DocumentRules.Validate(new UploadForm(title, null, category, tags, price, preview), "a.pdf", Categories, 5, TestText.T);
        meta.ShouldBeNull();
        errors.Keys.ShouldContain(field);
    }

    [Fact]
    public void Overlong_title_and_description_are_refused_and_control_characters_removed()
    {
        DocumentRules.Validate(new UploadForm(new string('a', 201), null, "education", null, 0, 5), "a.pdf", Categories, 5, TestText.T).Errors.Keys.ShouldContain("title");
        DocumentRules.Validate(new UploadForm("t", new string('a', 2001), "education", null, 0, 5), "a.pdf", Categories, 5, TestText.T).Errors.Keys.ShouldContain("description");
        DocumentRules.Validate(new UploadForm("标题\u0000\n二", null, "education", null, 0, 5), "a.pdf", Categories, 5, TestText.T).Metadata!.Title.ShouldBe("标题二");
    }
}
