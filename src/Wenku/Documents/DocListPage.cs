using Microsoft.EntityFrameworkCore;

namespace Wenku.Documents;

/// <summary>One page of a document list (category, uploader): the requested page clamped to those that exist.</summary>
public sealed record DocListPage(IReadOnlyList<DocSummary> Documents, int Total, int Page, int Pages)
{
    public const int PageSize = 20;

    /// <summary>Newest first.</summary>
    public static Task<DocListPage> LoadAsync(IQueryable<Document> docs, int? page, CancellationToken ct) =>
        LoadOrderedAsync(docs.OrderByDescending(d => d.CreatedAt).ThenByDescending(d => d.Id), page, ct);

    /// <summary>In the order <paramref name="ordered"/> has (e.g. when the reader added each to their favourites).</summary>
    public static async Task<DocListPage> LoadOrderedAsync(IQueryable<Document> ordered, int? page, CancellationToken ct)
    {
        var total = await ordered.CountAsync(ct);
        var pages = Math.Max(1, (total + PageSize - 1) / PageSize);
        var current = Math.Clamp(page ?? 1, 1, pages);
        var list = await DocSummary.Project(ordered).Skip((current - 1) * PageSize).Take(PageSize).ToListAsync(ct);
        return new DocListPage(list, total, current, pages);
    }
}
