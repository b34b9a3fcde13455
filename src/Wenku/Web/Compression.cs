using System.IO.Compression;
using Microsoft.AspNetCore.ResponseCompression;

namespace Wenku.Web;

/// <summary>
/// Brotli (else gzip) for text the site sends — pages, CSS, JS, JSON, XML, feeds, SVG — never for page images or
/// files (already compressed; originals answer range requests, and a response with <c>Content-Range</c> is never
/// compressed). It sits outside the output cache, which keeps the plain page and is compressed per response.
/// </summary>
/// <remarks>
/// Over HTTPS too (BREACH): the secrets our pages carry are the antiforgery request tokens, and ASP.NET encrypts a new
/// one with a fresh random IV for every response, so there is no fixed secret beside reflected input for a guessing
/// attack to recover; the session itself is a cookie, in headers, which body compression never touches.
/// </remarks>
public static class Compression
{
    public static readonly string[] MimeTypes =
    [
        "text/html", "text/css", "text/javascript", "application/javascript", "application/json", "application/problem+json",
        "application/xml", "text/xml", "application/atom+xml", "application/rss+xml", "image/svg+xml",
    ];

    public static IServiceCollection AddSiteCompression(this IServiceCollection services)
    {
        services.AddResponseCompression(o =>
        {
            o.EnableForHttps = true;
            o.Providers.Add<BrotliCompressionProvider>();
            o.Providers.Add<GzipCompressionProvider>();
            o.MimeTypes = MimeTypes;
            // Live progress streams (server-sent events) must reach the browser as they are written.
            o.ExcludedMimeTypes = ["text/event-stream"];
        });
        // Fastest: a page is compressed on every request (the output cache holds it uncompressed).
        services.Configure<BrotliCompressionProviderOptions>(o => o.Level = CompressionLevel.Fastest);
        services.Configure<GzipCompressionProviderOptions>(o => o.Level = CompressionLevel.Fastest);
        return services;
    }
}
