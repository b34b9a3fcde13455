using Lucene.Net.Index;
using Lucene.Net.Search;
using Lucene.Net.Search.Similarities;
using Lucene.Net.Util;

namespace Wenku.Search;

/// <summary>Positions of phrase terms read while matching phrases, over every search so far (what a phrase costs).</summary>
public sealed class PhraseWork
{
    private long _positions;

    public long PositionsRead => Interlocked.Read(ref _positions);

    internal void Add(long positions) => Interlocked.Add(ref _positions, positions);
}

/// <summary>
/// An exact phrase (terms at fixed relative positions) matched and scored like Lucene's <see cref="PhraseQuery"/>
/// (same BM25 statistics, the same score for the same frequency), except that in one document it counts at most
/// <see cref="MaxCounted"/> occurrences. Lucene's phrase scorer reads every position of every term in every matching
/// document to count the phrase exactly, so a word on every page of a 300-page document cost 300 times what it costs
/// in a one-page one; BM25 has all but saturated long before the cap (at 64 occurrences the frequency part of the
/// score is within a few percent of its limit), so the ranking is the same for all but documents that hold the
/// phrase dozens of times, and those stay on top. Whether a document matches is exact: the scan goes on to the first
/// occurrence, however far.
/// </summary>
public sealed class CappedPhraseQuery : Query
{
    /// <summary>Occurrences of the phrase counted in one document at most.</summary>
    public const int MaxCounted = 64;

    private readonly string _field;
    private readonly Term[] _terms;
    private readonly int[] _positions;
    private readonly PhraseWork? _work;

    /// <param name="terms">Terms of one field with their positions in the phrase (at least two).</param>
    public CappedPhraseQuery(string field, IReadOnlyList<(string Text, int Position)> terms, PhraseWork? work = null)
    {
        if (terms.Count < 2) throw new ArgumentException("A phrase has two terms or more; one term is a TermQuery.", nameof(terms));
        _field = field;
        _terms = terms.Select(t => new Term(field, t.Text)).ToArray();
        _positions = terms.Select(t => t.Position).ToArray();
        _work = work;
    }

    public override Weight CreateWeight(IndexSearcher searcher) => new PhraseWeight(this, searcher);

    public override void ExtractTerms(ISet<Term> terms)
    {
        foreach (var t in _terms) terms.Add(t);
    }

