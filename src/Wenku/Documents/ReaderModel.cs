using System.ComponentModel.DataAnnotations;

namespace Wenku.Documents;

/// <summary>A document a reader keeps in their library (收藏). One row per reader and document.</summary>
public sealed class Favourite
{
    [MaxLength(450)]
    public required string UserId { get; set; }
    public long DocumentId { get; set; }
    public DateTime CreatedAt { get; set; }
}

/// <summary>
/// A reader's rating of a document, 1 to 5 stars; one per reader and document (a second rating replaces the first).
/// The document keeps <see cref="Document.RatingCount"/> and <see cref="Document.RatingSum"/> up to date in the same
/// transaction, so lists show the average without reading the ratings.
/// </summary>
public sealed class Rating
{
    public const int MinStars = 1, MaxStars = 5;

    [MaxLength(450)]
    public required string UserId { get; set; }
    public long DocumentId { get; set; }
    public int Stars { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// <summary>
/// Where a signed-in reader stopped reading a document (the page in view when they left), for "continue at page n"
/// and the "recently read" list of the library. One row per reader and document, updated as they read.
/// </summary>
public sealed class ReadingProgress
{
    [MaxLength(450)]
    public required string UserId { get; set; }
    public long DocumentId { get; set; }
    public int Page { get; set; }
    public DateTime UpdatedAt { get; set; }
}
