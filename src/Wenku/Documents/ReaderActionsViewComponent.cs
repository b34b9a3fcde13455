using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Localization;
using Wenku.Accounts;
using Wenku.Data;

namespace Wenku.Documents;

/// <summary>
/// The reader's controls for one document: favourite (收藏), the rating stars (a form of radio buttons: works without
/// JavaScript; the reader's own rating checked), the average, and the share link with its QR code. Place it on the
/// document page: <c>@await Component.InvokeAsync("ReaderActions", new { document = Model.Document })</c>.
/// </summary>
public sealed class ReaderActionsViewComponent(WenkuDb db, IStringLocalizer<SharedResource> T) : ViewComponent
{
    public sealed record State(long DocumentId, bool SignedIn, bool IsUploader, bool Ready, bool Favourite, int? Stars,
        int RatingCount, double? AverageRating, string ShareUrl, string QrUrl, string? Message, string? EmbedSnippet);

    public async Task<IViewComponentResult> InvokeAsync(Document document)
    {
        var userId = UserClaimsPrincipal.UserId();
        var id = document.Id;
        var favourite = userId is not null && await db.Favourites.AnyAsync(f => f.UserId == userId && f.DocumentId == id);
        var stars = userId is null ? null
            : await db.Ratings.Where(r => r.UserId == userId && r.DocumentId == id).Select(r => (int?)r.Stars).SingleOrDefaultAsync();
        var request = HttpContext.Request;
        var url = $"{request.Scheme}://{request.Host}{request.PathBase}/d/{id}";
        var message = request.Query["rating"] == "invalid" ? T["请选择 1 到 5 颗星。"].Value : null;
        return View("/Documents/_ReaderActions.cshtml", new State(id, userId is not null, userId == document.UploaderId,
            document.Status == DocumentStatus.Ready, favourite, stars, document.RatingCount, document.AverageRating, url,
            // The QR code is an image of its own (cached by the browser), not drawn on every read of the page.
            request.PathBase + QrSvg.PathOf(id), message,
            // Only a published document has an embed (/embed/{id} shows nothing else).
            document.Status == DocumentStatus.Ready ? Discovery.FindAndEmbed.EmbedSnippet(Discovery.DocumentSeo.Origin(request), id, document.Title) : null));
    }
}

/// <summary>
/// Up to six other published documents of the same uploader, with covers. Place it on the document page:
/// <c>@await Component.InvokeAsync("MoreFromUploader", new { document = Model.Document })</c>.
/// </summary>
public sealed class MoreFromUploaderViewComponent(WenkuDb db) : ViewComponent
{
    public const int Count = 6;

    public sealed record Model(string UploaderName, string UploaderUrl, IReadOnlyList<DocSummary> Documents);

    /// <param name="documents">The list when the page has read it already (the document page reads it with 相关文档).</param>
    public async Task<IViewComponentResult> InvokeAsync(Document document, IReadOnlyList<DocSummary>? documents = null)
    {
        var others = documents
            ?? await DocumentReads.ListAsync(DocumentReads.NewestOfUploader(db, document.UploaderId, document.Id, Count), HttpContext.RequestAborted);
        if (others.Count == 0) return Content("");
        return View("/Documents/_MoreFromUploader.cshtml", new Model(others[0].Uploader, others[0].UploaderUrl, others));
    }
}
