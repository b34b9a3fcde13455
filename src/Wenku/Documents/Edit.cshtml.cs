using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Localization;
using Wenku.Data;
using Wenku.Web.Localization;


namespace Wenku.Documents;

/// <summary>
/// <c>/d/{id}/edit</c>: the uploader (or staff) changes a document's title, description, category, tags, price and
/// preview pages — the API's PATCH through the same <see cref="DocumentChanges"/>. A price change applies to later buyers only.
/// </summary>
[Authorize]
[EnableRateLimiting(DocumentChangeLimits.Policy)]
public sealed class EditModel(WenkuDb db, DocumentChanges changes, IStringLocalizer<SharedResource> T) : PageModel
{
    public Document Document { get; private set; } = null!;
    public IReadOnlyList<Category> Categories { get; private set; } = [];
    public Dictionary<string, string> Errors { get; private set; } = [];
    public string? Message { get; private set; }

    [BindProperty] public string? Title { get; set; }
    [BindProperty] public string? Description { get; set; }
    [BindProperty] public string? Category { get; set; }
    [BindProperty] public string? Tags { get; set; }
    [BindProperty] public int? Price { get; set; }
    [BindProperty] public int? PreviewPages { get; set; }

    public async Task<IActionResult> OnGetAsync(long id, CancellationToken ct)
    {
        if (await FindAsync(id, ct) is { } refused) return refused;
        (Title, Description, Category, Tags, Price, PreviewPages) =
            (Document.Title, Document.Description, Document.Category.Slug, Document.Tags, Document.Price, Document.PreviewPages);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(long id, CancellationToken ct)
    {
        // A field left out stays as it is (as in the API's PATCH); a field sent empty is emptied (binding makes it null).
        string? Sent(string name, string? value) => Request.Form.ContainsKey(name) ? value ?? "" : null;
        var edit = new DocumentEdit(Sent(nameof(Title), Title), Sent(nameof(Description), Description), Sent(nameof(Category), Category),
            Sent(nameof(Tags), Tags), Price, PreviewPages);
        // "abc" or "1.5" for a number does not bind (it arrives as null, which means "unchanged"): refuse it instead of
        // saving the rest and saying nothing about the price.
        var unreadable = new Dictionary<string, string>();
        if (!Bound(nameof(Price))) unreadable["price"] = DocumentRules.PriceRefused(T);
        if (!Bound(nameof(PreviewPages))) unreadable["previewPages"] = DocumentRules.PreviewPagesRefused(T);
        var result = unreadable.Count > 0 ? new ChangeResult(ChangeOutcome.Invalid, null, unreadable) : await changes.EditAsync(id, edit, User, ct);
        switch (result.Outcome)
        {
            case ChangeOutcome.Done: return Redirect($"/me?edited={id}");
            case ChangeOutcome.Gone: return StatusCode(410);
            case ChangeOutcome.Forbidden: return Forbid();
            case ChangeOutcome.NotFound: return NotFound();
        }
        if (await FindAsync(id, ct) is { } refused) return refused;
        (Title, Description, Category, Tags) = (Title ?? Document.Title, Description ?? Document.Description, Category ?? Document.Category.Slug, Tags ?? Document.Tags);
        Errors = result.Errors ?? [];
        Message = result.Blocked ? Errors.Values.First() : null;
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }

    private bool Bound(string field) => ModelState[field] is not { ValidationState: Microsoft.AspNetCore.Mvc.ModelBinding.ModelValidationState.Invalid };

    /// <summary>Loads the document and the categories; the answer when the reader may not edit it.</summary>
    private async Task<IActionResult?> FindAsync(long id, CancellationToken ct)
    {
        var doc = await db.Documents.AsNoTracking().Include(d => d.Category).SingleOrDefaultAsync(d => d.Id == id, ct);
        if (doc is not null && DocumentAccess.IsRemoved(doc)) return StatusCode(410);
        if (doc is null || !DocumentAccess.CanView(doc, User)) return NotFound();
        if (!DocumentAccess.IsOwnerOrStaff(doc, User)) return Forbid();
        Document = doc;
        Categories = await db.Categories.AsNoTracking().OrderBy(c => c.SortOrder).ToListAsync(ct);
        return null;
    }
}
