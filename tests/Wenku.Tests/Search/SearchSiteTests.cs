using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Shouldly;
using Wenku.Search;
using Wenku.Tests.Infrastructure;
using Xunit;

namespace Wenku.Tests.Search;

/// <summary>Search through the site and the API: it follows edits and deletions, filters, facets, suggestions.</summary>
[Trait(WenkuFactory.Suite, WenkuFactory.OnBothStacks)]
public sealed class SearchSiteTests(WenkuFactory site) : IClassFixture<WenkuFactory>
{
    private async Task<long> UploadReadyAsync(HttpClient api, string title, string salt, int pages = 3, int previewPages = 3, string category = "other", int? price = null)
    {
        var doc = await site.UploadAndWaitAsync(api,
            TestPdfs.Upload(TestPdfs.MultiPage(pages, salt: salt), title: title, previewPages: previewPages, category: category, price: price));
        doc.Status.ShouldBe(Wenku.Documents.DocumentStatus.Ready);
        return doc.Id;
    }

    private async Task<JsonElement> SearchAsync(string query) =>
        await site.CreateClient().GetFromJsonAsync<JsonElement>("/api/v1/search?" + query);

    private static List<long> Ids(JsonElement results) => results.GetProperty("hits").EnumerateArray().Select(h => h.GetProperty("id").GetInt64()).ToList();

    private Task<int> SyncAsync() => site.Services.GetRequiredService<ISearchIndex>().SyncAsync(CancellationToken.None);

    [Fact]
    public async Task Search_follows_edits_of_title_and_preview_limit_and_deletion()
    {
        var (api, _) = await site.ApiClientAsync("editor@test.local");
        var salt = "followedit" + Guid.NewGuid().ToString("N")[..8];
        var id = await UploadReadyAsync(api, "海洋生物图鉴 " + salt, salt);
        Ids(await SearchAsync("q=" + Uri.EscapeDataString("海洋生物图鉴"))).ShouldContain(id);
        Ids(await SearchAsync("q=" + Uri.EscapeDataString($"\"Paragraph 3 of {salt}\""))).ShouldBe([id]);

        var edited = await api.PatchAsJsonAsync($"/api/v1/documents/{id}", new { title = "沙漠植物手册 " + salt, previewPages = 2 });
        edited.StatusCode.ShouldBe(HttpStatusCode.OK, await edited.Content.ReadAsStringAsync());
        await SyncAsync();
        Ids(await SearchAsync("q=" + Uri.EscapeDataString("沙漠植物手册"))).ShouldContain(id);
        Ids(await SearchAsync("q=" + Uri.EscapeDataString("海洋生物图鉴"))).ShouldNotContain(id);
        // Page 3 is now past the preview limit: its words no longer find the document.
        Ids(await SearchAsync("q=" + Uri.EscapeDataString($"\"Paragraph 3 of {salt}\""))).ShouldBeEmpty();

        (await api.DeleteAsync($"/api/v1/documents/{id}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        await SyncAsync();
        Ids(await SearchAsync("q=" + Uri.EscapeDataString(salt))).ShouldBeEmpty();
        (await api.GetAsync($"/api/v1/documents/{id}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var pages = Path.Combine(site.DataDir, "files", "pages", id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        (Directory.Exists(pages) ? Directory.EnumerateFiles(pages) : []).ShouldBeEmpty("the page images are deleted with the document");
    }

    [Fact]
    public async Task Filters_facets_sorting_and_suggestions_through_the_api_and_the_page()
    {
        var (api, _) = await site.ApiClientAsync("facets@test.local");
        var word = "facetword" + Guid.NewGuid().ToString("N")[..6];
        var a = await UploadReadyAsync(api, "围棋入门 " + word, word + "a", pages: 2, category: "sports");
        var b = await UploadReadyAsync(api, "围棋定式大全 " + word, word + "b", pages: 7, category: "games", price: 5);
        var c = await UploadReadyAsync(api, "象棋残局 " + word, word + "c", pages: 2, category: "games");

        var all = await SearchAsync("q=" + word);
        all.GetProperty("total").GetInt32().ShouldBe(3);
        var categories = all.GetProperty("facets").GetProperty("category").EnumerateArray()
            .ToDictionary(f => f.GetProperty("value").GetString()!, f => f.GetProperty("count").GetInt32());
        categories.ShouldBe(new Dictionary<string, int> { ["games"] = 2, ["sports"] = 1 }, ignoreOrder: true);
        all.GetProperty("facets").GetProperty("category").EnumerateArray().First().GetProperty("label").GetString().ShouldNotBeNullOrEmpty();

        Ids(await SearchAsync($"q={word}&category=games")).Order().ShouldBe(new[] { b, c }.Order());
        Ids(await SearchAsync($"q={word}&price=paid")).ShouldBe([b]);
        Ids(await SearchAsync($"q={word}&pages=6-20")).ShouldBe([b]);
        Ids(await SearchAsync($"q={word}&sort=newest")).ShouldBe([c, b, a]);
        Ids(await SearchAsync("q=" + Uri.EscapeDataString($"围棋 {word}"))).Order().ShouldBe(new[] { a, b }.Order());
        Ids(await SearchAsync("q=" + Uri.EscapeDataString($"{word} -象棋"))).Order().ShouldBe(new[] { a, b }.Order());

        var hit = (await SearchAsync("q=" + Uri.EscapeDataString("围棋定式"))).GetProperty("hits")[0];
        hit.GetProperty("titleHighlighted").GetString()!.ShouldContain("«围棋定式»");

        var suggestions = await site.CreateClient().GetFromJsonAsync<JsonElement>("/api/v1/search/suggest?q=" + Uri.EscapeDataString("围棋定"));
        suggestions.EnumerateArray().Select(s => s.GetProperty("id").GetInt64()).ShouldContain(b);

        var html = await site.CreateClient().GetStringAsync($"/search?q={word}&category=games");
        html.ShouldContain($"href=\"/d/{b}\"");
        html.ShouldNotContain($"href=\"/d/{a}\"");
        html.ShouldContain("<h2>分类</h2>");
        html.ShouldContain("<mark>");
    }

    [Fact]
    public async Task Hostile_queries_are_answered_and_encoded()
    {
        // No query at all (the header's box sent empty, the error page's link): the page with its hint, not a 500.
        foreach (var empty in new[] { "/search", "/search?q=", "/search?q=%20%20", "/search?category=tech" })
        {
            var response = await site.CreateClient().GetAsync(empty);
            response.StatusCode.ShouldBe(HttpStatusCode.OK, empty);
            Html.Parse(await response.Content.ReadAsStringAsync()).QuerySelector("main h1").ShouldNotBeNull(empty);
        }
        foreach (var q in new[] { "<script>alert(1)</script>", "\"", "-", "OR", "a:b:c", new string('国', 5000), "%00", "\u0000\u0001" })
        {
            var response = await site.CreateClient().GetAsync("/search?q=" + Uri.EscapeDataString(q));
            response.StatusCode.ShouldBe(HttpStatusCode.OK, q);
            (await response.Content.ReadAsStringAsync()).ShouldNotContain("<script>alert(1)</script>");
            (await site.CreateClient().GetAsync("/api/v1/search?q=" + Uri.EscapeDataString(q))).StatusCode.ShouldBe(HttpStatusCode.OK, q);
        }
        (await site.CreateClient().GetAsync("/api/v1/search?page=-5&sort=nonsense&pages=x&price=y")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await site.CreateClient().GetAsync("/api/v1/search?q=a&page=99999")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }
}
