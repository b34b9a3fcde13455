using Microsoft.EntityFrameworkCore;
using Wenku.Data;

namespace Wenku.Documents;

/// <summary>
/// What a document's conversion found besides its pages and text: the pages whose text OCR recognised, and an archive's
/// entries (at most <see cref="MaxEntriesShown"/> of <see cref="EntryCount"/>). Shown on the document page and in the API.
/// </summary>
public sealed record ConversionFacts(IReadOnlyList<int> OcrPages, int EntryCount, IReadOnlyList<ArchiveEntry> Entries)
{
    public const int MaxEntriesShown = 1000;

    public static async Task<ConversionFacts> LoadAsync(WenkuDb db, long documentId, CancellationToken ct)
    {
        var ocr = await DocumentReads.ListAsync(DocumentReads.OcrPages(db, documentId), ct);
        // The shown entries tell how many there are unless they fill the limit (then they are counted): one query for
        // the documents that are not archives, as for small archives.
        var entries = await DocumentReads.ListAsync(DocumentReads.ArchiveEntries(db, documentId, MaxEntriesShown), ct);
        var count = entries.Count < MaxEntriesShown ? entries.Count : await db.ArchiveEntries.CountAsync(e => e.DocumentId == documentId, ct);
        return new ConversionFacts(ocr, count, entries);
    }
}
