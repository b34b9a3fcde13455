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
/// <para>
/// Catching up is commit-safe: on PostgreSQL a row's id is taken when it is inserted, and its transaction may commit
/// after one holding a higher id, so "rows above the highest id seen" would skip it for good. The detector keeps a
/// <em>settled</em> id below which every row has been read, re-reads the ids above it, and moves it up only once every
/// transaction that could hold a lower id has ended (the snapshot's oldest running transaction is past them; writers
/// take their transaction id before their row id). SQLite has one writer at a time, so there ids commit in order.
/// </para>
/// </remarks>
public sealed class DuplicateDetector(ILogger<DuplicateDetector> log)
{
    /// <summary>Text past this many normalized characters is not fingerprinted (bounds memory on huge documents).</summary>
    public const int MaxChars = 2_000_000;

    /// <summary>Candidates verified at most per document, best estimates first.</summary>
    private const int MaxCandidates = 50;

    private readonly FingerprintIndex _index = new();
    private readonly SemaphoreSlim _sync = new(1, 1);

    /// <summary>Every fingerprint row with an id up to this one is in the index (or was deleted or never committed).</summary>
    private long _settled;

    /// <summary>Rows above <see cref="_settled"/> already in the index.</summary>
    private readonly HashSet<long> _seenAbove = [];

    /// <summary>
    /// The next settled id: every transaction that could hold a row id up to <c>UpTo</c> has a transaction id below
    /// <c>Xmax</c>; once the oldest running transaction is at or past <c>Xmax</c>, they have all ended.
    /// </summary>
    private (long UpTo, long Xmax)? _settling;

    /// <summary>
    /// Checks document <paramref name="documentId"/>, whose text is <paramref name="text"/>, against every earlier
    /// document that is ready or held, and replaces its stored fingerprint and matches.
    /// </summary>
    public async Task<DuplicateCheck> CheckAsync(WenkuDb db, long documentId, string text, CancellationToken ct)
    {
        var shingles = ShinglesOf(text);
        var fingerprint = Fingerprint.OfShingles(shingles);

        await StoreAsync(db, documentId, fingerprint, ct);
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

    /// <summary>Replaces the document's fingerprint row, in one transaction that (on PostgreSQL) takes its transaction id first.</summary>
    private static Task StoreAsync(WenkuDb db, long documentId, Fingerprint fingerprint, CancellationToken ct)
    {
        var row = new DocumentFingerprint { DocumentId = documentId, Signature = fingerprint.ToBytes(), ShingleCount = fingerprint.ShingleCount };
        return db.Database.CreateExecutionStrategy().ExecuteAsync(async () =>
        {
            db.Entry(row).State = EntityState.Detached; // a retried attempt inserts it afresh
            row.Id = 0;
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            // The catch-up below relies on it: a transaction holding a row id already has its transaction id.
            if (db.Database.IsNpgsql()) await db.Database.ExecuteSqlRawAsync("SELECT pg_current_xact_id()", ct);
            await db.Set<DocumentFingerprint>().Where(f => f.DocumentId == documentId).ExecuteDeleteAsync(ct);
            db.Set<DocumentFingerprint>().Add(row);
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        });
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
    internal async Task CatchUpAsync(WenkuDb db, CancellationToken ct)
    {
        await _sync.WaitAsync(ct);
        try
        {
            var postgres = db.Database.IsNpgsql();
            // Taken before reading: if the oldest transaction still running is past the settling mark, every row up to
            // it has committed (or never will) before the reads below, which therefore see it.
            var oldestRunning = postgres ? await SnapshotAsync(db, "pg_snapshot_xmin", ct) : 0;
            var settled = _settled;
            var unseen = new List<long>();
            var highest = settled;
            while (true)
            {
                var ids = await db.Set<DocumentFingerprint>().AsNoTracking().Where(f => f.Id > highest).OrderBy(f => f.Id).Take(50_000)
                    .Select(f => f.Id).ToListAsync(ct);
                if (ids.Count == 0) break;
                unseen.AddRange(ids.Where(id => !_seenAbove.Contains(id)));
                highest = ids[^1];
            }
            foreach (var chunk in unseen.Chunk(10_000))
            {
                var rows = await db.Set<DocumentFingerprint>().AsNoTracking().Where(f => chunk.Contains(f.Id)).OrderBy(f => f.Id)
                    .Select(f => new { f.Id, f.DocumentId, f.Signature, f.ShingleCount }).ToListAsync(ct);
                foreach (var row in rows)
                {
                    _index.Add(row.DocumentId, Fingerprint.FromBytes(row.Signature, row.ShingleCount));
                    _seenAbove.Add(row.Id);
                }
            }
            if (!postgres)
            {
                Settle(highest);
                return;
            }
            if (_settling is { } s && oldestRunning >= s.Xmax)
            {
                Settle(s.UpTo);
                _settling = null;
            }
            // Taken after reading: a transaction holding an id up to the highest read took its transaction id before it.
            _settling ??= (highest, await SnapshotAsync(db, "pg_snapshot_xmax", ct));
        }
        finally
        {
            _sync.Release();
        }
    }

    private void Settle(long upTo)
    {
        if (upTo <= _settled) return;
        _settled = upTo;
        _seenAbove.RemoveWhere(id => id <= upTo);
    }

    private static async Task<long> SnapshotAsync(WenkuDb db, string part, CancellationToken ct) => await (part switch
    {
        "pg_snapshot_xmin" => db.Database.SqlQueryRaw<long>("""SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS "Value" """),
        _ => db.Database.SqlQueryRaw<long>("""SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint AS "Value" """),
    }).SingleAsync(ct);
}
