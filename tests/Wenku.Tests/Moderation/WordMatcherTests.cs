using Xunit;
using Wenku.Moderation;

namespace Wenku.Tests.Moderation;

/// <summary>The sensitive-word automaton on its own: variants a writer uses to slip a word past a filter, and offsets.</summary>
public sealed class WordMatcherTests
{
    private static readonly WordMatcher Matcher = new([
        ("敏感", WordAction.Block), ("法轮", WordAction.Review), ("ABC", WordAction.Block), ("sex", WordAction.Review),
        ("他妈", WordAction.Block), ("妈的", WordAction.Review), ("国家机密", WordAction.Review), ("𠀀字", WordAction.Block),
    ]);

    [Theory]
    [InlineData("这是敏感内容", "敏感", "敏感")]
    [InlineData("这是敏 感内容", "敏感", "敏 感")]
    [InlineData("这是敏*感内容", "敏感", "敏*感")]
    [InlineData("这是敏．感内容", "敏感", "敏．感")]                 // full-width full stop
    [InlineData("这是敏\u3000感内容", "敏感", "敏\u3000感")]          // ideographic space
    [InlineData("这是敏\u200B感内容", "敏感", "敏\u200B感")]          // zero-width space
    [InlineData("这是敏😀感内容", "敏感", "敏😀感")]                  // an emoji between the characters
    [InlineData("这是敏👨‍👩‍👧感内容", "敏感", "敏👨‍👩‍👧感")]          // a joined emoji sequence between
    [InlineData("這是敏感內容", "敏感", "敏感")]
    [InlineData("國家機密文件", "国家机密", "國家機密")]              // traditional
    [InlineData("x ＡＢＣ y", "ABC", "ＡＢＣ")]                       // full-width
    [InlineData("x aBc y", "ABC", "aBc")]                            // mixed case
    [InlineData("x A-b_C y", "ABC", "A-b_C")]
    [InlineData("结尾是敏感", "敏感", "敏感")]                        // at the very end
    [InlineData("敏感", "敏感", "敏感")]                              // the whole text
    [InlineData("😀敏感😀", "敏感", "敏感")]                          // surrogates around it
    [InlineData("前𠀀字后", "𠀀字", "𠀀字")]                          // a word with a supplementary-plane ideograph
    [InlineData("Sex!", "sex", "Sex")]
    [InlineData("s.e.x", "sex", "s.e.x")]
    public void A_variant_of_a_listed_word_matches_and_names_it_where_it_stands(string text, string word, string original)
    {
        var m = Matcher.Matches(text).ShouldHaveSingleItem();
        m.Word.ShouldBe(word);
        text.Substring(m.Start, m.Length).ShouldBe(original);
    }

    [Theory]
    [InlineData("这是敏锐的感觉")]   // other characters between: not the word
    [InlineData("Essex county")]     // an ASCII word inside a longer ASCII word
    [InlineData("abcdef")]
    [InlineData("")]
    [InlineData("敏")]
    [InlineData("\uD800敏\uDC00")]    // lone surrogates do not break the scan
    public void Text_without_a_listed_word_has_no_match(string text)
    {
        Matcher.Matches(text).ShouldBeEmpty();
        Matcher.Any(text).ShouldBeFalse();
    }

    [Fact]
    public void Overlapping_words_are_all_found_with_their_actions()
    {
        var matches = Matcher.Matches("他妈的");
        matches.Select(m => (m.Word, m.Action, m.Start, m.Length)).ShouldBe([("他妈", WordAction.Block, 0, 2), ("妈的", WordAction.Review, 1, 2)]);
    }

    [Fact]
    public void A_word_inside_a_longer_word_is_found_through_the_fail_links()
    {
        var matcher = new WordMatcher([("中华人民共和国", WordAction.Review), ("人民", WordAction.Block), ("共和", WordAction.Review)]);
        matcher.Matches("中华人民共和国成立").Select(m => m.Word).Order().ShouldBe(["中华人民共和国", "人民", "共和"], ignoreOrder: true);
        matcher.Matches("中华人民共和").Select(m => m.Word).ShouldBe(["人民", "共和"]);
    }

    [Fact]
    public void Every_occurrence_is_reported()
    {
        Matcher.Matches("敏感，敏感，敏 感").Select(m => m.Start).ShouldBe([0, 3, 6]);
    }

    [Fact]
    public void Keys_fold_and_drop_separators_and_duplicates_keep_the_first()
    {
        WordMatcher.Key("敏 感").ShouldBe("敏感");
        WordMatcher.Key("ＡＢＣ").ShouldBe("abc");
        WordMatcher.Key("國家").ShouldBe("国家");
        WordMatcher.Key("*** !!").ShouldBe("");
        var m = new WordMatcher([("敏感", WordAction.Review), ("敏 感", WordAction.Block), ("!!", WordAction.Block)]);
        m.Count.ShouldBe(1);
        m.Matches("敏感").ShouldHaveSingleItem().Action.ShouldBe(WordAction.Review);
    }

    [Fact]
    public void Many_thousands_of_words_match_like_a_naive_search()
    {
        var random = new Random(7);
        const string alphabet = "的一是了我不人在他有这个上们来到时大地为子中你说生国年着就那和要她出也得里后自以会家可下而过天去能对小多然于心学";
        string Word(int length) => string.Concat(Enumerable.Range(0, length).Select(_ => alphabet[random.Next(alphabet.Length)]));
        var words = Enumerable.Range(0, 20_000).Select(_ => Word(random.Next(2, 6))).Distinct().ToList();
        var matcher = new WordMatcher(words.Select(w => (w, WordAction.Review)));
        var text = Word(5_000);
        var expected = new List<(string, int)>();
        foreach (var w in words)
            for (var i = text.IndexOf(w, StringComparison.Ordinal); i >= 0; i = text.IndexOf(w, i + 1, StringComparison.Ordinal))
                expected.Add((w, i));
        expected.Count.ShouldBeGreaterThan(100);
        matcher.Matches(text).Select(m => (m.Word, m.Start)).OrderBy(x => x.Start).ThenBy(x => x.Word, StringComparer.Ordinal)
            .ShouldBe(expected.OrderBy(x => x.Item2).ThenBy(x => x.Item1, StringComparer.Ordinal));
    }

    [Fact]
    public void Words_longer_than_the_limit_are_left_out()
    {
        var m = new WordMatcher([(new string('长', SensitiveWord.MaxLength + 1), WordAction.Block)]);
        m.Count.ShouldBe(0);
        m.Matches(new string('长', 300)).ShouldBeEmpty();
    }
}
