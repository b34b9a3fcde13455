using System.Globalization;
using System.Text;

namespace Wenku.Text;

/// <summary>
/// Folds characters that a reader considers the same into one form, so that either spelling finds the other:
/// full-width and half-width (ＡＢＣ１２３ → abc123), compatibility forms (NFKC where it yields one character),
/// upper and lower case, traditional and simplified Chinese (國 → 国, from Unihan's kSimplifiedVariant), and the
/// Kangxi/CJK radicals that PDF fonts put in place of ideographs (⽂ → 文).
/// Folding maps each UTF-16 unit to exactly one, so offsets in folded text are offsets in the original: a
/// highlighter can mark the original text where the folded text matched. Search and duplicate detection both
/// index folded text; anything that compares text across documents should go through here.
/// </summary>
public static class TextFolding
{
    // Declared before Table: static fields initialise in order and BuildTable reads this one.
    // CJK Radicals Supplement code points whose glyph is a whole character (mostly simplified forms); the Kangxi
    // radicals (U+2F00–U+2FD5) are handled by NFKC.
    internal static readonly Dictionary<char, char> RadicalSupplement = new()
    {
        ['⺟'] = '母', ['⺠'] = '民', ['⺮'] = '竹', ['⻄'] = '西', ['⻅'] = '见', ['⻆'] = '角',
        ['⻉'] = '贝', ['⻋'] = '车', ['⻓'] = '长', ['⻔'] = '门', ['⻘'] = '青', ['⻙'] = '韦',
        ['⻚'] = '页', ['⻛'] = '风', ['⻜'] = '飞', ['⻝'] = '食', ['⻢'] = '马', ['⻣'] = '骨',
        ['⻤'] = '鬼', ['⻥'] = '鱼', ['⻦'] = '鸟', ['⻧'] = '卤', ['⻨'] = '麦', ['⻩'] = '黄',
        ['⻪'] = '黾', ['⻬'] = '齐', ['⻮'] = '齿', ['⻰'] = '龙', ['⻳'] = '龟',
    };

    private static readonly char[] Table = BuildTable();

    /// <summary>The folded form of one UTF-16 unit (surrogates are returned unchanged).</summary>
    public static char Fold(char c) => Table[c];

    /// <summary>Folds a whole string; the result has the same length, unit for unit.</summary>
    public static string Fold(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return string.Create(text.Length, text, static (span, s) =>
        {
            for (var i = 0; i < s.Length; i++) span[i] = Table[s[i]];
        });
    }

    /// <summary>Folds in place, for tokenizers working on a buffer.</summary>
    public static void Fold(Span<char> buffer)
    {
        for (var i = 0; i < buffer.Length; i++) buffer[i] = Table[buffer[i]];
    }

    /// <summary>Ideographs and the scripts written without spaces between words (CJK, kana, hangul).</summary>
    public static bool IsCjk(char c) =>
        c is >= '\u4E00' and <= '\u9FFF'     // CJK Unified Ideographs
            or >= '\u3400' and <= '\u4DBF'   // Extension A
            or >= '\uF900' and <= '\uFAFF'   // Compatibility Ideographs
            or >= '\u3040' and <= '\u30FF'   // Hiragana, Katakana
            or >= '\uAC00' and <= '\uD7AF'   // Hangul syllables
            or '\u3007';                      // 〇

    private static char[] BuildTable()
    {
        var table = new char[char.MaxValue + 1];
        for (var i = 0; i <= char.MaxValue; i++) table[i] = (char)i;

        var simplified = LoadSimplified();
        for (var i = 0; i <= char.MaxValue; i++)
        {
            var c = (char)i;
            if (char.IsSurrogate(c)) continue;
            var folded = c;
            string kc;
            try { kc = c.ToString().Normalize(NormalizationForm.FormKC); }
            catch (ArgumentException) { continue; } // unassigned code points do not normalise
            if (kc.Length == 1) folded = kc[0];
            folded = char.ToLowerInvariant(folded);
            if (simplified.TryGetValue(folded, out var s)) folded = s;
            else if (RadicalSupplement.TryGetValue(folded, out var r)) folded = r;
            table[i] = folded;
        }
        // Typographic quotes and dashes NFKC leaves alone but a reader types as ASCII.
        foreach (var (from, to) in new[] { ('\u2018', '\''), ('\u2019', '\''), ('\u201C', '"'), ('\u201D', '"'), ('\u2013', '-'), ('\u2014', '-'), ('\u3000', ' ') })
            table[from] = to;
        return table;
    }

    private static Dictionary<char, char> LoadSimplified()
    {
        var map = new Dictionary<char, char>(3000);
        using var stream = typeof(TextFolding).Assembly.GetManifestResourceStream("Wenku.Text.Data.unihan-simplified.txt")
            ?? throw new InvalidOperationException("The traditional→simplified table is not embedded in the program.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        while (reader.ReadLine() is { } line)
            if (line.Length == 2) map[line[0]] = line[1];
        return map;
    }

    /// <summary>Unicode category test used by tokenizers: letters, digits and marks make up words.</summary>
    public static bool IsWordChar(char c) => char.GetUnicodeCategory(c) switch
    {
        UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
            or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter or UnicodeCategory.DecimalDigitNumber
            or UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.LetterNumber => true,
        _ => false,
    };
}
