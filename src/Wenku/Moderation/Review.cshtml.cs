using Microsoft.Extensions.Localization;
using Wenku.Web.Localization;
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
public sealed class ReviewModel(ReviewQueue queue, IServiceProvider services, IStringLocalizer<SharedResource> T) : PageModel
{
    /// <summary>The actions of each kind of item, with their words (the first one is what most items get).</summary>
    public (string Action, string Label)[] Actions(QueueKind kind) => kind switch
    {
        QueueKind.Report => [(ReportDecisions.Remove, T["下架文档"]), (ReportDecisions.Dismiss, T["驳回举报"])],
        QueueKind.CommentReport => [(ReportDecisions.Remove, T["隐藏评论"]), (ReportDecisions.Dismiss, T["驳回举报"])],
        QueueKind.Claim => [(ClaimDecisions.Approve, T["批准认领"]), (ClaimDecisions.Reject, T["驳回认领"])],
        QueueKind.Appeal => [(AppealDecisions.Uphold, T["申诉成立，恢复"]), (AppealDecisions.Reject, T["驳回申诉"])],
        QueueKind.Held => [(HeldDecisions.Release, T["发布"]), (HeldDecisions.Reject, T["拒绝"])],
        _ => [(CommentModeration.Approve, T["通过"]), (CommentModeration.Hide, T["隐藏"]), (CommentModeration.Delete, T["删除"])],
    };

    public (string Kind, string Label)[] KindFilters =>
    [
        ("", T["全部"]), ("report", T["举报"]), ("claim", T["认领"]), ("appeal", T["申诉"]), ("held", T["待发布文档"]),
        ("comment", T["待审评论"]), ("comment-report", T["被举报的评论"]),
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
        var (filter, _) = ReviewQueue.ParseFilter(T, type, null);
        if (filter?.Kind is not { } itemKind || decision is null || !Actions(itemKind).Any(a => a.Action == decision))
            return await RefuseAsync(400, T["没有这种操作。"], kind, hold, page, ct);
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
            Decision.Done done => await ListAsync(kind, hold, page, ct, message: done.Text(T)),
            Decision.NotFound => NotFound(),
            Decision.NotOpen => await RefuseAsync(409, T["此项已由他人处理，未作更改。"], kind, hold, page, ct),
            Decision.BadReason => await RefuseAsync(400, T.Text("请填写理由（最多 {0} 字）。", HeldDecisions.MaxReason), kind, hold, page, ct),
            Decision.BadAction => await RefuseAsync(400, T["没有这种操作。"], kind, hold, page, ct),
            Decision.NotAllowed no => await RefuseAsync(403, T.Text("你不能处理此项：{0}", no.Text(T)!), kind, hold, page, ct),
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
        var (filter, filterError) = ReviewQueue.ParseFilter(T, kind, hold);
        var number = ReviewQueue.ParsePage(page);
        if (filter is null || number is null)
        {
            Response.StatusCode = 400;
            Error = filterError ?? T.Text("页码须为 1 到 {0}。", ReviewQueue.MaxPage);
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
