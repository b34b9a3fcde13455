using System.Globalization;
using System.Text;
using QRCoder;

namespace Wenku.Documents;

/// <summary>
/// A QR code of a URL as an SVG, drawn here from QRCoder's module matrix (one path; no System.Drawing): black on a
/// white square in dark mode too, since scanners need that contrast. The document page shows it as an image,
/// <c>/d/{id}/qr.svg</c>, made once per browser (long cache) instead of on every read of the page.
/// </summary>
public static class QrSvg
{
    /// <summary>How long browsers and proxies keep a document's QR code: its link never changes.</summary>
    public const int CacheSeconds = 30 * 24 * 3600;

    /// <summary>The path of a document's QR code (of its share link, <c>{origin}/d/{id}</c>).</summary>
    public static string PathOf(long documentId) => $"/d/{documentId}/qr.svg";

    public static string Of(string text, string? label = null)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(text, QRCodeGenerator.ECCLevel.M);
        var modules = data.ModuleMatrix; // includes the quiet zone (4 modules each side)
        var size = modules.Count;
        var path = new StringBuilder();
        for (var y = 0; y < size; y++)
            for (var x = 0; x < size; x++)
                if (modules[y][x])
                    path.Append(CultureInfo.InvariantCulture, $"M{x} {y}h1v1h-1z");
        var labelled = "";
        var title = "";
        if (!string.IsNullOrEmpty(label))
        {
            var encodedLabel = System.Net.WebUtility.HtmlEncode(label);
            labelled = $""" role="img" aria-label="{encodedLabel}" """.TrimEnd();
            title = $"<title>{encodedLabel}</title>";
        }
        return $"""<svg xmlns="http://www.w3.org/2000/svg" class="qr" viewBox="0 0 {size} {size}" width="{size * 4}" height="{size * 4}"{labelled} shape-rendering="crispEdges">{title}<rect width="{size}" height="{size}" fill="#fff"/><path fill="#000" d="{path}"/></svg>""";
    }

    /// <summary>
    /// <c>GET /d/{id}/qr.svg</c>: the QR code of the document's share link. It holds only the link (this site's origin
    /// and the id), so it asks nothing of the database and is the same for every reader and language: public, cached
    /// for <see cref="CacheSeconds"/>.
    /// </summary>
    public static void MapDocumentQrCode(this IEndpointRouteBuilder app) =>
        app.MapGet("/d/{id:long}/qr.svg", (long id, HttpContext http) =>
        {
            // The link's origin comes from the request (Host, scheme): vary by Host, and no "immutable", so a wrong origin
            // (a proxy set up later) is not kept for good.
            http.Response.Headers.CacheControl = $"public, max-age={CacheSeconds.ToString(CultureInfo.InvariantCulture)}";
            http.Response.Headers.Vary = "Host";
            return Results.Text(Of($"{Discovery.DocumentSeo.Origin(http.Request)}/d/{id}"), "image/svg+xml", Encoding.UTF8);
        }).AllowAnonymous().ExcludeFromDescription();
}
