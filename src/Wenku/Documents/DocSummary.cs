namespace Wenku.Documents;

/// <summary>A line of a document list.</summary>
public sealed record DocSummary(long Id, string Title, string Format, int PageCount, int Price, long Downloads, DateTime CreatedAt, string Uploader, DocumentStatus Status)
{
    public static IQueryable<DocSummary> Project(IQueryable<Document> docs) =>
        docs.Select(d => new DocSummary(d.Id, d.Title, d.Format, d.PageCount, d.Price, d.Downloads, d.CreatedAt, d.Uploader.DisplayName, d.Status));
}
