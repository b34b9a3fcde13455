using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Wenku.Commerce;
using Wenku.Data;
using Wenku.Documents;
using Wenku.Tests.Infrastructure;

namespace Wenku.Tests.Commerce;

/// <summary>A site for money tests: points come from real grants, documents are rows (no conversion needed to buy one).</summary>
public class CommerceSite : WenkuFactory
{
    protected override int Workers => 0;

    /// <summary>Grants points through the ledger, as <c>wenku admin grant-points</c> does.</summary>
    public async Task GrantAsync(string userId, long points, string reason = "测试 test")
    {
        await using var scope = Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<PointGrants>().GrantAsync(userId, points, reason, null, CancellationToken.None);
    }

    public async Task<WalletBalance> BalanceAsync(string userId)
    {
        await using var scope = Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<Ledger>().BalanceAsync(userId, CancellationToken.None);
    }

    /// <summary>A ready document of <paramref name="uploaderId"/> at <paramref name="price"/> (a row without files).</summary>
    public Task<long> ReadyDocAsync(string uploaderId, int price, DocumentStatus status = DocumentStatus.Ready) => WithDbAsync(async db =>
    {
        var doc = new Document
        {
            Title = $"付费文档 {price}", CategoryId = await db.Categories.Where(c => c.Slug == "other").Select(c => c.Id).SingleAsync(),
            UploaderId = uploaderId, OriginalFileName = "paid.pdf", Format = "pdf", SizeBytes = 1,
            Sha256 = Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N"), StorageKey = $"originals/test/{Guid.NewGuid():N}.pdf",
            PreviewPages = 1, PageCount = 3, Price = price, Status = status,
        };
        db.Documents.Add(doc);
        await db.SaveChangesAsync();
        return doc.Id;
    });
}
