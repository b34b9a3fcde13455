using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;
using Wenku.Accounts;
using Microsoft.Extensions.Localization;
using Wenku.Storage;
using Wenku.Web.Localization;

namespace Wenku.Documents;

/// <summary>
/// The site's file endpoints: page previews (two sizes, WebP and JPEG), covers and the download of the original. Files go out with HEAD and byte ranges
/// (<c>Range</c> → 206 with <c>Content-Range</c>, 416 for a range past the end), after the same checks as a whole GET.
/// </summary>
public static class DocumentFiles
{
    /// <summary>The methods of a file route: GET, and HEAD for clients that ask for its size and dates first.</summary>
    public static readonly string[] GetAndHead = [HttpMethods.Get, HttpMethods.Head];

    /// <summary>
    /// Every preview file a converted document has in storage: one JPEG per page for <see cref="Document.PreviewVersion"/> 0;
    /// for version 1 the four sizes and formats of each page and the cover, for version 2 the same without the desktop
    /// WebP (backups and checks list these).
    /// </summary>
    public static IEnumerable<string> PreviewKeys(long id, int pageCount, int previewVersion)
    {
        for (var n = 1; n <= pageCount; n++)
        {
            if (previewVersion < PreviewVersions.Sized)
            {
                yield return Document.PageKey(id, n);
                continue;
            }
            foreach (var size in new[] { PreviewVersions.Size.Desktop, PreviewVersions.Size.Phone })
                foreach (var webp in new[] { false, true })
                    if (!webp || size == PreviewVersions.Size.Phone || PreviewVersions.HasDesktopWebp(previewVersion))
                        yield return PreviewVersions.PageKey(id, n, size, webp);
        }
        if (previewVersion >= PreviewVersions.Sized && pageCount > 0)
        {
            yield return PreviewVersions.CoverKey(id, webp: false);
            yield return PreviewVersions.CoverKey(id, webp: true);
        }
    }

    /// <summary>
    /// Deletes a document's preview files (everything stored under <see cref="Document.PagePrefix"/>), but those in
    /// <paramref name="keep"/>: all of them when a document goes, the stale ones after a conversion.
    /// </summary>
    public static async Task DeletePreviewFilesAsync(this IFileStore store, long id, CancellationToken ct, IReadOnlySet<string>? keep = null)
    {
        await foreach (var file in store.ListAsync(Document.PagePrefix(id), ct))
            if (keep is null || !keep.Contains(file.Key)) await store.DeleteAsync(file.Key, ct);
    }

    public static void MapDocumentFiles(this IEndpointRouteBuilder app)
    {
        app.MapMethods("/d/{id:long}/page/{n:int}.jpg", GetAndHead, PageImageAsync).AllowAnonymous().ExcludeFromDescription();
        app.MapMethods("/d/{id:long}/page/{n:int}.webp", GetAndHead, PageFile(PreviewVersions.Size.Desktop, webp: true)).AllowAnonymous().ExcludeFromDescription();
        app.MapMethods("/d/{id:long}/page/{n:int}.m.jpg", GetAndHead, PageFile(PreviewVersions.Size.Phone, webp: false)).AllowAnonymous().ExcludeFromDescription();
        app.MapMethods("/d/{id:long}/page/{n:int}.m.webp", GetAndHead, PageFile(PreviewVersions.Size.Phone, webp: true)).AllowAnonymous().ExcludeFromDescription();
        app.MapMethods("/d/{id:long}/cover.jpg", GetAndHead, Cover(webp: false)).AllowAnonymous().ExcludeFromDescription();
        app.MapMethods("/d/{id:long}/cover.webp", GetAndHead, Cover(webp: true)).AllowAnonymous().ExcludeFromDescription();
        app.MapPost("/d/{id:long}/download", OriginalAsync).RequireAuthorization()
            .WithMetadata(new RequireAntiforgeryTokenAttribute()).ExcludeFromDescription();
    }

    /// <summary>Serves the desktop JPEG of a page if the caller may see that page (shared by the site and the API).</summary>
    public static Task<Results<FileStreamHttpResult, NotFound, ProblemHttpResult, StatusCodeHttpResult>> PageImageAsync(
        long id, int n, HttpContext http, DocumentAccess access, IFileStore store, IStringLocalizer<SharedResource> T, CancellationToken ct) =>
        PageFileAsync(id, n, PreviewVersions.Size.Desktop, webp: false, http, access, store, T, ct);

    private static Func<long, int, HttpContext, DocumentAccess, IFileStore, IStringLocalizer<SharedResource>, CancellationToken, Task<Results<FileStreamHttpResult, NotFound, ProblemHttpResult, StatusCodeHttpResult>>>
        PageFile(PreviewVersions.Size size, bool webp) =>
        (id, n, http, access, store, T, ct) => PageFileAsync(id, n, size, webp, http, access, store, T, ct);

