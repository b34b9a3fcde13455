using Wenku.Text;

namespace Wenku.Search;

/// <summary>
/// Our own small highlighter over stored text (the Lucene highlighter is not available here): it finds the page and
/// the passage where most of the query's words meet, and marks the words the index matched — by analysing the
/// passage with the index's analyzer, so a match is marked exactly when search would count it (文库 in 文库系统,
/// "documents" for a query "document", 國 for 国). Offsets survive folding, so the original text is what is shown.
/// </summary>
public sealed class Highlighter
{
    public const int PassageLength = 140;
    private const int MaxScannedChars = 60_000;

    private readonly List<string> _cjkTerms = [];
    private readonly HashSet<string> _wordTerms = new(StringComparer.Ordinal);
    private readonly List<string> _wordSurfaces = [];
    private readonly Dictionary<string, bool> _wordCache = new(StringComparer.Ordinal);
    private readonly List<(string Text, int Weight)> _probes;

    /// <summary>Prepares highlighting for the words and phrases a person searched for.</summary>
    public Highlighter(IEnumerable<string> queryTexts)
    {
        _probes = [];
        foreach (var text in queryTexts)
        {
            var folded = TextFolding.Fold(text);
            var tokens = SearchAnalyzer.QueryTokens(text, 64);
            // Where the words occur together as typed counts for as much as all of them apart.
            if (tokens.Count > 1) AddProbe(folded.Trim(), tokens.Count);
            foreach (var t in tokens)
            {
                if (t.IsWord)
                {
                    _wordTerms.Add(t.Term);
                    if (t.End - t.Start >= 2) _wordSurfaces.Add(folded[t.Start..t.End]);
                }
                else if (!_cjkTerms.Contains(t.Term)) _cjkTerms.Add(t.Term);
                AddProbe(folded[t.Start..t.End], 1);
            }
        }
    }

    public bool IsEmpty => _cjkTerms.Count == 0 && _wordTerms.Count == 0;

    private static bool IsWordChar(char c) => char.IsLetterOrDigit(c) && !TextFolding.IsCjk(c);

    /// <summary>Whether a word of the text is one the query asked for (documents ~ document), by the index's analysis.</summary>
    private bool WordMatches(string word)
    {
        if (_wordTerms.Contains(word)) return true;
        // Stems share their first letters with the word; only words that could match are analysed.
        if (!_wordTerms.Any(t => word.Length >= 2 && t.Length >= 2 && string.CompareOrdinal(t, 0, word, 0, Math.Min(3, Math.Min(t.Length, word.Length))) == 0))
            return false;
        if (_wordCache.TryGetValue(word, out var known)) return known;
        var matches = SearchAnalyzer.Tokens(word, 4).Any(t => _wordTerms.Contains(t.Term));
        _wordCache[word] = matches;
        return matches;
    }

    private void AddProbe(string text, int weight)
    {
        if (text.Length > 0 && !_probes.Any(p => p.Text == text)) _probes.Add((text, weight));
    }

    /// <summary>The whole of <paramref name="text"/> (a title), with the matching words marked.</summary>
    public IReadOnlyList<TextPart> Mark(string text) => IsEmpty ? [new TextPart(text, false)] : MarkSpans(text, 0, text.Length);

    /// <summary>
    /// Characters of stored text this highlighter has read to place passages (folded and searched): what a hit's
    /// snippet costs grows with this, and it must not grow with the length of the document.
    /// </summary>
    public long CharactersExamined { get; private set; }

    /// <summary>
    /// The best passage among <paramref name="pages"/> (page 1 first): the page where most distinct query words
    /// occur, and on it the window holding most of them. Null when there is no text at all. Reads every page up to the
    /// best one: for a backend that has no per-page positions to choose the page with (PostgreSQL).
    /// </summary>
    public (int Page, IReadOnlyList<TextPart> Parts)? BestPassage(IReadOnlyList<string> pages)
    {
        var bestPage = -1; var bestScore = 0; List<int>? bestHits = null;
        var perfect = _probes.Sum(p => p.Weight);
        for (var p = 0; p < pages.Count && !IsEmpty; p++)
        {
            if (pages[p].Length == 0) continue;
            var (score, hits) = Probe(pages[p]);
            if (score > bestScore) { bestScore = score; bestPage = p; bestHits = hits; }
            if (score == perfect) break;
        }
        if (bestPage < 0)
        {
            bestPage = Enumerable.Range(0, pages.Count).FirstOrDefault(i => pages[i].Length > 0, -1);
            if (bestPage < 0) return null;
            bestHits = [0];
        }
        return (bestPage + 1, Passage(pages[bestPage], bestHits!));
    }

    /// <summary>
    /// The passage of one page already chosen (by the index, from the postings of the query's terms): the window
    /// holding most of the query's words on it, the page's start when none occurs. Reads that page only.
    /// </summary>
    public (int Page, IReadOnlyList<TextPart> Parts)? PassageOnPage(string page, int number)
    {
        if (page.Length == 0) return null;
        var hits = IsEmpty ? [] : Probe(page).Hits;
        return (number, Passage(page, hits.Count > 0 ? hits : [0]));
    }

    /// <summary>How well a page matches (the weights of the probes found) and where the probes occur.</summary>
    private (int Score, List<int> Hits) Probe(string text)
    {
        var scanned = text.Length > MaxScannedChars ? text[..MaxScannedChars] : text;
        CharactersExamined += scanned.Length;
        var folded = TextFolding.Fold(scanned);
        var score = 0; var hits = new List<int>();
        foreach (var (probe, weight) in _probes)
        {
            var at = folded.IndexOf(probe, StringComparison.Ordinal);
            if (at < 0) continue;
            score += weight;
            for (var n = 0; at >= 0 && n < 50; n++, at = folded.IndexOf(probe, at + probe.Length, StringComparison.Ordinal))
                for (var w = 0; w < weight; w++) hits.Add(at);
        }
        return (score, hits);
    }

