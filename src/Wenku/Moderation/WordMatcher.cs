using System.Globalization;
using Wenku.Text;

namespace Wenku.Moderation;

/// <summary>One occurrence of a listed word: the word as staff entered it and where it is in the original text.</summary>
/// <param name="Start">Offset of the match's first character in the original text (UTF-16 units).</param>
/// <param name="Length">Units from <paramref name="Start"/> to the end of its last character, separators between included.</param>
public sealed record WordMatch(int WordIndex, string Word, WordAction Action, int Start, int Length);

/// <summary>
/// Aho–Corasick over the folded text (<see cref="TextFolding"/>: full/half width, traditional/simplified, case) with
/// separators skipped: anything that is not a letter, digit or mark (spaces, punctuation, symbols, emoji, zero-width
/// characters) may stand between the characters of a word, so <c>敏*感</c>, <c>敏 感</c> and <c>敏．感</c> all match
/// <c>敏感</c>. One pass over the text whatever the number of words (linear in the text plus the matches).
/// A word that begins or ends with an ASCII letter or digit matches only where the original text has no ASCII letter or
/// digit right before or after it (<c>sex</c> is not found in <c>Essex</c>); CJK words match anywhere.
/// Built once for a list and then only read: safe to share between threads.
/// </summary>
public sealed class WordMatcher
{
    /// <summary>Most entries a list may have.</summary>
    public const int MaxWords = 100_000;

    // Declared before Empty: static fields initialise in order.
    // Per UTF-16 unit: a letter, digit or mark once folded (full-width Ａ is, full-width ． is not). Lone surrogates are not.
    private static readonly bool[] WordUnits = BuildWordUnits();

    public static readonly WordMatcher Empty = new([]);

    private readonly string[] _words;
    private readonly WordAction[] _actions;
    private readonly int[] _keyLength;
    private readonly bool[] _asciiStart, _asciiEnd;

    // The automaton: the root's transitions as a full table (most steps of a scan leave from the root), the other
    // nodes' as sorted runs of (char, target) for binary search; fail and output links per node.
    private readonly int[] _rootNext = new int[char.MaxValue + 1];
    private readonly int[] _edgeStart;
    private readonly char[] _edgeChar;
    private readonly int[] _edgeTarget;
    private readonly int[] _fail;
    private readonly int[] _word;    // the word ending at this node, or -1
    private readonly int[] _output;  // the nearest node on the fail chain (itself excluded) that ends a word, or 0

    public int Count => _words.Length;

    /// <summary>The key of a word: folded, separators removed. Empty when the word has no letter or digit.</summary>
    public static string Key(string word)
    {
        var folded = new System.Text.StringBuilder(word.Length);
        for (var i = 0; i < word.Length; i++)
        {
            var units = UnitsAt(word, i, out var isWord);
            if (isWord)
                for (var k = 0; k < units; k++) folded.Append(TextFolding.Fold(word[i + k]));
            i += units - 1;
        }
        return folded.ToString();
    }

    /// <param name="entries">Words and their actions; entries whose <see cref="Key"/> is empty or longer than
    /// <see cref="SensitiveWord.MaxLength"/> are ignored, and of
    /// entries with the same key the first is kept.</param>
    public WordMatcher(IEnumerable<(string Word, WordAction Action)> entries)
    {
        var words = new List<string>();
        var actions = new List<WordAction>();
        var keys = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (word, action) in entries)
        {
            var key = Key(word);
            if (key.Length == 0 || key.Length > SensitiveWord.MaxLength || !seen.Add(key)) continue;
            words.Add(word);
            actions.Add(action);
            keys.Add(key);
        }
        if (words.Count > MaxWords) throw new ArgumentException($"A list may have at most {MaxWords} words.", nameof(entries));
        _words = [.. words];
        _actions = [.. actions];
        _keyLength = keys.Select(k => k.Length).ToArray();
        _asciiStart = keys.Select(k => char.IsAsciiLetterOrDigit(k[0])).ToArray();
        _asciiEnd = keys.Select(k => char.IsAsciiLetterOrDigit(k[^1])).ToArray();

        // 1. The trie, with dictionaries while it grows.
        var children = new List<Dictionary<char, int>?> { null };
        var wordAt = new List<int> { -1 };
        for (var w = 0; w < keys.Count; w++)
        {
            var node = 0;
            foreach (var c in keys[w])
            {
                var next = children[node] ??= [];
                if (!next.TryGetValue(c, out var child))
                {
                    child = children.Count;
                    next[c] = child;
                    children.Add(null);
                    wordAt.Add(-1);
                }
                node = child;
            }
            wordAt[node] = w;
        }

