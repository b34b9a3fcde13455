using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Wenku.Commerce;
using Wenku.Documents;
using Wenku.Tests.Infrastructure;
using Wenku.Tests.Web;

namespace Wenku.Tests.Commerce;

/// <summary>Real sales, withdrawals and refunds for tests of the withdrawals and refunds slice (and its walk rows).</summary>
public static class WithdrawSupport
{
    /// <summary>A ready document of <paramref name="uploaderId"/> at <paramref name="price"/> (a row without files).</summary>
    public static Task<long> PaidDocAsync(this WenkuFactory site, string uploaderId, int price) => site.WithDbAsync(async db =>
    {
        var doc = new Document
        {
            Title = $"付费文档 {price}", CategoryId = await db.Categories.Where(c => c.Slug == "other").Select(c => c.Id).SingleAsync(),
            UploaderId = uploaderId, OriginalFileName = "paid.pdf", Format = "pdf", SizeBytes = 1,
            Sha256 = Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N"), StorageKey = $"originals/test/{Guid.NewGuid():N}.pdf",
            PreviewPages = 1, PageCount = 3, Price = price, Status = DocumentStatus.Ready,
        };
        db.Documents.Add(doc);
        await db.SaveChangesAsync();
        return doc.Id;
    });

    /// <summary>A new reader, granted <paramref name="price"/> points, buys a new document of <paramref name="uploaderId"/>; returns the purchase.</summary>
    public static async Task<(long PurchaseId, long DocumentId, string BuyerId)> SaleAsync(this WenkuFactory site, string uploaderId, int price)
    {
        var buyerId = await site.CreateUserAsync($"buyer-{Guid.NewGuid():N}@shop.test");
        var doc = await site.PaidDocAsync(uploaderId, price);
        await using var scope = site.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<PointGrants>().GrantAsync(buyerId, price, "测试 test", null, CancellationToken.None);
        var outcome = await scope.ServiceProvider.GetRequiredService<Purchases>().BuyAsync(doc, buyerId, false, price, null, CancellationToken.None);
        var done = outcome.ShouldBeOfType<PurchaseOutcome.Done>();
        return (done.Receipt.PurchaseId!.Value, doc, buyerId);
    }

    /// <summary>A waiting withdrawal of <paramref name="points"/> by <paramref name="uploaderId"/>, who first earns enough by a sale.</summary>
    public static async Task<long> WithdrawalAsync(this WenkuFactory site, string uploaderId, long points = 1000)
    {
        await site.SaleAsync(uploaderId, (int)(points * 100 / 70) + 1);
        await using var scope = site.Services.CreateAsyncScope();
        var outcome = await scope.ServiceProvider.GetRequiredService<Withdrawals>()
            .RequestAsync(uploaderId, points, "支付宝 alipay@payee.test 张三", null, CancellationToken.None);
        return outcome.ShouldBeOfType<WithdrawalRequestOutcome.Done>().Receipt.WithdrawalId;
    }

    public static async Task<long> RejectedWithdrawalAsync(this WenkuFactory site, string uploaderId)
    {
        var id = await site.WithdrawalAsync(uploaderId);
        await using var scope = site.Services.CreateAsyncScope();
        (await scope.ServiceProvider.GetRequiredService<Withdrawals>().RejectAsync(id, uploaderId, "测试 test", CancellationToken.None))
            .ShouldBeOfType<WithdrawalDecisionOutcome.Done>();
        return id;
    }

    public static async Task<long> RefundedPurchaseAsync(this WenkuFactory site, string uploaderId)
    {
        var (purchase, _, _) = await site.SaleAsync(uploaderId, 10);
        await using var scope = site.Services.CreateAsyncScope();
        (await scope.ServiceProvider.GetRequiredService<Refunds>().RefundAsync(purchase, uploaderId, "测试 test", CancellationToken.None))
            .ShouldBeOfType<RefundOutcome.Done>();
        return purchase;
    }

    public static string IdOfOwner(this WalkSite walk) => walk.IdOf(Who.Owner);
}