    private List<TextPart> Passage(string page, List<int> hits)
    {
        var start = WindowStart(page, hits);
        var end = Math.Min(page.Length, start + PassageLength);
        if (end < page.Length && char.IsHighSurrogate(page[end - 1])) end++;
        CharactersExamined += end - start;
        var parts = new List<TextPart>();
        if (start > 0) parts.Add(new TextPart("…", false));
        parts.AddRange(MarkSpans(page, start, end));
        if (end < page.Length) parts.Add(new TextPart("…", false));
        return parts;
    }

    /// <summary>The start of the window holding most matches, moved back to a sentence start when one is near.</summary>
    private static int WindowStart(string page, List<int> hits)
    {
        hits.Sort();
        int bestStart = hits[0], bestCount = 0;
        for (int i = 0, j = 0; i < hits.Count; i++)
        {
            while (j < hits.Count && hits[j] < hits[i] + PassageLength * 2 / 3) j++;
            if (j - i > bestCount) { bestCount = j - i; bestStart = hits[i]; }
        }
        var start = Math.Max(0, bestStart - 20);
        for (var k = bestStart - 1; k >= Math.Max(0, bestStart - 30); k--)
            if (page[k] is '。' or '！' or '？' or '.' or '!' or '?' or '\n' or '；') { start = k + 1; break; } // not translated: sentence ends
        while (start < page.Length && char.IsWhiteSpace(page[start])) start++;
        if (start > 0 && char.IsLowSurrogate(page[start])) start--;
        return start;
    }

    private List<TextPart> MarkSpans(string text, int start, int end)
    {
        var slice = text[start..end];
        var folded = TextFolding.Fold(slice);
        var marked = new bool[slice.Length];
        // CJK terms are the folded characters themselves: find them directly (the analyzer is ~1 µs per token).
        foreach (var term in _cjkTerms)
            for (var at = folded.IndexOf(term, StringComparison.Ordinal); at >= 0; at = folded.IndexOf(term, at + 1, StringComparison.Ordinal))
                for (var k = at; k < at + term.Length; k++) marked[k] = true;
        // Words are compared as the index compares them (stemmed), each distinct word analysed once.
        if (_wordTerms.Count > 0)
        {
            var w = 0;
            while (w < folded.Length)
            {
                if (!IsWordChar(folded[w])) { w++; continue; }
                var e = w;
                while (e < folded.Length && IsWordChar(folded[e])) e++;
                if (WordMatches(folded[w..e])) for (var k = w; k < e; k++) marked[k] = true;
                w = e;
            }
            // What was typed also marks where it occurs inside a longer word (a fragment search finds those).
            foreach (var surface in _wordSurfaces)
                for (var at = folded.IndexOf(surface, StringComparison.Ordinal); at >= 0; at = folded.IndexOf(surface, at + 1, StringComparison.Ordinal))
                    for (var k = at; k < at + surface.Length; k++) marked[k] = true;
        }
        // Words matched one after another read as one match ("«Paragraph 2 of»", not "«Paragraph» «2» «of»").
        for (var k = 1; k < slice.Length - 1; k++)
        {
            if (marked[k] || !char.IsWhiteSpace(slice[k]) || !marked[k - 1]) continue;
            var next = k;
            while (next < slice.Length && char.IsWhiteSpace(slice[next])) next++;
            if (next < slice.Length && marked[next]) for (var g = k; g < next; g++) marked[g] = true;
        }
        var parts = new List<TextPart>();
        var i = 0;
        while (i < slice.Length)
        {
            var j = i;
            while (j < slice.Length && marked[j] == marked[i]) j++;
            parts.Add(new TextPart(Shown(slice, i, j), marked[i]));
            i = j;
        }
        return parts;
    }

    /// <summary>
    /// <c>slice[from..to]</c> exactly as written, but on one line: a line break becomes a space between words, and
    /// nothing between two CJK characters (text extracted from a page breaks Chinese lines mid-sentence, where no
    /// space belongs: 一大创新, not 一大 创新).
    /// </summary>
    internal static string Shown(string slice, int from, int to)
    {
        if (slice.AsSpan(from, to - from).IndexOfAny('\n', '\r') < 0) return slice[from..to];
        var sb = new System.Text.StringBuilder(to - from);
        for (var k = from; k < to; k++)
        {
            var c = slice[k];
            if (c is not ('\n' or '\r')) { sb.Append(c); continue; }
            var before = k - 1;
            while (before >= 0 && slice[before] is '\n' or '\r') before--;
            var after = k + 1;
            while (after < slice.Length && slice[after] is '\n' or '\r') after++;
            var joinsCjk = before >= 0 && after < slice.Length
                && ((IsCjkOrFullWidth(slice[before]) && IsCjkOrFullWidth(slice[after])) || IsCjkPunctuation(slice[before]) || IsCjkPunctuation(slice[after]));
            // One space for a run of line breaks, written at its first character.
            if (!joinsCjk && (k == from || slice[k - 1] is not ('\n' or '\r'))) sb.Append(' ');
        }
        return sb.ToString();
    }

    private static bool IsCjkPunctuation(char c) => c is >= '\u3000' and <= '\u303F' or >= '\uFF00' and <= '\uFFEF';

    private static bool IsCjkOrFullWidth(char c) => TextFolding.IsCjk(c) || IsCjkPunctuation(c);
}
