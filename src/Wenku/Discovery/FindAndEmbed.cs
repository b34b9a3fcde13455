using System.Globalization;
using System.ServiceModel.Syndication;
using Wenku.Text;
using System.Text;
using System.Xml;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.OutputCaching;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Options;
using Wenku.Data;
using Wenku.Documents;
using Wenku.Web;
using Wenku.Web.Localization;

namespace Wenku.Discovery;

/// <summary>
/// How the site is found and shared: <c>/robots.txt</c>, <c>/sitemap.xml</c> (an index of sitemap files by id range),
/// the Atom feeds <c>/feed.xml</c> and <c>/c/{slug}/feed.xml</c>, and oEmbed (<c>/oembed</c>) for the embeddable
/// viewer <c>/embed/{id}</c> — the one page other sites may frame.
/// </summary>
public static class FindAndEmbed
{
    private const string CachePolicy = "find-and-embed";
    private const string SitemapNs = "http://www.sitemaps.org/schemas/sitemap/0.9";

    /// <summary>The default size of the embedded viewer (an A4 page and a bit of its neighbour).</summary>
    public const int EmbedWidth = 640, EmbedHeight = 860;

    public static IServiceCollection AddFindAndEmbed(this IServiceCollection services, IConfiguration config)
    {
        services.AddOptions<SeoOptions>().Bind(config.GetSection(SeoOptions.Section))
            .Validate(o => o.SitemapPageSize is >= 1 and <= 50_000 && o.FeedSize is >= 1 and <= 500, "Wenku:Seo: SitemapPageSize 1–50000, FeedSize 1–500")
            .ValidateOnStart();
        // Crawlers ask for these often; they may be a few minutes old (one copy per language: feed titles are localized).
        services.AddOutputCache(o => o.AddPolicy(CachePolicy, b => b.Expire(TimeSpan.FromMinutes(5)).SetVaryByQuery("url", "format", "maxwidth", "maxheight", "lang")
            .VaryByValue(_ => new KeyValuePair<string, string>("culture", CultureInfo.CurrentUICulture.Name))));
        // /embed/{id} is the one page that other sites may put in a frame (SecurityHeaders keeps every other page DENY).
        services.Configure<RazorPagesOptions>(o => o.Conventions.AddPageApplicationModelConvention("/Discovery/Embed",
            m => m.EndpointMetadata.Add(new SecurityHeaders.FramingPolicy("*"))));
        return services;
    }

    public static void MapFindAndEmbed(this IEndpointRouteBuilder app)
    {
        app.MapGet("/robots.txt", Robots).AllowAnonymous().ExcludeFromDescription();
        app.MapGet("/sitemap.xml", SitemapIndexAsync).AllowAnonymous().CacheOutput(CachePolicy).ExcludeFromDescription();
        app.MapGet("/sitemaps/categories.xml", CategorySitemapAsync).AllowAnonymous().CacheOutput(CachePolicy).ExcludeFromDescription();
        app.MapGet("/sitemaps/documents-{n:int}.xml", DocumentSitemapAsync).AllowAnonymous().CacheOutput(CachePolicy).ExcludeFromDescription();
        app.MapGet("/feed.xml", SiteFeedAsync).AllowAnonymous().CacheOutput(CachePolicy).ExcludeFromDescription();
        app.MapGet("/c/{slug}/feed.xml", CategoryFeedAsync).AllowAnonymous().CacheOutput(CachePolicy).ExcludeFromDescription();
        app.MapGet("/oembed", OEmbedAsync).AllowAnonymous().CacheOutput(CachePolicy).RequireRateLimiting(Web.RateLimits.Lookups).ExcludeFromDescription();
    }

