using Microsoft.EntityFrameworkCore;
using Wenku.Documents;

namespace Wenku.Tests.Infrastructure;

/// <summary>Documents written straight into the database (no conversion): for pages that only read rows.</summary>
public static class ReaderDocuments
{
    public static Task<long> AddAsync(this WenkuFactory site, string uploaderId, string title = "阅读器测试文档", int pages = 5, int previewPages = 3,
        DocumentStatus status = DocumentStatus.Ready, int previewVersion = 0, int price = 0, string text = "创新是引领发展的第一动力。", string category = "education",
        Action<Document>? adjust = null) => site.WithDbAsync(async db =>
    {
        var doc = new Document
        {
            Title = title, CategoryId = await db.Categories.Where(c => c.Slug == category).Select(c => c.Id).SingleAsync(),
            UploaderId = uploaderId, OriginalFileName = "reader.pdf", Format = "pdf", SizeBytes = 2048, PageCount = pages, PreviewPages = previewPages,
            Sha256 = Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N"), StorageKey = $"originals/reader/{Guid.NewGuid():N}.pdf",
            Status = status, PreviewVersion = previewVersion, Price = price,
            ReadyAt = status == DocumentStatus.Ready ? new DateTime(2026, 11, 1, 8, 0, 0, DateTimeKind.Utc) : null,
        };
        adjust?.Invoke(doc);
        db.Documents.Add(doc);
        await db.SaveChangesAsync();
        if (status is DocumentStatus.Ready or DocumentStatus.Held or DocumentStatus.Removed)
        {
            for (var n = 1; n <= pages; n++)
                db.DocumentPages.Add(new DocumentPage { DocumentId = doc.Id, Number = n, Width = 1400, Height = 1980, Text = $"第{n}段：{text}" });
            await db.SaveChangesAsync();
        }
        return doc.Id;
    });
}
