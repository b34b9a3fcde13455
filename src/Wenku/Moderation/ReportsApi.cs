using Microsoft.Extensions.Localization;
using Wenku.Web.Localization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Wenku.Accounts;
using Wenku.Web;

namespace Wenku.Moderation;

/// <summary>A report (举报) as the API takes it.</summary>
/// <param name="Reason">infringement | pornography | illegal | spam | duplicate | other.</param>
/// <param name="Details">What is wrong (at most 2,000 characters; required with <c>other</c>).</param>
/// <param name="OriginalTitle">Infringement: the original work's title (this or <c>originalLink</c> is required).</param>
/// <param name="OriginalLink">Infringement: a link to the original work, or its ISBN.</param>
/// <param name="Contact">Infringement (required): how to reach the rights holder.</param>
/// <param name="CommentId">Report one comment of the document instead of the document.</param>
public sealed record ReportRequest(string? Reason, string? Details, string? OriginalTitle = null, string? OriginalLink = null,
    string? Contact = null, long? CommentId = null);

public sealed record ReportCreated(long Id);

/// <summary>A moderator's decision: <c>action</c> is <c>dismiss</c> or <c>remove</c>; <c>reason</c> is required (shown to the reporter).</summary>
public sealed record DecisionRequest(string? Action, string? Reason);

/// <summary>The report after the decision: <c>state</c> is <c>open</c>, <c>dismissed</c> or <c>actioned</c>.</summary>
public sealed record ReportDecided(long Id, string State);

public static class ReportsApi
{
    public static void MapReportsApi(this RouteGroupBuilder api)
    {
        api.MapPost("/documents/{id:long}/reports", FileAsync)
            .RequireAuthorization()
            .RequireRateLimiting(RateLimits.Reports)
            .DisableAntiforgery() // bearer tokens only, never the cookie
            .WithSummary("Report a document or one of its comments")
            .WithDescription("JSON `{\"reason\": \"infringement|pornography|illegal|spam|duplicate|other\", \"details\": \"…\"}`; for infringement also `originalTitle` or `originalLink` (a link or ISBN) and `contact` (required); `commentId` reports one comment of the document. 201 `{\"id\"}`; 400 names the wrong field (`errors`); 404 no such (visible) document or comment; 410 removed; 403 one's own document or comment; 409 the caller has an open report of it already; 429 more than the hourly limit of reports.");
        api.MapPost("/moderation/reports/{id:long}/decision", DecideAsync)
            .RequireAuthorization(Roles.StaffPolicy)
            .DisableAntiforgery()
            .WithSummary("Decide a report (staff)")
            .WithDescription("JSON `{\"action\": \"dismiss|remove\", \"reason\": \"…\"}`. `dismiss` closes it (the reporter is told); `remove` takes the document down (with the report's reason as the public category; every open report of it is closed) or, for a comment report, hides the comment. 200 `{\"id\", \"state\"}`; 400 a wrong action or no reason; 404; 409 decided already.");
    }

    private static async Task<Results<Created<ReportCreated>, ValidationProblem, ProblemHttpResult, NotFound>> FileAsync(
        long id, ReportRequest? body, HttpContext http, ReportFiling filing, IStringLocalizer<SharedResource> T, CancellationToken ct)
    {
        if (body is null)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["reason"] = [T["请求体须为含 reason 的 JSON。"]] });
        var form = new ReportForm(body.Reason, body.Details, body.OriginalTitle, body.OriginalLink, body.Contact, body.CommentId);
        return await filing.FileAsync(id, form, http.User.UserId()!, ct) switch
        {
            ReportFilingOutcome.Done done => TypedResults.Created($"/me/reports#report-{done.Report.Id}", new ReportCreated(done.Report.Id)),
            ReportFilingOutcome.Invalid bad => TypedResults.ValidationProblem(new Dictionary<string, string[]> { [bad.Field] = [bad.Message] }, title: bad.Message),
            ReportFilingOutcome.AlreadyOpen open => TypedResults.Problem(statusCode: 409, title: ReportFiling.AlreadyReported(T),
                extensions: new Dictionary<string, object?> { ["reportId"] = open.ReportId }),
            ReportFilingOutcome.OwnContent own => TypedResults.Problem(statusCode: 403, title: own.Message),
            ReportFilingOutcome.Gone => TypedResults.Problem(statusCode: 410, title: T["该文档已被下架。"]),
            _ => TypedResults.NotFound(),
        };
    }

    private static async Task<Results<Ok<ReportDecided>, ProblemHttpResult, NotFound>> DecideAsync(
        long id, DecisionRequest? body, HttpContext http, ReportDecisions decisions, Data.WenkuDb db, IStringLocalizer<SharedResource> T, CancellationToken ct)
    {
        var decision = await decisions.DecideAsync(id, body?.Action ?? "", body?.Reason, http.User.UserId()!, ct);
        switch (decision)
        {
            case Decision.Done:
                var state = await db.Reports.Where(r => r.Id == id).Select(r => r.State).SingleAsync(ct);
                return TypedResults.Ok(new ReportDecided(id, state.ToString().ToLowerInvariant()));
            case Decision.NotFound: return TypedResults.NotFound();
            case Decision.NotOpen: return TypedResults.Problem(statusCode: 409, title: T["这条举报已处理过。"]);
            case Decision.BadAction: return TypedResults.Problem(statusCode: 400, title: T["操作须为 dismiss 或 remove。"]);
            case Decision.BadReason:
                return TypedResults.Problem(statusCode: 400, title: T.Text("请填写理由（1–{0} 字）。", ReportDecisions.MaxReason));
            case Decision.NotAllowed no: return TypedResults.Problem(statusCode: 403, title: no.Text(T));
            default: throw new InvalidOperationException($"Unexpected decision {decision}");
        }
    }
}
