using Lucene.Net.Documents;
using Lucene.Net.Index;
using Lucene.Net.Search;
using Lucene.Net.Search.Similarities;
using Lucene.Net.Store;
using Lucene.Net.Util;
using LuceneDocument = Lucene.Net.Documents.Document;
using LuceneDirectory = Lucene.Net.Store.Directory;

namespace Wenku.Search;

/// <summary>What the index holds for one document: only what anyone may read (preview pages, not the rest).</summary>
public sealed record SearchDocument(
    long Id,
    string Title,
    string Description,
    string Tags,
    string Category,
    string Format,
    int Price,
    int PageCount,
    long Downloads,
    DateTime CreatedAt,
    string Uploader,
    IReadOnlyList<string> Pages);

/// <summary>
/// A Lucene.NET index in one folder: writing (upsert, delete, commit with the outbox position it reflects) and
/// searching (BM25 over CJK bigrams and stemmed words, filters and facet counts in one pass, sorting, paging,
/// highlighted passages). Knows nothing of the database; <see cref="LuceneSearchIndex"/> feeds it.
/// One process writes a folder at a time (Lucene's write lock).
/// </summary>
public sealed class LuceneIndex : IDisposable
{
    private const string IdField = "id", TitleField = "title", BodyField = "body", UploaderField = "uploader", CategoryField = "category", FormatField = "format",
        PriceField = "price", PageCountField = "pagecount", CreatedField = "created", DownloadsField = "downloads",
        PageTextField = "pagetext", PageNumberField = "pageno", PageEntriesField = "pageentries", WatermarkKey = "outbox", FormatKey = "format";

    /// <summary>
    /// The layout of the index. 3: what a hit shows of its document (title, uploader, category, …) is in doc values,
    /// not stored fields, so a hit reads no compressed block but its snippet page's; 2: each page is a Lucene document
    /// of its own (indexed and stored) beside the document's, in one block; 1 stored all pages in one field that every
    /// hit read in full. An index of another format is rebuilt from the database when the site opens it
    /// (<see cref="LuceneSearchIndex"/>).
    /// </summary>
    public const int FormatVersion = 3;

    /// <summary>
    /// The most matching pages of one hit examined to pick its snippet's page: with a common word, a 300-page
    /// document would otherwise cost 300 times what a 1-page one does.
    /// </summary>
    public const int MaxPagesExamined = 32;

    /// <summary>
    /// Fields a query looks in, with their weight: a word in the title counts most. The body field holds the tags,
    /// the description and the uploader's name as well as the pages (separated by position gaps), so that a query
    /// reads two fields' postings, not five.
    /// </summary>
    private static readonly (string Field, float Boost)[] SearchedFields = [(TitleField, 4f), (BodyField, 1f)];

    private readonly LuceneDirectory _directory;
    private readonly IndexWriter _writer;
    private readonly SearcherManager _searchers;
    private readonly System.Threading.Lock _commitLock = new();

    public string Path { get; }

    public LuceneIndex(string path, double ramBufferMb = 32)
    {
        Path = path;
        System.IO.Directory.CreateDirectory(path);
        _directory = OpenDirectory(path);
        var config = new IndexWriterConfig(SearchAnalyzer.Version, SearchAnalyzer.Instance)
        {
            OpenMode = OpenMode.CREATE_OR_APPEND,
            Similarity = new BM25Similarity(),
            RAMBufferSizeMB = ramBufferMb,
        };
        _writer = new IndexWriter(_directory, config);
        _searchers = new SearcherManager(_writer, applyAllDeletes: true, new Bm25SearcherFactory());
    }

    /// <summary>
    /// The index folder, read through buffered file reads. Not <c>FSDirectory.Open</c>: on 64-bit Linux that picks
    /// Lucene.NET 4.8's MMapDirectory, which reads every byte through a MemoryMappedViewAccessor (a SafeHandle
    /// add-ref and release per byte; stored fields are LZ4-decompressed byte by byte): under concurrent searches it
    /// cost most of a request's CPU here, and it is known to be many times slower than SimpleFSDirectory and to crash
    /// when a reader is closed during a search (lucenenet issues 1151 and 1013).
    /// </summary>
    public static LuceneDirectory OpenDirectory(string path) => new SimpleFSDirectory(path);

