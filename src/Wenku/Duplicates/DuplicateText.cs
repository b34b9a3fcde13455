using Wenku.Text;

namespace Wenku.Duplicates;

/// <summary>
/// The text duplicate detection compares: folded (<see cref="TextFolding"/>: NFKC, width, case, traditional →
/// simplified, radicals) and reduced to letters. Punctuation, whitespace, digits, symbols and invisible characters are
/// dropped, because they are what uploaders pad, swap and insert to defeat a comparison, and what PDF and Office
/// conversions change (line breaks, hyphens, page numbers). One space is kept between two words of an alphabetic
/// script, so that <see cref="Tokens"/> can tell English words apart.
/// </summary>
public static class DuplicateText
{
    public static string Normalize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var buffer = text.Length <= 4096 ? stackalloc char[text.Length] : new char[text.Length];
        var n = 0;
        var gap = false;
        foreach (var raw in text)
        {
            var c = TextFolding.Fold(raw);
            // Surrogates are kept: ideographs outside the BMP (extensions B–G) are letters too.
            if (!char.IsLetter(c) && !char.IsSurrogate(c))
            {
                gap = true;
                continue;
            }
            if (gap && n > 0 && !IsCharacterToken(c) && !IsCharacterToken(buffer[n - 1])) buffer[n++] = ' ';
            buffer[n++] = c;
            gap = false;
        }
        return new string(buffer[..n]);
    }

    /// <summary>
    /// The units shingles are made of, as hashes: every ideograph (and kana, hangul) is one — Chinese has no spaces,
    /// and a character is about a morpheme — and every word of an alphabetic script is one, so that English text does
    /// not match other English text by its common letter triples ("the", "ing").
    /// </summary>
    public static List<ulong> Tokens(string normalized)
    {
        var tokens = new List<ulong>(normalized.Length);
        var i = 0;
        while (i < normalized.Length)
        {
            var c = normalized[i];
            if (c == ' ') { i++; continue; }
            if (IsCharacterToken(c))
            {
                tokens.Add(c);
                i++;
                continue;
            }
            var h = 14695981039346656037UL; // FNV-1a of the word, kept apart from single characters by the top bit
            for (; i < normalized.Length && normalized[i] != ' ' && !IsCharacterToken(normalized[i]); i++)
            {
                h ^= normalized[i];
                h *= 1099511628211UL;
            }
            tokens.Add(h | (1UL << 63));
        }
        return tokens;
    }

    /// <summary>A unit that is a token by itself: an ideograph, kana, hangul, or half of a character beyond the BMP.</summary>
    private static bool IsCharacterToken(char c) => TextFolding.IsCjk(c) || char.IsSurrogate(c);
}
