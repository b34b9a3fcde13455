using Microsoft.Extensions.Localization;
using Wenku.Web.Localization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Wenku.Accounts;
using Wenku.Data;
using Wenku.Documents;
using Wenku.Storage;
using Wenku.Web;

namespace Wenku.Moderation;

/// <summary>The answer to a claim: its id.</summary>
public sealed record ClaimFiled(long Id);

/// <summary>A moderator's decision on a claim: <c>action</c> <c>approve</c> or <c>reject</c>, and the reason (required, shown to the claimant).</summary>
public sealed record ClaimDecisionRequest(string? Action, string? Reason);

/// <summary>The claim after the decision: <c>state</c> is <c>approved</c> or <c>rejected</c>.</summary>
public sealed record ClaimDecided(long Id, string State);

public static class ClaimEndpoints
{
    /// <summary>The API: filing a claim (signed-in readers) and deciding one (staff).</summary>
    public static void MapClaimsApi(this RouteGroupBuilder api)
    {
        api.MapPost("/documents/{id:long}/claims", FileAsync).RequireAuthorization()
            .RequireRateLimiting(RateLimits.Claims)
            .DisableAntiforgery() // bearer tokens only
            .WithSummary("Claim a document as your work")
            .WithDescription($"""
                Multipart form: `statement` (required, up to {Claim.MaxStatement} characters: who you are and why this is your work),
                `evidence` (optional file up to 10 MB: PDF, JPEG, PNG, DOCX or plain text, told from its content; seen by staff only),
                `removal` (optional, `true`: ask for the document to be removed instead of moved to you). A moderator decides; approved,
                the document and its earnings move to you (or it is removed). 201 `{"{"}"id"{"}"}`; 400 naming the field; 403 for the
                document's own uploader; 404 for a document that is not published; 409 when you have an open claim on it; 413 evidence too
                large; 415 evidence in another format.
                """);
        api.MapPost("/moderation/claims/{id:long}/decision", DecideAsync).RequireAuthorization(Roles.StaffPolicy)
            .DisableAntiforgery() // bearer tokens only
            .WithSummary("Decide a claim (staff)")
            .WithDescription("""
                Body `{"action": "approve|reject", "reason": "…"}` (the reason is required, up to 500 characters, and shown to the
                claimant). `approve` moves the document to the claimant with its past earnings (or removes it for infringement when the
                claimant asked for that); `reject` changes nothing but the claim. 200 `{"id", "state"}`; 400 for a missing reason or an
                unknown action; 404; 409 when the claim was decided already or cannot be approved now (the title says why).
                """);
    }

