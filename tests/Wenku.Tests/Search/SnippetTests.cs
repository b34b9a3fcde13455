using System.Text.Encodings.Web;
using Lucene.Net.Index;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Shouldly;
using Wenku.Data;
using Wenku.Search;
using Wenku.Tests.Infrastructure;
using Xunit;

namespace Wenku.Tests.Search;

/// <summary>
/// Snippets of long documents from the embedded index: the page is found from the postings of its own entry, so what a
/// hit costs does not grow with its document's length, and the passage is the text exactly as written, matches marked.
/// </summary>
public sealed class SnippetTests : IDisposable
{
    private readonly string _dir = TestPaths.NewTempDir("lucene-snippets");
    private readonly LuceneIndex _index;

    public SnippetTests() => _index = new LuceneIndex(_dir);

    /// <summary>Pages of ordinary text, each different, none containing the words the tests search for.</summary>
    private static List<string> Filler(int pages) =>
        Enumerable.Range(1, pages).Select(n => $"第{n:D3}页。" + string.Concat(Enumerable.Repeat($"经济在增长，市场在扩大，第{n:D3}页的城市建设也在推进。", 40))).ToList();

    private void Add(long id, string title, List<string> pages)
    {
        Upsert(id, title, pages);
        _index.Commit(id);
    }

    private void Upsert(long id, string title, List<string> pages) => _index.Upsert(new SearchDocument(id, title, "", "", "other", "pdf", 0,
        pages.Count, 0, new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddDays(id), "u", pages));

    private SearchHit Hit(string q) => _index.Search(new SearchQuery(q)).Hits.ShouldHaveSingleItem();

    private static string Marked(SearchHit hit) => string.Join("|", hit.Snippet.Where(p => p.Marked).Select(p => p.Text));

    [Fact]
    public void A_300_page_document_gives_its_snippet_from_the_page_that_matches_with_the_words_marked()
    {
        var pages = Filler(300);
        pages[216] = pages[216][..300] + "最后提到了量子纠缠通信卫星的发射。" + pages[216][300..];
        Add(1, "长文档", pages);

        var hit = Hit("量子纠缠");
        hit.PageNumber.ShouldBe(217);
        Marked(hit).ShouldBe("量子纠缠");
        string.Concat(hit.Snippet.Select(p => p.Text)).ShouldContain("最后提到了量子纠缠通信卫星的发射。");
    }

    [Fact]
    public void A_hits_snippet_reads_one_page_whatever_the_length_of_its_document()
    {
        var shortDoc = Filler(10);
        var longDoc = Filler(300);
        shortDoc[7] = "创新驱动" + shortDoc[7];
        longDoc[287] = "创新驱动" + longDoc[287];
        Add(1, "短", shortDoc);

        var before = _index.SnippetCharactersExamined;
        Hit("创新驱动").PageNumber.ShouldBe(8);
        var forShort = _index.SnippetCharactersExamined - before;

        _index.Delete(1);
        Add(2, "长", longDoc);
        before = _index.SnippetCharactersExamined;
        Hit("创新驱动").PageNumber.ShouldBe(288);
        var forLong = _index.SnippetCharactersExamined - before;

        forLong.ShouldBe(forShort, "the 300-page document costs what the 10-page one does");
        forLong.ShouldBeLessThanOrEqualTo(longDoc[287].Length + Highlighter.PassageLength, "one page and its passage, not the document");
    }

    [Theory]
    [InlineData("\"经济在增长\"")] // a phrase: its words' positions in the document's text
    [InlineData("城市 OR growing")] // an OR with a Latin word, also looked for as a fragment (bigrams at positions)
    public void Matching_a_phrase_reads_no_more_positions_in_a_300_page_document_than_in_a_10_page_one(string query)
    {
        // The phrase (and the word) 40 times on every page: both documents hold them more often than they are counted.
        List<string> Pages(int n) => Filler(n).Select(p => p + string.Concat(Enumerable.Repeat(" growing", 40))).ToList();
        Add(1, "短", Pages(10));
        var before = _index.PhrasePositionsRead;
        _index.Search(new SearchQuery(query)).Total.ShouldBe(1);
        var forShort = _index.PhrasePositionsRead - before;

        _index.Delete(1);
        Add(2, "长", Pages(300));
        before = _index.PhrasePositionsRead;
        var hit = _index.Search(new SearchQuery(query)).Hits.ShouldHaveSingleItem();
        var forLong = _index.PhrasePositionsRead - before;

        hit.DocumentId.ShouldBe(2);
        forShort.ShouldBeGreaterThan(0, "the query matches through positions");
        forLong.ShouldBe(forShort, "the 300-page document costs what the 10-page one does");
        forLong.ShouldBeLessThanOrEqualTo(2 * 6 * (CappedPhraseQuery.MaxCounted + 1), "a few positions per counted occurrence, not the document's");
    }