    /// <summary>Everything public may be crawled; accounts, staff pages, the API and search result pages may not.</summary>
    private static ContentHttpResult Robots(HttpRequest request) => TypedResults.Text(
        $"""
        User-agent: *
        Allow: /
        Disallow: /admin
        Disallow: /me
        Disallow: /api/
        Disallow: /account
        Disallow: /search
        Disallow: /upload
        Disallow: /*/download
        Disallow: /*/buy

        Sitemap: {DocumentSeo.Origin(request)}/sitemap.xml

        """, "text/plain", Encoding.UTF8);

    /// <summary>
    /// The sitemap index: the categories' file and one file per <see cref="SeoOptions.SitemapPageSize"/> ids up to the
    /// highest public id (the files are id ranges, so none needs an OFFSET over millions of rows; a range may be empty).
    /// </summary>
    private static async Task<IResult> SitemapIndexAsync(HttpRequest request, WenkuDb db, IOptions<SeoOptions> options, CancellationToken ct)
    {
        var size = options.Value.SitemapPageSize;
        var maxId = await db.Documents.Where(d => d.Status == DocumentStatus.Ready).MaxAsync(d => (long?)d.Id, ct) ?? 0;
        var origin = DocumentSeo.Origin(request);
        return Xml(w =>
        {
            w.WriteStartElement("sitemapindex", SitemapNs);
            w.WriteStartElement("sitemap", SitemapNs);
            w.WriteElementString("loc", SitemapNs, $"{origin}/sitemaps/categories.xml");
            w.WriteEndElement();
            for (long n = 0; n * size < maxId; n++)
            {
                w.WriteStartElement("sitemap", SitemapNs);
                w.WriteElementString("loc", SitemapNs, $"{origin}/sitemaps/documents-{n}.xml");
                w.WriteEndElement();
            }
            w.WriteEndElement();
        }, "application/xml");
    }

    /// <summary>File <paramref name="n"/>: the public documents with ids in (n·size, (n+1)·size], each with its lastmod.</summary>
    private static async Task<IResult> DocumentSitemapAsync(int n, HttpRequest request, WenkuDb db, IOptions<SeoOptions> options, CancellationToken ct)
    {
        if (n < 0) return TypedResults.NotFound();
        var size = options.Value.SitemapPageSize;
        long from = (long)n * size, to = from + size;
        var docs = await db.Documents.AsNoTracking().Where(d => d.Id > from && d.Id <= to && d.Status == DocumentStatus.Ready)
            .OrderBy(d => d.Id).Select(d => new { d.Id, d.ReadyAt, d.CreatedAt }).ToListAsync(ct);
        var origin = DocumentSeo.Origin(request);
        return Xml(w =>
        {
            w.WriteStartElement("urlset", SitemapNs);
            foreach (var d in docs)
            {
                w.WriteStartElement("url", SitemapNs);
                w.WriteElementString("loc", SitemapNs, $"{origin}/d/{d.Id}");
                w.WriteElementString("lastmod", SitemapNs, W3CDate(d.ReadyAt ?? d.CreatedAt));
                w.WriteEndElement();
            }
            w.WriteEndElement();
        }, "application/xml");
    }

    private static async Task<IResult> CategorySitemapAsync(HttpRequest request, WenkuDb db, CancellationToken ct)
    {
        var categories = await db.Categories.AsNoTracking().OrderBy(c => c.SortOrder).Select(c => c.Slug).ToListAsync(ct);
        var origin = DocumentSeo.Origin(request);
        return Xml(w =>
        {
            w.WriteStartElement("urlset", SitemapNs);
            foreach (var loc in categories.Select(slug => $"{origin}/c/{Uri.EscapeDataString(slug)}").Prepend($"{origin}/"))
            {
                w.WriteStartElement("url", SitemapNs);
                w.WriteElementString("loc", SitemapNs, loc);
                w.WriteEndElement();
            }
            w.WriteEndElement();
        }, "application/xml");
    }

