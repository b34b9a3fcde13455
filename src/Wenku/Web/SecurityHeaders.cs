using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace Wenku.Web;

/// <summary>
/// The headers every answer carries (pages, the API, error pages, page images, static files): a Content Security
/// Policy that runs only our own scripts and styles (no inline code anywhere: <c>site.js</c> and <c>site.css</c>) and
/// lets no other site frame us, the same refusal for old browsers (<c>X-Frame-Options</c>), a referrer that never
/// leaves a path on another site, no content sniffing, and HSTS when served over HTTPS.
/// </summary>
public static partial class SecurityHeaders
{
    /// <summary>What pages may load: our own scripts, styles, fetches and images (page previews, <c>data:</c> icons).</summary>
    public const string BasePolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; " +
        "object-src 'none'; base-uri 'self'; form-action 'self'";

    /// <summary>The default: no site may put our pages in a frame.</summary>
    public const string NoFraming = "'none'";

    public const string HstsValue = "max-age=31536000";

    /// <summary>
    /// The hook for a route that other sites may frame (the future <c>/embed/{id}</c>): its endpoint declares the
    /// <c>frame-ancestors</c> sources (e.g. <c>*</c> or <c>https://a.example https://b.example</c>), and it is answered
    /// without <c>X-Frame-Options</c>. Every other route stays unframeable.
    /// </summary>
    public static TBuilder AllowFraming<TBuilder>(this TBuilder builder, string frameAncestors) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new FramingPolicy(frameAncestors));

    /// <summary>Endpoint metadata: the <c>frame-ancestors</c> sources of a route that may be framed.</summary>
    public sealed record FramingPolicy(string FrameAncestors);

    private const string PolicyKey = "wenku.csp";

    /// <summary>
    /// The API reference (Scalar) starts itself with one inline module script and styles itself at run time: its page
    /// gets a policy that allows exactly its inline scripts by their SHA-256 hashes (computed from the page as sent,
    /// so a new Scalar version needs no edit here) and inline styles — never inline scripts in general.
    /// </summary>
    public static IApplicationBuilder UseApiReferencePolicy(this IApplicationBuilder app, PathString prefix) =>
        app.UseWhen(c => c.Request.Path.StartsWithSegments(prefix) && HttpMethods.IsGet(c.Request.Method) && !Path.HasExtension(c.Request.Path.Value), branch => branch.Use(async (context, next) =>
        {
            var original = context.Response.Body;
            using var buffer = new MemoryStream();
            context.Response.Body = buffer;
            try
            {
                await next(context);
            }
            finally
            {
                context.Response.Body = original;
            }
            if (context.Response.ContentType?.StartsWith("text/html", StringComparison.OrdinalIgnoreCase) == true)
            {
                var hashes = InlineScripts().Matches(System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length))
                    .Select(m => $"'sha256-{Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(m.Groups[1].Value)))}'");
                context.Items[PolicyKey] = BasePolicy
                    .Replace("script-src 'self'", $"script-src 'self' {string.Join(' ', hashes)}", StringComparison.Ordinal)
                    .Replace("style-src 'self'", "style-src 'self' 'unsafe-inline'", StringComparison.Ordinal);
            }
            buffer.Position = 0;
            await buffer.CopyToAsync(original, context.RequestAborted);
        }));

    [System.Text.RegularExpressions.GeneratedRegex(@"<script(?![^>]*\ssrc=)[^>]*>([\s\S]*?)</script>", System.Text.RegularExpressions.RegexOptions.IgnoreCase)]
    private static partial System.Text.RegularExpressions.Regex InlineScripts();

    /// <summary>Cookies that carry a session or a token are <c>Secure</c> whenever the request came over HTTPS.</summary>
    public static IServiceCollection AddSecureCookies(this IServiceCollection services)
    {
        services.Configure<AntiforgeryOptions>(o => o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest);
        services.PostConfigureAll<CookieAuthenticationOptions>(o =>
        {
            if (o.Cookie.SecurePolicy == CookieSecurePolicy.None) o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        });
        return services;
    }

    /// <summary>Adds the headers to every response, decided when it starts (after routing chose the endpoint).</summary>
    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            var endpoint = context.GetEndpoint();
            var framing = endpoint?.Metadata.GetMetadata<FramingPolicy>();
            var policy = context.Items[PolicyKey] as string ?? BasePolicy;
            headers.ContentSecurityPolicy = $"{policy}; frame-ancestors {framing?.FrameAncestors ?? NoFraming}";
            if (framing is null) headers.XFrameOptions = "DENY";
            else headers.Remove(Microsoft.Net.Http.Headers.HeaderNames.XFrameOptions);
            headers["Referrer-Policy"] = "strict-origin-when-cross-origin";
            headers.XContentTypeOptions = "nosniff";
            if (context.Request.IsHttps) headers.StrictTransportSecurity = HstsValue;
            return Task.CompletedTask;
        });
        return next(context);
    });
}
