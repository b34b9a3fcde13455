using System.Text;

namespace Wenku.Text;

/// <summary>
/// The one place where text a person typed (titles, descriptions, tags, names, comments, notices, file names) loses
/// the characters that can disguise it: C0/C1 control characters (NUL, ESC …) and the invisible direction marks and
/// overrides (U+202E turns <c>gpj.exe</c> into what reads as <c>exe.jpg</c>), and the non-characters U+FFFE/U+FFFF
/// (no XML document may hold them: a feed with one would fail). Joiners and variation selectors stay:
/// emoji and CJK need them.
/// </summary>
public static class SafeText
{
    /// <summary>A one-line field: every control character (line breaks and tabs too) and direction mark removed, trimmed.</summary>
    public static string OneLine(string? s) => Strip(s, keepLines: false).Trim();

    /// <summary>
    /// A multi-line field: as <see cref="OneLine"/>, but tabs and line breaks stay (a <c>\r\n</c> or lone <c>\r</c>
    /// becomes <c>\n</c>); trimmed.
    /// </summary>
    public static string MultiLine(string? s) => Strip((s ?? "").Replace("\r\n", "\n").Replace('\r', '\n'), keepLines: true).Trim();

    /// <summary>Whether <paramref name="c"/> is removed from every stored text (tab and line feed aside).</summary>
    public static bool IsRemoved(char c) => char.IsControl(c) || IsDirectionMark(c) || c is '\uFFFE' or '\uFFFF';

    /// <summary>
    /// U+200E/U+200F (LRM, RLM), U+061C (ALM), U+202A–U+202E (embeddings and overrides), U+2066–U+2069 (isolates).
    /// </summary>
    public static bool IsDirectionMark(char c) =>
        c is '\u200E' or '\u200F' or '\u061C' or >= '\u202A' and <= '\u202E' or >= '\u2066' and <= '\u2069';

    private static string Strip(string? s, bool keepLines)
    {
        if (string.IsNullOrEmpty(s)) return "";
        var removed = 0;
        foreach (var c in s) if (Removes(c, keepLines)) removed++;
        if (removed == 0) return s;
        var sb = new StringBuilder(s.Length - removed);
        foreach (var c in s) if (!Removes(c, keepLines)) sb.Append(c);
        return sb.ToString();
    }

    /// <summary>
    /// <paramref name="s"/> with every character XML 1.0 cannot hold removed (controls, U+FFFE/U+FFFF, lone
    /// surrogates): for XML written from stored text that may predate <see cref="IsRemoved"/>'s rules.
    /// </summary>
    public static string ForXml(string? s)
    {
        if (string.IsNullOrEmpty(s)) return "";
        var sb = new StringBuilder(s.Length);
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) { sb.Append(c).Append(s[++i]); continue; }
            if (System.Xml.XmlConvert.IsXmlChar(c)) sb.Append(c);
        }
        return sb.Length == s.Length ? s : sb.ToString();
    }

    private static bool Removes(char c, bool keepLines) => IsRemoved(c) && !(keepLines && c is '\n' or '\t');
}
