using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.EntityFrameworkCore;
using Wenku.Data;

namespace Wenku.Documents;

/// <summary>
/// <c>/d/{id}/delete</c>: a confirmation (GET), then the delete (POST) with the API's DELETE semantics through
/// <see cref="DocumentChanges"/> — refused while buyers hold it, rows then files removed — and back to <c>/me</c>.
/// </summary>
[Authorize]
[EnableRateLimiting(DocumentChangeLimits.Policy)]
public sealed class DeleteModel(WenkuDb db, DocumentChanges changes) : PageModel
{
    public Document Document { get; private set; } = null!;
    public bool HasBuyers { get; private set; }

    public async Task<IActionResult> OnGetAsync(long id, CancellationToken ct)
    {
        var doc = await db.Documents.AsNoTracking().SingleOrDefaultAsync(d => d.Id == id, ct);
        if (doc is not null && DocumentAccess.IsRemoved(doc)) return StatusCode(410);
        if (doc is null || !DocumentAccess.CanView(doc, User)) return NotFound();
        if (!DocumentAccess.IsOwnerOrStaff(doc, User)) return Forbid();
        Document = doc;
        HasBuyers = await db.Purchases.AnyAsync(p => p.DocumentId == id && p.RefundedAt == null, ct);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(long id, CancellationToken ct)
    {
        var result = await changes.DeleteAsync(id, User, ct);
        switch (result.Outcome)
        {
            case ChangeOutcome.Done: return Redirect("/me?deleted=1");
            case ChangeOutcome.Gone: return StatusCode(410);
            case ChangeOutcome.Forbidden: return Forbid();
            case ChangeOutcome.HasBuyers:
                Document = result.Document!;
                HasBuyers = true;
                Response.StatusCode = StatusCodes.Status409Conflict;
                return Page();
            default: return NotFound();
        }
    }
}
