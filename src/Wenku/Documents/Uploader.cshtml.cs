using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Wenku.Accounts;
using Wenku.Data;

namespace Wenku.Documents;

/// <summary>
/// A user's public page at <c>/u/{slug}</c>. The older <c>/u/{id}</c> keeps working: it answers 301 to the slug (with
/// the same query), so links and search engines move over; a user without a slug yet is shown at their id.
/// </summary>
public sealed class UploaderModel(WenkuDb db) : PageModel
{
    /// <summary>The part of the URL that names the user: the slug, or the id until they have one.</summary>
    public string Id { get; private set; } = "";
    public string Name { get; private set; } = "";
    public DateTime Joined { get; private set; }
    public DocListPage List { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(string id, [FromQuery(Name = "page")] int? page, CancellationToken ct)
    {
        await db.Database.OpenConnectionAsync(ct); // one connection for the page's queries, not one each
        WenkuUser? user = await DocumentReads.UserBySlug(db, id, ct) ?? await DocumentReads.UserById(db, id, ct);
        if (user is null) return NotFound();
        if (!string.IsNullOrEmpty(user.Slug) && user.Slug != id) return RedirectPermanent(UserLinks.Url(user) + Request.QueryString);
        (Id, Name, Joined) = (user.Slug ?? user.Id, user.DisplayName, user.CreatedAt);
        // Compiled queries (DocumentReads), in DocListPage.LoadAsync's order: newest first.
        var uploaderId = user.Id;
        List = await DocumentReads.ListPageAsync(DocumentReads.UploaderCount(db, uploaderId, ct), skip => DocumentReads.UploaderPage(db, uploaderId, skip, DocListPage.PageSize), page, ct);
        return Page();
    }
}
