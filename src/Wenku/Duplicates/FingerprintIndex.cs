using System.Runtime.InteropServices;

namespace Wenku.Duplicates;

/// <summary>
/// Locality-sensitive hashing over MinHash signatures, in memory: the signature is cut into bands of
/// <see cref="RowsPerBand"/> values, and two documents become candidates when any band agrees. With 72 bands of 2,
/// a pair of resemblance 0.2 is a candidate with probability 1 − (1 − 0.2²)⁷² ≈ 0.95, one of 0.25 with 0.99, and
/// one of 0.02 with 0.03 (two unrelated cnews articles agree on ~0.2% of positions); candidates are then checked by
/// their signatures.
/// </summary>
/// <remarks>
/// Each band is a sorted array of (band key, slot) packed into one <c>ulong</c>, searched by binary search, plus a
/// short unsorted tail of recent additions merged in when it grows: 8 bytes per band per document, no per-entry
/// objects: per document 576 bytes of bands, 288 of signature, 12 of slot data and a dictionary entry (~950 bytes).
/// Thread-safe; a re-added document replaces its earlier fingerprint.
/// </remarks>
public sealed class FingerprintIndex
{
    public const int RowsPerBand = 2;
    public const int Bands = Fingerprint.Size / RowsPerBand;
    private const int TailLimit = 4096;

    private readonly Lock _lock = new();
    private readonly ulong[][] _sorted = Enumerable.Range(0, Bands).Select(_ => Array.Empty<ulong>()).ToArray();
    private readonly List<ulong>[] _tail = Enumerable.Range(0, Bands).Select(_ => new List<ulong>()).ToArray();
    private readonly Dictionary<long, int> _slotOf = [];
    private long[] _documentOf = new long[1024];
    private int[] _shingles = new int[1024];
    private ushort[] _signatures = new ushort[1024 * Fingerprint.Size];
    private int _slots;

    /// <summary>Documents in the index.</summary>
    public int Count { get { lock (_lock) return _slotOf.Count; } }

    public void Add(long documentId, Fingerprint fingerprint)
    {
        lock (_lock)
        {
            if (_slots == _documentOf.Length) Grow();
            var slot = _slots++;
            _documentOf[slot] = documentId;
            _shingles[slot] = fingerprint.ShingleCount;
            fingerprint.Signature.CopyTo(_signatures.AsSpan(slot * Fingerprint.Size, Fingerprint.Size));
            _slotOf[documentId] = slot; // an earlier slot of the document is now dead: lookups skip it
            for (var b = 0; b < Bands; b++)
            {
                _tail[b].Add(Pack(BandKey(fingerprint.Signature, b), slot));
                if (_tail[b].Count >= Math.Max(TailLimit, _sorted[b].Length / 8)) Merge(b);
            }
        }
    }

    public void Remove(long documentId)
    {
        lock (_lock) _slotOf.Remove(documentId);
    }

    public bool Contains(long documentId)
    {
        lock (_lock) return _slotOf.ContainsKey(documentId);
    }

    /// <summary>Merges every band's tail into its sorted array (after a bulk load).</summary>
    public void Compact()
    {
        lock (_lock)
            for (var b = 0; b < Bands; b++) Merge(b);
    }

    /// <summary>
    /// Documents sharing at least one band with <paramref name="fingerprint"/>, with the score estimated from the
    /// signatures (see <see cref="Fingerprint.EstimateScore(Fingerprint)"/>), those at or above <paramref name="minEstimate"/>.
    /// </summary>
    public List<(long DocumentId, double Estimate)> Candidates(Fingerprint fingerprint, double minEstimate, long? exclude = null)
    {
        var result = new List<(long, double)>();
        lock (_lock)
        {
            var seen = new HashSet<int>();
            for (var b = 0; b < Bands; b++)
            {
                var key = BandKey(fingerprint.Signature, b);
                var sorted = _sorted[b];
                var i = LowerBound(sorted, (ulong)key << 32);
                for (; i < sorted.Length && (uint)(sorted[i] >> 32) == key; i++) seen.Add((int)(uint)sorted[i]);
                foreach (var entry in CollectionsMarshal.AsSpan(_tail[b]))
                    if ((uint)(entry >> 32) == key) seen.Add((int)(uint)entry);
            }
            foreach (var slot in seen)
            {
                var id = _documentOf[slot];
                if (id == exclude || !_slotOf.TryGetValue(id, out var current) || current != slot) continue;
                var agree = Fingerprint.Agreements(fingerprint.Signature, _signatures.AsSpan(slot * Fingerprint.Size, Fingerprint.Size));
                var estimate = Fingerprint.EstimateScore((double)agree / Fingerprint.Size, fingerprint.ShingleCount, _shingles[slot]);
                if (estimate >= minEstimate) result.Add((id, estimate));
            }
        }
        result.Sort((x, y) => y.Item2.CompareTo(x.Item2));
        return result;
    }

    private void Merge(int band)
    {
        var tail = _tail[band];
        if (tail.Count == 0) return;
        tail.Sort();
        var sorted = _sorted[band];
        var merged = new ulong[sorted.Length + tail.Count];
        int i = 0, j = 0, k = 0;
        while (i < sorted.Length && j < tail.Count) merged[k++] = sorted[i] <= tail[j] ? sorted[i++] : tail[j++];
        while (i < sorted.Length) merged[k++] = sorted[i++];
        while (j < tail.Count) merged[k++] = tail[j++];
        _sorted[band] = merged;
        if (tail.Capacity > TailLimit) _tail[band] = [];
        else tail.Clear();
    }

    private void Grow()
    {
        var size = _documentOf.Length * 2;
        Array.Resize(ref _documentOf, size);
        Array.Resize(ref _shingles, size);
        Array.Resize(ref _signatures, size * Fingerprint.Size);
    }

    private static int LowerBound(ulong[] array, ulong value)
    {
        int lo = 0, hi = array.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (array[mid] < value) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    private static ulong Pack(uint key, int slot) => ((ulong)key << 32) | (uint)slot;

    private static uint BandKey(ushort[] signature, int band)
    {
        ulong h = (uint)band;
        for (var r = 0; r < RowsPerBand; r++) h = (h << 16) | signature[band * RowsPerBand + r];
        h *= 0x9E3779B97F4A7C15UL;
        h ^= h >> 33;
        h *= 0xff51afd7ed558ccdUL;
        h ^= h >> 33;
        return (uint)h;
    }
}