    [Fact]
    public void A_phrase_found_once_far_into_a_long_document_still_matches_it()
    {
        // Both words of the phrase are on every page (40 times each), side by side only on the last but one.
        var pages = Filler(300);
        pages[298] += "企业正在扩大市场份额。";
        Add(1, "长", pages);
        Add(2, "短", Filler(3));

        var hit = Hit("\"扩大市场\"");
        hit.DocumentId.ShouldBe(1);
        hit.PageNumber.ShouldBe(299);
    }

    [Fact]
    public void Or_phrase_and_several_words_each_take_the_page_where_most_of_them_occur()
    {
        var pages = Filler(120);
        pages[4] = "火星探测器今天发射。" + pages[4];
        pages[9] = "北京的天气很好。" + pages[9];
        pages[99] = "北京的经济增长很快，人口也在增长。" + pages[99].Replace("经济", "社会");
        pages[110] = "他说\"通信卫星\"已经就位。" + pages[110];
        Add(1, "混合", pages);

        var or = Hit("量子 OR 火星");
        or.PageNumber.ShouldBe(5);
        Marked(or).ShouldBe("火星");

        var words = Hit("北京 人口 增长");
        words.PageNumber.ShouldBe(100);
        Marked(words).ShouldContain("北京");
        Marked(words).ShouldContain("人口");

        var phrase = Hit("\"通信卫星\"");
        phrase.PageNumber.ShouldBe(111);
        Marked(phrase).ShouldBe("通信卫星");
    }

    [Fact]
    public void Hits_of_one_segment_each_take_their_own_page_whatever_their_rank()
    {
        // One commit, so one segment: one page probe walks the three blocks in index order. The first document matches
        // by its title only, so the look for its page runs on into the next block and stops at that document's first
        // matching page, where the look for that document has to begin (not after it: that would give page 7).
        List<string> Pages(params (int Page, string Text)[] marks)
        {
            var pages = Filler(8);
            foreach (var (page, text) in marks) pages[page - 1] = text + pages[page - 1];
            return pages;
        }
        Upsert(1, "磁悬浮 甲", Pages());
        Upsert(2, "乙", Pages((4, "磁悬浮技术。"), (7, "磁悬浮列车。")));
        Upsert(3, "丙", Pages((6, string.Concat(Enumerable.Repeat("磁悬浮，", 12)))));
        _index.Commit(3);

        var hits = _index.Search(new SearchQuery("磁悬浮")).Hits;
        hits.Select(h => h.DocumentId).ShouldBe([1, 2, 3], ignoreOrder: true);
        hits.Select(h => h.DocumentId).ShouldNotBe([1, 2, 3], "ranked out of index order");
        hits.OrderBy(h => h.DocumentId).Select(h => h.PageNumber).ShouldBe([1, 4, 6]);
    }

    [Fact]
    public void A_title_only_match_shows_the_first_page_with_text_unmarked()
    {
        var pages = Filler(30);
        pages[0] = "";
        Add(1, "量子计算导论", pages);
        var hit = Hit("量子计算");
        hit.PageNumber.ShouldBe(2);
        hit.Snippet.ShouldNotContain(p => p.Marked);
        hit.TitleParts.Where(p => p.Marked).Select(p => p.Text).ShouldBe(["量子计算"]);
    }

    [Fact]
    public void Page_entries_are_neither_results_nor_counted_and_go_with_their_document()
    {
        Add(1, "甲", Filler(50));
        Add(2, "乙", Filler(20));
        var all = _index.Search(new SearchQuery("", Category: "other"));
        all.Total.ShouldBe(2);
        all.Hits.Select(h => h.DocumentId).Order().ShouldBe([1L, 2]);
        _index.Search(new SearchQuery("城市建设")).Total.ShouldBe(2);
        _index.Count.ShouldBe(2);

        _index.Delete(1);
        _index.Commit(9);
        _index.Ids().ShouldBe([2L]);
        _index.Search(new SearchQuery("城市建设")).Hits.Select(h => h.DocumentId).ShouldBe([2L]);
        Add(2, "乙", Filler(3)); // a shorter version replaces every page of the old one
        _index.Search(new SearchQuery("\"第020页\"")).Total.ShouldBe(0);
    }

    [Theory]
    [InlineData("这是一大创新，值得推广。", "创新", "这是一大<mark>创新</mark>，值得推广。")]
    [InlineData("全角（ＡＢＣ）字符与“引号”：创新！", "创新", "全角（ＡＢＣ）字符与“引号”：<mark>创新</mark>！")]
    [InlineData("Wenku 是一个 document library，支持中英文。", "document", "Wenku 是一个 <mark>document</mark> library，支持中英文。")]
    [InlineData("价格三元，增长 12%，共 3 项。", "增长", "价格三元，<mark>增长</mark> 12%，共 3 项。")]
    public void A_snippet_is_the_text_exactly_as_written_with_only_the_marks_added(string page, string query, string html)
    {
        var passage = new Highlighter([query]).PassageOnPage(page, 1)!.Value;
        string.Concat(passage.Parts.Select(p => p.Text)).ShouldBe(page);
        Render(passage.Parts).ShouldBe(html);
    }

