using Wenku.Accounts;

namespace Wenku.Documents;

/// <summary>A card of a document list: what the card shows, read in the list's one query.</summary>
public sealed record DocSummary(long Id, string Title, string Format, int PageCount, int Price, long Downloads, DateTime CreatedAt,
    string Uploader, DocumentStatus Status, string UploaderId, string? UploaderSlug, int PreviewVersion, int RatingCount, int RatingSum)
{
    public static IQueryable<DocSummary> Project(IQueryable<Document> docs) =>
        docs.Select(d => new DocSummary(d.Id, d.Title, d.Format, d.PageCount, d.Price, d.Downloads, d.CreatedAt, d.Uploader.DisplayName, d.Status,
            d.UploaderId, d.Uploader.Slug, d.PreviewVersion, d.RatingCount, d.RatingSum));

    /// <summary>The average rating, or null before the first.</summary>
    public double? AverageRating => RatingCount == 0 ? null : (double)RatingSum / RatingCount;

    public string UploaderUrl => UserLinks.Url(UploaderId, UploaderSlug);

    public Cover Cover(bool eager = false) => new(Id, Format, PreviewVersion, eager);
}

/// <summary>
/// What <c>_Cover.cshtml</c> draws: the cover of a document (WebP, JPEG fallback) with its format badge, or — for a
/// document converted before covers (<see cref="PreviewVersion"/> 0) — a placeholder with the format.
/// <see cref="PreviewVersion"/> null means not known (a search hit): the cover is tried over the placeholder, which
/// shows if there is none (an image that fails with an empty alt draws nothing).
/// </summary>
/// <param name="Eager">Above the fold: load at once instead of lazily.</param>
public sealed record Cover(long DocumentId, string Format, int? PreviewVersion, bool Eager = false)
{
    /// <summary>The size the cover is drawn at (CSS scales it; the ratio keeps the card from shifting while it loads).</summary>
    public const int Width = 240, Height = 320;

    public bool HasCover => PreviewVersion is null or >= PreviewVersions.Sized;

    public string Badge => Format.ToUpperInvariant();

    /// <summary>A class per family of formats, for the badge's colour.</summary>
    public string Family => Format.ToLowerInvariant() switch
    {
        "pdf" => "pdf",
        "doc" or "docx" or "odt" or "rtf" or "wps" => "word",
        "xls" or "xlsx" or "ods" or "csv" or "et" => "sheet",
        "ppt" or "pptx" or "odp" or "dps" => "slides",
        "txt" or "md" => "text",
        "png" or "jpg" or "jpeg" or "gif" or "webp" or "bmp" or "tif" or "tiff" => "image",
        "dxf" or "dwg" => "cad",
        "zip" or "rar" or "7z" or "tar" or "gz" => "archive",
        _ => "other",
    };
}
