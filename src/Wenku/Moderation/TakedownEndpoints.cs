using Microsoft.Extensions.Localization;
using Wenku.Web.Localization;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Wenku.Accounts;
using Wenku.Data;
using Wenku.Documents;

namespace Wenku.Moderation;

/// <summary>A moderator's restore of a removed document: why (required, at most 500 characters).</summary>
public sealed record RestoreRequest(string? Reason);

/// <summary>A decision on an appeal: <c>action</c> <c>uphold</c> (restore the document) or <c>reject</c>, and why.</summary>
public sealed record AppealDecisionRequest(string? Action, string? Reason);

/// <summary>What a decision came to: the item and a sentence for people.</summary>
public sealed record DecisionDone(long Id, string Message);

/// <summary>
/// Takedown (下架), restore and appeal: the document page's forms (staff remove and restore, the uploader appeals) and
/// the API's <c>POST /api/v1/documents/{id}/restore</c> and <c>POST /api/v1/moderation/appeals/{id}/decision</c>.
/// </summary>
public static class TakedownEndpoints
{
    public static void MapTakedownEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/d/{id:long}/remove", RemoveFormAsync).RequireAuthorization(Roles.StaffPolicy)
            .WithMetadata(new RequireAntiforgeryTokenAttribute()).ExcludeFromDescription();
        app.MapPost("/d/{id:long}/restore", RestoreFormAsync).RequireAuthorization(Roles.StaffPolicy)
            .WithMetadata(new RequireAntiforgeryTokenAttribute()).ExcludeFromDescription();
        app.MapPost("/d/{id:long}/appeal", AppealFormAsync).RequireAuthorization().RequireRateLimiting(Web.RateLimits.Comments)
            .WithMetadata(new RequireAntiforgeryTokenAttribute()).ExcludeFromDescription();

        var api = app.MapGroup("/api/v1").WithTags("Wenku").RequireAuthorization(Roles.StaffPolicy).DisableAntiforgery();
        api.MapPost("/documents/{id:long}/restore", RestoreAsync)
            .WithSummary("Restore a removed document (staff)")
            .WithDescription("JSON `{\"reason\": \"…\"}` (required, at most 500 characters). Brings the document back to the status it had before its removal (search, lists and pages follow at once) and tells its uploader. 200 with the document; 409 when it is not removed; 410 when the retention period passed and its files were deleted.");
        api.MapPost("/moderation/appeals/{id:long}/decision", DecideAppealAsync)
            .WithSummary("Decide an uploader's appeal against a removal (staff)")
            .WithDescription("JSON `{\"action\": \"uphold|reject\", \"reason\": \"…\"}`. `uphold` restores the document; `reject` keeps it removed; the uploader is told either way. 403 for the moderator who removed the document; 409 when the appeal was decided already.");
    }

    /// <summary>The category as a form or the API names it (<c>infringement</c> … <c>uploader-banned</c>).</summary>
    public static bool TryParseCategory(string? code, out RemovalCategory category)
    {
        foreach (var c in Enum.GetValues<RemovalCategory>())
            if (string.Equals(RemovedDocuments.Code(c), code?.Trim(), StringComparison.OrdinalIgnoreCase)) { category = c; return true; }
        category = RemovalCategory.Other;
        return false;
    }

    private static async Task<IResult> RemoveFormAsync(long id, [FromForm] string? category, [FromForm] string? reason, HttpContext http,
        DocumentRemovals removals, CancellationToken ct)
    {
        if (!TryParseCategory(category, out var parsed)) return Results.Redirect($"/d/{id}?takedown=reason#takedown");
        return await removals.RemoveAsync(id, parsed, reason, http.User.UserId()!, ct) switch
        {
            RemovalOutcome.NotFound => Results.NotFound(),
            RemovalOutcome.BadReason => Results.Redirect($"/d/{id}?takedown=reason#takedown"),
            _ => Results.Redirect($"/d/{id}?takedown=removed"), // done, or removed meanwhile: the 410 page says which
        };
    }

    private static async Task<IResult> RestoreFormAsync(long id, [FromForm] string? reason, HttpContext http, DocumentRemovals removals, CancellationToken ct) =>
        await removals.RestoreAsync(id, reason, http.User.UserId()!, ct) switch
        {
            RestoreOutcome.NotFound => Results.NotFound(),
            RestoreOutcome.BadReason => Results.Redirect($"/d/{id}?takedown=reason#restore-form"),
            RestoreOutcome.FilesGone => Results.Redirect($"/d/{id}?takedown=filesgone"),
            _ => Results.Redirect($"/d/{id}"),
        };

    private static async Task<IResult> AppealFormAsync(long id, [FromForm] string? statement, HttpContext http, Appeals appeals, CancellationToken ct) =>
        await appeals.FileAsync(id, statement, http.User.UserId()!, ct) switch
        {
            AppealOutcome.Done => Results.Redirect($"/d/{id}?takedown=appealed#appeal"),
            AppealOutcome.AlreadyAppealed => Results.Redirect($"/d/{id}?takedown=already#appeal"),
            AppealOutcome.BadStatement => Results.Redirect($"/d/{id}?takedown=statement#appeal-form"),
            AppealOutcome.FilesGone => Results.Redirect($"/d/{id}?takedown=filesgone"),
            AppealOutcome.NotYours => Results.StatusCode(StatusCodes.Status403Forbidden),
            _ => Results.NotFound(),
        };

    private static async Task<Results<Ok<DocumentDto>, NotFound, ProblemHttpResult>> RestoreAsync(long id, RestoreRequest? body, HttpContext http,
        DocumentRemovals removals, WenkuDb db, IStringLocalizer<SharedResource> T, CancellationToken ct)
    {
        switch (await removals.RestoreAsync(id, body?.Reason, http.User.UserId()!, ct))
        {
            case RestoreOutcome.Done:
                var doc = await db.Documents.AsNoTracking().Include(d => d.Category).Include(d => d.Uploader).SingleAsync(d => d.Id == id, ct);
                return TypedResults.Ok(DocumentsApi.ToDto(doc));
            case RestoreOutcome.NotFound:
                return TypedResults.NotFound();
            case RestoreOutcome.NotRemoved:
                return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: T["此文档未被下架。"]);
            case RestoreOutcome.FilesGone:
                return TypedResults.Problem(statusCode: StatusCodes.Status410Gone,
                    title: T["保留期已过，文件已删除，无法恢复。"],
                    extensions: new Dictionary<string, object?> { ["filesDeleted"] = true });
            default:
                return ReasonRequired(T);
        }
    }

    private static async Task<Results<Ok<DecisionDone>, NotFound, ProblemHttpResult>> DecideAppealAsync(long id, AppealDecisionRequest? body,
        HttpContext http, AppealDecisions decisions, IStringLocalizer<SharedResource> T, CancellationToken ct) =>
        await decisions.DecideAsync(id, body?.Action?.Trim().ToLowerInvariant() ?? "", body?.Reason, http.User.UserId()!, ct) switch
        {
            Decision.Done done => TypedResults.Ok(new DecisionDone(id, done.Text(T)!)),
            Decision.NotFound => TypedResults.NotFound(),
            Decision.NotOpen => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: T["此申诉已处理。"]),
            Decision.NotAllowed notAllowed => TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: notAllowed.Text(T)),
            Decision.BadAction => TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest,
                title: T["action 只能是 uphold 或 reject。"]),
            _ => ReasonRequired(T),
        };

    private static ProblemHttpResult ReasonRequired(IStringLocalizer T) => TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest,
        title: T.Text("请填写理由（最多 {0} 字）。", DocumentRemoval.MaxReason));
}
