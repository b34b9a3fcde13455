using System.ComponentModel.DataAnnotations;
using Wenku.Data;

namespace Wenku.Duplicates;

/// <summary>What happens to an upload whose text is a near duplicate of a document already in the library.</summary>
public enum NearDuplicatePolicy
{
    /// <summary>The upload fails, naming the document it copies.</summary>
    Reject,

    /// <summary>The upload is held, unpublished, until a moderator releases or rejects it (the default).</summary>
    Hold,

    /// <summary>The upload is published; the match is still recorded and shown.</summary>
    Allow,
}

/// <summary>
/// A document's stored fingerprint. <see cref="Id"/> grows with every write (AUTOINCREMENT; a recomputed fingerprint
/// is a new row), so a process that keeps the LSH index in memory catches up by reading the rows past the last it saw.
/// </summary>
public sealed class DocumentFingerprint
{
    public long Id { get; set; }
    public long DocumentId { get; set; }

    /// <summary><see cref="Fingerprint.Size"/> 16-bit MinHash values, little-endian.</summary>
    [MaxLength(Fingerprint.Size * 2)]
    public required byte[] Signature { get; set; }

    public int ShingleCount { get; set; }
    [SetOnInsert]
    public DateTime ComputedAt { get; set; }
}

/// <summary>
/// A verified resemblance between a document and an earlier one (<see cref="MatchId"/> &lt; <see cref="DocumentId"/>),
/// with its score in [0, 1] (the share of the smaller document's shingles found in the other). Stored from the score
/// <see cref="NearDuplicates.SimilarFloor"/> up; whether it is a near duplicate depends on the site's threshold.
/// </summary>
public sealed class DocumentMatch
{
    public long DocumentId { get; set; }
    public long MatchId { get; set; }
    public double Score { get; set; }
    [SetOnInsert]
    public DateTime FoundAt { get; set; }
}
