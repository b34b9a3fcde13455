using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Xml.Linq;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Wenku.Documents;
using Wenku.Storage;
using Wenku.Tests.Infrastructure;
using Xunit;

namespace Wenku.Tests.Discovery;

/// <summary>A site whose sitemap files hold three ids each, to see the paging without millions of documents.</summary>
public sealed class SmallSitemapSite : WenkuFactory
{
    protected override int Workers => 0;
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Wenku:Seo:SitemapPageSize"] = "3" };
}

/// <summary>
/// How the site is found and embedded: robots.txt, the paged sitemap, feeds, canonical/OpenGraph/JSON-LD on the
/// document page, the frameable /embed/{id} with oEmbed, and compressed text (never images).
/// </summary>
[Trait(WenkuFactory.Suite, WenkuFactory.OnBothStacks)]
public sealed class FindAndEmbedTests(SmallSitemapSite site) : IClassFixture<SmallSitemapSite>
{
    private static readonly XNamespace Sitemap = "http://www.sitemaps.org/schemas/sitemap/0.9";
    private static readonly XNamespace Atom = "http://www.w3.org/2005/Atom";

    [Fact]
    public async Task Robots_allow_the_site_keep_out_accounts_staff_api_and_search_and_name_the_sitemap()
    {
        var response = await site.CreateClient().GetAsync("/robots.txt");
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/plain");
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.TrimEntries);
        lines.ShouldContain("User-agent: *");
        lines.ShouldContain("Allow: /");
        foreach (var path in new[] { "/admin", "/me", "/api/", "/account", "/search" }) lines.ShouldContain($"Disallow: {path}");
        lines.ShouldContain("Sitemap: http://localhost/sitemap.xml");
    }

    [Fact]
    public async Task Sitemap_index_pages_public_documents_by_id_range_with_lastmod()
    {
        var uploader = await site.CreateUserAsync("sitemap@test.local");
        var ids = new List<long>();
        for (var i = 0; i < 7; i++) ids.Add(await site.AddAsync(uploader, title: $"地图 {i}", pages: 1, previewPages: 1));
        var held = await site.AddAsync(uploader, title: "待审", pages: 1, status: DocumentStatus.Held);
        var removed = await site.AddAsync(uploader, title: "已下架", pages: 1, status: DocumentStatus.Removed);
        var client = site.CreateClient();

        var index = XDocument.Parse(await client.GetStringAsync("/sitemap.xml"));
        index.Root!.Name.ShouldBe(Sitemap + "sitemapindex");
        var files = index.Root.Elements(Sitemap + "sitemap").Select(s => (string)s.Element(Sitemap + "loc")!).ToList();
        files.ShouldContain("http://localhost/sitemaps/categories.xml");
        var documentFiles = files.Where(f => f.Contains("/sitemaps/documents-")).ToList();
        var maxReady = ids.Max();
        documentFiles.Count.ShouldBe((int)((maxReady + 2) / 3));

        var listed = new List<string>();
        foreach (var file in documentFiles)
        {
            var urlset = XDocument.Parse(await client.GetStringAsync(new Uri(file).PathAndQuery));
            urlset.Root!.Name.ShouldBe(Sitemap + "urlset");
            var urls = urlset.Root.Elements(Sitemap + "url").ToList();
            urls.Count.ShouldBeLessThanOrEqualTo(3);
            urls.ShouldAllBe(u => (string)u.Element(Sitemap + "lastmod")! == "2026-11-01T08:00:00Z");
            listed.AddRange(urls.Select(u => (string)u.Element(Sitemap + "loc")!));
        }
        foreach (var id in ids) listed.ShouldContain($"http://localhost/d/{id}");
        listed.ShouldNotContain($"http://localhost/d/{held}");
        listed.ShouldNotContain($"http://localhost/d/{removed}");

        var categories = XDocument.Parse(await client.GetStringAsync("/sitemaps/categories.xml"));
        categories.Root!.Elements(Sitemap + "url").Select(u => (string)u.Element(Sitemap + "loc")!).ShouldContain("http://localhost/c/education");
    }

    [Fact]
    public async Task A_feed_survives_a_stored_title_with_characters_xml_cannot_hold()
    {
        var uploader = await site.CreateUserAsync($"feed-xml-{Guid.NewGuid():N}@test.local");
        // Stored before the rules removed them (SafeText now does): a non-character and a control character.
        // (A category feed of its own: feeds are cached, and the site-wide one belongs to the next test.)
        await site.AddAsync(uploader, title: "坏\uFFFF字符\u0001标题", category: "games");
        var response = await site.CreateClient().GetAsync("/c/games/feed.xml");
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var titles = XDocument.Parse(await response.Content.ReadAsStringAsync()).Root!.Elements(Atom + "entry")
            .Select(e => (string)e.Element(Atom + "title")!).ToList();
        titles.ShouldContain("坏字符标题");
        Wenku.Text.SafeText.OneLine("a\uFFFEb\uFFFFc").ShouldBe("abc");
    }

    [Fact]
    public async Task Feeds_are_atom_of_the_newest_public_documents_site_wide_and_per_category()
    {
        var uploader = await site.CreateUserAsync("feed@test.local");
        var tech = await site.AddAsync(uploader, title: "科技 & <新> 文档", category: "tech");
        var education = await site.AddAsync(uploader, title: "教育文档", category: "education");
        await site.AddAsync(uploader, title: "未公开", status: DocumentStatus.Held, category: "tech");
        var client = site.CreateClient();

        var response = await client.GetAsync("/feed.xml");
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/atom+xml");
        var feed = XDocument.Parse(await response.Content.ReadAsStringAsync());
        feed.Root!.Name.ShouldBe(Atom + "feed");
        var titles = feed.Root.Elements(Atom + "entry").Select(e => (string)e.Element(Atom + "title")!).ToList();
        titles.ShouldContain("科技 & <新> 文档");
        titles.ShouldContain("教育文档");
        titles.ShouldNotContain("未公开");

        var techFeed = XDocument.Parse(await client.GetStringAsync("/c/tech/feed.xml"));
        var entries = techFeed.Root!.Elements(Atom + "entry").ToList();
        entries.Select(e => (string)e.Element(Atom + "title")!).ShouldContain("科技 & <新> 文档");
        entries.Select(e => (string)e.Element(Atom + "title")!).ShouldNotContain("教育文档");
        entries.SelectMany(e => e.Elements(Atom + "link")).Select(l => (string)l.Attribute("href")!).ShouldContain($"http://localhost/d/{tech}");
        (await client.GetAsync("/c/no-such-category/feed.xml")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        _ = education;
    }

    [Fact]
    public async Task Document_page_has_canonical_url_description_and_cards_with_the_cover()
    {
        var uploader = await site.CreateUserAsync("cards@test.local");
        var sized = await site.AddAsync(uploader, title: "创新驱动", previewVersion: PreviewVersions.Sized,
            text: "创新是引领发展的第一动力。" + new string('新', 300));
        var old = await site.AddAsync(uploader, title: "旧文档");
        var client = site.CreateClient();

        var page = await client.GetDocumentAsync($"/d/{sized}");
        page.One("link[rel=canonical]").GetAttribute("href").ShouldBe($"http://localhost/d/{sized}");
        page.One("head > title").Text().ShouldStartWith("创新驱动");
        var description = page.One("meta[name=description]").GetAttribute("content")!;
        description.ShouldStartWith("第1段：创新是引领发展的第一动力。");
        description.Length.ShouldBeLessThanOrEqualTo(151);
        page.One("meta[property='og:title']").GetAttribute("content").ShouldBe("创新驱动");
        page.One("meta[property='og:image']").GetAttribute("content").ShouldBe($"http://localhost/d/{sized}/cover.jpg");
        page.One("meta[name='twitter:card']").GetAttribute("content").ShouldBe("summary_large_image");
        page.One("link[rel=alternate][type='application/json+oembed']").GetAttribute("href")
            .ShouldBe($"http://localhost/oembed?url={Uri.EscapeDataString($"http://localhost/d/{sized}")}&format=json");

        (await client.GetDocumentAsync($"/d/{old}")).One("meta[property='og:image']").GetAttribute("content").ShouldBe($"http://localhost/d/{old}/page/1.jpg");
        (await client.GetDocumentAsync("/c/education")).One("link[rel=canonical]").GetAttribute("href").ShouldBe("http://localhost/c/education");
        // The uploader's page moves to its readable address, and that is the canonical one (never the id).
        var canonical = (await client.GetDocumentAsync($"/u/{Uri.EscapeDataString(uploader)}")).One("link[rel=canonical]").GetAttribute("href")!;
        canonical.ShouldStartWith("http://localhost/u/");
        canonical.ShouldNotContain(uploader);
    }

    [Fact]
    public async Task Json_ld_describes_the_document_and_no_title_can_end_its_script_element()
    {
        var uploader = await site.CreateUserAsync("jsonld@test.local");
        const string hostile = "报告</script><script>alert(1)</script>\"&'";
        var id = await site.AddAsync(uploader, title: hostile, pages: 6, price: 20);
        var html = await site.CreateClient().GetStringAsync($"/d/{id}");

        html.ShouldNotContain("</script><script>alert(1)");
        var page = Html.Parse(html);
        page.QuerySelectorAll("script:not([src])").Length.ShouldBe(1);
        var block = page.One("script[type='application/ld+json']");
        var json = JsonDocument.Parse(block.TextContent).RootElement;
        json.GetProperty("@type").GetString().ShouldBe("DigitalDocument");
        json.GetProperty("name").GetString().ShouldBe(hostile);
        json.GetProperty("numberOfPages").GetInt32().ShouldBe(6);
        json.GetProperty("inLanguage").GetString().ShouldBe("zh-CN");
        json.GetProperty("datePublished").GetString().ShouldBe("2026-11-01");
        json.GetProperty("isAccessibleForFree").GetBoolean().ShouldBeFalse();
        json.GetProperty("offers").GetProperty("price").GetInt32().ShouldBe(20);
        json.GetProperty("thumbnailUrl").GetString().ShouldBe($"http://localhost/d/{id}/page/1.jpg");
        json.GetProperty("author").GetProperty("name").GetString().ShouldNotBeNullOrEmpty();
    }

    [Fact]
    public async Task Embed_may_be_framed_by_any_site_while_the_document_page_may_not()
    {
        var uploader = await site.CreateUserAsync("embed@test.local");
        var id = await site.AddAsync(uploader, title: "嵌入文档", pages: 6, previewPages: 2);
        var client = site.CreateClient();

        var embed = await client.GetAsync($"/embed/{id}");
        embed.StatusCode.ShouldBe(HttpStatusCode.OK);
        embed.Headers.Contains("X-Frame-Options").ShouldBeFalse();
        embed.Headers.GetValues("Content-Security-Policy").Single().ShouldContain("frame-ancestors *");
        var page = Html.Parse(await embed.Content.ReadAsStringAsync());
        page.QuerySelectorAll("header.top, #comments, form").ShouldBeEmpty();
        page.QuerySelectorAll("img").Select(i => i.GetAttribute("src")).ShouldBe([$"/d/{id}/page/1.jpg", $"/d/{id}/page/2.jpg"]);
        page.One("a[data-action=read-on-site]").GetAttribute("href").ShouldBe($"/d/{id}");

        var documentPage = await client.GetAsync($"/d/{id}");
        documentPage.Headers.GetValues("X-Frame-Options").Single().ShouldBe("DENY");
        documentPage.Headers.GetValues("Content-Security-Policy").Single().ShouldContain("frame-ancestors 'none'");

        (await client.GetAsync("/embed/987654")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var held = await site.AddAsync(uploader, status: DocumentStatus.Held);
        (await client.GetAsync($"/embed/{held}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var removed = await site.AddAsync(uploader, status: DocumentStatus.Removed);
        (await client.GetAsync($"/embed/{removed}")).StatusCode.ShouldBe(HttpStatusCode.Gone);
        (await client.GetAsync($"/d/{removed}")).StatusCode.ShouldBe(HttpStatusCode.Gone);
    }

    [Fact]
    public async Task Oembed_answers_an_iframe_for_this_sites_documents_only()
    {
        var uploader = await site.CreateUserAsync("oembed@test.local");
        var id = await site.AddAsync(uploader, title: "嵌入 <b>标题</b>");
        var client = site.CreateClient();
        var url = Uri.EscapeDataString($"http://localhost/d/{id}");

        var response = await client.GetAsync($"/oembed?url={url}&format=json");
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/json");
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        json.GetProperty("version").GetString().ShouldBe("1.0");
        json.GetProperty("type").GetString().ShouldBe("rich");
        json.GetProperty("title").GetString().ShouldBe("嵌入 <b>标题</b>");
        json.GetProperty("author_name").GetString().ShouldNotBeNullOrEmpty();
        json.GetProperty("thumbnail_url").GetString().ShouldBe($"http://localhost/d/{id}/page/1.jpg");
        var width = json.GetProperty("width").GetInt32();
        var iframe = Html.Parse(json.GetProperty("html").GetString()!).One("iframe");
        iframe.GetAttribute("src").ShouldBe($"http://localhost/embed/{id}?lang=zh-CN");
        iframe.GetAttribute("width").ShouldBe(width.ToString(System.Globalization.CultureInfo.InvariantCulture));
        iframe.GetAttribute("title").ShouldBe("嵌入 <b>标题</b>");
        JsonDocument.Parse(await client.GetStringAsync($"/oembed?url={url}&format=json&maxwidth=300")).RootElement.GetProperty("width").GetInt32().ShouldBe(300);

        (await client.GetAsync($"/oembed?url={url}&format=xml")).StatusCode.ShouldBe(HttpStatusCode.NotImplemented);
        (await client.GetAsync($"/oembed?url={Uri.EscapeDataString($"http://evil.example/d/{id}")}&format=json")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await client.GetAsync($"/oembed?url={Uri.EscapeDataString("http://localhost/search?q=x")}&format=json")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await client.GetAsync($"/oembed?url={Uri.EscapeDataString("http://localhost/d/987654")}&format=json")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await client.GetAsync("/oembed?format=json")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Embed_speaks_the_embedding_pages_language_not_the_readers_cookie()
    {
        var uploader = await site.CreateUserAsync("embed-lang@test.local");
        var id = await site.AddAsync(uploader, title: "嵌入语言", pages: 3, previewPages: 2);
        var client = site.CreateClient();
        string LangOf(string html) => Html.Parse(html).DocumentElement.GetAttribute("lang")!;
        async Task<string> GetAsync(string url, string? cookie = null, string? acceptLanguage = null)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            if (cookie is not null) request.Headers.Add("Cookie", $".AspNetCore.Culture={Uri.EscapeDataString(cookie)}");
            if (acceptLanguage is not null) request.Headers.Add("Accept-Language", acceptLanguage);
            var response = await client.SendAsync(request);
            response.StatusCode.ShouldBe(HttpStatusCode.OK);
            return await response.Content.ReadAsStringAsync();
        }

        // A reader who reads this site in English opens a Chinese blog with our viewer: the viewer stays Chinese …
        LangOf(await GetAsync($"/embed/{id}", cookie: "c=en|uic=en")).ShouldBe("zh-CN");
        // … while the document page itself follows their cookie.
        LangOf(await GetAsync($"/d/{id}", cookie: "c=en|uic=en")).ShouldBe("en");
        // The embedding page's choice (the snippet's ?lang=) wins; without one, the browser's languages.
        var english = Html.Parse(await GetAsync($"/embed/{id}?lang=en", cookie: "c=zh-CN|uic=zh-CN"));
        english.DocumentElement.GetAttribute("lang").ShouldBe("en");
        english.One("a[data-action=read-on-site]").TextContent.ShouldStartWith("Read it all on");
        english.One(".embed-bar .meta").TextContent.ShouldStartWith("3 pages ·");
        var single = await site.AddAsync(uploader, title: "单页文档", pages: 1, previewPages: 1);
        Html.Parse(await GetAsync($"/embed/{single}?lang=en")).One(".embed-bar .meta").TextContent.ShouldStartWith("1 page ·");
        LangOf(await GetAsync($"/embed/{id}", acceptLanguage: "en-US,en;q=0.9")).ShouldBe("en");
        // A browser asking only for a language this site does not speak gets the default, still not the cookie.
        LangOf(await GetAsync($"/embed/{id}", cookie: "c=en|uic=en", acceptLanguage: "fr-FR,fr;q=0.9")).ShouldBe("zh-CN");

        // oEmbed hands out a snippet in the language it was asked for, which the viewer then speaks.
        var url = Uri.EscapeDataString($"http://localhost/d/{id}");
        var json = JsonDocument.Parse(await GetAsync($"/oembed?url={url}&format=json&lang=en", cookie: "c=zh-CN|uic=zh-CN")).RootElement;
        Html.Parse(json.GetProperty("html").GetString()!).One("iframe").GetAttribute("src").ShouldBe($"http://localhost/embed/{id}?lang=en");
    }

    [Fact]
    public async Task Pages_are_compressed_and_page_images_are_not()
    {
        var uploader = await site.CreateUserAsync("compress@test.local");
        var id = await site.AddAsync(uploader, pages: 1, previewPages: 1);
        await using (var jpeg = new MemoryStream(TestImages.Encode(SkiaSharp.SKEncodedImageFormat.Jpeg, 400, 300)))
            await site.Services.GetRequiredService<IFileStore>().PutAsync(Document.PageKey(id, 1), jpeg, CancellationToken.None);
        var client = site.CreateClient();

        foreach (var (url, encoding) in new[] { ($"/d/{id}", "br"), ("/site.css", "br"), ("/sitemap.xml", "gzip") })
        {
            var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.AcceptEncoding.ParseAdd(encoding == "br" ? "br, gzip" : "gzip");
            var response = await client.SendAsync(request);
            response.StatusCode.ShouldBe(HttpStatusCode.OK);
            response.Content.Headers.ContentEncoding.ShouldBe([encoding], url);
        }
        var image = new HttpRequestMessage(HttpMethod.Get, $"/d/{id}/page/1.jpg");
        image.Headers.AcceptEncoding.ParseAdd("br, gzip");
        var imageResponse = await client.SendAsync(image);
        imageResponse.StatusCode.ShouldBe(HttpStatusCode.OK);
        imageResponse.Content.Headers.ContentEncoding.ShouldBeEmpty();
        // A range of a page image is answered as a range, untouched.
        var range = new HttpRequestMessage(HttpMethod.Get, $"/d/{id}/page/1.jpg");
        range.Headers.AcceptEncoding.ParseAdd("br, gzip");
        range.Headers.Range = new RangeHeaderValue(0, 9);
        var partial = await client.SendAsync(range);
        partial.StatusCode.ShouldBe(HttpStatusCode.PartialContent);
        (await partial.Content.ReadAsByteArrayAsync()).Length.ShouldBe(10);
    }
}
