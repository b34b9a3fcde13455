using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Wenku.Search;
using Wenku.Tests.Infrastructure;
using Xunit;

namespace Wenku.Tests.Commerce;

/// <summary>
/// A sale changes only a document's download count, and search applies it as such (a doc-values update in Lucene, an
/// update of the entry's count in PostgreSQL) instead of indexing the document again: "most downloaded" must still follow.
/// </summary>
[Trait(WenkuFactory.Suite, WenkuFactory.OnBothStacks)]
public sealed class PurchaseSearchCountTests(CommerceSite site) : IClassFixture<CommerceSite>
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task A_purchase_moves_the_document_up_in_most_downloaded_search_results()
    {
        var word = "zq" + Guid.NewGuid().ToString("N")[..10];
        var (_, uploader) = await site.ApiClientAsync($"up-{Guid.NewGuid():N}@shop.test");
        var buyers = new List<(HttpClient Api, string Id)>();
        for (var i = 0; i < 3; i++)
        {
            var buyer = await site.ApiClientAsync($"buy-{Guid.NewGuid():N}@shop.test");
            await site.GrantAsync(buyer.UserId, 100);
            buyers.Add(buyer);
        }
        var first = await site.ReadyDocAsync(uploader, price: 5);
        var second = await site.ReadyDocAsync(uploader, price: 5);
        // A title change is a full change of the outbox: the two documents enter the index.
        await site.WithDbAsync(async db =>
        {
            foreach (var doc in await db.Documents.Where(d => d.Id == first || d.Id == second).ToListAsync()) doc.Title = $"{word} 付费文档 {doc.Id}";
            return await db.SaveChangesAsync();
        });
        await SyncAsync();
        (await MostDownloadedAsync(buyers[0].Api, word)).Select(h => h.Downloads).ShouldBe([0L, 0L]);

        await BuyAsync(buyers[0].Api, first);
        // The sale left a counts-only outbox row (not a re-index of the document).
        (await site.WithDbAsync(db => db.SearchChanges.Where(c => c.DocumentId == first).Select(c => c.CountsOnly).ToListAsync())).ShouldContain(true);
        await SyncAsync();
        (await MostDownloadedAsync(buyers[0].Api, word)).ShouldBe([(first, 1L), (second, 0L)]);

        await BuyAsync(buyers[1].Api, second);
        await BuyAsync(buyers[2].Api, second);
        await SyncAsync();
        (await MostDownloadedAsync(buyers[0].Api, word)).ShouldBe([(second, 2L), (first, 1L)]);
        // The documents are still found by their words and show their counts in a relevance search too.
        var found = await SearchAsync(buyers[0].Api, $"/api/v1/search?q={word}");
        found.Hits.Select(h => (h.Id, h.Downloads)).OrderBy(h => h.Id).ShouldBe(new[] { (first, 1L), (second, 2L) }.OrderBy(h => h.Item1));
    }

    private Task<int> SyncAsync() => site.Services.GetRequiredService<ISearchIndex>().SyncAsync(CancellationToken.None);

    private static async Task BuyAsync(HttpClient buyer, long doc)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/documents/{doc}/purchase") { Content = JsonContent.Create(new { expectedPrice = 5 }) };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        var response = await buyer.SendAsync(request);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    private static async Task<List<(long Id, long Downloads)>> MostDownloadedAsync(HttpClient api, string word) =>
        (await SearchAsync(api, $"/api/v1/search?q={word}&sort=downloads")).Hits.Select(h => (h.Id, h.Downloads)).ToList();

    private static async Task<SearchResponse> SearchAsync(HttpClient api, string url)
    {
        var response = await api.GetAsync(url);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<SearchResponse>(Json))!;
    }
}
