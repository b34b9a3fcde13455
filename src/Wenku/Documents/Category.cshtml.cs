using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Wenku.Data;

namespace Wenku.Documents;

public sealed class CategoryModel(WenkuDb db) : PageModel
{
    public string Slug { get; private set; } = "";
    public string Name { get; private set; } = "";
    public DocListPage List { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(string slug, [FromQuery(Name = "page")] int? page, CancellationToken ct)
    {
        await db.Database.OpenConnectionAsync(ct); // one connection for the page's queries, not one each
        Category? category = await DocumentReads.CategoryBySlug(db, slug, ct);
        if (category is null) return NotFound();
        (Slug, Name) = (category.Slug, category.Name);
        // Compiled queries (DocumentReads), in DocListPage.LoadAsync's order: newest first.
        var id = category.Id;
        List = await DocumentReads.ListPageAsync(DocumentReads.CategoryCount(db, id, ct), skip => DocumentReads.CategoryPage(db, id, skip, DocListPage.PageSize), page, ct);
        return Page();
    }
}
