using Wenku.Data;
using Wenku.Documents;

namespace Wenku.Search;

/// <summary>
/// The search outbox: one row per change to a document that search can see, written in the same transaction as the
/// change (see <see cref="Data.WenkuDb"/>), so the index can never miss one — whichever process made it (a worker
/// marking a document ready, the site editing one) and whenever the indexing process was killed. The index records
/// the last <see cref="Seq"/> it applied and replays from there.
/// </summary>
public sealed class SearchChange
{
    /// <summary>
    /// Position in the outbox. SQLite assigns it in commit order (writers are serialised), so the Lucene backend can
    /// remember the last position applied. PostgreSQL assigns it at insert, and a transaction may commit after one
    /// with a higher position: its backend consumes rows by deleting those it applied instead.
    /// </summary>
    public long Seq { get; set; }

    public long DocumentId { get; set; }

    /// <summary>
    /// Only the document's download count changed (a first download, a purchase): the index updates that count instead
    /// of reading and analysing the whole document again, which a sale would otherwise cost (a purchase's first download
    /// moves it in "most downloaded").
    /// </summary>
    public bool CountsOnly { get; set; }

    [SetOnInsert]
    public DateTime At { get; set; }

    /// <summary>Properties whose change does not concern search (counted far too often to reindex for).</summary>
    internal static readonly HashSet<string> IgnoredProperties =
        [nameof(Document.Views), nameof(Document.ConvertedPages), nameof(Document.RatingCount), nameof(Document.RatingSum), nameof(Document.PreviewVersion)];
}
