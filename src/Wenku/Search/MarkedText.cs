using Microsoft.AspNetCore.Html;

namespace Wenku.Search;

/// <summary>
/// A title or snippet as HTML: its text exactly as stored (encoded), with the matched parts in <c>&lt;mark&gt;</c> and
/// nothing else added. Written in code because Razor markup in a loop (<c>{ &lt;mark&gt;@t&lt;/mark&gt; }</c>) also
/// writes the spaces around the tag, which split Chinese text (一大 <c>&lt;mark&gt;</c>创新<c>&lt;/mark&gt;</c> ，).
/// </summary>
public static class MarkedText
{
    public static IHtmlContent Html(IReadOnlyList<TextPart> parts)
    {
        var html = new HtmlContentBuilder(parts.Count * 3);
        foreach (var part in parts)
        {
            if (!part.Marked) { html.Append(part.Text); continue; }
            html.AppendHtml("<mark>");
            html.Append(part.Text);
            html.AppendHtml("</mark>");
        }
        return html;
    }
}