    [Fact]
    public void A_line_break_inside_chinese_text_is_not_shown_as_a_space()
    {
        var passage = new Highlighter(["创新"]).PassageOnPage("这是一大创新，\n值得\n推广。Hello\nworld", 1)!.Value;
        Render(passage.Parts).ShouldBe("这是一大<mark>创新</mark>，值得推广。Hello world");
    }

    private static string Render(IReadOnlyList<TextPart> parts)
    {
        using var writer = new StringWriter();
        MarkedText.Html(parts).WriteTo(writer, HtmlEncoder.Default);
        // The encoder writes non-ASCII as entities; compare the text people see.
        return System.Net.WebUtility.HtmlDecode(writer.ToString().Replace("&lt;", "\u0001").Replace("&gt;", "\u0002"))
            .Replace("\u0001", "&lt;").Replace("\u0002", "&gt;");
    }

    [Fact]
    public void An_index_of_an_older_layout_counts_as_one_to_rebuild()
    {
        var old = TestPaths.NewTempDir("lucene-old");
        using (var directory = Lucene.Net.Store.FSDirectory.Open(old))
        using (var writer = new IndexWriter(directory, new IndexWriterConfig(SearchAnalyzer.Version, SearchAnalyzer.Instance)))
        {
            writer.SetCommitData(new Dictionary<string, string> { ["outbox"] = "5" });
            writer.Commit();
        }
        LuceneIndex.HoldsOtherFormat(old).ShouldBeTrue();
        Add(1, "甲", Filler(2));
        LuceneIndex.HoldsOtherFormat(_dir).ShouldBeFalse();
        LuceneIndex.HoldsOtherFormat(TestPaths.NewTempDir("lucene-empty")).ShouldBeFalse();
    }

    public void Dispose()
    {
        _index.Dispose();
        TestPaths.TryDelete(_dir);
    }
}

/// <summary>The site with an index written by an older version: it is rebuilt from the database when opened.</summary>
[Trait(WenkuFactory.Suite, WenkuFactory.OnBothStacks)]
public sealed class SearchFormatTests(WenkuFactory site) : IClassFixture<WenkuFactory>
{
    [Fact]
    public async Task The_search_page_shows_titles_and_snippets_as_written_with_only_the_marks_added()
    {
        var (api, _) = await site.ApiClientAsync("marks@test.local");
        var salt = "markspace" + Guid.NewGuid().ToString("N")[..8];
        var title = "标记测试 " + salt;
        var doc = await site.UploadAndWaitAsync(api, TestPdfs.Upload(TestPdfs.MultiPage(2, salt: salt), title: title));

        var page = await site.CreateClient().GetDocumentAsync("/search?q=" + Uri.EscapeDataString("创新 " + salt));
        var hit = page.QuerySelectorAll("ol.hits > li").ShouldHaveSingleItem();
        hit.One("a.hit-title").TextContent.ShouldBe(title);
        hit.One("a.hit-title").InnerHtml.ShouldBe($"标记测试 <mark>{salt}</mark>");
        hit.One("p.snippet").InnerHtml.ShouldContain("<mark>创新</mark>是引领发展的第一动力。");
        hit.One("p.snippet").TextContent.ShouldNotContain(" 是引领");
        doc.Id.ShouldBeGreaterThan(0);
    }

    [Fact]
    public async Task An_index_of_an_older_layout_is_rebuilt_from_the_database_on_start()
    {
        var (api, _) = await site.ApiClientAsync("format@test.local");
        var salt = "formatcheck" + Guid.NewGuid().ToString("N")[..8];
        var doc = await site.UploadAndWaitAsync(api, TestPdfs.Upload(TestPdfs.MultiPage(3, salt: salt), title: "格式测试 " + salt));

        // A data folder whose CURRENT index was written in the old layout (commit data without a format).
        var data = TestPaths.NewTempDir("search-format");
        var root = Path.Combine(data, "search");
        using (var directory = Lucene.Net.Store.FSDirectory.Open(Path.Combine(root, "index-20250101000000000")))
        using (var writer = new IndexWriter(directory, new IndexWriterConfig(SearchAnalyzer.Version, SearchAnalyzer.Instance)))
        {
            writer.SetCommitData(new Dictionary<string, string> { ["outbox"] = "0" });
            writer.Commit();
        }
        await File.WriteAllTextAsync(Path.Combine(root, "CURRENT"), "index-20250101000000000");

        using var index = new LuceneSearchIndex(site.Services.GetRequiredService<IDbContextFactory<WenkuDb>>(),
            Options.Create(new WenkuOptions { DataDir = data }), TimeProvider.System, NullLogger<LuceneSearchIndex>.Instance);
        await index.VerifyAsync(CancellationToken.None);

        var current = (await File.ReadAllTextAsync(Path.Combine(root, "CURRENT"))).Trim();
        current.ShouldNotBe("index-20250101000000000");
        LuceneIndex.HoldsOtherFormat(Path.Combine(root, current)).ShouldBeFalse();
        var hit = (await index.SearchAsync(new SearchQuery($"\"Paragraph 2 of {salt}\""), CancellationToken.None)).Hits.ShouldHaveSingleItem();
        hit.DocumentId.ShouldBe(doc.Id);
        hit.PageNumber.ShouldBe(2);
    }
}