    /// <summary>The newest public documents of the site, as an Atom feed.</summary>
    private static Task<IResult> SiteFeedAsync(HttpRequest request, WenkuDb db, IOptions<SeoOptions> options, IOptions<WenkuOptions> site,
        IStringLocalizer<SharedResource> T, CancellationToken ct) =>
        FeedAsync(request, db, options.Value.FeedSize, null, T.Text("{0}：最新文档", site.Value.SiteName), $"/", T, ct);

    /// <summary>The newest public documents of one category, as an Atom feed.</summary>
    private static async Task<IResult> CategoryFeedAsync(string slug, HttpRequest request, WenkuDb db, IOptions<SeoOptions> options,
        IOptions<WenkuOptions> site, IStringLocalizer<SharedResource> T, CancellationToken ct)
    {
        var category = await db.Categories.AsNoTracking().SingleOrDefaultAsync(c => c.Slug == slug, ct);
        if (category is null) return TypedResults.NotFound();
        return await FeedAsync(request, db, options.Value.FeedSize, category.Id,
            T.Text("{0}：{1} 最新文档", site.Value.SiteName, T[category.Name].Value), $"/c/{Uri.EscapeDataString(category.Slug)}", T, ct);
    }

    private static async Task<IResult> FeedAsync(HttpRequest request, WenkuDb db, int size, int? categoryId, string title, string htmlPath, IStringLocalizer T, CancellationToken ct)
    {
        var query = db.Documents.AsNoTracking().Where(d => d.Status == DocumentStatus.Ready);
        if (categoryId is { } c) query = query.Where(d => d.CategoryId == c);
        // Newest by id (ids grow with uploads; the index on the primary key serves it).
        var docs = await query.OrderByDescending(d => d.Id).Take(size)
            .Select(d => new { d.Id, d.Title, d.Description, d.ReadyAt, d.CreatedAt, Uploader = d.Uploader.DisplayName, Category = d.Category.Name, d.PageCount, d.PreviewVersion })
            .ToListAsync(ct);
        var origin = DocumentSeo.Origin(request);
        var self = origin + request.Path;
        var updated = docs.Count == 0 ? DateTime.UnixEpoch : docs.Max(d => d.ReadyAt ?? d.CreatedAt);
        var feed = new SyndicationFeed(SafeText.ForXml(title), null, new Uri(origin + htmlPath), self, new DateTimeOffset(DateTime.SpecifyKind(updated, DateTimeKind.Utc)))
        {
            Items = docs.Select(d =>
            {
                var url = new Uri($"{origin}/d/{d.Id}");
                var item = new SyndicationItem(SafeText.ForXml(d.Title), SafeText.ForXml(d.Description.Length > 0 ? d.Description : d.Title), url, url.ToString(),
                    new DateTimeOffset(DateTime.SpecifyKind(d.ReadyAt ?? d.CreatedAt, DateTimeKind.Utc)));
                item.Authors.Add(new SyndicationPerson { Name = SafeText.ForXml(d.Uploader) });
                item.Categories.Add(new SyndicationCategory(SafeText.ForXml(T[d.Category].Value)));
                item.PublishDate = item.LastUpdatedTime;
                return item;
            }).ToList(),
        };
        feed.Links.Add(SyndicationLink.CreateSelfLink(new Uri(self), "application/atom+xml"));
        return Xml(w => new Atom10FeedFormatter(feed).WriteTo(w), "application/atom+xml");
    }

