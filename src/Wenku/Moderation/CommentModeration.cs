namespace Wenku.Moderation;

/// <summary>Staff actions on a comment: <c>approve</c> (a pending one), <c>hide</c>, <c>delete</c>.</summary>
public sealed class CommentModeration
{
    public const string Approve = "approve";
    public const string Hide = "hide";
    public const string Delete = "delete";

    public Task<Decision> DecideAsync(long commentId, string action, string? reason, string actorId, CancellationToken ct) =>
        throw new NotImplementedException("The reports slice implements this.");
}
