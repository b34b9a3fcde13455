using System.Buffers.Binary;

namespace Wenku.Duplicates;

/// <summary>
/// A document's near-duplicate fingerprint: the MinHash signature of its set of shingles (k consecutive tokens of
/// <see cref="DuplicateText"/>: ideographs, and words of alphabetic scripts), plus the size of that set so that containment can be estimated too.
/// </summary>
/// <remarks>
/// Why this shape (numbers in the README, "Duplicate detection"): Chinese has no spaces, so words are not reliable
/// units, but character shingles are. A spinner replaces words of one or two characters; a 3-character shingle
/// survives unless it overlaps a replaced word, so a copy with a quarter of its words replaced still shares roughly
/// half of its shingles with the original, while two different articles of the same category share only a few
/// percent. Bigrams would survive spinning better but are common to any two texts on one topic; 5-grams are rarer
/// but die with every third replaced word.
/// </remarks>
public sealed record Fingerprint(ushort[] Signature, int ShingleCount)
{
    /// <summary>Tokens (ideographs or words) per shingle.</summary>
    public const int ShingleLength = 3;

    /// <summary>
    /// MinHash values per signature. Each is the low 16 bits of the minimum of a 32-bit hash ("b-bit MinHash"): two
    /// different minima agree by chance once in 65,536, so 144 of them take 288 bytes with no loss that matters.
    /// </summary>
    public const int Size = 144;

    /// <summary>Texts with fewer shingles are too short to call anything a copy of them.</summary>
    public const int MinShingles = 40;

    private static readonly ulong[] Multipliers = Seeds(0x5EED_0001_ABCD_EF01UL);
    private static readonly ulong[] Addends = Seeds(0x0DD5_EED5_1234_5678UL);

    /// <summary>The shingles (<see cref="ShingleLength"/> consecutive tokens) of normalized text as 64-bit hashes.</summary>
    public static HashSet<ulong> Shingles(string normalized)
    {
        var tokens = DuplicateText.Tokens(normalized);
        var set = new HashSet<ulong>(Math.Max(0, tokens.Count - ShingleLength + 1));
        for (var i = 0; i + ShingleLength <= tokens.Count; i++)
        {
            var h = 14695981039346656037UL;
            for (var k = 0; k < ShingleLength; k++)
            {
                h = (h ^ tokens[i + k]) * 1099511628211UL;
                h ^= h >> 29;
            }
            set.Add(Mix(h));
        }
        return set;
    }

    /// <summary>The fingerprint of raw document text (normalizes it first).</summary>
    public static Fingerprint Of(string text) => OfShingles(Shingles(DuplicateText.Normalize(text)));

    public static Fingerprint OfShingles(IReadOnlyCollection<ulong> shingles)
    {
        Span<uint> minima = stackalloc uint[Size];
        minima.Fill(uint.MaxValue);
        foreach (var s in shingles)
        {
            for (var i = 0; i < Size; i++)
            {
                // Multiply-add-shift: a cheap universal hash family; the high 32 bits are well mixed.
                var h = (uint)((s * Multipliers[i] + Addends[i]) >> 32);
                if (h < minima[i]) minima[i] = h;
            }
        }
        var signature = new ushort[Size];
        for (var i = 0; i < Size; i++) signature[i] = (ushort)minima[i];
        return new Fingerprint(signature, shingles.Count);
    }

    /// <summary>Estimated Jaccard resemblance: the share of MinHash positions that agree.</summary>
    public double EstimateResemblance(Fingerprint other)
    {
        return (double)Agreements(Signature, other.Signature) / Size;
    }

    /// <summary>
    /// Estimated overlap of the smaller set with the larger (1 for an excerpt, close to the resemblance for two copies
    /// of one length), from the estimated resemblance J and the set sizes: |A∩B| = J(|A|+|B|)/(1+J).
    /// </summary>
    public double EstimateScore(Fingerprint other) =>
        EstimateScore(EstimateResemblance(other), ShingleCount, other.ShingleCount);

    public static double EstimateScore(double resemblance, int count, int otherCount)
    {
        var smaller = Math.Min(count, otherCount);
        if (smaller == 0) return 0;
        return Math.Min(1, resemblance * (count + otherCount) / (1 + resemblance) / smaller);
    }

    /// <summary>
    /// The verified score of two shingle sets: the share of the smaller set found in the larger (the overlap
    /// coefficient). It is resemblance for copies of equal length and containment for an excerpt.
    /// </summary>
    public static double Score(HashSet<ulong> a, HashSet<ulong> b)
    {
        if (a.Count == 0 || b.Count == 0) return 0;
        var (small, large) = a.Count <= b.Count ? (a, b) : (b, a);
        var common = 0;
        foreach (var s in small) if (large.Contains(s)) common++;
        return (double)common / small.Count;
    }

    /// <summary>Positions at which two signatures agree.</summary>
    public static int Agreements(ReadOnlySpan<ushort> a, ReadOnlySpan<ushort> b)
    {
        var same = 0;
        for (var i = 0; i < a.Length; i++) if (a[i] == b[i]) same++;
        return same;
    }

    public byte[] ToBytes()
    {
        var bytes = new byte[Size * 2];
        for (var i = 0; i < Size; i++) BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(i * 2), Signature[i]);
        return bytes;
    }

    public static Fingerprint FromBytes(byte[] bytes, int shingleCount)
    {
        if (bytes.Length != Size * 2) throw new ArgumentException($"A signature has {Size * 2} bytes, not {bytes.Length}.", nameof(bytes));
        var signature = new ushort[Size];
        for (var i = 0; i < Size; i++) signature[i] = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(i * 2));
        return new Fingerprint(signature, shingleCount);
    }

    private static ulong Mix(ulong h)
    {
        // A finalizer (MurmurHash3's) so that neighbouring shingles land far apart.
        h ^= h >> 33;
        h *= 0xff51afd7ed558ccdUL;
        h ^= h >> 33;
        h *= 0xc4ceb9fe1a85ec53UL;
        h ^= h >> 33;
        return h;
    }

    private static ulong[] Seeds(ulong seed)
    {
        // Fixed seeds: fingerprints stored today must compare with those computed after a restart.
        var values = new ulong[Size];
        var x = seed;
        for (var i = 0; i < Size; i++)
        {
            x += 0x9E3779B97F4A7C15UL; // splitmix64
            var z = x;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            values[i] = (z ^ (z >> 31)) | 1; // odd multipliers
        }
        return values;
    }
}
