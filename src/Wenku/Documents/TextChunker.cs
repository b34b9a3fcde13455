using System.Globalization;

namespace Wenku.Documents;

/// <summary>
/// Splits a document's text into the numbered chunks of the 文档简介 section (<c>1、 2、 …</c>): pieces of
/// about <c>target</c> characters that end at a sentence end where one is near.
/// </summary>
public static class TextChunker
{
    private static readonly char[] SentenceEnds = ['。', '！', '？', '；', '!', '?', ';', '.', '\n'];

    public static IReadOnlyList<string> Chunk(string text, int target = 300, int maxChunks = 40)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(target, 20);
        var chunks = new List<string>();
        var rest = text.AsSpan().Trim();
        while (rest.Length > 0 && chunks.Count < maxChunks)
        {
            var cut = CutPoint(rest, target);
            var piece = rest[..cut].ToString().Replace('\n', ' ').Trim();
            if (piece.Length > 0) chunks.Add(piece);
            rest = rest[cut..].TrimStart();
        }
        return chunks;
    }

    private static int CutPoint(ReadOnlySpan<char> text, int target)
    {
        if (text.Length <= target * 3 / 2) return text.Length;
        // Prefer the last sentence end between half and one and a half times the target.
        var window = text[..(target * 3 / 2)];
        for (var end = window.Length - 1; end >= target / 2; end--)
            if (IsSentenceEnd(text, end)) return end + 1;
        // No sentence end: cut at a space (Latin), else between two characters that do not belong together.
        var space = window[..target].LastIndexOf(' ');
        if (space >= target / 2) return space + 1;
        for (var cut = target; cut > target / 2; cut--)
            if (CanCutBetween(text[cut - 1], text[cut])) return cut;
        for (var cut = target + 1; cut < window.Length; cut++)
            if (CanCutBetween(text[cut - 1], text[cut])) return cut;
        var hard = target;
        if (char.IsHighSurrogate(text[hard - 1])) hard++;
        return hard;
    }

    /// <summary>
    /// A full stop ends a sentence unless it is part of a number (<c>0.5</c>, <c>3.</c> before <c>14</c>) or an
    /// abbreviation glued to what follows (<c>e.g.x</c>): an ASCII <c>.</c> counts only before a space or the end
    /// and not after a digit; Chinese marks always count.
    /// </summary>
    private static bool IsSentenceEnd(ReadOnlySpan<char> text, int i)
    {
        var c = text[i];
        if (Array.IndexOf(SentenceEnds, c) < 0) return false;
        if (c is not ('.' or ';' or '!' or '?')) return true;
        var next = i + 1 < text.Length ? text[i + 1] : ' ';
        if (!char.IsWhiteSpace(next) && !TextNormalizer.IsCjk(next)) return false;
        return !(c == '.' && i > 0 && char.IsAsciiDigit(text[i - 1]));
    }

    /// <summary>
    /// Whether a chunk may end between two characters: never inside a number or a Latin word, nor between a number
    /// and what is glued to it (<c>3元</c>, <c>50%</c>, <c>1.5</c>), nor inside a surrogate pair.
    /// </summary>
    private static bool CanCutBetween(char before, char after)
    {
        if (char.IsHighSurrogate(before) || char.IsLowSurrogate(after)) return false;
        if (char.IsWhiteSpace(before) || char.IsWhiteSpace(after)) return true;
        if (char.IsAsciiDigit(before) || char.IsAsciiDigit(after)) return false;
        if (char.IsAsciiLetter(before) && char.IsAsciiLetter(after)) return false;
        if (before is '.' or ',' or '-' or '+' or '¥' or '$' || after is '.' or ',' or '%' or '‰') return false;
        return true;
    }

    /// <summary>Length in text elements (what a person counts as characters), as the comment counter shows it.</summary>
    public static int VisibleLength(string s) => new StringInfo(s).LengthInTextElements;
}