    public override string ToString(string field) =>
        (field == _field ? "" : _field + ":") + "\"" + string.Join(" ", _terms.Select((t, i) => $"{t.Text}@{_positions[i]}")) + "\"~cap" + MaxCounted +
        (Boost == 1f ? "" : "^" + Boost.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public override bool Equals(object? obj) =>
        obj is CappedPhraseQuery o && o.Boost == Boost && o._field == _field && o._terms.SequenceEqual(_terms) && o._positions.SequenceEqual(_positions);

    public override int GetHashCode()
    {
        var h = new HashCode();
        h.Add(Boost);
        h.Add(_field);
        foreach (var t in _terms) h.Add(t);
        foreach (var p in _positions) h.Add(p);
        return h.ToHashCode();
    }

    private sealed class PhraseWeight : Weight
    {
        private readonly CappedPhraseQuery _query;
        private readonly Similarity _similarity;
        private readonly Similarity.SimWeight _stats;
        private readonly TermContext[] _states;

        public PhraseWeight(CappedPhraseQuery query, IndexSearcher searcher)
        {
            _query = query;
            _similarity = searcher.Similarity;
            var context = searcher.TopReaderContext;
            _states = new TermContext[query._terms.Length];
            var termStats = new TermStatistics[query._terms.Length];
            for (var i = 0; i < query._terms.Length; i++)
            {
                _states[i] = TermContext.Build(context, query._terms[i]);
                termStats[i] = searcher.TermStatistics(query._terms[i], _states[i]);
            }
            _stats = _similarity.ComputeWeight(query.Boost, searcher.CollectionStatistics(query._field), termStats);
        }

        public override Query Query => _query;

        public override float GetValueForNormalization() => _stats.GetValueForNormalization();

        public override void Normalize(float norm, float topLevelBoost) => _stats.Normalize(norm, topLevelBoost);

        public override Scorer? GetScorer(AtomicReaderContext context, IBits? acceptDocs)
        {
            var reader = context.AtomicReader;
            var terms = reader.GetTerms(_query._field);
            if (terms is null) return null;
            var postings = new (DocsAndPositionsEnum Enum, int Offset, int DocFreq)[_query._terms.Length];
            for (var i = 0; i < postings.Length; i++)
            {
                var state = _states[i].Get(context.Ord);
                if (state is null) return null; // a term absent from this segment: no document of it matches
                var termsEnum = terms.GetEnumerator();
                termsEnum.SeekExact(_query._terms[i].Bytes, state);
                var positions = termsEnum.DocsAndPositions(acceptDocs, null, DocsAndPositionsFlags.NONE)
                    ?? throw new InvalidOperationException($"field {_query._field} was indexed without positions");
                postings[i] = (positions, _query._positions[i], termsEnum.DocFreq);
            }
            // The rarest term leads the walk through documents; the others leap to where it is.
            Array.Sort(postings, (a, b) => a.DocFreq.CompareTo(b.DocFreq));
            return new PhraseScorer(this, postings, _similarity.GetSimScorer(_stats, context), _query._work);
        }

        public override Explanation Explain(AtomicReaderContext context, int doc)
        {
            if (GetScorer(context, context.AtomicReader.LiveDocs) is { } scorer && scorer.Advance(doc) == doc)
                return new Explanation(scorer.GetScore(), $"{_query} occurs {scorer.Freq} times (counted up to {MaxCounted})");
            return new Explanation(0, $"{_query} does not occur");
        }
    }

    private sealed class PhraseScorer(Weight weight, (DocsAndPositionsEnum Enum, int Offset, int DocFreq)[] postings, Similarity.SimScorer docScorer, PhraseWork? work)
        : Scorer(weight)
    {
        private readonly int[] _next = new int[postings.Length];
        private readonly int[] _left = new int[postings.Length];
        private int _doc = -1;
        private int _freq;

        public override int DocID => _doc;

        public override int Freq => _freq;

        public override float GetScore() => docScorer.Score(_doc, _freq);

        public override long GetCost() => postings[0].Enum.GetCost();

        public override int NextDoc() => _doc = FromLead(postings[0].Enum.NextDoc());

        public override int Advance(int target) => _doc = FromLead(postings[0].Enum.Advance(target));

        /// <summary>From a document of the leading term on: the first where every term occurs and the phrase does.</summary>
        private int FromLead(int doc)
        {
            while (doc != NO_MORE_DOCS)
            {
                var candidate = doc;
                for (var i = 1; i < postings.Length; i++)
                {
                    var e = postings[i].Enum;
                    var d = e.DocID < candidate ? e.Advance(candidate) : e.DocID;
                    if (d > candidate) { candidate = d; break; }
                }
                if (candidate != doc)
                {
                    doc = postings[0].Enum.Advance(candidate);
                    continue;
                }
                _freq = CountPhrase();
                if (_freq > 0) return doc;
                doc = postings[0].Enum.NextDoc();
            }
            return NO_MORE_DOCS;
        }

        /// <summary>
        /// Occurrences of the phrase in the current document, up to <see cref="MaxCounted"/>: each term's positions are
        /// walked once, in step (a term's position minus its place in the phrase must be the same for all).
        /// </summary>
        private int CountPhrase()
        {
            var read = 0;
            for (var i = 0; i < postings.Length; i++)
            {
                _left[i] = postings[i].Enum.Freq - 1;
                _next[i] = postings[i].Enum.NextPosition() - postings[i].Offset;
                read++;
            }
            var found = 0;
            while (true)
            {
                var target = _next[0];
                for (var i = 1; i < postings.Length; i++) target = Math.Max(target, _next[i]);
                var aligned = true;
                for (var i = 0; i < postings.Length; i++)
                {
                    while (_next[i] < target)
                    {
                        if (_left[i]-- == 0) { work?.Add(read); return found; }
                        _next[i] = postings[i].Enum.NextPosition() - postings[i].Offset;
                        read++;
                    }
                    if (_next[i] != target) aligned = false;
                }
                if (!aligned) continue;
                if (++found >= MaxCounted || _left[0]-- == 0) { work?.Add(read); return found; }
                _next[0] = postings[0].Enum.NextPosition() - postings[0].Offset;
                read++;
            }
        }
    }
}