    /// <summary>
    /// Serves one size and format of a page preview after the checks of every page door. A document converted before
    /// there were sizes (<see cref="Document.PreviewVersion"/> 0) has only its desktop JPEG: that answers for the
    /// phone JPEG too, and its WebP files are 404 (the reader's <c>&lt;picture&gt;</c> falls back to JPEG).
    /// </summary>
    public static async Task<Results<FileStreamHttpResult, NotFound, ProblemHttpResult, StatusCodeHttpResult>> PageFileAsync(
        long id, int n, PreviewVersions.Size size, bool webp, HttpContext http, DocumentAccess access, IFileStore store,
        IStringLocalizer<SharedResource> T, CancellationToken ct)
    {
        var found = await access.FindAsync(id, http.User, ct);
        // A removed document's pages stay visible to staff alone (the review of an appeal shows them).
        if (found.Gone && !http.User.IsStaff()) return Moderation.RemovedDocuments.Problem(found, http.User);
        var doc = found.Document;
        if (doc is null || n < 1 || n > doc.PageCount) return TypedResults.NotFound();
        if (!await access.CanSeePageAsync(doc, n, http.User, ct))
        {
            var title = T.Text("全文预览已结束：预览到第 {0} 页为止。", doc.PreviewPages);
            var detail = T["下载（或购买）文档以阅读其余页面。"].Value;
            if (http.Request.Path.StartsWithSegments("/api")) return TypedResults.Problem(statusCode: 403, title: title, detail: detail);
            // The site's address (a reader opened the image, or a script fetched it): a bare 403, which the status code
            // pages turn into the site's error page, told why and with the way to the rest of the document.
            Web.ErrorModel.Explain(http, new(403, title, detail, $"/d/{id}#download", T["下载或购买全文"]));
            return TypedResults.StatusCode(StatusCodes.Status403Forbidden);
        }
        var key = doc.PreviewVersion >= PreviewVersions.Sized ? PreviewVersions.PageKey(id, n, size, webp)
            : webp ? null
            : Document.PageKey(id, n);
        if (key is null) return TypedResults.NotFound();
        var stream = await store.OpenReadAsync(key, ct);
        if (stream is null) return TypedResults.NotFound();
        http.Response.Headers.XContentTypeOptions = "nosniff";
        // Public pages may be cached by anyone; pages past the limit only privately.
        http.Response.Headers.CacheControl = found.Gone ? "private, no-store" : n <= doc.PreviewPages ? "public, max-age=86400" : "private, max-age=3600";
        return TypedResults.Stream(stream, webp ? "image/webp" : "image/jpeg", lastModified: doc.ReadyAt, enableRangeProcessing: true);
    }

    private static Func<long, HttpContext, DocumentAccess, IFileStore, CancellationToken, Task<Results<FileStreamHttpResult, NotFound, ProblemHttpResult>>>
        Cover(bool webp) => (id, http, access, store, ct) => CoverAsync(id, webp, http, access, store, ct);

    /// <summary>
    /// The cover of a document (a thumbnail of page 1): public for a document listed publicly (ready), and cached
    /// long; a held, converting or failed one's only for its uploader and staff (a 404 for others, as its page is);
    /// a removed one's only for staff. Documents converted before covers existed have none (404).
    /// </summary>
    public static async Task<Results<FileStreamHttpResult, NotFound, ProblemHttpResult>> CoverAsync(
        long id, bool webp, HttpContext http, DocumentAccess access, IFileStore store, CancellationToken ct)
    {
        var found = await access.FindAsync(id, http.User, ct);
        if (found.Gone && !http.User.IsStaff()) return Moderation.RemovedDocuments.Problem(found, http.User);
        var doc = found.Document;
        if (doc is null || doc.PreviewVersion < PreviewVersions.Sized) return TypedResults.NotFound();
        var stream = await store.OpenReadAsync(PreviewVersions.CoverKey(id, webp), ct);
        if (stream is null) return TypedResults.NotFound();
        http.Response.Headers.XContentTypeOptions = "nosniff";
        // A week: a cover changes only when the document is converted again; lists show many at once.
        http.Response.Headers.CacheControl = doc.Status == DocumentStatus.Ready ? "public, max-age=604800" : "private, no-store";
        return TypedResults.Stream(stream, webp ? "image/webp" : "image/jpeg", lastModified: doc.ReadyAt, enableRangeProcessing: true);
    }

    /// <summary>
    /// The original file, to whoever may download it: the API's <c>GET|HEAD /api/v1/documents/{id}/original</c> and the
    /// site's download button (a POST). Sent as an attachment with the type of its format as told from its content at
    /// upload, never sniffed into another. Every request but a HEAD counts the reader's download (once per reader);
    /// byte ranges are answered to GET and HEAD.
    /// </summary>
    public static async Task<Results<FileStreamHttpResult, NotFound, ProblemHttpResult>> OriginalAsync(
        long id, HttpContext http, DocumentAccess access, IFileStore store, IStringLocalizer<SharedResource> T, CancellationToken ct)
    {
        var found = await access.FindAsync(id, http.User, ct);
        if (found.Gone) return Moderation.RemovedDocuments.Problem(found, http.User);
        var doc = found.Visible;
        if (doc is null) return TypedResults.NotFound();
        if (!await access.CanDownloadAsync(doc, http.User, ct)) return Refused(doc, T);
        var stream = await store.OpenReadAsync(doc.StorageKey, ct);
        if (stream is null) return TypedResults.NotFound();
        if (!HttpMethods.IsHead(http.Request.Method)) await access.RecordDownloadAsync(doc, http.User, ct);
        http.Response.Headers.XContentTypeOptions = "nosniff";
        return TypedResults.Stream(stream, FileSniffer.MediaTypeOf(doc.Format), fileDownloadName: doc.OriginalFileName,
            lastModified: doc.ReadyAt, enableRangeProcessing: true);
    }

    /// <summary>403 for a document not ready for download; 402 for a paid one the caller has not bought, with its price and where to buy it.</summary>
    private static ProblemHttpResult Refused(Document doc, IStringLocalizer<SharedResource> T) => doc.IsFree || doc.Status != DocumentStatus.Ready
        ? TypedResults.Problem(statusCode: 403, title: T["文档尚未就绪，暂不能下载。"])
        : TypedResults.Problem(statusCode: 402,
            title: T.Text("此文档需 {0} 积分，购买后即可下载。", doc.Price),
            extensions: new Dictionary<string, object?> { ["price"] = doc.Price, ["purchase"] = $"/api/v1/documents/{doc.Id}/purchase", ["page"] = $"/d/{doc.Id}" });
}