    /// <summary>
    /// oEmbed (https://oembed.com): for a document page's or embed's URL on this site, the iframe of <c>/embed/{id}</c>
    /// with its size, title, author and thumbnail. Only JSON (501 for XML); any other URL is 404.
    /// </summary>
    private static async Task<IResult> OEmbedAsync(string? url, string? format, int? maxwidth, int? maxheight, HttpRequest request,
        WenkuDb db, IOptions<WenkuOptions> site, CancellationToken ct)
    {
        if (format is not (null or "" or "json")) return TypedResults.StatusCode(StatusCodes.Status501NotImplemented);
        if (DocumentIdOf(url, request) is not { } id) return TypedResults.NotFound();
        var d = await db.Documents.AsNoTracking().Where(x => x.Id == id && x.Status == DocumentStatus.Ready)
            .Select(x => new { x.Id, x.Title, x.PreviewVersion, Uploader = x.Uploader.DisplayName, x.UploaderId, x.Uploader.Slug })
            .SingleOrDefaultAsync(ct);
        if (d is null) return TypedResults.NotFound();
        var width = Math.Clamp(maxwidth is > 0 ? Math.Min(maxwidth.Value, EmbedWidth) : EmbedWidth, 200, EmbedWidth);
        var height = Math.Clamp(maxheight is > 0 ? Math.Min(maxheight.Value, EmbedHeight) : EmbedHeight, 200, EmbedHeight);
        var origin = DocumentSeo.Origin(request);
        var html = EmbedSnippet(origin, d.Id, d.Title, width, height);
        var cover = origin + (d.PreviewVersion >= PreviewVersions.Sized ? $"/d/{d.Id}/cover.jpg" : $"/d/{d.Id}/page/1.jpg");
        return TypedResults.Json(new Dictionary<string, object>
        {
            ["version"] = "1.0", ["type"] = "rich", ["provider_name"] = site.Value.SiteName, ["provider_url"] = origin + "/",
            ["title"] = d.Title, ["author_name"] = d.Uploader, ["author_url"] = origin + Accounts.UserLinks.Url(d.UploaderId, d.Slug),
            ["html"] = html, ["width"] = width, ["height"] = height, ["thumbnail_url"] = cover,
        }, contentType: "application/json");
    }

    /// <summary>
    /// The HTML another site pastes to show the preview of document <paramref name="id"/>: an iframe of
    /// <c>/embed/{id}</c>. The same text in oEmbed's <c>html</c> and in the document page's embed box. It carries the
    /// language it was asked in (<c>?lang=</c>: the reader's language on the document page, oEmbed's <c>lang</c> parameter
    /// or its caller's <c>Accept-Language</c>), so the viewer speaks what the embedding page chose, whatever the language
    /// cookie of the person who later looks at it (<see cref="Web.Localization.EmbedCultureProvider"/>).
    /// </summary>
    public static string EmbedSnippet(string origin, long id, string title, int width = EmbedWidth, int height = EmbedHeight) =>
        $"<iframe src=\"{origin}/embed/{id}?lang={Web.Localization.SiteCultures.HtmlLang}\" width=\"{width}\" height=\"{height}\" style=\"border:0\" loading=\"lazy\" allowfullscreen " +
        $"title=\"{System.Net.WebUtility.HtmlEncode(title)}\"></iframe>";

    /// <summary>The document id of <c>{this site}/d/{id}</c> or <c>/embed/{id}</c>; null for any other URL.</summary>
    public static long? DocumentIdOf(string? url, HttpRequest request)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")) return null;
        if (!string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase)) return null;
        var path = uri.AbsolutePath;
        var pathBase = request.PathBase.Value ?? "";
        if (!path.StartsWith(pathBase, StringComparison.Ordinal)) return null;
        var segments = path[pathBase.Length..].Trim('/').Split('/');
        return segments is ["d" or "embed", var n] && long.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0 ? id : null;
    }

    private static string W3CDate(DateTime utc) => DateTime.SpecifyKind(utc, DateTimeKind.Utc).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    private static FileContentHttpResult Xml(Action<XmlWriter> write, string contentType)
    {
        var buffer = new MemoryStream();
        using (var w = XmlWriter.Create(buffer, new XmlWriterSettings { Encoding = new UTF8Encoding(false), Indent = false }))
        {
            w.WriteStartDocument();
            write(w);
            w.WriteEndDocument();
        }
        return TypedResults.Bytes(buffer.ToArray(), contentType + "; charset=utf-8");
    }
}
