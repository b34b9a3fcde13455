using System.Text.RegularExpressions;
using AngleSharp.Dom;
using Shouldly;

namespace Wenku.Tests.Moderation;

/// <summary>
/// Checks that a part of a page speaks English: its text, with what users wrote (titles, names, statements, comments)
/// left out, has no Chinese left.
/// </summary>
internal static partial class EnglishText
{
    private const string UserContent =
        "[data-document-link], [data-match], [data-hold-details], [data-statement], [data-details], [data-reporter], [data-claimant], " +
        "[data-comment], [data-review-words], [data-removal-reason], [data-original-title], [data-original-link], [data-contact], [data-evidence], " +
        "a[href^='/u/'], a[href^='/d/'], blockquote, " +
        // A document's status words are the documents slice's (Document.Label), translated there.
        "[data-status]";

    public static void ShouldHaveNoChinese(this IElement element, string where)
    {
        var copy = (IElement)element.Clone();
        foreach (var user in copy.QuerySelectorAll(UserContent).ToList()) user.Remove();
        var text = string.Join(" ", copy.TextContent.Split((char[])[' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries));
        var labels = copy.QuerySelectorAll("[aria-label]").Select(e => e.GetAttribute("aria-label")).Concat(copy.QuerySelectorAll("[placeholder]").Select(e => e.GetAttribute("placeholder")));
        var found = Chinese().Matches(text + " " + string.Join(" ", labels)).Select(m => m.Value).ToList();
        found.ShouldBeEmpty($"{where} still has Chinese: {text}");
    }

    [GeneratedRegex(@"\S*[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]+\S*")]
    private static partial Regex Chinese();
}