    /// <summary>The site: the evidence file, for staff (the review queue links it).</summary>
    public static void MapClaimEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/admin/claims/{id:long}/evidence", EvidenceAsync).RequireAuthorization(Roles.StaffPolicy).ExcludeFromDescription();
    }

    private static async Task<Results<Created<ClaimFiled>, ProblemHttpResult>> FileAsync(long id, HttpRequest request, ClaimFiling filing, IStringLocalizer<SharedResource> T, CancellationToken ct)
    {
        if (!request.HasFormContentType)
            return TypedResults.Problem(statusCode: 400, title: T["请以 multipart 表单提交（statement，可选 evidence 文件）。"]);
        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(ct);
        }
        catch (Exception e) when (e is InvalidDataException || (e is IOException && e is not BadHttpRequestException))
        {
            return TypedResults.Problem(statusCode: 400, title: T["表单无法读取。"], detail: e.Message);
        }
        var statement = form["statement"].ToString();
        if (string.IsNullOrWhiteSpace(statement))
            return TypedResults.Problem(statusCode: 400, title: T["请填写认领说明（statement）。"],
                extensions: new Dictionary<string, object?> { ["field"] = "statement" });
        var removal = false;
        if (form.TryGetValue("removal", out var removalText) && !bool.TryParse(removalText.ToString(), out removal))
            return TypedResults.Problem(statusCode: 400, title: T["removal 须为 true 或 false。"],
                extensions: new Dictionary<string, object?> { ["field"] = "removal" });
        var file = form.Files.GetFile("evidence");
        if (form.Files.Count > 0 && file is null)
            return TypedResults.Problem(statusCode: 400, title: T["证据文件的字段名须为 evidence。"],
                extensions: new Dictionary<string, object?> { ["field"] = "evidence" });
        await using var content = file?.OpenReadStream();
        var evidence = file is null ? null : new EvidenceUpload(content!, file.Length, file.FileName);
        var outcome = await filing.FileAsync(id, request.HttpContext.User.UserId()!, statement, removal, evidence, ct);
        return outcome switch
        {
            ClaimFilingOutcome.Done done => TypedResults.Created($"/me/claims#claim-{done.Claim.Id}", new ClaimFiled(done.Claim.Id)),
            _ => Problem(outcome, T),
        };
    }

    /// <summary>The problem a refused claim answers with (the API's; the claim page shows the same titles).</summary>
    public static ProblemHttpResult Problem(ClaimFilingOutcome outcome, IStringLocalizer T) => outcome switch
    {
        ClaimFilingOutcome.NotFound => TypedResults.Problem(statusCode: 404, title: T["文档不存在或未发布。"]),
        ClaimFilingOutcome.OwnDocument => TypedResults.Problem(statusCode: 403, title: T["不能认领自己上传的文档。"]),
        ClaimFilingOutcome.BadStatement => TypedResults.Problem(statusCode: 400,
            title: T.Text("认领说明须为 1–{0} 字。", Claim.MaxStatement),
            extensions: new Dictionary<string, object?> { ["field"] = "statement" }),
        ClaimFilingOutcome.EvidenceTooLarge => TypedResults.Problem(statusCode: 413,
            title: T["证据文件不能超过 10 MB。"], extensions: new Dictionary<string, object?> { ["field"] = "evidence" }),
        ClaimFilingOutcome.EvidenceRefused refused => TypedResults.Problem(statusCode: 415,
            title: T.Text("证据文件须为 PDF、JPEG、PNG、DOCX 或纯文本；收到的是 {0}。", refused.What),
            extensions: new Dictionary<string, object?> { ["field"] = "evidence" }),
        ClaimFilingOutcome.AlreadyOpen open => TypedResults.Problem(statusCode: 409,
            title: T.Text("你对该文档的认领 #{0} 正在处理中。", open.ClaimId),
            extensions: new Dictionary<string, object?> { ["claim"] = open.ClaimId }),
        _ => throw new InvalidOperationException($"Unexpected outcome {outcome}"),
    };

    private static async Task<Results<Ok<ClaimDecided>, ProblemHttpResult>> DecideAsync(long id, [FromBody] ClaimDecisionRequest? body,
        HttpContext http, ClaimDecisions decisions, WenkuDb db, IStringLocalizer<SharedResource> T, CancellationToken ct)
    {
        var decision = await decisions.DecideAsync(id, body?.Action ?? "", body?.Reason, http.User.UserId()!, ct);
        if (decision is Decision.Done)
        {
            var state = await db.Claims.Where(c => c.Id == id).Select(c => c.State).SingleAsync(ct);
            return TypedResults.Ok(new ClaimDecided(id, state.ToString().ToLowerInvariant()));
        }
        return DecisionProblem(decision, T);
    }

    /// <summary>The problem a decision that changed nothing answers with.</summary>
    public static ProblemHttpResult DecisionProblem(Decision decision, IStringLocalizer T) => decision switch
    {
        Decision.NotFound => TypedResults.Problem(statusCode: 404, title: T["没有这个认领。"]),
        Decision.NotOpen => TypedResults.Problem(statusCode: 409, title: T["该认领已处理。"]),
        Decision.BadReason => TypedResults.Problem(statusCode: 400,
            title: T.Text("请填写理由（1–{0} 字）。", ClaimDecisions.MaxReason),
            extensions: new Dictionary<string, object?> { ["field"] = "reason" }),
        Decision.BadAction => TypedResults.Problem(statusCode: 400, title: T["action 须为 approve 或 reject。"],
            extensions: new Dictionary<string, object?> { ["field"] = "action" }),
        Decision.NotAllowed notAllowed => TypedResults.Problem(statusCode: 409, title: notAllowed.Text(T)),
        _ => throw new InvalidOperationException($"Unexpected decision {decision}"),
    };

    private static async Task<IResult> EvidenceAsync(long id, HttpContext http, WenkuDb db, IFileStore store, IStringLocalizer<SharedResource> T, CancellationToken ct)
    {
        var claim = await db.Claims.AsNoTracking().Where(c => c.Id == id)
            .Select(c => new { c.EvidenceKey, c.EvidenceFormat }).SingleOrDefaultAsync(ct);
        if (claim?.EvidenceKey is not { } key || await store.OpenReadAsync(key, ct) is not { } file)
            return TypedResults.Problem(statusCode: 404, title: T["该认领没有证据文件。"]);
        var format = claim.EvidenceFormat ?? "bin";
        http.Response.Headers.XContentTypeOptions = "nosniff";
        http.Response.Headers.CacheControl = "private, no-store";
        // A name we make (the sent one is shown on the queue as text): never a header built from user input.
        return TypedResults.Stream(file, FileSniffer.MediaTypeOf(format), $"claim-{id}-evidence.{format}");
    }
}
