using Microsoft.EntityFrameworkCore;
using Wenku.Data;
using Wenku.Documents;

namespace Wenku.Duplicates;

/// <summary>The best verified match of a checked document, if any reached <see cref="NearDuplicates.SimilarFloor"/>.</summary>
public sealed record DuplicateCheck(long? BestMatchId, double BestScore, int Matches);

/// <summary>
/// Fingerprints a document's text, finds candidates in the LSH index, verifies them on their actual shingle sets and
/// stores the matches. One per process (a singleton).
/// </summary>
/// <remarks>
/// Where the index lives: the fingerprints are rows in the database (the truth, shared by every process on every
/// machine); each process that checks documents (workers, <c>wenku admin rescan-duplicates</c>) keeps the LSH index
/// in memory and, before each lookup, reads the rows written since its last look. A lookup then costs tens of
/// microseconds instead of 72 index seeks, the index needs no schema of its own, and a process that starts late
/// loads a million fingerprints (~300 MB of rows) once. The web site never looks up: it reads stored matches.
/// </remarks>
public sealed class DuplicateDetector(ILogger<DuplicateDetector> log)
{
    /// <summary>Text past this many normalized characters is not fingerprinted (bounds memory on huge documents).</summary>
    public const int MaxChars = 2_000_000;

    /// <summary>Candidates verified at most per document, best estimates first.</summary>
    private const int MaxCandidates = 50;

    private readonly FingerprintIndex _index = new();
    private readonly SemaphoreSlim _sync = new(1, 1);
    private long _lastRow;

    /// <summary>
    /// Checks document <paramref name="documentId"/>, whose text is <paramref name="text"/>, against every earlier
    /// document that is ready or held, and replaces its stored fingerprint and matches.
    /// </summary>
    public async Task<DuplicateCheck> CheckAsync(WenkuDb db, long documentId, string text, CancellationToken ct)
    {
        var shingles = ShinglesOf(text);
        var fingerprint = Fingerprint.OfShingles(shingles);

        await db.Set<DocumentFingerprint>().Where(f => f.DocumentId == documentId).ExecuteDeleteAsync(ct);
        db.Set<DocumentFingerprint>().Add(new DocumentFingerprint
        {
            DocumentId = documentId, Signature = fingerprint.ToBytes(), ShingleCount = fingerprint.ShingleCount,
        });
        await db.SaveChangesAsync(ct);
        await CatchUpAsync(db, ct);

        var verified = new List<DocumentMatch>();
        if (NearDuplicates.IsComparable(fingerprint))
        {
            var candidates = _index.Candidates(fingerprint, NearDuplicates.CandidateFloor(NearDuplicates.SimilarFloor), exclude: documentId)
                .Where(c => c.DocumentId < documentId).Take(MaxCandidates).Select(c => c.DocumentId).ToList();
            var live = await db.Documents.AsNoTracking()
                .Where(d => candidates.Contains(d.Id) && (d.Status == DocumentStatus.Ready || d.Status == DocumentStatus.Held))
                .Select(d => d.Id).ToListAsync(ct);
            foreach (var candidate in live)
            {
                var score = Fingerprint.Score(shingles, ShinglesOf(await TextOfAsync(db, candidate, ct)));
                if (score >= NearDuplicates.SimilarFloor)
                    verified.Add(new DocumentMatch { DocumentId = documentId, MatchId = candidate, Score = Math.Round(score, 4) });
            }
        }

        await db.Set<DocumentMatch>().Where(m => m.DocumentId == documentId).ExecuteDeleteAsync(ct);
        db.Set<DocumentMatch>().AddRange(verified);
        await db.SaveChangesAsync(ct);

        var best = verified.OrderByDescending(m => m.Score).ThenBy(m => m.MatchId).FirstOrDefault();
        if (best is not null)
            log.LogInformation("Document {DocumentId} resembles {MatchId} (score {Score:0.00}; {Matches} matches)", documentId, best.MatchId, best.Score, verified.Count);
        return new DuplicateCheck(best?.MatchId, best?.Score ?? 0, verified.Count);
    }

    /// <summary>Forgets a document (deleted or failed): it is no longer a candidate.</summary>
    public async Task ForgetAsync(WenkuDb db, long documentId, CancellationToken ct)
    {
        await db.Set<DocumentFingerprint>().Where(f => f.DocumentId == documentId).ExecuteDeleteAsync(ct);
        _index.Remove(documentId);
    }

    /// <summary>The text of a document as stored page by page.</summary>
    public static async Task<string> TextOfAsync(WenkuDb db, long documentId, CancellationToken ct) =>
        string.Join("\n", await db.DocumentPages.AsNoTracking().Where(p => p.DocumentId == documentId)
            .OrderBy(p => p.Number).Select(p => p.Text).ToListAsync(ct));

    private static HashSet<ulong> ShinglesOf(string text)
    {
        var normalized = DuplicateText.Normalize(text);
        return Fingerprint.Shingles(normalized.Length > MaxChars ? normalized[..MaxChars] : normalized);
    }

    /// <summary>Adds to the in-memory index the fingerprints written (by any process) since the last look.</summary>
    private async Task CatchUpAsync(WenkuDb db, CancellationToken ct)
    {
        await _sync.WaitAsync(ct);
        try
        {
            while (true)
            {
                var last = _lastRow;
                var rows = await db.Set<DocumentFingerprint>().AsNoTracking().Where(f => f.Id > last).OrderBy(f => f.Id).Take(10_000)
                    .Select(f => new { f.Id, f.DocumentId, f.Signature, f.ShingleCount }).ToListAsync(ct);
                if (rows.Count == 0) break;
                foreach (var row in rows)
                    _index.Add(row.DocumentId, Fingerprint.FromBytes(row.Signature, row.ShingleCount));
                _lastRow = rows[^1].Id;
            }
        }
        finally
        {
            _sync.Release();
        }
    }
}
