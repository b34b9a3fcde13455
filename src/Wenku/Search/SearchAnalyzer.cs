using Lucene.Net.Analysis;
using Lucene.Net.Analysis.Cjk;
using Lucene.Net.Analysis.En;
using Lucene.Net.Analysis.Standard;
using Lucene.Net.Analysis.TokenAttributes;
using Lucene.Net.Util;
using Wenku.Text;

namespace Wenku.Search;

/// <summary>
/// How text becomes search tokens, for every search backend. Text is folded first (full/half width, case,
/// traditional→simplified, radicals — see <see cref="TextFolding"/>), then split by Unicode word rules; runs of
/// Chinese, Japanese and Korean characters become overlapping bigrams (文库系统 → 文库 库系 系统), Latin words are
/// stemmed (documents → document). The index also holds every CJK character on its own, so a one-character query
/// finds it; queries use the bigrams only (<see cref="QueryTokens"/>; a lone character stays a unigram), which
/// keeps them precise. Both come from this one analyzer, so token positions agree between index and query and a
/// phrase matches across punctuation too.
/// </summary>
public sealed class SearchAnalyzer : Analyzer
{
    public static readonly LuceneVersion Version = LuceneVersion.LUCENE_48;

    /// <summary>The analyzer of the index (and the source of query tokens).</summary>
    public static readonly SearchAnalyzer Instance = new();

    // Per field: the grams field has its own chain (the default reuses one chain for every field).
    private SearchAnalyzer() : base(PER_FIELD_REUSE_STRATEGY) { }

    /// <summary>Pages (and other multi-valued text) are separated by a gap, so a phrase never spans two pages.</summary>
    public override int GetPositionIncrementGap(string fieldName) => 100;

    protected override TextReader InitReader(string fieldName, TextReader reader) => new FoldingCharFilter(reader);

    /// <summary>
    /// The field of character bigrams of Latin words and numbers (FE4 → fe e4), so that a fragment of a word or
    /// number — what a person copies out of a text, model numbers, parts of codes — is found as well as whole words.
    /// </summary>
    public const string GramsField = "grams";

    protected override TokenStreamComponents CreateComponents(string fieldName, TextReader reader)
    {
        var tokenizer = new StandardTokenizer(Version, reader) { MaxTokenLength = 64 };
        if (fieldName == GramsField) return new TokenStreamComponents(tokenizer, new WordBigramFilter(tokenizer));
        TokenStream stream = new CJKBigramFilter(tokenizer,
            CJKScript.HAN | CJKScript.HIRAGANA | CJKScript.KATAKANA | CJKScript.HANGUL, outputUnigrams: true);
        stream = new EnglishPossessiveFilter(Version, stream);
        stream = new PorterStemFilter(stream);
        return new TokenStreamComponents(tokenizer, stream);
    }

    /// <summary>A token of analysed text: the term, its position, and where it came from in the original text.</summary>
    public readonly record struct Token(string Term, int Position, int Start, int End, string Type)
    {
        public bool IsUnigram => Type == CJKBigramFilter.SINGLE_TYPE;
        public bool IsBigram => Type == CJKBigramFilter.DOUBLE_TYPE;

        /// <summary>A Latin (or other spaced-script) word or a number, as opposed to CJK characters.</summary>
        public bool IsWord => Type is "<ALPHANUM>" or "<NUM>";
    }

    /// <summary>The character bigrams of a word as the <see cref="GramsField"/> holds them (folded, not stemmed).</summary>
    public static List<string> WordGrams(string word)
    {
        var folded = TextFolding.Fold(word);
        if (folded.Length < 2) return [folded];
        var grams = new List<string>(folded.Length - 1);
        for (var i = 0; i + 1 < folded.Length; i++) grams.Add(folded.Substring(i, 2));
        return grams;
    }

    /// <summary>Every token the index holds for <paramref name="text"/>. Offsets point into the original text.</summary>
    public static List<Token> Tokens(string text, int maxTokens = 10_000)
    {
        var tokens = new List<Token>();
        using var stream = Instance.GetTokenStream("body", text);
        var term = stream.AddAttribute<ICharTermAttribute>();
        var posInc = stream.AddAttribute<IPositionIncrementAttribute>();
        var offset = stream.AddAttribute<IOffsetAttribute>();
        var type = stream.AddAttribute<ITypeAttribute>();
        stream.Reset();
        var position = -1;
        while (tokens.Count < maxTokens && stream.IncrementToken())
        {
            position += posInc.PositionIncrement;
            tokens.Add(new Token(term.ToString(), position, offset.StartOffset, offset.EndOffset, type.Type));
        }
        stream.End();
        return tokens;
    }

    /// <summary>
    /// The tokens to look up for what a person typed: bigrams and words, and a CJK character on its own only where
    /// no bigram covers it (a one-character query, or one standing between punctuation).
    /// </summary>
    public static List<Token> QueryTokens(string text, int maxTokens = 64)
    {
        var all = Tokens(text, maxTokens * 3);
        var covered = new HashSet<int>();
        foreach (var t in all)
            if (t.IsBigram) for (var i = t.Start; i < t.End; i++) covered.Add(i);
        return all.Where(t => !t.IsUnigram || !covered.Contains(t.Start)).Take(maxTokens).ToList();
    }
}

/// <summary>Turns each Latin word or number into its character bigrams and drops CJK tokens (the body field has those).</summary>
internal sealed class WordBigramFilter : TokenFilter
{
    private readonly ICharTermAttribute _term;
    private readonly ITypeAttribute _type;
    private readonly IOffsetAttribute _offset;
    private readonly IPositionIncrementAttribute _posInc;
    private char[] _word = new char[64];
    private int _wordLength, _next, _wordStart;
    private bool _inWord;

    public WordBigramFilter(TokenStream input) : base(input)
    {
        _term = AddAttribute<ICharTermAttribute>();
        _type = AddAttribute<ITypeAttribute>();
        _offset = AddAttribute<IOffsetAttribute>();
        _posInc = AddAttribute<IPositionIncrementAttribute>();
    }

    public override bool IncrementToken()
    {
        while (true)
        {
            if (_inWord)
            {
                var length = Math.Min(2, _wordLength - _next);
                ClearAttributes();
                _term.CopyBuffer(_word, _next, length);
                _offset.SetOffset(_wordStart + _next, _wordStart + _next + length);
                _posInc.PositionIncrement = 1;
                _next++;
                if (_next + 1 >= _wordLength) _inWord = false;
                return true;
            }
            if (!m_input.IncrementToken()) return false;
            if (_type.Type is not ("<ALPHANUM>" or "<NUM>")) continue;
            _wordLength = _term.Length;
            if (_word.Length < _wordLength) _word = new char[_wordLength];
            Array.Copy(_term.Buffer, _word, _wordLength);
            _wordStart = _offset.StartOffset;
            _next = 0;
            _inWord = true;
        }
    }

    public override void Reset()
    {
        base.Reset();
        _inWord = false;
    }
}

/// <summary>Folds characters as they are read. Folding is one unit for one, so offsets need no correction.</summary>
internal sealed class FoldingCharFilter(TextReader input) : CharFilter(input)
{
    public override int Read(char[] buffer, int index, int count)
    {
        var n = m_input.Read(buffer, index, count);
        if (n > 0) TextFolding.Fold(buffer.AsSpan(index, n));
        return n;
    }

    public override int Read() => m_input.Read() is var c and >= 0 ? TextFolding.Fold((char)c) : -1;

    protected override int Correct(int currentOff) => currentOff;
}
