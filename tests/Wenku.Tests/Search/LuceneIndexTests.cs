using Shouldly;
using Wenku.Search;
using Xunit;

namespace Wenku.Tests.Search;

/// <summary>The index itself, without the site: ranking, filters, facets, sorting, highlighting.</summary>
public sealed class LuceneIndexTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "wenku-lucene-" + Guid.NewGuid().ToString("N"));
    private readonly LuceneIndex _index;

    public LuceneIndexTests()
    {
        _index = new LuceneIndex(_dir);
        Add(1, "北京奥运会开幕式报道", "sports", "pdf", 0, 3, 10, "第一页没有。", "国家体育场举行了盛大的北京奥运会开幕式，观众九万一千人。");
        Add(2, "上海足球联赛综述", "sports", "pdf", 5, 12, 50, "上海申花在联赛中表现出色，足球迷们热情高涨。");
        Add(3, "股市周评", "finance", "docx", 0, 30, 5, "本周股市震荡，北京的投资者情绪谨慎。");
        Add(4, "Running a Document Library", "tech", "pdf", 0, 120, 99, "Libraries of documents need search that works for Chinese and English.");
        Add(5, "體育產業報告", "finance", "pdf", 10, 8, 1, "體育產業在國際市場上增長迅速。");
        _index.Commit(1);
    }

    private void Add(long id, string title, string cat, string format, int price, int pages, long downloads, params string[] text) =>
        _index.Upsert(new SearchDocument(id, title, "", "", cat, format, price, pages, downloads,
            new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddDays(id), "uploader" + id, text));

    private SearchResults Search(string q, string? category = null, string? format = null, string? price = null, string? pages = null, SearchSort sort = SearchSort.Relevance) =>
        _index.Search(new SearchQuery(q, 1, 20, category, format, price, pages, sort));

    [Fact]
    public void Chinese_words_find_the_document_that_contains_them() =>
        Search("奥运会开幕").Hits.Select(h => h.DocumentId).ShouldBe([1]);

    [Fact]
    public void A_one_character_query_finds_every_document_with_that_character() =>
        Search("股").Hits.Select(h => h.DocumentId).ShouldBe([3]);

    [Fact]
    public void Traditional_query_finds_simplified_text_and_back()
    {
        Search("體育場").Hits.Select(h => h.DocumentId).ShouldContain(1);
        Search("体育产业").Hits.Select(h => h.DocumentId).ShouldContain(5);
    }

    [Fact]
    public void English_words_match_other_forms() => Search("library document").Hits.Single().DocumentId.ShouldBe(4);

    [Fact]
    public void Exclusion_removes_documents() =>
        Search("北京 -奥运").Hits.Select(h => h.DocumentId).ShouldBe([3]);

    [Fact]
    public void A_quoted_phrase_must_occur_as_typed()
    {
        Search("\"投资者情绪\"").Hits.Select(h => h.DocumentId).ShouldBe([3]);
        Search("\"情绪投资者\"").Total.ShouldBe(0);
    }

    [Fact]
    public void Title_matches_rank_above_body_matches() =>
        Search("北京").Hits.Select(h => h.DocumentId).ShouldBe([1, 3]);

    [Fact]
    public void Facets_count_each_value_with_the_other_filters_applied()
    {
        var all = Search("", category: null, format: "pdf");
        all.Total.ShouldBe(4);
        all.Facets.Category.ShouldBe([new FacetValue("sports", 2), new FacetValue("finance", 1), new FacetValue("tech", 1)]);
        // The format facet ignores the format filter itself, so the other formats stay visible.
        all.Facets.Format.ShouldBe([new FacetValue("pdf", 4), new FacetValue("docx", 1)]);
        all.Facets.Price.ShouldBe([new FacetValue("free", 2), new FacetValue("paid", 2)]);

        var sports = Search("", category: "sports");
        sports.Hits.Select(h => h.DocumentId).ShouldBe([2, 1]); // browsing sorts newest first
        sports.Facets.Category.Select(f => f.Value).ShouldContain("finance");
    }

    [Fact]
    public void Price_and_page_range_filters()
    {
        Search("", price: "paid").Hits.Select(h => h.DocumentId).OrderBy(x => x).ShouldBe([2, 5]);
        Search("", pages: "100+").Hits.Single().DocumentId.ShouldBe(4);
        Search("", pages: "6-20").Hits.Select(h => h.DocumentId).OrderBy(x => x).ShouldBe([2, 5]);
        Search("", pages: "6-20").Facets.Pages.ShouldBe([new FacetValue("1-5", 1), new FacetValue("6-20", 2), new FacetValue("21-50", 1), new FacetValue("100+", 1)]);
    }

    [Fact]
    public void Sorting_by_downloads_and_by_date()
    {
        Search("", format: "pdf", sort: SearchSort.Downloads).Hits.Select(h => h.DocumentId).ShouldBe([4, 2, 1, 5]);
        Search("", format: "pdf", sort: SearchSort.Newest).Hits.Select(h => h.DocumentId).ShouldBe([5, 4, 2, 1]);
    }

    [Fact]
    public void Paging_splits_the_results()
    {
        var page2 = _index.Search(new SearchQuery("", 2, 2, Format: "pdf", Sort: SearchSort.Newest));
        page2.Total.ShouldBe(4);
        page2.Hits.Select(h => h.DocumentId).ShouldBe([2, 1]);
    }

    [Fact]
    public void Snippet_comes_from_the_page_that_matches_with_the_words_marked()
    {
        var hit = Search("开幕式").Hits.Single();
        hit.PageNumber.ShouldBe(2);
        string.Concat(hit.Snippet.Where(p => p.Marked).Select(p => p.Text)).ShouldBe("开幕式");
        string.Concat(hit.Snippet.Select(p => p.Text)).ShouldContain("盛大的北京奥运会开幕式");
        hit.TitleParts.Where(p => p.Marked).Select(p => p.Text).ShouldBe(["开幕式"]);
    }

    [Fact]
    public void Highlight_marks_the_original_traditional_characters_for_a_simplified_query()
    {
        var hit = Search("国际市场").Hits.Single();
        hit.Snippet.Where(p => p.Marked).Select(p => p.Text).ShouldBe(["國際市場"]);
    }

    [Fact]
    public void Updating_and_deleting_follow_immediately()
    {
        Add(3, "债市周评", "finance", "docx", 0, 30, 5, "债券市场平稳。");
        _index.Delete(2);
        _index.Commit(2);
        Search("股市").Total.ShouldBe(0);
        Search("债市").Hits.Single().DocumentId.ShouldBe(3);
        Search("足球").Total.ShouldBe(0);
        _index.Watermark.ShouldBe(2);
        _index.Ids().Order().ShouldBe([1L, 3, 4, 5]);
    }

    [Fact]
    public void Suggestions_complete_the_last_word()
    {
        _index.Suggest("北京奥", 5).Select(s => s.Id).ShouldBe([1]);
        _index.Suggest("docu", 5).Select(s => s.Id).ShouldBe([4]);
        _index.Suggest("   ", 5).ShouldBeEmpty();
    }

    [Fact]
    public void A_quoted_phrase_matches_across_punctuation() =>
        Search("\"开幕式，观众\"").Hits.Single().DocumentId.ShouldBe(1);

    [Fact]
    public void A_fragment_of_a_word_or_number_at_the_edge_of_the_query_is_found()
    {
        Search("brari").Hits.Single().DocumentId.ShouldBe(4); // inside "Libraries"
        Search("众九万一千人").Hits.Single().DocumentId.ShouldBe(1);
    }

    [Fact]
    public void Punctuation_only_queries_find_nothing_without_error() => Search("，。！？").Total.ShouldBe(0);

    public void Dispose()
    {
        _index.Dispose();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }
}