        // 2. Flat sorted edges.
        var n = children.Count;
        _edgeStart = new int[n + 1];
        var edges = children.Sum(c => c?.Count ?? 0);
        _edgeChar = new char[edges];
        _edgeTarget = new int[edges];
        var e = 0;
        for (var i = 0; i < n; i++)
        {
            _edgeStart[i] = e;
            if (children[i] is not { } d) continue;
            foreach (var (c, t) in d.OrderBy(p => p.Key))
            {
                _edgeChar[e] = c;
                _edgeTarget[e++] = t;
            }
        }
        _edgeStart[n] = e;
        if (children[0] is { } root)
            foreach (var (c, t) in root) _rootNext[c] = t;

        // 3. Fail and output links, breadth first.
        _fail = new int[n];
        _word = [.. wordAt];
        _output = new int[n];
        var queue = new Queue<int>();
        for (var k = _edgeStart[0]; k < _edgeStart[1]; k++) queue.Enqueue(_edgeTarget[k]);
        while (queue.Count > 0)
        {
            var node = queue.Dequeue();
            for (var k = _edgeStart[node]; k < _edgeStart[node + 1]; k++)
            {
                var (c, child) = (_edgeChar[k], _edgeTarget[k]);
                var f = Step(_fail[node], c);
                _fail[child] = f;
                _output[child] = _word[f] >= 0 ? f : _output[f];
                queue.Enqueue(child);
            }
        }
    }

    /// <summary>The word at <paramref name="index"/> as entered.</summary>
    public string Word(int index) => _words[index];

    /// <summary>Every occurrence of every word, in the order their ends appear in the text (overlaps included).</summary>
    public List<WordMatch> Matches(string text)
    {
        var found = new List<WordMatch>();
        Scan(text, found, stopAtFirst: false);
        return found;
    }

    /// <summary>Whether any word occurs (stops at the first).</summary>
    public bool Any(string text)
    {
        if (_words.Length == 0) return false;
        var found = new List<WordMatch>(1);
        Scan(text, found, stopAtFirst: true);
        return found.Count > 0;
    }

    private void Scan(string text, List<WordMatch> found, bool stopAtFirst)
    {
        if (_words.Length == 0 || text.Length == 0) return;
        // Original offsets of the last units fed to the automaton (a ring as long as the longest word can be).
        const int Ring = 128; // ≥ SensitiveWord.MaxLength
        Span<int> at = stackalloc int[Ring];
        long fed = 0;
        var state = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var units = UnitsAt(text, i, out var isWord);
            if (!isWord)
            {
                i += units - 1;
                continue;
            }
            for (var k = 0; k < units; k++)
            {
                at[(int)(fed % Ring)] = i + k;
                fed++;
                state = Step(state, TextFolding.Fold(text[i + k]));
                for (var hit = _word[state] >= 0 ? state : _output[state]; hit != 0; hit = _output[hit])
                {
                    var w = _word[hit];
                    var start = at[(int)((fed - _keyLength[w]) % Ring)];
                    var end = i + k + 1;
                    if (_asciiStart[w] && start > 0 && char.IsAsciiLetterOrDigit(text[start - 1])) continue;
                    if (_asciiEnd[w] && end < text.Length && char.IsAsciiLetterOrDigit(text[end])) continue;
                    found.Add(new WordMatch(w, _words[w], _actions[w], start, end - start));
                    if (stopAtFirst) return;
                }
            }
            i += units - 1;
        }
    }

    private int Step(int state, char c)
    {
        while (true)
        {
            if (state == 0) return _rootNext[c];
            int lo = _edgeStart[state], hi = _edgeStart[state + 1] - 1;
            while (lo <= hi)
            {
                var mid = (lo + hi) >>> 1;
                var m = _edgeChar[mid];
                if (m == c) return _edgeTarget[mid];
                if (m < c) lo = mid + 1;
                else hi = mid - 1;
            }
            state = _fail[state];
        }
    }

    /// <summary>How many units the character at <paramref name="i"/> takes (2 for a surrogate pair) and whether it is
    /// part of words (a letter, digit or mark) rather than a separator.</summary>
    private static int UnitsAt(string s, int i, out bool isWord)
    {
        var c = s[i];
        if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
        {
            isWord = IsWordCategory(CharUnicodeInfo.GetUnicodeCategory(char.ConvertToUtf32(c, s[i + 1])));
            return 2;
        }
        isWord = WordUnits[c];
        return 1;
    }


    private static bool[] BuildWordUnits()
    {
        var table = new bool[char.MaxValue + 1];
        for (var i = 0; i <= char.MaxValue; i++)
            table[i] = !char.IsSurrogate((char)i) && TextFolding.IsWordChar(TextFolding.Fold((char)i));
        return table;
    }

    private static bool IsWordCategory(UnicodeCategory category) => category is
        UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
        or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter or UnicodeCategory.DecimalDigitNumber
        or UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.LetterNumber;
}
