using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Wenku.Commerce;
using Wenku.Data;
using Wenku.Tests.Infrastructure;

namespace Wenku.Tests.Commerce;

/// <summary>
/// A sale and a change of the document's uploader (an approved claim locks the document's row and moves it) go one
/// after the other: a purchase that starts while the transfer's transaction is open waits for it and pays the new
/// uploader — never the old one after the transfer moved the document's earnings.
/// </summary>
[Trait(WenkuFactory.Suite, WenkuFactory.OnBothStacks)]
public sealed class PurchaseDuringTransferTests(CommerceSite site) : IClassFixture<CommerceSite>
{
    [Fact]
    public async Task A_purchase_during_an_uploader_change_waits_for_it_and_pays_the_new_uploader()
    {
        var oldUploader = await site.CreateUserAsync($"old-{Guid.NewGuid():N}@transfer.test");
        var claimant = await site.CreateUserAsync($"new-{Guid.NewGuid():N}@transfer.test");
        var buyer = await site.CreateUserAsync($"buyer-{Guid.NewGuid():N}@transfer.test");
        await site.GrantAsync(buyer, 100);
        var doc = await site.ReadyDocAsync(oldUploader, price: 10);

        await using var scope = site.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WenkuDb>();
        await using (var transfer = await db.Database.BeginTransactionAsync())
        {
            // What ClaimDecisions does first: lock the row by changing it, here to the claimant.
            await db.Database.ExecuteSqlAsync($"""UPDATE "Documents" SET "UploaderId" = {claimant} WHERE "Id" = {doc}""");
            var purchase = Task.Run(async () =>
            {
                await using var buyScope = site.Services.CreateAsyncScope();
                return await buyScope.ServiceProvider.GetRequiredService<Purchases>()
                    .BuyAsync(doc, buyer, buyerIsStaff: false, expectedPrice: 10, Guid.NewGuid().ToString(), CancellationToken.None);
            });
            await Task.Delay(500);
            purchase.IsCompleted.ShouldBeFalse("the purchase waits for the uploader change");
            await transfer.CommitAsync();
            (await purchase).ShouldBeOfType<PurchaseOutcome.Done>().Receipt.Charged.ShouldBe(10);
        }

        var sale = await site.WithDbAsync(d => d.Purchases.AsNoTracking().SingleAsync(p => p.DocumentId == doc));
        sale.UploaderId.ShouldBe(claimant);
        (await site.BalanceAsync(claimant)).Earned.ShouldBe(7);
        (await site.BalanceAsync(oldUploader)).Earned.ShouldBe(0);
    }
}
