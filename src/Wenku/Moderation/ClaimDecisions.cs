namespace Wenku.Moderation;

/// <summary>A moderator's decision on a claim: <c>approve</c> (move the document and its earnings, or remove it when asked) or <c>reject</c>.</summary>
public sealed class ClaimDecisions
{
    public const string Approve = "approve";
    public const string Reject = "reject";

    public Task<Decision> DecideAsync(long claimId, string action, string? reason, string actorId, CancellationToken ct) =>
        throw new NotImplementedException("The claims slice implements this.");
}
