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
        var end = window.LastIndexOfAny(SentenceEnds);
        if (end >= target / 2) return end + 1;
        // No sentence end: cut at a space (Latin) or anywhere that does not split a surrogate pair.
        var space = window[..target].LastIndexOf(' ');
        if (space >= target / 2) return space + 1;
        var cut = target;
        if (char.IsHighSurrogate(text[cut - 1])) cut++;
        return cut;
    }

    /// <summary>Length in text elements (what a person counts as characters), as the comment counter shows it.</summary>
    public static int VisibleLength(string s) => new StringInfo(s).LengthInTextElements;
}
