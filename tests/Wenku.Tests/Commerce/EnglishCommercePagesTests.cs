using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Shouldly;
using Wenku.Commerce;
using Wenku.Tests.Infrastructure;
using Wenku.Tests.Moderation;
using Xunit;

namespace Wenku.Tests.Commerce;

/// <summary>The wallet and the purchase page in English (<c>Accept-Language: en</c>): the same page, no Chinese left.</summary>
public sealed class EnglishCommercePagesTests(CommerceSite site) : IClassFixture<CommerceSite>
{
    private static string NewEmail(string who) => $"{who}-{Guid.NewGuid():N}@english.test";

    private async Task<long> EnglishDocAsync(string uploaderId, int price)
    {
        var doc = await site.ReadyDocAsync(uploaderId, price);
        await site.WithDbAsync(db => db.Documents.Where(d => d.Id == doc).ExecuteUpdateAsync(s => s.SetProperty(d => d.Title, "Linear algebra notes")));
        return doc;
    }

    [Fact]
    public async Task The_wallet_speaks_english_when_the_browser_asks_for_it()
    {
        var (buyer, buyerId) = await site.SignedInBrowserAsync(NewEmail("buyer"));
        buyer.DefaultRequestHeaders.AcceptLanguage.ParseAdd("en");
        await site.GrantAsync(buyerId, 100, "welcome gift");
        var doc = await EnglishDocAsync(await site.CreateUserAsync(NewEmail("up")), 40);
        await using (var scope = site.Services.CreateAsyncScope())
            (await scope.ServiceProvider.GetRequiredService<Purchases>().BuyAsync(doc, buyerId, false, 40, null, CancellationToken.None))
                .ShouldBeOfType<PurchaseOutcome.Done>();

        var page = await buyer.GetDocumentAsync("/me/wallet");
        page.DocumentElement.GetAttribute("lang").ShouldBe("en");
        page.One("main h1").Text().ShouldBe("My wallet");
        page.QuerySelectorAll("#balances dt").Select(dt => dt.Text()).ShouldBe(["Spendable", "Earned", "Withdrawable"]);
        page.One("a#recharge").Text().ShouldBe("Recharge");
        var rows = page.QuerySelectorAll("#history tbody tr").ToArray();
        rows[0].One("td.what").Text().ShouldBe("Bought Linear algebra notes");
        rows[0].One("td.account").Text().ShouldBe("Spendable");
        rows[1].One("td.what").Text().ShouldStartWith("Points granted");
        page.One("#pager").Text().ShouldContain("Page 1 of 1, 2 in all");
        page.One("main").ShouldHaveNoChinese("/me/wallet");

        // A refused filter says why in English too.
        var refused = Html.Parse(await (await buyer.GetAsync("/me/wallet?from=yesterday")).Content.ReadAsStringAsync());
        refused.One("main p.error").Text().ShouldBe("The start date must be a date as yyyy-MM-dd.");
        refused.One("main").ShouldHaveNoChinese("/me/wallet?from=yesterday");
    }

    [Fact]
    public async Task The_purchase_page_speaks_english_when_the_browser_asks_for_it()
    {
        var (buyer, buyerId) = await site.SignedInBrowserAsync(NewEmail("buyer"));
        buyer.DefaultRequestHeaders.AcceptLanguage.ParseAdd("en");
        await site.GrantAsync(buyerId, 10, "a little");
        var doc = await EnglishDocAsync(await site.CreateUserAsync(NewEmail("up")), 35);

        var page = await buyer.GetDocumentAsync($"/d/{doc}/buy");
        page.One("main h1").Text().ShouldBe("Buy this document");
        page.One("[data-fact=price]").Text().ShouldContain("35 points");
        page.One("#shortfall").Text().ShouldContain("Not enough points: you need 25 more points");
        page.One("main").ShouldHaveNoChinese($"/d/{doc}/buy");

        // The same page in Chinese for a reader without a preference.
        buyer.DefaultRequestHeaders.AcceptLanguage.Clear();
        (await buyer.GetDocumentAsync($"/d/{doc}/buy")).One("main h1").Text().ShouldBe("购买文档");
    }
}
