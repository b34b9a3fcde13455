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
        var category = await db.Categories.AsNoTracking().SingleOrDefaultAsync(c => c.Slug == slug, ct);
        if (category is null) return NotFound();
        (Slug, Name) = (category.Slug, category.Name);
        var docs = db.Documents.AsNoTracking().Where(d => d.CategoryId == category.Id && d.Status == DocumentStatus.Ready);
        List = await DocListPage.LoadAsync(docs, page, ct);
        return Page();
    }
}
