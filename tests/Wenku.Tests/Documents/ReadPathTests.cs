using Microsoft.EntityFrameworkCore;
using Shouldly;
using Wenku.Comments;
using Wenku.Documents;
using Wenku.Moderation;
using Wenku.Tests.Infrastructure;
using Xunit;

namespace Wenku.Tests.Documents;

/// <summary>
/// What the read paths show after their queries were combined (issue 15, uncached reads): the comment count from the
/// list, related documents and the uploader's other documents walked by their indexes, the lists past page 1.
/// </summary>
[Trait(WenkuFactory.Suite, WenkuFactory.OnBothStacks)]
public sealed class ReadPathTests(LibrarySite site) : IClassFixture<LibrarySite>
{
    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];

    private Task<int> AddCommentsAsync(long documentId, IEnumerable<(string UserId, string Body, CommentState State, DateTime At)> comments) =>
        site.WithDbAsync(async db =>
        {
            db.Comments.AddRange(comments.Select(c => new Comment { DocumentId = documentId, UserId = c.UserId, Body = c.Body, State = c.State, CreatedAt = c.At }));
            return await db.SaveChangesAsync();
        });

    [Fact]
    public async Task Document_page_counts_only_visible_comments_and_lists_them_newest_first()
    {
        var users = await site.BareUsersAsync(3, Unique("commenters"));
        var doc = await site.DocumentAsync(users[0], "评论计数文档");
        var t = DateTime.UtcNow.AddHours(-1);
        await AddCommentsAsync(doc, [
            (users[1], "第一条", CommentState.Visible, t), (users[2], "第二条", CommentState.Visible, t.AddMinutes(1)),
            (users[1], "待审核的", CommentState.Pending, t.AddMinutes(2)), (users[2], "隐藏的", CommentState.Hidden, t.AddMinutes(3))]);

        var page = await site.CreateClient().GetDocumentAsync($"/d/{doc}");

        page.One("#comments h2").Text().ShouldBe("评论（2）");
        page.QuerySelectorAll("#comments .comment").Select(c => c.QuerySelectorAll("div")[1].TextContent).ShouldBe(["第二条", "第一条"]);
    }

    [Fact]
    public async Task Document_page_counts_comments_past_the_hundred_it_shows()
    {
        var users = await site.BareUsersAsync(2, Unique("many"));
        var doc = await site.DocumentAsync(users[0], "很多评论的文档");
        var t = DateTime.UtcNow.AddHours(-3);
        await AddCommentsAsync(doc, Enumerable.Range(0, 105).Select(i => (users[1], $"评论{i}", CommentState.Visible, t.AddMinutes(i)))
            .Append((users[1], "待审核的", CommentState.Pending, t.AddMinutes(200))));

        var page = await site.CreateClient().GetDocumentAsync($"/d/{doc}");

        page.One("#comments h2").Text().ShouldBe("评论（105）");
        var shown = page.QuerySelectorAll("#comments .comment");
        shown.Length.ShouldBe(100);
        shown[0].QuerySelectorAll("div")[1].TextContent.ShouldBe("评论104");
    }

    [Fact]
    public async Task Related_documents_are_the_categorys_most_downloaded_other_ready_documents()
    {
        var users = await site.BareUsersAsync(1, Unique("related"));
        var ids = new List<long>();
        for (var i = 0; i < 8; i++) ids.Add(await site.DocumentAsync(users[0], $"相关{i}"));
        var held = await site.DocumentAsync(users[0], "待审核的相关", status: DocumentStatus.Held);
        // Far above the other tests' documents in the same category: these are its most downloaded.
        await site.WithDbAsync(async db =>
        {
            for (var i = 0; i < ids.Count; i++)
            {
                var (id, downloads) = (ids[i], 1_000_000L + i * 10);
                await db.Documents.Where(d => d.Id == id).ExecuteUpdateAsync(s => s.SetProperty(d => d.Downloads, downloads));
            }
            return await db.Documents.Where(d => d.Id == held).ExecuteUpdateAsync(s => s.SetProperty(d => d.Downloads, 5_000_000L));
        });

        var page = await site.CreateClient().GetDocumentAsync($"/d/{ids[7]}");

        var related = page.QuerySelectorAll("section.panel").Single(s => s.QuerySelector("h2")?.TextContent == "相关文档");
        related.QuerySelectorAll(".doc-card").Select(c => long.Parse(c.GetAttribute("data-doc")!))
            .ShouldBe([ids[6], ids[5], ids[4], ids[3], ids[2], ids[1]], "most downloaded first, without the page's own document or a held one");
    }

    [Fact]
    public async Task More_from_the_uploader_lists_their_newest_other_ready_documents()
    {
        var users = await site.BareUsersAsync(1, Unique("more"));
        var t = DateTime.UtcNow.AddDays(-1);
        var ids = new List<long>();
        for (var i = 0; i < 8; i++) ids.Add(await site.DocumentAsync(users[0], $"更多{i}", createdAt: t.AddMinutes(i)));
        await site.DocumentAsync(users[0], "排队中的", status: DocumentStatus.Queued, createdAt: t.AddMinutes(30));

        var page = await site.CreateClient().GetDocumentAsync($"/d/{ids[0]}");

        page.One(".more-from-uploader h2").Text().ShouldBe("读者0 的更多文档");
        page.QuerySelectorAll(".more-from-uploader .doc-card").Select(c => long.Parse(c.GetAttribute("data-doc")!))
            .ShouldBe([ids[7], ids[6], ids[5], ids[4], ids[3], ids[2]]);
    }

    [Fact]
    public async Task Uploader_page_lists_ready_documents_newest_first_across_pages()
    {
        var (_, uploaderId) = await site.SignedInBrowserAsync($"{Unique("pager")}@test.local");
        var slug = await site.WithDbAsync(db => db.Users.Where(u => u.Id == uploaderId).Select(u => u.Slug).SingleAsync());
        var t = DateTime.UtcNow.AddDays(-2);
        var ids = new List<long>();
        for (var i = 0; i < DocListPage.PageSize + 3; i++) ids.Add(await site.DocumentAsync(uploaderId, $"翻页{i:00}", createdAt: t.AddMinutes(i)));
        await site.DocumentAsync(uploaderId, "未发布的", status: DocumentStatus.Failed, createdAt: t.AddHours(1));
        var client = site.CreateClient();

        var first = await client.GetDocumentAsync($"/u/{slug}");
        var second = await client.GetDocumentAsync($"/u/{slug}?page=2");

        static long[] Cards(AngleSharp.Dom.IDocument page) => page.QuerySelectorAll(".doc-card").Select(c => long.Parse(c.GetAttribute("data-doc")!)).ToArray();
        Cards(first).ShouldBe(Enumerable.Reverse(ids).Take(DocListPage.PageSize).ToArray());
        Cards(second).ShouldBe(Enumerable.Reverse(ids).Skip(DocListPage.PageSize).ToArray());
        first.One("a[rel=next]").GetAttribute("href").ShouldBe($"/u/{slug}?page=2");
    }

    // reads (issue 15, compiled read queries): the category page's count, order and page clamp; a reader's own pending comment.
    [Fact]
    public async Task Category_page_counts_its_ready_documents_lists_the_newest_first_and_clamps_the_page()
    {
        var users = await site.BareUsersAsync(1, Unique("catpage"));
        // Newer than every other test's document in the category "other": these open its first page.
        var t = DateTime.UtcNow.AddYears(1);
        var ids = new List<long>();
        for (var i = 0; i < 3; i++) ids.Add(await site.DocumentAsync(users[0], $"分类最新{i}", createdAt: t.AddMinutes(i)));
        await site.DocumentAsync(users[0], "分类里待审核的", status: DocumentStatus.Held, createdAt: t.AddHours(1));
        var client = site.CreateClient();

        var first = await client.GetDocumentAsync("/c/other");
        var ready = await site.WithDbAsync(db => db.Documents.CountAsync(d => d.Category.Slug == "other" && d.Status == DocumentStatus.Ready));
        var pages = (ready + DocListPage.PageSize - 1) / DocListPage.PageSize;
        var past = await client.GetDocumentAsync("/c/other?page=999");

        first.One("section.panel p.meta").Text().ShouldBe($"{ready} 篇文档");
        first.QuerySelectorAll(".doc-card").Take(3).Select(c => long.Parse(c.GetAttribute("data-doc")!)).ShouldBe([ids[2], ids[1], ids[0]]);
        var card = first.QuerySelectorAll(".doc-card")[0];
        card.One(".doc-card-title").Text().ShouldBe("分类最新2");
        card.One(".cover").ClassList.ShouldContain("cover-pdf");
        card.One(".badge").Text().ShouldBe("PDF");
        past.QuerySelectorAll(".doc-card").Length.ShouldBe(ready - (pages - 1) * DocListPage.PageSize);
        if (pages > 1) past.One("a[rel=prev]").GetAttribute("href").ShouldBe($"/c/other?page={pages - 1}");
    }

    [Fact]
    public async Task A_readers_own_pending_comment_is_shown_to_them_and_to_no_one_else()
    {
        var (author, authorId) = await site.SignedInBrowserAsync($"{Unique("pend")}@test.local");
        var (other, _) = await site.SignedInBrowserAsync($"{Unique("pendo")}@test.local");
        var doc = await site.DocumentAsync(authorId, "待审核评论的文档");
        await AddCommentsAsync(doc, [(authorId, "我的待审核评论", CommentState.Pending, DateTime.UtcNow.AddMinutes(-1))]);

        static string[] Bodies(AngleSharp.Dom.IDocument page) =>
            page.QuerySelectorAll("#comments .comment").Select(c => c.QuerySelectorAll("div")[1].TextContent).ToArray();
        Bodies(await author.GetDocumentAsync($"/d/{doc}")).ShouldBe(["我的待审核评论"]);
        Bodies(await other.GetDocumentAsync($"/d/{doc}")).ShouldBeEmpty();
        Bodies(await site.CreateClient().GetDocumentAsync($"/d/{doc}")).ShouldBeEmpty();
    }

    // reads (issue 15, round three): 相关文档 and the uploader's newest come from one statement; the comment count from the page's head.
    [Fact]
    public async Task A_document_in_both_lists_shows_in_related_and_in_more_from_the_uploader()
    {
        var users = await site.BareUsersAsync(1, Unique("both"));
        var page = await site.DocumentAsync(users[0], "两个列表的页面", createdAt: DateTime.UtcNow.AddDays(-2));
        var both = await site.DocumentAsync(users[0], "两个列表都有的", createdAt: DateTime.UtcNow.AddDays(-1));
        // The category's most downloaded by far (the other tests stay under 6,000,000).
        await site.WithDbAsync(db => db.Documents.Where(d => d.Id == both).ExecuteUpdateAsync(s => s.SetProperty(d => d.Downloads, 9_000_000L)));

        var html = await site.CreateClient().GetDocumentAsync($"/d/{page}");

        var related = html.QuerySelectorAll("section.panel").Single(s => s.QuerySelector("h2")?.TextContent == "相关文档");
        long.Parse(related.QuerySelectorAll(".doc-card")[0].GetAttribute("data-doc")!).ShouldBe(both);
        related.QuerySelectorAll(".doc-card").Select(c => long.Parse(c.GetAttribute("data-doc")!)).ShouldNotContain(page);
        html.QuerySelectorAll(".more-from-uploader .doc-card").Select(c => long.Parse(c.GetAttribute("data-doc")!)).ShouldBe([both]);
        html.One(".more-from-uploader .doc-card-title").Text().ShouldBe("两个列表都有的");
    }

    [Fact]
    public async Task Without_visible_comments_anonymous_readers_see_none_and_staff_still_see_the_hidden_one()
    {
        var users = await site.BareUsersAsync(1, Unique("nocomm"));
        var (staff, _) = await site.SignedInBrowserAsync($"{Unique("staffc")}@test.local", Wenku.Accounts.Roles.Moderator);
        var doc = await site.DocumentAsync(users[0], "只有隐藏评论的文档");
        await AddCommentsAsync(doc, [(users[0], "隐藏的那条", CommentState.Hidden, DateTime.UtcNow.AddMinutes(-1))]);

        var anonymous = await site.CreateClient().GetDocumentAsync($"/d/{doc}");
        anonymous.One("#comments h2").Text().ShouldBe("评论（0）");
        anonymous.QuerySelectorAll("#comments .comment").ShouldBeEmpty();

        var moderator = await staff.GetDocumentAsync($"/d/{doc}");
        moderator.One("#comments h2").Text().ShouldBe("评论（0）");
        moderator.QuerySelectorAll("#comments .comment").Select(c => c.GetAttribute("data-state")).ShouldBe(["hidden"]);
    }
}
