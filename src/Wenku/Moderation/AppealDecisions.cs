namespace Wenku.Moderation;

/// <summary>A moderator's decision on an appeal: <c>uphold</c> (restore the document) or <c>reject</c>; never by the moderator who removed it.</summary>
public sealed class AppealDecisions
{
    public const string Uphold = "uphold";
    public const string Reject = "reject";

    public Task<Decision> DecideAsync(long appealId, string action, string? reason, string actorId, CancellationToken ct) =>
        throw new NotImplementedException("The takedown slice implements this.");
}
