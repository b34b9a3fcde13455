namespace Wenku.Moderation;

/// <summary>A moderator's decision on a report: <c>dismiss</c>, or <c>remove</c> (the document, or the reported comment: hide).</summary>
public sealed class ReportDecisions
{
    public const string Dismiss = "dismiss";
    public const string Remove = "remove";

    /// <summary>Decides report <paramref name="reportId"/>; <paramref name="action"/> is <see cref="Dismiss"/> or <see cref="Remove"/>.</summary>
    public Task<Decision> DecideAsync(long reportId, string action, string? reason, string actorId, CancellationToken ct) =>
        throw new NotImplementedException("The reports slice implements this.");
}
