using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Wenku.Accounts;

namespace Wenku.Moderation;

/// <summary>
/// The review queue (待审核): everything waiting for a moderator, oldest first, with the facts to decide it and the
/// actions, each with a required reason. The decisions are the services' (<see cref="ReportDecisions"/>,
/// <see cref="ClaimDecisions"/>, <see cref="AppealDecisions"/>, <see cref="HeldDecisions"/>, <see cref="CommentModeration"/>).
/// </summary>
[Authorize(Policy = Roles.StaffPolicy)]
public sealed class ReviewModel(ReviewQueue queue, IServiceProvider services) : PageModel
{
    /// <summary>The actions of each kind of item, with their words (the first one is what most items get).</summary>
    public static readonly IReadOnlyDictionary<QueueKind, (string Action, string Label)[]> Actions = new Dictionary<QueueKind, (string, string)[]>
    {
        [QueueKind.Report] = [(ReportDecisions.Remove, "下架文档 Remove the document"), (ReportDecisions.Dismiss, "驳回举报 Dismiss")],
        [QueueKind.CommentReport] = [(ReportDecisions.Remove, "隐藏评论 Hide the comment"), (ReportDecisions.Dismiss, "驳回举报 Dismiss")],
        [QueueKind.Claim] = [(ClaimDecisions.Approve, "批准认领 Approve"), (ClaimDecisions.Reject, "驳回认领 Reject")],
        [QueueKind.Appeal] = [(AppealDecisions.Uphold, "申诉成立，恢复 Uphold and restore"), (AppealDecisions.Reject, "驳回申诉 Reject")],
        [QueueKind.Held] = [(HeldDecisions.Release, "发布 Release"), (HeldDecisions.Reject, "拒绝 Reject")],
        [QueueKind.Comment] = [(CommentModeration.Approve, "通过 Approve"), (CommentModeration.Hide, "隐藏 Hide"), (CommentModeration.Delete, "删除 Delete")],
    };

    public static readonly (string Kind, string Label)[] KindFilters =
    [
        ("", "全部 All"), ("report", "举报 Reports"), ("claim", "认领 Claims"), ("appeal", "申诉 Appeals"), ("held", "待发布文档 Held documents"),
        ("comment", "待审评论 Pending comments"), ("comment-report", "被举报的评论 Reported comments"),
    ];

    public IReadOnlyList<QueueItem> Items { get; private set; } = [];
    public QueuePage? Listing { get; private set; }
    public string? Kind { get; private set; }
    public string? Hold { get; private set; }
    public string? Message { get; private set; }
    public string? Error { get; private set; }

    // "page" is Razor Pages' own route value (the page's name): the page number is read from the query by name.
    public async Task<IActionResult> OnGetAsync(string? kind, string? hold, [FromQuery(Name = "page")] string? page, CancellationToken ct) =>
        await ListAsync(kind, hold, page, ct);

    /// <summary>Decides one item: <paramref name="type"/> (its kind), <paramref name="id"/>, the <paramref name="decision"/> and its reason.</summary>
    public async Task<IActionResult> OnPostAsync(string? type, long id, string? decision, string? reason, [FromQuery] string? kind, [FromQuery] string? hold,
        [FromQuery(Name = "page")] string? page, CancellationToken ct)
    {
        var (filter, _) = ReviewQueue.ParseFilter(type, null);
        if (filter?.Kind is not { } itemKind || decision is null || !Actions[itemKind].Any(a => a.Action == decision))
            return await RefuseAsync(400, "没有这种操作。No such action for this item.", kind, hold, page, ct);
        var actor = User.UserId()!;
        var outcome = itemKind switch
        {
            QueueKind.Report or QueueKind.CommentReport => await services.GetRequiredService<ReportDecisions>().DecideAsync(id, decision, reason, actor, ct),
            QueueKind.Claim => await services.GetRequiredService<ClaimDecisions>().DecideAsync(id, decision, reason, actor, ct),
            QueueKind.Appeal => await services.GetRequiredService<AppealDecisions>().DecideAsync(id, decision, reason, actor, ct),
            QueueKind.Held => await services.GetRequiredService<HeldDecisions>().DecideAsync(id, decision, reason, actor, ct),
            _ => await services.GetRequiredService<CommentModeration>().DecideAsync(id, decision, reason, actor, ct),
        };
        return outcome switch
        {
            Decision.Done done => await ListAsync(kind, hold, page, ct, message: done.Message),
            Decision.NotFound => NotFound(),
            Decision.NotOpen => await RefuseAsync(409, "此项已由他人处理，未作更改。This item was decided already; nothing changed.", kind, hold, page, ct),
            Decision.BadReason => await RefuseAsync(400, $"请填写理由（最多 {HeldDecisions.MaxReason} 字）。Give a reason (at most {HeldDecisions.MaxReason} characters).", kind, hold, page, ct),
            Decision.BadAction => await RefuseAsync(400, "没有这种操作。No such action for this item.", kind, hold, page, ct),
            Decision.NotAllowed no => await RefuseAsync(403, $"你不能处理此项：{no.Why} You may not decide this item: {no.Why}", kind, hold, page, ct),
            _ => throw new InvalidOperationException($"Unknown decision outcome {outcome}"),
        };
    }

    private async Task<IActionResult> RefuseAsync(int status, string error, string? kind, string? hold, string? page, CancellationToken ct)
    {
        var listed = await ListAsync(kind, hold, page, ct, error: error);
        if (Response.StatusCode < 400) Response.StatusCode = status;
        return listed;
    }

    private async Task<IActionResult> ListAsync(string? kind, string? hold, string? page, CancellationToken ct, string? message = null, string? error = null)
    {
        (Kind, Hold, Message, Error) = (kind, hold, message, error);
        var (filter, filterError) = ReviewQueue.ParseFilter(kind, hold);
        var number = ReviewQueue.ParsePage(page);
        if (filter is null || number is null)
        {
            Response.StatusCode = 400;
            Error = filterError ?? $"页码须为 1 到 {ReviewQueue.MaxPage}。The page must be 1 to {ReviewQueue.MaxPage}.";
            (Kind, Hold) = (null, null);
            return Page();
        }
        Listing = await queue.PageAsync(filter, number.Value, ct);
        Items = await queue.DetailsAsync(Listing.Entries, ct);
        return Page();
    }

    /// <summary>The query string of this listing at another page.</summary>
    public string LinkTo(int page) =>
        "/admin/review?" + string.Join("&", new[] { ("kind", Kind), ("hold", Hold), ("page", page.ToString(System.Globalization.CultureInfo.InvariantCulture)) }
            .Where(p => !string.IsNullOrEmpty(p.Item2)).Select(p => $"{p.Item1}={Uri.EscapeDataString(p.Item2!)}"));
}
