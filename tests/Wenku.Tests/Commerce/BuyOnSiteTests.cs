using System.Net;
using AngleSharp.Dom;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Wenku.Documents;
using Wenku.Storage;
using Wenku.Tests.Infrastructure;
using Xunit;

namespace Wenku.Tests.Commerce;

/// <summary>Buying a document on the site: the document page's button, the confirmation, the purchase, and sales shown.</summary>
[Trait(WenkuFactory.Suite, WenkuFactory.OnBothStacks)]
public sealed class BuyOnSiteTests(CommerceSite site) : IClassFixture<CommerceSite>
{
    private static readonly byte[] Original = "%PDF-1.4 原文件 the original"u8.ToArray();

    /// <summary>A ready paid document with three pages (one in the preview) and its files in the store.</summary>
    private async Task<long> StockedDocAsync(string uploaderId, int price)
    {
        var id = await site.ReadyDocAsync(uploaderId, price);
        var key = await site.WithDbAsync(async db =>
        {
            for (var n = 1; n <= 3; n++) db.DocumentPages.Add(new DocumentPage { DocumentId = id, Number = n, Width = 100, Height = 140, Text = $"第{n}页 page {n}" });
            await db.SaveChangesAsync();
            return await db.Documents.Where(d => d.Id == id).Select(d => d.StorageKey).SingleAsync();
        });
        await using var scope = site.Services.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<IFileStore>();
        await store.PutAsync(key, new MemoryStream(Original), CancellationToken.None);
        for (var n = 1; n <= 3; n++) await store.PutAsync(Wenku.Documents.Document.PageKey(id, n), new MemoryStream([0xFF, 0xD8, 0xFF, (byte)n]), CancellationToken.None);
        return id;
    }

    private async Task<(HttpClient Browser, string UserId)> ReaderAsync(long points = 0)
    {
        var reader = await site.SignedInBrowserAsync($"reader-{Guid.NewGuid():N}@buy.test");
        if (points > 0) await site.GrantAsync(reader.UserId, points);
        return reader;
    }

    private async Task<string> UploaderAsync() => await site.CreateUserAsync($"up-{Guid.NewGuid():N}@buy.test");

    /// <summary>Posts the confirmation's form as a browser would: every field it holds, the antiforgery token and the key included.</summary>
    private static Task<HttpResponseMessage> ConfirmAsync(HttpClient browser, IDocument confirmation)
    {
        var form = confirmation.One("#buy form");
        var fields = form.QuerySelectorAll("input").ToDictionary(i => i.GetAttribute("name")!, i => i.GetAttribute("value") ?? "");
        return browser.PostAsync(form.GetAttribute("action"), new FormUrlEncodedContent(fields));
    }

    private static string Location(HttpResponseMessage response) => response.Headers.Location!.OriginalString;

    [Fact]
    public async Task An_anonymous_reader_is_sent_to_sign_in_and_back_to_the_confirmation()
    {
        var doc = await StockedDocAsync(await UploaderAsync(), price: 30);
        var anonymous = site.Browser();
        var page = await anonymous.GetDocumentAsync($"/d/{doc}");
        page.One("#download a[data-action=buy]").GetAttribute("href").ShouldBe($"/d/{doc}/buy");

        var toLogin = await anonymous.GetAsync($"/d/{doc}/buy");
        toLogin.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        Location(toLogin).ShouldEndWith($"/account/login?ReturnUrl={Uri.EscapeDataString($"/d/{doc}/buy")}");
        var post = await anonymous.PostAsync($"/d/{doc}/buy", new FormUrlEncodedContent(new Dictionary<string, string> { ["expectedPrice"] = "30", ["key"] = "k" }));
        post.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        Location(post).ShouldEndWith($"/account/login?ReturnUrl={Uri.EscapeDataString($"/d/{doc}/buy")}");
    }

