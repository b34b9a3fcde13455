using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;
using Wenku.Accounts;
using Wenku.Storage;

namespace Wenku.Documents;

/// <summary>
/// The site's file endpoints: page previews and the download of the original. Files go out with HEAD and byte ranges
/// (<c>Range</c> → 206 with <c>Content-Range</c>, 416 for a range past the end), after the same checks as a whole GET.
/// </summary>
public static class DocumentFiles
{
    /// <summary>The methods of a file route: GET, and HEAD for clients that ask for its size and dates first.</summary>
    public static readonly string[] GetAndHead = [HttpMethods.Get, HttpMethods.Head];

    public static void MapDocumentFiles(this IEndpointRouteBuilder app)
    {
        app.MapMethods("/d/{id:long}/page/{n:int}.jpg", GetAndHead, PageImageAsync).AllowAnonymous().ExcludeFromDescription();
        app.MapPost("/d/{id:long}/download", OriginalAsync).RequireAuthorization()
            .WithMetadata(new RequireAntiforgeryTokenAttribute()).ExcludeFromDescription();
    }

    /// <summary>Serves a preview image if the caller may see that page (shared by the site and the API).</summary>
    public static async Task<Results<FileStreamHttpResult, NotFound, ProblemHttpResult>> PageImageAsync(
        long id, int n, HttpContext http, DocumentAccess access, IFileStore store, CancellationToken ct)
    {
        var found = await access.FindAsync(id, http.User, ct);
        // A removed document's pages stay visible to staff alone (the review of an appeal shows them).
        if (found.Gone && !http.User.IsStaff()) return Moderation.RemovedDocuments.Problem(found, http.User);
        var doc = found.Document;
        if (doc is null || n < 1 || n > doc.PageCount) return TypedResults.NotFound();
        if (!await access.CanSeePageAsync(doc, n, http.User, ct))
            return TypedResults.Problem(statusCode: 403,
                title: $"全文预览已结束：预览到第 {doc.PreviewPages} 页为止。The preview ends at page {doc.PreviewPages}.",
                detail: "Download (or buy) the document to read the rest.");
        var stream = await store.OpenReadAsync(Document.PageKey(id, n), ct);
        if (stream is null) return TypedResults.NotFound();
        http.Response.Headers.XContentTypeOptions = "nosniff";
        // Public pages may be cached by anyone; pages past the limit only privately.
        http.Response.Headers.CacheControl = found.Gone ? "private, no-store" : n <= doc.PreviewPages ? "public, max-age=86400" : "private, max-age=3600";
        return TypedResults.Stream(stream, "image/jpeg", lastModified: doc.ReadyAt, enableRangeProcessing: true);
    }

    /// <summary>
    /// The original file, to whoever may download it: the API's <c>GET|HEAD /api/v1/documents/{id}/original</c> and the
    /// site's download button (a POST). Sent as an attachment with the type of its format as told from its content at
    /// upload, never sniffed into another. Every request but a HEAD counts the reader's download (once per reader);
    /// byte ranges are answered to GET and HEAD.
    /// </summary>
    public static async Task<Results<FileStreamHttpResult, NotFound, ProblemHttpResult>> OriginalAsync(
        long id, HttpContext http, DocumentAccess access, IFileStore store, CancellationToken ct)
    {
        var found = await access.FindAsync(id, http.User, ct);
        if (found.Gone) return Moderation.RemovedDocuments.Problem(found, http.User);
        var doc = found.Visible;
        if (doc is null) return TypedResults.NotFound();
        if (!await access.CanDownloadAsync(doc, http.User, ct)) return Refused(doc);
        var stream = await store.OpenReadAsync(doc.StorageKey, ct);
        if (stream is null) return TypedResults.NotFound();
        if (!HttpMethods.IsHead(http.Request.Method)) await access.RecordDownloadAsync(doc, http.User, ct);
        http.Response.Headers.XContentTypeOptions = "nosniff";
        return TypedResults.Stream(stream, FileSniffer.MediaTypeOf(doc.Format), fileDownloadName: doc.OriginalFileName,
            lastModified: doc.ReadyAt, enableRangeProcessing: true);
    }

    /// <summary>403 for a document not ready for download; 402 for a paid one the caller has not bought, with its price and where to buy it.</summary>
    private static ProblemHttpResult Refused(Document doc) => doc.IsFree || doc.Status != DocumentStatus.Ready
        ? TypedResults.Problem(statusCode: 403, title: "文档尚未就绪。The document is not ready for download.")
        : TypedResults.Problem(statusCode: 402,
            title: $"此文档需 {doc.Price} 积分，购买后即可下载。This document costs {doc.Price} points; buy it to download.",
            extensions: new Dictionary<string, object?> { ["price"] = doc.Price, ["purchase"] = $"/api/v1/documents/{doc.Id}/purchase", ["page"] = $"/d/{doc.Id}" });
}
