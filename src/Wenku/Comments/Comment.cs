using System.ComponentModel.DataAnnotations;
using Wenku.Accounts;
using Wenku.Data;

namespace Wenku.Comments;

public sealed class Comment
{
    /// <summary>Longest comment, in characters (text elements), as on the reference site.</summary>
    public const int MaxLength = 150;

    /// <summary>Most UTF-16 code units a comment may take (150 emoji with skin tones fit).</summary>
    public const int MaxStoredLength = MaxLength * 4;

    public long Id { get; set; }
    public long DocumentId { get; set; }

    [MaxLength(450)]
    public required string UserId { get; set; }
    public WenkuUser User { get; set; } = null!;

    [MaxLength(MaxStoredLength)]
    public required string Body { get; set; }

    [SetOnInsert]
    public DateTime CreatedAt { get; set; }

    /// <summary>Shown to everyone, waiting for review (its author sees it), or hidden by staff.</summary>
    public Moderation.CommentState State { get; set; } = Moderation.CommentState.Visible;

    /// <summary>For a pending comment: the sensitive words that sent it to review.</summary>
    [MaxLength(400)]
    public string? ReviewWords { get; set; }
}
