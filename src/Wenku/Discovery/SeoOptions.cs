namespace Wenku.Discovery;

/// <summary>How the site is found and embedded (<c>Wenku:Seo</c> in configuration).</summary>
public sealed class SeoOptions
{
    public const string Section = "Wenku:Seo";

    /// <summary>Document ids per sitemap file (<c>/sitemaps/documents-{n}.xml</c>); the protocol allows at most 50,000 URLs a file.</summary>
    public int SitemapPageSize { get; set; } = 50_000;

    /// <summary>Entries in <c>/feed.xml</c> and <c>/c/{slug}/feed.xml</c>.</summary>
    public int FeedSize { get; set; } = 30;
}
