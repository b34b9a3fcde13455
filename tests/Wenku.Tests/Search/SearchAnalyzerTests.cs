using Shouldly;
using Wenku.Search;
using Xunit;

namespace Wenku.Tests.Search;

public sealed class SearchAnalyzerTests
{
    private static List<string> Index(string text) => SearchAnalyzer.Tokens(text).Select(t => t.Term).ToList();
    private static List<string> Query(string text) => SearchAnalyzer.QueryTokens(text).Select(t => t.Term).ToList();

    [Fact]
    public void Chinese_is_queried_as_overlapping_bigrams() =>
        Query("文库系统").ShouldBe(["文库", "库系", "系统"]);

    [Fact]
    public void Chinese_is_indexed_as_bigrams_and_single_characters()
    {
        var terms = Index("文库系统");
        terms.ShouldContain("文库");
        terms.ShouldContain("系统");
        terms.ShouldContain("文");
        terms.ShouldContain("统");
    }

    [Fact]
    public void A_lone_character_stays_a_unigram_in_queries() => Query("茶").ShouldBe(["茶"]);

    [Fact]
    public void English_is_lower_cased_and_stemmed() =>
        Query("Running Documents' Libraries").ShouldBe(["run", "document", "librari"]);

    [Fact]
    public void Mixed_Chinese_and_English_split_at_the_script_change() =>
        Query("Python教程2024版").ShouldBe(["python", "教程", "2024", "版"]);

    [Fact]
    public void Full_width_letters_and_digits_fold_to_ascii() =>
        Query("ＰＹＴＨＯＮ３").ShouldBe(Query("python3"));

    [Fact]
    public void Traditional_and_simplified_give_the_same_terms()
    {
        Query("體育新聞").ShouldBe(Query("体育新闻"));
        Index("國際").ShouldBe(Index("国际"));
    }

    [Fact]
    public void Kangxi_radicals_from_pdf_fonts_read_as_the_ideographs() => Query("⽂库").ShouldBe(Query("文库"));

    [Fact]
    public void Punctuation_ends_a_bigram_run() => Query("北京，上海").ShouldBe(["北京", "上海"]);

    [Fact]
    public void Offsets_point_into_the_original_text_even_after_folding()
    {
        const string text = "关于 國際體育 的 Reports";
        foreach (var t in SearchAnalyzer.QueryTokens(text))
            Wenku.Text.TextFolding.Fold(text[t.Start..t.End]).ShouldNotBeEmpty();
        var intl = SearchAnalyzer.QueryTokens(text).First(t => t.Term == "国际");
        text[intl.Start..intl.End].ShouldBe("國際");
        var reports = SearchAnalyzer.QueryTokens(text).Single(t => t.Term == "report");
        text[reports.Start..reports.End].ShouldBe("Reports");
    }

    [Fact]
    public void Japanese_and_korean_are_bigrammed_too()
    {
        Query("ひらがな").ShouldBe(["ひら", "らが", "がな"]);
        Query("한국어").ShouldBe(["한국", "국어"]);
    }
}

public sealed class SearchSyntaxTests
{
    [Fact]
    public void Words_phrases_and_exclusions()
    {
        var s = SearchSyntax.Parse("体育 \"北京 奥运\" -足球 report");
        s.Required.Select(g => g.Single()).ShouldBe([
            new QueryClause("体育", false, false), new QueryClause("北京 奥运", true, false), new QueryClause("report", false, false)]);
        s.Excluded.ShouldBe([new QueryClause("足球", false, true)]);
    }

    [Fact]
    public void Or_joins_two_alternatives()
    {
        var s = SearchSyntax.Parse("奥运 足球 OR 篮球");
        s.Required.Count.ShouldBe(2);
        s.Required[1].Select(c => c.Text).ShouldBe(["足球", "篮球"]);
    }

    [Fact]
    public void Chinese_quotes_and_an_excluded_phrase()
    {
        var s = SearchSyntax.Parse("“人工智能” -\"机器 学习\"");
        s.Required.Single().Single().ShouldBe(new QueryClause("人工智能", true, false));
        s.Excluded.Single().ShouldBe(new QueryClause("机器 学习", true, true));
    }

    [Theory]
    [InlineData("\"unclosed phrase")]
    [InlineData("title:(foo AND")]
    [InlineData("*** ??? ~~ ^2")]
    [InlineData("OR AND NOT -")]
    [InlineData("- - \"\" \"")]
    [InlineData("a\\b [1 TO 5] {x} /regex/")]
    public void Broken_syntax_never_throws_and_keeps_the_words(string text)
    {
        var s = SearchSyntax.Parse(text);
        s.ShouldNotBeNull();
        if (text.StartsWith("\"unclosed", StringComparison.Ordinal)) s.Terms.ShouldBe(["unclosed", "phrase"]);
    }

    [Fact]
    public void Only_exclusions_are_read_as_wanted_words() =>
        SearchSyntax.Parse("-足球").Required.Single().Single().Text.ShouldBe("足球");

    [Fact]
    public void Overlong_input_is_cut_not_refused() =>
        SearchSyntax.Parse(new string('字', 5000)).Terms.Single().Length.ShouldBe(SearchSyntax.MaxLength);
}