    /// <summary>The outbox position the last commit reflects (0 for a new index).</summary>
    public long Watermark
    {
        get
        {
            var data = _writer.CommitData;
            return data is not null && data.TryGetValue(WatermarkKey, out var s) && long.TryParse(s, out var w) ? w : 0;
        }
    }

    private long _snippetCharacters;
    private readonly PhraseWork _phraseWork = new();

    /// <summary>
    /// Positions of phrase terms read to match and rank documents, over every search so far (what phrases, and words
    /// looked for as fragments, cost; capped per document by <see cref="CappedPhraseQuery"/>).
    /// </summary>
    public long PhrasePositionsRead => _phraseWork.PositionsRead;

    /// <summary>Characters of stored page text read to make snippets, over every search so far (what a hit's snippet costs).</summary>
    public long SnippetCharactersExamined => Interlocked.Read(ref _snippetCharacters);

    /// <summary>The documents in the index (not counting their page entries).</summary>
    public int Count => Ids().Count;

    /// <summary>Replaces the document and its pages as one block (their entries stay next to each other).</summary>
    public void Upsert(SearchDocument doc) => _writer.UpdateDocuments(new Term(IdField, Id(doc.Id)), ToLucene(doc));

    public void Delete(long id) => _writer.DeleteDocuments(new Term(IdField, Id(id)));

