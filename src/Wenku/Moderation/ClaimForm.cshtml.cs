using Microsoft.Extensions.Localization;
using Wenku.Web.Localization;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.EntityFrameworkCore;
using Wenku.Accounts;
using Wenku.Data;
using Wenku.Documents;
using Wenku.Web;

namespace Wenku.Moderation;

/// <summary>
/// 认领 Claim a document: the statement, an optional evidence file, and the choice of moving the document to oneself
/// (the default) or having it removed. Signed-in readers, not the uploader; one open claim per reader and document.
/// </summary>
[Authorize(AuthenticationSchemes = Authentication.Cookie)]
[RequestSizeLimit(ClaimFiling.MaxEvidenceBytes + 1024 * 1024)]
[EnableRateLimiting(RateLimits.Claims)] // the policy counts posts only
public sealed class ClaimFormModel(WenkuDb db, ClaimFiling filing, IStringLocalizer<SharedResource> T) : PageModel
{
    [BindProperty] public string Statement { get; set; } = "";

    /// <summary><c>transfer</c> (move the document to me) or <c>removal</c>.</summary>
    [BindProperty] public string Outcome { get; set; } = "transfer";

    [BindProperty] public IFormFile? Evidence { get; set; }

    public Document Doc { get; private set; } = null!;
    public Claim? Open { get; private set; }
    public bool IsUploader { get; private set; }
    public IReadOnlyList<string> Errors { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(long id, CancellationToken ct)
    {
        if (await LoadAsync(id, ct) is { } refused) return refused;
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(long id, CancellationToken ct)
    {
        if (await LoadAsync(id, ct) is { } refused) return refused;
        if (Outcome is not ("transfer" or "removal")) return Refuse(400, T["请选择认领后的处理方式。"]);
        await using var content = Evidence?.OpenReadStream();
        var evidence = Evidence is null ? null : new EvidenceUpload(content!, Evidence.Length, Evidence.FileName);
        var outcome = await filing.FileAsync(id, User.UserId()!, Statement, Outcome == "removal", evidence, ct);
        if (outcome is ClaimFilingOutcome.Done done) return Redirect($"/me/claims?filed={done.Claim.Id}");
        var problem = ClaimEndpoints.Problem(outcome, T).ProblemDetails;
        if (outcome is ClaimFilingOutcome.AlreadyOpen) await LoadAsync(id, ct);
        return Refuse(problem.Status ?? 400, problem.Title ?? "");
    }

    private async Task<IActionResult?> LoadAsync(long id, CancellationToken ct)
    {
        if (await filing.ClaimableAsync(id, ct) is not { } doc) return NotFound();
        Doc = doc;
        var userId = User.UserId()!;
        if (doc.UploaderId == userId)
        {
            IsUploader = true;
            Errors = [T["不能认领自己上传的文档。"]];
            Response.StatusCode = StatusCodes.Status403Forbidden;
            return Page();
        }
        Open = await db.Claims.AsNoTracking().FirstOrDefaultAsync(c => c.DocumentId == id && c.ClaimantId == userId && c.State == ClaimState.Open, ct);
        return null;
    }

    private PageResult Refuse(int status, string error)
    {
        Errors = [error];
        Response.StatusCode = status;
        return Page();
    }
}
