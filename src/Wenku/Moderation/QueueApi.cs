using Microsoft.Extensions.Localization;
using Wenku.Web.Localization;
using Microsoft.AspNetCore.Http.HttpResults;
using Wenku.Accounts;

namespace Wenku.Moderation;

/// <summary>One waiting item of the review queue.</summary>
/// <param name="Kind"><c>report</c>, <c>comment-report</c>, <c>claim</c>, <c>appeal</c>, <c>held</c> or <c>comment</c>.</param>
/// <param name="Id">The report's, claim's, appeal's or comment's id; for <c>held</c>, the document's.</param>
/// <param name="Summary">What it is about, in a line (the reason and the reporter's words, the hold reason …).</param>
public sealed record QueueItemDto(string Kind, long Id, long DocumentId, string Title, DateTime CreatedAt, string Summary);

public sealed record QueueItemsDto(IReadOnlyList<QueueItemDto> Items, int Page, int PageSize, int Total, int Pages);

public static class QueueApi
{
    public static void MapModerationQueueApi(this RouteGroupBuilder api)
    {
        api.MapGet("/moderation/queue", QueueAsync).RequireAuthorization(Roles.StaffPolicy)
            .WithSummary("The review queue (staff)")
            .WithDescription("""
                Everything waiting for a moderator, oldest first: open reports (`report`, `comment-report`), claims,
                appeals, held documents (`held`; `hold=near-duplicate|new-upload|sensitive-words` narrows them) and pending
                comments (`comment`). `kind` filters one kind; `page` from 1 (20 items a page). 400 for an unknown kind,
                hold reason or page.
                """);
    }

    private static async Task<Results<Ok<QueueItemsDto>, ProblemHttpResult>> QueueAsync(string? kind, string? hold, string? page,
        ReviewQueue queue, IStringLocalizer<SharedResource> T, CancellationToken ct)
    {
        var (filter, error) = ReviewQueue.ParseFilter(T, kind, hold);
        if (filter is null) return TypedResults.Problem(statusCode: 400, title: error);
        if (ReviewQueue.ParsePage(page) is not { } number)
            return TypedResults.Problem(statusCode: 400, title: T.Text("页码须为 1 到 {0}。", ReviewQueue.MaxPage));
        var listing = await queue.PageAsync(filter, number, ct);
        var items = await queue.DetailsAsync(listing.Entries, ct);
        return TypedResults.Ok(new QueueItemsDto(
            items.Select(i => new QueueItemDto(ReviewQueue.KindName(i.Entry.Kind), i.Entry.Id, i.Entry.DocumentId,
                i.Document?.Title ?? "", i.Entry.CreatedAt, i.Summary)).ToList(),
            listing.Page, listing.PageSize, listing.Total, listing.Pages));
    }
}
