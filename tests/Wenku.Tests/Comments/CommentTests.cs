using Xunit;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Wenku.Accounts;
using Wenku.Documents;
using Wenku.Tests.Infrastructure;

namespace Wenku.Tests.Comments;

[Trait(WenkuFactory.Suite, WenkuFactory.OnBothStacks)]
public sealed class CommentTests(WenkuFactory site) : IClassFixture<WenkuFactory>
{
    private long _doc;

    private async Task<long> DocumentAsync()
    {
        if (_doc != 0) return _doc;
        var (api, _) = await site.ApiClientAsync($"comment-owner-{Guid.NewGuid():N}@test.local");
        var r = await api.PostAsync("/api/v1/documents", TestPdfs.Upload(TestPdfs.MultiPage(1)));
        _doc = (await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        (await site.WaitForDocumentAsync(_doc)).Status.ShouldBe(DocumentStatus.Ready);
        return _doc;
    }

    [Fact]
    public async Task Signed_in_reader_comments_and_the_comment_is_shown_encoded()
    {
        var id = await DocumentAsync();
        var (reader, _) = await site.SignedInBrowserAsync("commenter@test.local");
        await site.CreateClient().GetStringAsync($"/d/{id}"); // an anonymous reader has the page cached
        var response = await reader.PostFormAsync($"/d/{id}", $"/d/{id}/comments", new() { ["body"] = "<script>alert(1)</script> 写得很好！" });
        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var html = await site.CreateClient().GetStringAsync($"/d/{id}");
        html.ShouldContain("&lt;script&gt;alert(1)&lt;/script&gt; 写得很好！");
        html.ShouldNotContain("<script>alert(1)");
    }

    [Fact]
    public async Task Comment_longer_than_150_characters_is_refused_by_the_server()
    {
        var id = await DocumentAsync();
        var (reader, _) = await site.SignedInBrowserAsync("long-commenter@test.local");
        var exactly150 = new string('好', 150);
        (await reader.PostFormAsync($"/d/{id}", $"/d/{id}/comments", new() { ["body"] = exactly150 })).Headers.Location!.ToString().ShouldBe($"/d/{id}#comments");
        var tooLong = new string('长', 151);
        var response = await reader.PostFormAsync($"/d/{id}", $"/d/{id}/comments", new() { ["body"] = tooLong });
        response.Headers.Location!.ToString().ShouldContain("comment=toolong");
        (await site.WithDbAsync(db => db.Comments.AnyAsync(c => c.Body == tooLong))).ShouldBeFalse();
        (await reader.GetStringAsync($"/d/{id}?comment=toolong")).ShouldContain("评论最多 150 个字");
        // Emoji count as one character each, as a person counts them.
        (await reader.PostFormAsync($"/d/{id}", $"/d/{id}/comments", new() { ["body"] = string.Concat(Enumerable.Repeat("👍", 150)) }))
            .Headers.Location!.ToString().ShouldBe($"/d/{id}#comments");
    }

    [Fact]
    public async Task A_comment_over_the_limit_is_refused_and_its_typed_text_comes_back_for_the_box()
    {
        var id = await DocumentAsync();
        var (reader, _) = await site.SignedInBrowserAsync($"over-limit-{Guid.NewGuid():N}@test.local");
        var typed = "我写了很长的一段评论，" + new string('长', 150);
        var response = await reader.PostFormAsync($"/d/{id}", $"/d/{id}/comments", new() { ["body"] = typed });
        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var back = new Uri(new Uri("http://site"), response.Headers.Location!);
        var query = System.Web.HttpUtility.ParseQueryString(back.Query);
        query["comment"].ShouldBe("toolong");
        // The text comes back in the box, from the commenter's own cookie: never in the URL (histories, logs, links).
        back.Query.ShouldNotContain("draft");
        var page = await reader.GetDocumentAsync(response.Headers.Location!.ToString());
        page.One("#comments textarea[name=body]").TextContent.ShouldBe(typed);
        (await site.WithDbAsync(db => db.Comments.AnyAsync(c => c.Body == typed))).ShouldBeFalse();
        // Once: a reload shows an empty box.
        (await reader.GetDocumentAsync(response.Headers.Location!.ToString())).One("#comments textarea[name=body]").TextContent.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_link_cannot_fill_someones_comment_box_or_name_a_word_they_never_typed()
    {
        var id = await DocumentAsync();
        var (reader, _) = await site.SignedInBrowserAsync($"crafted-link-{Guid.NewGuid():N}@test.local");
        var page = await reader.GetDocumentAsync($"/d/{id}?comment=blocked&word={Uri.EscapeDataString("假词")}&draft={Uri.EscapeDataString("点这里领积分")}");
        page.One("#comments textarea[name=body]").TextContent.ShouldBeEmpty();
        page.Body!.TextContent.ShouldNotContain("假词");
    }

    [Fact]
    public async Task Comment_without_antiforgery_token_is_rejected()
    {
        var id = await DocumentAsync();
        var (reader, _) = await site.SignedInBrowserAsync("csrf@test.local");
        var response = await reader.PostAsync($"/d/{id}/comments", new FormUrlEncodedContent(new Dictionary<string, string> { ["body"] = "hi" }));
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Anonymous_reader_cannot_comment()
    {
        var id = await DocumentAsync();
        var anonymous = site.Browser();
        var response = await anonymous.PostFormAsync("/account/login", $"/d/{id}/comments", new() { ["body"] = "hi" });
        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        response.Headers.Location!.ToString().ShouldContain("/account/login");
    }

    [Fact]
    public async Task Author_deletes_own_comment_others_cannot_moderator_can()
    {
        var id = await DocumentAsync();
        var (author, _) = await site.SignedInBrowserAsync("author@test.local");
        var (stranger, _) = await site.SignedInBrowserAsync("stranger@test.local");
        var (moderator, _) = await site.SignedInBrowserAsync("moderator@test.local", Roles.Moderator);

        await author.PostFormAsync($"/d/{id}", $"/d/{id}/comments", new() { ["body"] = "第一条评论" });
        await author.PostFormAsync($"/d/{id}", $"/d/{id}/comments", new() { ["body"] = "第二条评论" });
        var first = await site.WithDbAsync(db => db.Comments.SingleAsync(c => c.Body == "第一条评论"));
        var second = await site.WithDbAsync(db => db.Comments.SingleAsync(c => c.Body == "第二条评论"));

        (await stranger.PostFormAsync($"/d/{id}", $"/comments/{first.Id}/delete", [])).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await author.PostFormAsync($"/d/{id}", $"/comments/{first.Id}/delete", [])).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        (await moderator.PostFormAsync($"/d/{id}", $"/comments/{second.Id}/delete", [])).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        (await site.WithDbAsync(db => db.Comments.CountAsync(c => c.Id == first.Id || c.Id == second.Id))).ShouldBe(0);
    }
}

/// <summary>Comments are rate-limited per user.</summary>
public sealed class CommentRateLimitTests : IDisposable
{
    private sealed class StrictFactory : WenkuFactory
    {
        protected override int Workers => 0;
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Wenku:CommentsPerMinute"] = "3" };
    }

    private readonly StrictFactory _site = new();

    [Fact]
    public async Task Fourth_comment_within_a_minute_is_refused_with_429()
    {
        var userId = await _site.CreateUserAsync("rate-owner@test.local");
        var id = await _site.WithDbAsync(async db =>
        {
            var doc = new Document
            {
                Title = "限流", UploaderId = userId, CategoryId = 1, OriginalFileName = "a.pdf", Format = "pdf", Sha256 = "rate",
                StorageKey = "originals/rate.pdf", Status = DocumentStatus.Ready, PageCount = 1, PreviewPages = 1,
            };
            db.Documents.Add(doc);
            await db.SaveChangesAsync();
            return doc.Id;
        });
        var (reader, _) = await _site.SignedInBrowserAsync("rate@test.local");
        var token = await reader.AntiforgeryTokenAsync($"/d/{id}");
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            var r = await reader.PostAsync($"/d/{id}/comments", new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["body"] = $"评论{i}", ["__RequestVerificationToken"] = token,
            }));
            statuses.Add(r.StatusCode);
        }
        statuses.ShouldBe([HttpStatusCode.Redirect, HttpStatusCode.Redirect, HttpStatusCode.Redirect, HttpStatusCode.TooManyRequests]);
    }

    public void Dispose() => _site.Dispose();
}
