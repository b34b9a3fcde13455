using System.Text;

namespace Wenku.Documents;

/// <summary>Turns text as extracted from a PDF (hard line breaks, layout spaces) into flowing text.</summary>
public static class TextNormalizer
{
    /// <summary>
    /// Joins the lines of a page into paragraphs: a line break inside Chinese text is dropped, one between Latin
    /// words becomes a space, and a blank line ends a paragraph. Control characters are removed.
    /// </summary>
    public static string CleanPageText(string raw)
    {
        var sb = new StringBuilder(raw.Length);
        var lines = FixRadicals(raw).Replace("\r\n", "\n").Replace('\r', '\n').Split('\n');
        var pendingBreak = false;
        foreach (var rawLine in lines)
        {
            var line = CollapseSpaces(rawLine);
            if (line.Length == 0)
            {
                if (sb.Length > 0) pendingBreak = true;
                continue;
            }
            if (sb.Length > 0)
            {
                if (pendingBreak) sb.Append('\n');
                else if (NeedsSpace(sb[^1], line[0])) sb.Append(' ');
            }
            pendingBreak = false;
            sb.Append(line);
        }
        return sb.ToString();
    }

    /// <summary>
    /// Many CJK fonts draw 文 and the Kangxi radical ⽂ with one glyph, and PDF writers then map that glyph back
    /// to the radical, so extracted text reads "⽂库" for "文库" and search misses it. Radicals become the
    /// ideographs they look like: Kangxi radicals by their Unicode compatibility mapping, the simplified forms of
    /// the CJK Radicals Supplement by table.
    /// </summary>
    public static string FixRadicals(string text)
    {
        if (!text.AsSpan().ContainsAnyInRange('⺀', '⿟')) return text;
        var sb = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (c is >= '⼀' and <= '⿕') sb.Append(c.ToString().Normalize(NormalizationForm.FormKC));
            else if (Text.TextFolding.RadicalSupplement.TryGetValue(c, out var ideograph)) sb.Append(ideograph);
            else sb.Append(c);
        }
        return sb.ToString();
    }

    private static string CollapseSpaces(string line)
    {
        var sb = new StringBuilder(line.Length);
        var space = false;
        foreach (var c in line)
        {
            if (char.IsWhiteSpace(c) || c == '\u3000') { space = sb.Length > 0; continue; }
            if (Text.SafeText.IsRemoved(c)) continue;
            if (space && NeedsSpace(sb[^1], c)) sb.Append(' ');
            space = false;
            sb.Append(c);
        }
        return sb.ToString();
    }

    /// <summary>A space belongs between two characters unless either is CJK (Chinese text has no spaces).</summary>
    private static bool NeedsSpace(char before, char after) => !IsCjk(before) && !IsCjk(after);

    public static bool IsCjk(char c) =>
        c is >= '\u2E80' and <= '\u9FFF' or >= '\uF900' and <= '\uFAFF' or >= '\uFF00' and <= '\uFFEF' or >= '\u3000' and <= '\u303F';
}
