using Microsoft.EntityFrameworkCore;

namespace Wenku.Documents;

/// <summary>One page of a document list (category, uploader): the requested page clamped to those that exist.</summary>
public sealed record DocListPage(IReadOnlyList<DocSummary> Documents, int Total, int Page, int Pages)
{
    public const int PageSize = 20;

    /// <summary>Newest first.</summary>
    public static async Task<DocListPage> LoadAsync(IQueryable<Document> docs, int? page, CancellationToken ct)
    {
        var total = await docs.CountAsync(ct);
        var pages = Math.Max(1, (total + PageSize - 1) / PageSize);
        var current = Math.Clamp(page ?? 1, 1, pages);
        var list = await DocSummary.Project(docs.OrderByDescending(d => d.CreatedAt).ThenByDescending(d => d.Id))
            .Skip((current - 1) * PageSize).Take(PageSize).ToListAsync(ct);
        return new DocListPage(list, total, current, pages);
    }
}
