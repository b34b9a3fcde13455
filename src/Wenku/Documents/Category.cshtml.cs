using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Wenku.Data;

namespace Wenku.Documents;

public sealed class CategoryModel(WenkuDb db, PreparedSqliteReads prepared) : PageModel
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
        // Prepared statements on SQLite, compiled queries on PostgreSQL (DocumentReads), in DocListPage.LoadAsync's order: newest first.
        List = await DocumentReads.CategoryListAsync(db, prepared, category.Id, page, ct);
        return Page();
    }
}
