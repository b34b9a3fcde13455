using AngleSharp.Dom;
using AngleSharp.Html.Parser;

namespace Wenku.Tests.Infrastructure;

/// <summary>Pages as a parsed DOM (AngleSharp), so tests assert on the element that matters, not a substring.</summary>
public static class Html
{
    private static readonly HtmlParser Parser = new();

    /// <summary>
    /// The reader's preview images, one per page: pages past the second come twice (a blank placeholder the script
    /// swaps, and the real image inside <c>&lt;noscript&gt;</c>, which this parser reads as markup), so the placeholders are left out.
    /// </summary>
    public const string PreviewImages = "section.pages img:not(.page-later)";

    public static IDocument Parse(string html) => Parser.ParseDocument(html);

    public static async Task<IDocument> GetDocumentAsync(this HttpClient client, string url) => Parse(await client.GetStringAsync(url));

    /// <summary>The one element <paramref name="selector"/> matches (fails the test if none or several do).</summary>
    public static IElement One(this IParentNode node, string selector)
    {
        var found = node.QuerySelectorAll(selector);
        found.Length.ShouldBe(1, $"elements matching {selector}");
        return found[0];
    }

    /// <summary>The element's text with runs of white space as one space, trimmed.</summary>
    public static string Text(this IElement element) =>
        string.Join(' ', element.TextContent.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
}

/// <summary>A clock the test moves by hand (<see cref="TimeProvider"/> as the code reads it).</summary>
public sealed class ManualClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;

    public void Advance(TimeSpan by) => Now += by;
}
