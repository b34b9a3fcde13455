using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Text.Unicode;
using Wenku.Documents;

namespace Wenku.Discovery;

/// <summary>
/// What search engines and link previews read from a document page: the canonical URL, the description, the cover for
/// OpenGraph/Twitter cards, the oEmbed discovery link and the JSON-LD <c>DigitalDocument</c>.
/// </summary>
public sealed partial record DocumentSeo(string Canonical, string Description, string CoverUrl, string OEmbedUrl, string JsonLd)
{
    /// <summary>The length of a meta description (search engines show about this many characters).</summary>
    public const int DescriptionLength = 150;

    /// <summary>
    /// JSON for a <c>&lt;script type="application/ld+json"&gt;</c> block: the encoder escapes <c>&lt;</c>, <c>&gt;</c>,
    /// <c>&amp;</c> and quotes (<c>\u003C</c>), so no title can close the script element; Chinese stays readable.
    /// </summary>
    private static readonly JsonSerializerOptions JsonLdOptions = new() { Encoder = JavaScriptEncoder.Create(UnicodeRanges.All) };

    public static string Origin(HttpRequest request) => $"{request.Scheme}://{request.Host}{request.PathBase}";

    /// <summary>The canonical URL of a page: its path on this site, without the query (a list's page number is kept).</summary>
    public static string CanonicalUrl(HttpRequest request)
    {
        var url = Origin(request) + request.Path;
        return int.TryParse(request.Query["page"], CultureInfo.InvariantCulture, out var page) && page > 1 ? $"{url}?page={page}" : url;
    }

    /// <summary>The cover image: the thumbnail made with the sized previews, else page 1's image.</summary>
    public static string CoverPath(Document d) =>
        d.PreviewVersion >= PreviewVersions.Sized ? $"/d/{d.Id}/cover.jpg" : $"/d/{d.Id}/page/1.jpg";

    /// <summary>
    /// The description and language of a document: what changes only when its text, title, description or preview
    /// pages change, so it is kept on the document (<see cref="Document.SeoDescription"/>) by <see cref="Keep"/>.
    /// </summary>
    public static (string Description, string Language) TextFacts(Document d, IEnumerable<string> previewPageTexts)
    {
        var text = MeaningfulText(previewPageTexts);
        return (Shorten(text.Length > 0 ? text : d.Description.Length > 0 ? d.Description : d.Title, DescriptionLength),
            LanguageOf(text.Length > 0 ? text : d.Title));
    }

    /// <summary>
    /// Keeps <see cref="TextFacts"/> on the document. Call it wherever the text, title, description or preview pages
    /// change (conversion, edit), with the document's pages in order (those past the preview are left out here).
    /// </summary>
    public static void Keep(Document d, IEnumerable<(int Number, string Text)> pages) =>
        // As the page does it: page furniture trimmed from each preview page, then the text made meaningful.
        (d.SeoDescription, d.SeoLanguage) = TextFacts(d,
            pages.Where(p => p.Number <= d.PreviewPages).Select(p => TextNormalizer.TrimPageFurniture(p.Text)).ToList());

    public static DocumentSeo For(HttpRequest request, Document d, IReadOnlyList<string> previewPageTexts, string uploaderName)
    {
        var origin = Origin(request);
        var canonical = $"{origin}/d/{d.Id}";
        // Kept at conversion and edit time; made here only for rows that do not have it yet (the backfill fills them).
        var (description, language) = d is { SeoDescription: { } kept, SeoLanguage: { } lang } ? (kept, lang) : TextFacts(d, previewPageTexts);
        var cover = origin + CoverPath(d);
        var jsonLd = new Dictionary<string, object?>
        {
            ["@context"] = "https://schema.org",
            ["@type"] = "DigitalDocument",
            ["@id"] = canonical,
            ["url"] = canonical,
            ["name"] = d.Title,
            ["description"] = description,
            ["author"] = new Dictionary<string, object?> { ["@type"] = "Person", ["name"] = uploaderName },
            ["datePublished"] = (d.ReadyAt ?? d.CreatedAt).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ["numberOfPages"] = d.PageCount,
            ["inLanguage"] = language,
            ["thumbnailUrl"] = cover,
            ["encodingFormat"] = d.Format,
            ["isAccessibleForFree"] = d.IsFree,
        };
        if (!d.IsFree)
            jsonLd["offers"] = new Dictionary<string, object?>
            {
                ["@type"] = "Offer", ["price"] = d.Price, ["url"] = $"{origin}/d/{d.Id}/buy",
                ["priceSpecification"] = new Dictionary<string, object?> { ["@type"] = "PriceSpecification", ["price"] = d.Price, ["unitText"] = "points" },
            };
        if (d.RatingCount > 0)
            jsonLd["aggregateRating"] = new Dictionary<string, object?>
            {
                ["@type"] = "AggregateRating", ["ratingCount"] = d.RatingCount,
                ["ratingValue"] = Math.Round((double)d.RatingSum / d.RatingCount, 1),
            };
        var oembed = $"{origin}/oembed?url={Uri.EscapeDataString(canonical)}&format=json";
        return new DocumentSeo(canonical, description, cover, oembed, JsonLdBlock(jsonLd));
    }

    /// <summary>Serialises JSON-LD safely for inlining in HTML.</summary>
    public static string JsonLdBlock(object value) => JsonSerializer.Serialize(value, JsonLdOptions);

    /// <summary>
    /// The text a description is made of: the preview pages without page numbers, table-of-contents leaders
    /// (<c>Chapter 1 ...... 2</c>) and runs of white space.
    /// </summary>
    public static string MeaningfulText(IEnumerable<string> pageTexts)
    {
        var joined = string.Join(" ", pageTexts.Select(TextNormalizer.TrimPageFurniture));
        joined = Leaders().Replace(joined, " ");
        return Spaces().Replace(joined, " ").Trim();
    }

    // 。！？； and their Latin forms, and a space.
    private static readonly char[] SentenceEnds = ['\u3002', '\uFF01', '\uFF1F', '\uFF1B', '.', '!', '?', ' '];

    /// <summary>At most <paramref name="max"/> text elements, cut after a sentence end or a space where one is near, with "…".</summary>
    public static string Shorten(string text, int max)
    {
        // Walks the first max text elements only (StringInfo counted the whole text, on every document page).
        var cut = 0;
        for (var n = 0; n < max && cut < text.Length; n++) cut += StringInfo.GetNextTextElementLength(text.AsSpan(cut));
        if (cut >= text.Length) return text;
        var head = text[..cut];
        var end = head.LastIndexOfAny(SentenceEnds);
        if (end >= max * 2 / 3) head = head[..(end + 1)];
        return head.TrimEnd() + "…";
    }

    /// <summary><c>zh-CN</c> when Chinese characters are at least a fifth of the letters, else <c>en</c>.</summary>
    public static string LanguageOf(string text)
    {
        int cjk = 0, letters = 0;
        foreach (var c in text.AsSpan(0, Math.Min(text.Length, 2000)))
        {
            if (!char.IsLetter(c)) continue;
            letters++;
            if (TextNormalizer.IsCjk(c)) cjk++;
        }
        return letters > 0 && cjk * 5 >= letters ? "zh-CN" : "en";
    }

    [GeneratedRegex(@"(?:\s*[.\uFF0E\u00B7\u2026]{4,}\s*\d*)+")]
    private static partial Regex Leaders();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();
}