    [Fact]
    public async Task A_reader_with_points_buys_through_the_confirmation_and_then_downloads_the_original_and_sees_every_page()
    {
        var uploader = await UploaderAsync();
        var doc = await StockedDocAsync(uploader, price: 35);
        var (reader, readerId) = await ReaderAsync(points: 100);

        var before = await reader.GetDocumentAsync($"/d/{doc}");
        before.QuerySelectorAll(Html.PreviewImages).Length.ShouldBe(1);
        before.One("#preview-end a[data-action=buy-from-preview-end]").GetAttribute("href").ShouldBe($"/d/{doc}/buy");
        before.One("#download [data-action=buy]").Text().ShouldStartWith("下载本文档（35 积分）");
        before.QuerySelectorAll("[data-purchased]").ShouldBeEmpty();

        var confirmation = await reader.GetDocumentAsync($"/d/{doc}/buy");
        confirmation.One("[data-fact=price] [data-value]").Text().ShouldBe("35");
        confirmation.One("[data-fact=price] [data-yuan]").Text().ShouldBe("3.50"); // 10 points per yuan by default
        confirmation.One("[data-fact=balance] [data-value]").Text().ShouldBe("100");
        confirmation.One("[data-fact=you-get]").Text().ShouldContain("全部 3 页和原文件");
        confirmation.QuerySelectorAll("#shortfall").ShouldBeEmpty();
        confirmation.One("#buy button[data-action=confirm-purchase]").Text().ShouldContain("确认购买");

        var bought = await ConfirmAsync(reader, confirmation);
        bought.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        Location(bought).ShouldBe($"/d/{doc}?purchase=done#download");

        var after = await reader.GetDocumentAsync($"/d/{doc}?purchase=done");
        after.One("#purchase-done strong").Text().ShouldBe("购买成功");
        after.One("#download [data-purchased]").Text().ShouldContain("已购买");
        after.QuerySelectorAll("#download [data-action=buy]").ShouldBeEmpty();
        after.QuerySelectorAll("#preview-end").ShouldBeEmpty();
        after.QuerySelectorAll(Html.PreviewImages).Select(i => i.GetAttribute("src")).ShouldBe([$"/d/{doc}/page/1.jpg", $"/d/{doc}/page/2.jpg", $"/d/{doc}/page/3.jpg"]);
        after.One("[data-fact=sales] [data-value]").Text().ShouldBe("1");
        after.One("[data-fact=downloads] [data-value]").Text().ShouldBe("1");

        var token = after.One($"form[action='/d/{doc}/download'] input[name=__RequestVerificationToken]").GetAttribute("value")!;
        var download = await reader.PostAsync($"/d/{doc}/download", new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }));
        download.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await download.Content.ReadAsByteArrayAsync()).ShouldBe(Original);
        (await reader.GetAsync($"/d/{doc}/page/3.jpg")).StatusCode.ShouldBe(HttpStatusCode.OK);

        (await site.BalanceAsync(readerId)).Total.ShouldBe(65);
        (await site.BalanceAsync(uploader)).Earned.ShouldBe(24); // 35 × 70% = 24.5 → 24
        // Coming back to the confirmation now leads to the download button.
        var again = await reader.GetAsync($"/d/{doc}/buy");
        again.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        Location(again).ShouldBe($"/d/{doc}#download");
    }

    [Fact]
    public async Task The_same_confirmation_posted_twice_charges_once()
    {
        var doc = await StockedDocAsync(await UploaderAsync(), price: 20);
        var (reader, readerId) = await ReaderAsync(points: 100);
        var confirmation = await reader.GetDocumentAsync($"/d/{doc}/buy");

        var first = await ConfirmAsync(reader, confirmation);
        var second = await ConfirmAsync(reader, confirmation);
        foreach (var response in new[] { first, second })
        {
            response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
            Location(response).ShouldBe($"/d/{doc}?purchase=done#download");
        }
        (await site.BalanceAsync(readerId)).Total.ShouldBe(80);
        (await site.WithDbAsync(db => db.Purchases.CountAsync(p => p.BuyerId == readerId))).ShouldBe(1);
        (await reader.GetDocumentAsync($"/d/{doc}")).One("[data-fact=sales] [data-value]").Text().ShouldBe("1");
    }

    [Fact]
    public async Task A_price_changed_after_the_confirmation_charges_nothing_and_shows_the_new_price()
    {
        var doc = await StockedDocAsync(await UploaderAsync(), price: 20);
        var (reader, readerId) = await ReaderAsync(points: 100);
        var confirmation = await reader.GetDocumentAsync($"/d/{doc}/buy");
        await site.WithDbAsync(db => db.Documents.Where(d => d.Id == doc).ExecuteUpdateAsync(s => s.SetProperty(d => d.Price, 25)));

        var refused = await ConfirmAsync(reader, confirmation);
        refused.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        var again = Html.Parse(await refused.Content.ReadAsStringAsync());
        again.One("#buy-notice").Text().ShouldContain("价格已变为 25 积分");
        again.One("[data-fact=price] [data-value]").Text().ShouldBe("25");
        again.One("#buy input[name=expectedPrice]").GetAttribute("value").ShouldBe("25");
        (await site.BalanceAsync(readerId)).Total.ShouldBe(100);
        (await site.WithDbAsync(db => db.Purchases.AnyAsync(p => p.BuyerId == readerId))).ShouldBeFalse();

        // Confirmed at the new price, it is bought.
        (await ConfirmAsync(reader, again)).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        (await site.BalanceAsync(readerId)).Total.ShouldBe(75);
    }

    [Fact]
    public async Task Too_few_points_show_the_shortfall_and_a_link_to_recharge()
    {
        var doc = await StockedDocAsync(await UploaderAsync(), price: 20);
        var (reader, readerId) = await ReaderAsync(points: 15);

        var confirmation = await reader.GetDocumentAsync($"/d/{doc}/buy");
        confirmation.One("#shortfall [data-value]").Text().ShouldBe("5");
        confirmation.One("#buy a[data-action=recharge]").GetAttribute("href").ShouldBe("/me/wallet/recharge");
        confirmation.QuerySelectorAll("#buy form").ShouldBeEmpty();

        // A form from when the points sufficed (spent elsewhere meanwhile) gets the same answer and charges nothing.
        var token = await reader.AntiforgeryTokenAsync($"/d/{doc}");
        var refused = await reader.PostAsync($"/d/{doc}/buy", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["expectedPrice"] = "20", ["key"] = Guid.NewGuid().ToString("N"), ["__RequestVerificationToken"] = token,
        }));
        refused.StatusCode.ShouldBe(HttpStatusCode.PaymentRequired);
        var page = Html.Parse(await refused.Content.ReadAsStringAsync());
        page.One("#shortfall [data-value]").Text().ShouldBe("5");
        page.One("#buy a[data-action=recharge]").GetAttribute("href").ShouldBe("/me/wallet/recharge");
        (await site.BalanceAsync(readerId)).Total.ShouldBe(15);
    }

    [Fact]
    public async Task The_uploader_sees_no_buy_button_and_downloads_directly()
    {
        var email = $"owner-{Guid.NewGuid():N}@buy.test";
        var (owner, ownerId) = await site.SignedInBrowserAsync(email);
        var doc = await StockedDocAsync(ownerId, price: 20);

        var page = await owner.GetDocumentAsync($"/d/{doc}");
        page.QuerySelectorAll("[data-action=buy], [data-action=buy-from-preview-end]").ShouldBeEmpty();
        page.QuerySelectorAll("[data-purchased]").ShouldBeEmpty();
        page.One($"#download form[action='/d/{doc}/download'] button[data-action=download]").Text().ShouldContain("下载本文档");
        page.QuerySelectorAll(Html.PreviewImages).Length.ShouldBe(3);

        var toPage = await owner.GetAsync($"/d/{doc}/buy");
        toPage.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        Location(toPage).ShouldBe($"/d/{doc}#download");
        (await site.BalanceAsync(ownerId)).Total.ShouldBe(0);
    }

    [Fact]
    public async Task A_cached_page_never_shows_one_readers_purchase_to_another()
    {
        var doc = await StockedDocAsync(await UploaderAsync(), price: 10);
        var anonymous = site.Browser();
        (await anonymous.GetDocumentAsync($"/d/{doc}")).One("[data-fact=sales] [data-value]").Text().ShouldBe("0"); // now cached

        var (buyer, _) = await ReaderAsync(points: 50);
        (await ConfirmAsync(buyer, await buyer.GetDocumentAsync($"/d/{doc}/buy"))).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        (await buyer.GetDocumentAsync($"/d/{doc}")).One("[data-purchased]").Text().ShouldContain("已购买");

        // The purchase evicted the cached page: anonymous readers see the sale at once, and never the buyer's page.
        foreach (var _ in Enumerable.Range(0, 2))
        {
            var seen = await anonymous.GetDocumentAsync($"/d/{doc}?purchase=done");
            seen.One("[data-fact=sales] [data-value]").Text().ShouldBe("1");
            seen.QuerySelectorAll("[data-purchased], #purchase-done").ShouldBeEmpty();
            seen.One("#download a[data-action=buy]").GetAttribute("href").ShouldBe($"/d/{doc}/buy");
        }
        var (other, _) = await ReaderAsync();
        var theirs = await other.GetDocumentAsync($"/d/{doc}?purchase=done");
        theirs.QuerySelectorAll("[data-purchased], #purchase-done").ShouldBeEmpty();
        theirs.One("#download a[data-action=buy]").GetAttribute("href").ShouldBe($"/d/{doc}/buy");
        theirs.QuerySelectorAll(Html.PreviewImages).Length.ShouldBe(1);
    }

    [Fact]
    public async Task Sales_show_per_document_on_me_and_purchases_count_as_downloads_in_most_downloaded()
    {
        var email = $"seller-{Guid.NewGuid():N}@buy.test";
        var (seller, sellerId) = await site.SignedInBrowserAsync(email);
        var popular = await StockedDocAsync(sellerId, price: 10);
        var unsold = await StockedDocAsync(sellerId, price: 10);
        for (var i = 0; i < 3; i++)
        {
            var (buyer, _) = await ReaderAsync(points: 10);
            (await ConfirmAsync(buyer, await buyer.GetDocumentAsync($"/d/{popular}/buy"))).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        }

        var me = await seller.GetDocumentAsync("/me");
        me.One($"tr[data-document='{popular}'] [data-sales]").Text().ShouldBe("3");
        me.One($"tr[data-document='{popular}'] [data-downloads]").Text().ShouldBe("3");
        me.One($"tr[data-document='{unsold}'] [data-sales]").Text().ShouldBe("0");

        var home = await site.Browser().GetDocumentAsync("/");
        var mostDownloaded = home.QuerySelectorAll("section.panel").Single(s => s.QuerySelector("h2")!.Text().Contains("下载最多"));
        mostDownloaded.QuerySelectorAll(".doc-card .doc-card-title")[0].GetAttribute("href").ShouldBe($"/d/{popular}");
        (await site.Browser().GetDocumentAsync($"/d/{popular}")).One("[data-fact=sales] [data-value]").Text().ShouldBe("3");
    }
}