    /// <summary>
    /// Sets a document's download count (what "most downloaded" sorts by and its hit shows) without indexing it again:
    /// a doc-values update, applied with the next commit. Its page entries, which carry the id term, get the value too
    /// (nothing reads it there). False when no document of the index has the field yet (Lucene updates only existing
    /// doc-values fields): the caller indexes the document instead.
    /// </summary>
    public bool UpdateDownloads(long id, long downloads)
    {
        try
        {
            _writer.UpdateNumericDocValue(new Term(IdField, Id(id)), DownloadsField, downloads);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    public void DeleteAll() => _writer.DeleteAll();

    /// <summary>Makes everything written so far durable, recording the outbox position it reflects.</summary>
    public void Commit(long watermark)
    {
        lock (_commitLock)
        {
            _writer.SetCommitData(new Dictionary<string, string>
            {
                [WatermarkKey] = watermark.ToString(System.Globalization.CultureInfo.InvariantCulture),
                [FormatKey] = FormatVersion.ToString(System.Globalization.CultureInfo.InvariantCulture),
            });
            _writer.Commit();
        }
        _searchers.MaybeRefreshBlocking();
    }

    /// <summary>Makes recent writes visible to searches without the cost of a commit.</summary>
    public void Refresh() => _searchers.MaybeRefreshBlocking();

    /// <summary>
    /// The document ids and outbox position of the last commit in <paramref name="path"/>, read without the write lock
    /// (another process may hold it); an empty folder is an empty index.
    /// </summary>
    public static (HashSet<long> Ids, long Watermark) ReadCommitted(string path)
    {
        using var directory = OpenDirectory(path);
        if (!DirectoryReader.IndexExists(directory)) return ([], 0);
        using var reader = DirectoryReader.Open(directory);
        var data = reader.IndexCommit.UserData;
        var watermark = data is not null && data.TryGetValue(WatermarkKey, out var s) && long.TryParse(s, out var w) ? w : 0;
        return (IdsOf(reader), watermark);
    }

    /// <summary>
    /// Whether <paramref name="path"/> holds a committed index of an older layout than this code writes (one written
    /// before <see cref="FormatVersion"/> existed counts as older); an empty or new folder does not.
    /// </summary>
    public static bool HoldsOtherFormat(string path)
    {
        if (!System.IO.Directory.Exists(path)) return false;
        using var directory = OpenDirectory(path);
        if (!DirectoryReader.IndexExists(directory)) return false;
        var data = DirectoryReader.ListCommits(directory)[^1].UserData;
        return data is null || !data.TryGetValue(FormatKey, out var f) || f != FormatVersion.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Every document id in the index.</summary>
    public HashSet<long> Ids()
    {
        var s = _searchers.Acquire();
        try { return IdsOf(s.IndexReader); }
        finally { _searchers.Release(s); }
    }

    private static HashSet<long> IdsOf(IndexReader indexReader)
    {
        var ids = new HashSet<long>();
        foreach (var leaf in indexReader.Leaves)
        {
            var reader = leaf.AtomicReader;
            var values = reader.GetNumericDocValues(IdField);
            // Page entries carry the id term (deleted with their document) but not its doc value.
            var isDocument = reader.GetDocsWithField(IdField);
            var live = reader.LiveDocs;
            if (values is null || isDocument is null) continue;
            for (var d = 0; d < reader.MaxDoc; d++)
                if ((live is null || live.Get(d)) && isDocument.Get(d)) ids.Add(values.Get(d));
        }
        return ids;
    }

    public SearchResults Search(SearchQuery query)
    {
        var syntax = SearchSyntax.Parse(query.Text);
        var page = Math.Max(1, query.Page);
        var pageSize = Math.Clamp(query.PageSize, 1, 100);
        var q = BuildQuery(syntax, _phraseWork);
        if (q is null) return new SearchResults([], 0, page, pageSize, SearchFacets.None);

        var wanted = page * pageSize;
        var sort = query.Sort == SearchSort.Relevance && syntax.IsEmpty ? SearchSort.Newest : query.Sort;
        ITopDocsCollector top = sort switch
        {
            SearchSort.Newest => TopFieldCollector.Create(new Sort(new SortField(CreatedField, SortFieldType.INT64, true)), wanted, false, false, false, false),
            SearchSort.Downloads => TopFieldCollector.Create(new Sort(new SortField(DownloadsField, SortFieldType.INT64, true), new SortField(CreatedField, SortFieldType.INT64, true)), wanted, false, false, false, false),
            _ => TopScoreDocCollector.Create(wanted, false),
        };
        var collector = new FacetingCollector((ICollector)top, query);
        var searcher = _searchers.Acquire();
        try
        {
            searcher.Search(q, collector);
            var docs = top.GetTopDocs((page - 1) * pageSize, pageSize).ScoreDocs;
            var highlighter = new Highlighter(syntax.Terms);
            // Weighed once for the whole results page; each hit then only walks its own block of page entries.
            var probes = ProbesFor(syntax) is { } p
                ? new PageWeights(p.All is null ? null : searcher.CreateNormalizedWeight(p.All), searcher.CreateNormalizedWeight(p.Any), p.Perfect)
                : null;
            var pages = SnippetPages(searcher, docs, probes);
            var hits = new List<SearchHit>(docs.Length);
            for (var i = 0; i < docs.Length; i++) hits.Add(ToHit(searcher, docs[i], pages[i], highlighter));
            Interlocked.Add(ref _snippetCharacters, highlighter.CharactersExamined);
            return new SearchResults(hits, collector.Total, page, pageSize, collector.Facets());
        }
        finally { _searchers.Release(searcher); }
    }

    /// <summary>Titles that match what has been typed so far (the last word may be unfinished).</summary>
    public IReadOnlyList<Suggestion> Suggest(string prefix, int max)
    {
        var terms = SuggestionTerm.For(prefix);
        if (terms.Count == 0) return [];
        var q = new BooleanQuery();
        foreach (var (term, typing) in terms)
        {
            Query match = new TermQuery(new Term(TitleField, term));
            if (typing is not null)
                match = new BooleanQuery { { new PrefixQuery(new Term(TitleField, typing)), Occur.SHOULD }, { match, Occur.SHOULD } };
            q.Add(match, Occur.MUST);
        }
        var searcher = _searchers.Acquire();
        try
        {
            var top = searcher.Search(q, Math.Clamp(max, 1, 20));
            return top.ScoreDocs.Select(sd =>
            {
                var values = new HitValues(searcher, sd.Doc);
                return new Suggestion(values.Number(IdField), values.Text(TitleField));
            }).ToList();
        }
        finally { _searchers.Release(searcher); }
    }

    private static Query? BuildQuery(SearchSyntax syntax, PhraseWork work)
    {
        // Every document, not its page entries (only documents have a creation time).
        if (syntax.IsEmpty) return new ConstantScoreQuery(new FieldValueFilter(CreatedField));
        var top = new BooleanQuery();
        foreach (var group in syntax.Required)
        {
            var alternatives = group.Select(c => ClauseQuery(c, work)).OfType<Query>().ToList();
            if (alternatives.Count == 0) continue;
            if (alternatives.Count == 1) top.Add(alternatives[0], Occur.MUST);
            else
            {
                var any = new BooleanQuery();
                foreach (var a in alternatives) any.Add(a, Occur.SHOULD);
                top.Add(any, Occur.MUST);
            }
        }
        if (top.Clauses.Count == 0) return null; // only punctuation was typed
        foreach (var clause in syntax.Excluded)
            if (ClauseQuery(clause, work) is { } q) top.Add(q, Occur.MUST_NOT);
        return top;
    }

    /// <summary>
    /// One word or phrase (matched as <see cref="ClausePlan"/> says), looked for in every searched field: the best
    /// field counts, the others a little. Fragments are looked for in the body's grams field too.
    /// </summary>
    private static DisjunctionMaxQuery? ClauseQuery(QueryClause clause, PhraseWork work)
    {
        if (ClausePlan.For(clause) is not { } plan) return null;
        var perField = new DisjunctionMaxQuery(0.1f);
        foreach (var (field, boost) in SearchedFields)
        {
            Query q;
            if (plan.Exact) q = Phrase(field, plan.Phrase, work);
            else
            {
                var words = new BooleanQuery();
                foreach (var (token, fragment) in plan.Terms)
                {
                    Query term = new TermQuery(new Term(field, token.Term));
                    if (fragment is not null && field == BodyField)
                        term = new BooleanQuery { { term, Occur.SHOULD }, { GramsQuery(fragment, work), Occur.SHOULD } };
                    words.Add(term, Occur.SHOULD);
                }
                words.MinimumNumberShouldMatch = plan.MinimumMatch;
                if (plan.BoostPhrase)
                {
                    var phrase = Phrase(field, plan.Phrase, work);
                    phrase.Boost = 3f;
                    q = new BooleanQuery { { words, Occur.MUST }, { phrase, Occur.SHOULD } };
                }
                else q = words;
            }
            q.Boost *= boost;
            perField.Add(q);
        }
        return perField;
    }

    /// <summary>A phrase as typed; its occurrences in one document counted up to a cap (<see cref="CappedPhraseQuery"/>).</summary>
    private static Query Phrase(string field, IReadOnlyList<SearchAnalyzer.Token> tokens, PhraseWork? work)
    {
        if (tokens.Count == 1) return new TermQuery(new Term(field, tokens[0].Term));
        return new CappedPhraseQuery(field, tokens.Select(t => (t.Term, t.Position)).ToList(), work);
    }

    /// <summary>A word fragment as consecutive character bigrams in the grams field: "anicg" is found in "panicgrass".</summary>
    private static Query GramsQuery(string surface, PhraseWork work)
    {
        var grams = SearchAnalyzer.WordGrams(surface);
        if (grams.Count == 1) return new TermQuery(new Term(SearchAnalyzer.GramsField, grams[0]));
        return new CappedPhraseQuery(SearchAnalyzer.GramsField, grams.Select((g, i) => (g, i)).ToList(), work);
    }

    /// <summary>
    /// What a page is scored by to be a hit's snippet page, the same weights as <see cref="Highlighter"/> gives: each
    /// query term 1, the words of a clause together as typed as much as all of them apart. <c>Any</c> matches pages
    /// with any of them; <c>All</c> (null for one term) only pages with every term, which the index finds by leaping
    /// through the rarest term's postings, so a common word does not make a long document's pages all candidates.
    /// Null: nothing to look for.
    /// </summary>
    private static PageProbes? ProbesFor(SearchSyntax syntax)
    {
        var any = new BooleanQuery();
        var all = new BooleanQuery();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        float perfect = 0;
        var terms = 0;
        void Add(Query q, float weight, bool required)
        {
            any.Add(new ConstantScoreQuery(q) { Boost = weight }, Occur.SHOULD);
            all.Add(new ConstantScoreQuery(q) { Boost = weight }, required ? Occur.MUST : Occur.SHOULD);
            perfect += weight;
        }
        foreach (var text in syntax.Terms)
        {
            var tokens = SearchAnalyzer.QueryTokens(text, 64);
            if (tokens.Count > 1 && seen.Add("\u0001" + text)) Add(Phrase(PageTextField, tokens, null), tokens.Count, required: false);
            foreach (var t in tokens)
                if (seen.Add(t.Term)) { Add(new TermQuery(new Term(PageTextField, t.Term)), 1, required: true); terms++; }
        }
        return any.Clauses.Count == 0 ? null : new PageProbes(any, terms > 1 ? all : null, perfect);
    }

    private sealed record PageProbes(Query Any, Query? All, float Perfect);

    private sealed record PageWeights(Weight? All, Weight Any, float Perfect);

    private static SearchHit ToHit(IndexSearcher searcher, ScoreDoc sd, int? snippetPage, Highlighter highlighter)
    {
        var d = new HitValues(searcher, sd.Doc);
        var title = d.Text(TitleField);
        (int Page, IReadOnlyList<TextPart> Parts)? passage = null;
        if (snippetPage is { } entry)
        {
            var page = searcher.Doc(entry, PageFields);
            passage = highlighter.PassageOnPage(page.Get(PageTextField) ?? "", page.GetField(PageNumberField)?.GetInt32Value() ?? 1);
        }
        return new SearchHit(
            d.Number(IdField),
            title,
            highlighter.Mark(title),
            passage?.Parts ?? [],
            passage?.Page,
            float.IsNaN(sd.Score) ? 0 : sd.Score,
            d.Term(CategoryField),
            d.Term(FormatField),
            (int)d.Number(PageCountField),
            (int)d.Number(PriceField),
            d.Number(DownloadsField),
            new DateTime(d.Number(CreatedField), DateTimeKind.Utc),
            d.Text(UploaderField));
    }

    /// <summary>A document entry's doc values: what a hit shows, without reading a stored field.</summary>
    private readonly struct HitValues
    {
        private readonly AtomicReader reader;
        private readonly int local;

        public HitValues(IndexSearcher searcher, int doc)
        {
            var leaves = searcher.IndexReader.Leaves;
            var leaf = leaves[ReaderUtil.SubIndex(doc, leaves)];
            reader = leaf.AtomicReader;
            local = doc - leaf.DocBase;
        }

        public long Number(string field) => reader.GetNumericDocValues(field)?.Get(local) ?? 0;

        /// <summary>A binary doc value (title, uploader).</summary>
        public string Text(string field) => Utf8(reader.GetBinaryDocValues(field));

        /// <summary>A sorted doc value (category, format): the reader hands those out only as sorted ones.</summary>
        public string Term(string field) => Utf8(reader.GetSortedDocValues(field));

        private string Utf8(BinaryDocValues? values)
        {
            if (values is null) return "";
            var bytes = new BytesRef();
            values.Get(local, bytes);
            return bytes.Utf8ToString();
        }
    }

    private static readonly HashSet<string> PageFields = [PageTextField, PageNumberField];

    /// <summary>
    /// For each hit, the entry of the page its snippet comes from, found in the postings of the query's terms within the
    /// block of that document's page entries (they follow its own entry): the page where most of them occur, the first
    /// such page, looking at no more than <see cref="MaxPagesExamined"/> matching pages; pages with every term are looked
    /// at first. Without a matching page (the hit matched its title or description), its first page with text. Null
    /// when the document has no text. The hits are visited in index order, so that one scorer of each probe per
    /// segment walks forward through all their blocks: a scorer made per hit cost each hit the terms' lookups and skip
    /// lists again (a third of a phrase search's CPU, perf).
    /// </summary>
    private static int?[] SnippetPages(IndexSearcher searcher, ScoreDoc[] docs, PageWeights? probes)
    {
        var pages = new int?[docs.Length];
        var leaves = searcher.IndexReader.Leaves;
        AtomicReaderContext? leaf = null;
        NumericDocValues? entryCounts = null;
        Scorer? all = null, any = null;
        foreach (var i in Enumerable.Range(0, docs.Length).OrderBy(i => docs[i].Doc))
        {
            var doc = docs[i].Doc;
            var at = leaves[ReaderUtil.SubIndex(doc, leaves)];
            if (at != leaf)
            {
                leaf = at;
                entryCounts = at.AtomicReader.GetNumericDocValues(PageEntriesField);
                all = probes?.All?.GetScorer(at, at.AtomicReader.LiveDocs);
                any = probes?.Any.GetScorer(at, at.AtomicReader.LiveDocs);
            }
            var local = doc - at.DocBase;
            var entries = (int)(entryCounts?.Get(local) ?? 0);
            if (entries == 0) continue;
            int first = local + 1, end = local + 1 + entries;
            var best = probes is null ? null : BestPage(all, first, end, probes.Perfect) ?? BestPage(any, first, end, probes.Perfect);
            pages[i] = at.DocBase + (best ?? first);
        }
        return pages;
    }

    /// <summary>
    /// The best-scoring entry in [<paramref name="first"/>, <paramref name="end"/>) of a scorer that only moves forward
    /// (it may already stand inside or past the block, where an earlier hit's look ended).
    /// </summary>
    private static int? BestPage(Scorer? scorer, int first, int end, float perfect)
    {
        if (scorer is null) return null;
        var d = scorer.DocID < first ? scorer.Advance(first) : scorer.DocID;
        int best = -1, seen = 0;
        var bestScore = float.NegativeInfinity;
        for (; d < end; d = scorer.NextDoc())
        {
            var score = scorer.GetScore();
            if (score > bestScore + 1e-3f) { bestScore = score; best = d; }
            if (bestScore >= perfect - 1e-3f || ++seen >= MaxPagesExamined) break;
        }
        return best >= 0 ? best : null;
    }

    /// <summary>
    /// The document's entry (what queries match and rank), then one entry per page with text, which only the snippet
    /// lookup reads: its page text indexed with positions and stored, so a hit's passage comes from one page's
    /// postings and text whatever the document's length.
    /// </summary>
    private static List<LuceneDocument> ToLucene(SearchDocument doc)
    {
        var d = new LuceneDocument
        {
            // What a hit shows is read from doc values (ToHit): a stored field is read by decompressing its block from
            // the start, which holds the pages of the document before (a tenth of a search request's CPU, perf).
            new StringField(IdField, Id(doc.Id), Field.Store.NO),
            new NumericDocValuesField(IdField, doc.Id),
            new TextField(TitleField, doc.Title, Field.Store.NO),
            new BinaryDocValuesField(TitleField, new BytesRef(doc.Title)),
            new TextField(BodyField, doc.Tags.Replace(',', ' '), Field.Store.NO),
            new TextField(BodyField, doc.Description, Field.Store.NO),
            new TextField(BodyField, doc.Uploader, Field.Store.NO),
            new BinaryDocValuesField(UploaderField, new BytesRef(doc.Uploader)),
            new StringField(CategoryField, doc.Category, Field.Store.NO),
            new SortedDocValuesField(CategoryField, new BytesRef(doc.Category)),
            new StringField(FormatField, doc.Format, Field.Store.NO),
            new SortedDocValuesField(FormatField, new BytesRef(doc.Format)),
            new NumericDocValuesField(PriceField, doc.Price),
            new NumericDocValuesField(PageCountField, doc.PageCount),
            new NumericDocValuesField(CreatedField, doc.CreatedAt.Ticks),
            new NumericDocValuesField(DownloadsField, doc.Downloads),
        };
        foreach (var page in doc.Pages)
        {
            d.Add(new TextField(BodyField, page, Field.Store.NO));
            d.Add(new TextField(SearchAnalyzer.GramsField, WordsOnly(page), Field.Store.NO));
        }
        var entries = new List<LuceneDocument>(doc.Pages.Count + 1) { d };
        for (var n = 0; n < doc.Pages.Count; n++)
        {
            if (doc.Pages[n].Length == 0) continue;
            entries.Add(new LuceneDocument
            {
                new StringField(IdField, Id(doc.Id), Field.Store.NO),
                new StoredField(PageNumberField, n + 1),
                new NumericDocValuesField(PageNumberField, n + 1),
                new TextField(PageTextField, doc.Pages[n], Field.Store.YES),
            });
        }
        d.Add(new NumericDocValuesField(PageEntriesField, entries.Count - 1));
        return entries;
    }

    /// <summary>
    /// The page with its CJK text replaced by spaces: the grams field keeps only Latin words and numbers, and
    /// tokenizing a page twice in full would double the cost of indexing Chinese text.
    /// </summary>
    private static string WordsOnly(string page)
    {
        var sb = new System.Text.StringBuilder(Math.Min(page.Length, 1024));
        var gap = false;
        foreach (var c in page)
        {
            if (Text.TextFolding.IsCjk(c) || char.IsWhiteSpace(c)) { gap = true; continue; }
            if (gap && sb.Length > 0) sb.Append(' ');
            gap = false;
            sb.Append(c);
        }
        return sb.ToString();
    }

    private static string Id(long id) => id.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public void Dispose()
    {
        _searchers.Dispose();
        _writer.Dispose();
        _directory.Dispose();
    }

    private sealed class Bm25SearcherFactory : SearcherFactory
    {
        public override IndexSearcher NewSearcher(IndexReader reader) => new(reader) { Similarity = new BM25Similarity() };
    }

    /// <summary>
    /// Applies the filters and counts the facets in the same pass as scoring: a document counts towards a facet value
    /// when it passes every filter except that facet's own (so choosing a category still shows the other categories'
    /// counts), and reaches the ranking only when it passes all of them.
    /// </summary>
    /// <summary>
    /// The facet values of every document of one segment as plain arrays, read once from its doc values and kept for
    /// the segment's lifetime (segments never change; deletions do not touch doc values). The collector then reads an
    /// array per hit instead of going through doc values, which at tens of thousands of hits is most of a query's time.
    /// </summary>
    private sealed class SegmentFacets
    {
        private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<object, SegmentFacets> Cache = new();

        public required int[] Category { get; init; }
        public required string[] CategoryNames { get; init; }
        public required int[] Format { get; init; }
        public required string[] FormatNames { get; init; }
        /// <summary>0 free, 1 paid.</summary>
        public required byte[] Paid { get; init; }
        /// <summary>Index into <see cref="PageRanges.All"/>, 255 for none.</summary>
        public required byte[] PageRange { get; init; }

        public static SegmentFacets For(AtomicReader reader) => Cache.GetValue(reader.CoreCacheKey, _ => Load(reader));

        private static SegmentFacets Load(AtomicReader reader)
        {
            var max = reader.MaxDoc;
            var (cat, catNames) = Ords(reader.GetSortedDocValues(CategoryField), max);
            var (fmt, fmtNames) = Ords(reader.GetSortedDocValues(FormatField), max);
            var price = reader.GetNumericDocValues(PriceField);
            var pages = reader.GetNumericDocValues(PageCountField);
            var paid = new byte[max];
            var range = new byte[max];
            for (var d = 0; d < max; d++)
            {
                paid[d] = (byte)((price?.Get(d) ?? 0) > 0 ? 1 : 0);
                var n = (int)(pages?.Get(d) ?? 0);
                range[d] = 255;
                for (var i = 0; i < PageRanges.All.Count; i++)
                    if (n >= PageRanges.All[i].Min && n <= PageRanges.All[i].Max) { range[d] = (byte)i; break; }
            }
            return new SegmentFacets { Category = cat, CategoryNames = catNames, Format = fmt, FormatNames = fmtNames, Paid = paid, PageRange = range };
        }

        private static (int[] Ords, string[] Names) Ords(SortedDocValues? values, int max)
        {
            var ords = new int[max];
            if (values is null) { Array.Fill(ords, -1); return (ords, []); }
            for (var d = 0; d < max; d++) ords[d] = values.GetOrd(d);
            var names = new string[values.ValueCount];
            var bytes = new BytesRef();
            for (var o = 0; o < names.Length; o++)
            {
                values.LookupOrd(o, bytes);
                names[o] = bytes.Utf8ToString();
            }
            return (ords, names);
        }
    }

    /// <summary>
    /// Applies the filters and counts the facets in the same pass as scoring: a document counts towards a facet value
    /// when it passes every filter except that facet's own (so choosing a category still shows the other categories'
    /// counts), and reaches the ranking only when it passes all of them.
    /// </summary>
    private sealed class FacetingCollector(ICollector inner, SearchQuery query) : ICollector
    {
        private readonly Dictionary<string, int> _categories = [], _formats = [];
        private readonly int[] _price = new int[2];
        private readonly int[] _pages = new int[PageRanges.All.Count];
        private readonly int _priceFilter = query.Price switch { "free" => 0, "paid" => 1, _ => -1 };
        private readonly int _pagesFilter = PageRanges.All.ToList().FindIndex(r => r.Key == query.Pages);
        private SegmentFacets? _segment;
        private int[] _catCounts = [], _fmtCounts = [];
        private int _catFilter, _fmtFilter;

        public int Total { get; private set; }

        public bool AcceptsDocsOutOfOrder => inner.AcceptsDocsOutOfOrder;

        public void SetScorer(Scorer scorer) => inner.SetScorer(scorer);

        public void SetNextReader(AtomicReaderContext context)
        {
            FlushSegment();
            _segment = SegmentFacets.For(context.AtomicReader);
            _catCounts = new int[_segment.CategoryNames.Length];
            _fmtCounts = new int[_segment.FormatNames.Length];
            _catFilter = FilterOrd(_segment.CategoryNames, query.Category);
            _fmtFilter = FilterOrd(_segment.FormatNames, query.Format);
            inner.SetNextReader(context);
        }

        // -1: no filter; -2: filter set but no document of this segment has the value.
        private static int FilterOrd(string[] names, string? wanted) =>
            string.IsNullOrEmpty(wanted) ? -1 : Array.IndexOf(names, wanted) is var o and >= 0 ? o : -2;

        public void Collect(int doc)
        {
            var seg = _segment!;
            var cat = seg.Category[doc];
            var fmt = seg.Format[doc];
            var paid = seg.Paid[doc];
            var range = seg.PageRange[doc];
            // Which filters the document fails: none → it is a result; exactly one → it still counts for that facet.
            var failed = 0; var failedDim = -1;
            if (_catFilter != -1 && cat != _catFilter) { failed++; failedDim = 0; }
            if (_fmtFilter != -1 && fmt != _fmtFilter) { failed++; failedDim = 1; }
            if (_priceFilter != -1 && paid != _priceFilter) { failed++; failedDim = 2; }
            if (_pagesFilter != -1 && range != _pagesFilter) { failed++; failedDim = 3; }
            if (failed > 1) return;
            if ((failed == 0 || failedDim == 0) && cat >= 0) _catCounts[cat]++;
            if ((failed == 0 || failedDim == 1) && fmt >= 0) _fmtCounts[fmt]++;
            if (failed == 0 || failedDim == 2) _price[paid]++;
            if ((failed == 0 || failedDim == 3) && range != 255) _pages[range]++;
            if (failed == 0)
            {
                Total++;
                inner.Collect(doc);
            }
        }

        private void FlushSegment()
        {
            if (_segment is null) return;
            for (var o = 0; o < _catCounts.Length; o++)
                if (_catCounts[o] > 0) _categories[_segment.CategoryNames[o]] = _categories.GetValueOrDefault(_segment.CategoryNames[o]) + _catCounts[o];
            for (var o = 0; o < _fmtCounts.Length; o++)
                if (_fmtCounts[o] > 0) _formats[_segment.FormatNames[o]] = _formats.GetValueOrDefault(_segment.FormatNames[o]) + _fmtCounts[o];
            _catCounts = []; _fmtCounts = [];
            _segment = null;
        }

        public SearchFacets Facets()
        {
            FlushSegment();
            return SearchFacets.From(_categories, _formats, _price, _pages);
        }
    }
}
