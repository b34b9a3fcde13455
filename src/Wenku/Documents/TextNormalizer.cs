using System.Text;
using System.Text.RegularExpressions;

namespace Wenku.Documents;

/// <summary>Turns text as extracted from a PDF (hard line breaks, layout spaces) into flowing text.</summary>
public static partial class TextNormalizer
{
    /// <summary>
    /// Joins the lines of a page into paragraphs: a line break inside Chinese text is dropped, one between Latin
    /// words becomes a space, and a blank line ends a paragraph. Control characters are removed, and so are page
    /// numbers printed as the page's first or last line (<c>—1—</c>, <c>- 2 -</c>, <c>第 3 页</c>, <c>page 2 / 3</c>),
    /// which would otherwise run into the text around them.
    /// </summary>
    public static string CleanPageText(string raw)
    {
        var sb = new StringBuilder(raw.Length);
        var lines = WithoutPageFurniture(FixRadicals(raw).Replace("\r\n", "\n").Replace('\r', '\n').Split('\n').Select(CollapseSpaces).ToList());
        var pendingBreak = false;
        foreach (var line in lines)
        {
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

    /// <summary>
    /// The lines without a page number at the top or bottom: only the first and last two non-empty lines are looked
    /// at, so a number inside the text (a table cell, a year) is kept — the text is what search finds.
    /// </summary>
    private static List<string> WithoutPageFurniture(List<string> lines)
    {
        var nonEmpty = lines.Select((l, i) => (l, i)).Where(x => x.l.Length > 0).Select(x => x.i).ToList();
        if (nonEmpty.Count < 2) return lines; // a page that is only "1" keeps it: there is nothing else to show
        foreach (var i in nonEmpty.Take(2).Concat(nonEmpty.TakeLast(2)).Distinct())
            if (IsPageFurniture(lines[i])) lines[i] = "";
        // A bare number ("7") only as the very first or last line: further in, it is more likely a table's cell.
        foreach (var i in new[] { nonEmpty[0], nonEmpty[^1] })
            if (BareNumber().IsMatch(lines[i])) lines[i] = "";
        return lines;
    }

    /// <summary>A line that is only a page number: <c>—1—</c>, <c>- 2 -</c>, <c>第 3 页</c>, <c>第3页 共10页</c>, <c>Page 4</c>, <c>page 2 / 3</c>.</summary>
    public static bool IsPageFurniture(string line) => PageFurniture().IsMatch(line.Trim());

    /// <summary>
    /// Stored page text (cleaned before page numbers were removed) without a page number glued to its start or end
    /// (<c>…结束。—1—</c>), for showing it; the stored text itself is left as it is.
    /// </summary>
    public static string TrimPageFurniture(string pageText)
    {
        // Only the page's last characters are tried: the pattern is not anchored at its start, and tried from every
        // position of a long page (a run of dashes) it would cost the square of the page's length.
        var end = GluedFurnitureAtEnd().Match(pageText, Math.Max(0, pageText.Length - FurnitureWindow));
        var text = end.Success ? pageText[..end.Index] + pageText[(end.Index + end.Length)..] : pageText;
        return GluedFurnitureAtStart().Replace(text, "").Trim();
    }

    /// <summary>How many characters at a page's end may hold a glued page number (<c>—— 12 ——</c>).</summary>
    private const int FurnitureWindow = 80;

    [GeneratedRegex(@"^(?:[-—–－~·•_]+\s*\d{1,4}\s*[-—–－~·•_]+|第\s*\d{1,4}\s*页(?:\s*[,，/／]?\s*共\s*\d{1,4}\s*页)?|共\s*\d{1,4}\s*页\s*第\s*\d{1,4}\s*页|(?:[Pp]age|PAGE)\s*\d{1,4}(?:\s*(?:/|of)\s*\d{1,4})?|\d{1,4}\s*/\s*\d{1,4})$")]
    private static partial Regex PageFurniture();

    [GeneratedRegex(@"^\d{1,4}$")]
    private static partial Regex BareNumber();

    // At the end: a number between dashes, or 第 n 页 right after a sentence end (else "见第3页" is text).
    [GeneratedRegex(@"(?:\s*[-—–－]+\s*\d{1,4}\s*[-—–－]+|(?<=[。！？.!?”」）)]|^)\s*第\s*\d{1,4}\s*页(?:\s*[,，/／]?\s*共\s*\d{1,4}\s*页)?)\s*$")]
    private static partial Regex GluedFurnitureAtEnd();

    [GeneratedRegex(@"^\s*[-—–－]+\s*\d{1,4}\s*[-—–－]+\s*")]
    private static partial Regex GluedFurnitureAtStart();

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
