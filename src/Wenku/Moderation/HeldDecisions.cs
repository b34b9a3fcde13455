namespace Wenku.Moderation;

/// <summary>A moderator's decision on a held document (near duplicate, new upload, sensitive words): <c>release</c> or <c>reject</c>.</summary>
public sealed class HeldDecisions
{
    public const string Release = "release";
    public const string Reject = "reject";

    public Task<Decision> DecideAsync(long documentId, string action, string? reason, string actorId, CancellationToken ct) =>
        throw new NotImplementedException("The review-queue slice implements this.");
}
