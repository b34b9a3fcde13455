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
/// The 举报 form of a document (<c>/d/{id}/report</c>) or of one comment on it (<c>?comment={id}</c>): the reason, details,
/// and for infringement the original work and the rights holder's contact. Signed-in readers only; filing is rate-limited.
/// </summary>
[Authorize]
[EnableRateLimiting(RateLimits.Reports)]
public sealed class ReportPageModel(WenkuDb db, ReportFiling filing, IStringLocalizer<SharedResource> T) : PageModel
{
    [BindProperty] public string? Reason { get; set; }
    [BindProperty] public string? Details { get; set; }
    [BindProperty] public string? OriginalTitle { get; set; }
    [BindProperty] public string? OriginalLink { get; set; }
    [BindProperty] public string? Contact { get; set; }

    public Document Doc { get; private set; } = null!;
    /// <summary>The reported comment's author and text, when a comment is reported.</summary>
    public (long Id, string Author, string Body, string AuthorId)? Comment { get; private set; }
    public string? Error { get; private set; }
    /// <summary>The field the error is about (the form marks it).</summary>
    public string? ErrorField { get; private set; }
    /// <summary>Why no form is shown (an open report already, one's own content).</summary>
    public string? Refusal { get; private set; }

    public async Task<IActionResult> OnGetAsync(long id, long? comment, CancellationToken ct)
    {
        if (await LoadAsync(id, comment, ct) is { } missing) return missing;
        var userId = User.UserId()!;
        if (comment is null && Doc.UploaderId == userId) return Refuse(403, T["不能举报自己上传的文档。"]);
        if (comment is not null && Comment?.AuthorId == userId) return Refuse(403, T["不能举报自己的评论。"]);
        if (await db.Reports.AnyAsync(r => r.DocumentId == id && r.CommentId == comment && r.ReporterId == userId && r.State == ReportState.Open, ct))
            Refusal = ReportFiling.AlreadyReported(T);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(long id, long? comment, CancellationToken ct)
    {
        if (await LoadAsync(id, comment, ct) is { } missing) return missing;
        var outcome = await filing.FileAsync(id, new ReportForm(Reason, Details, OriginalTitle, OriginalLink, Contact, comment), User.UserId()!, ct);
        switch (outcome)
        {
            case ReportFilingOutcome.Done done: return Redirect($"/me/reports?filed={done.Report.Id}");
            case ReportFilingOutcome.Invalid bad:
                (Error, ErrorField) = (bad.Message, bad.Field);
                Response.StatusCode = 400;
                return Page();
            case ReportFilingOutcome.AlreadyOpen: return Refuse(409, ReportFiling.AlreadyReported(T));
            case ReportFilingOutcome.OwnContent own: return Refuse(403, own.Message);
            case ReportFilingOutcome.Gone: return StatusCode(410);
            default: return NotFound();
        }
    }

    private PageResult Refuse(int status, string message)
    {
        Refusal = message;
        Response.StatusCode = status;
        return Page();
    }

    /// <summary>Loads the document (and comment) as the reader may see them; a 404 or 410 result when they may not.</summary>
    private async Task<IActionResult?> LoadAsync(long id, long? commentId, CancellationToken ct)
    {
        var doc = await db.Documents.AsNoTracking().SingleOrDefaultAsync(d => d.Id == id, ct);
        if (doc is null) return NotFound();
        if (doc.Status == DocumentStatus.Removed) return StatusCode(410);
        if (doc.Status != DocumentStatus.Ready) return NotFound();
        Doc = doc;
        if (commentId is { } cid)
        {
            var userId = User.UserId();
            var c = await db.Comments.AsNoTracking().Where(c => c.Id == cid && c.DocumentId == id)
                .Select(c => new { c.Id, c.User.DisplayName, c.Body, c.State, c.UserId }).SingleOrDefaultAsync(ct);
            if (c is null || c.State == CommentState.Hidden || (c.State == CommentState.Pending && c.UserId != userId)) return NotFound();
            Comment = (c.Id, c.DisplayName, c.Body, c.UserId);
        }
        return null;
    }
}
