using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Wenku.Data;
using Wenku.Documents;

namespace Wenku.Web;

public sealed class IndexModel(WenkuDb db) : PageModel
{
    public sealed record CategoryCount(string Slug, string Name, int Count);

    public IReadOnlyList<CategoryCount> Categories { get; private set; } = [];
    public IReadOnlyList<DocSummary> Latest { get; private set; } = [];
    public IReadOnlyList<DocSummary> Popular { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken ct)
    {
        var ready = db.Documents.AsNoTracking().Where(d => d.Status == DocumentStatus.Ready);
        var counts = await ready.GroupBy(d => d.CategoryId).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(x => x.Key, x => x.Count, ct);
        Categories = (await db.Categories.AsNoTracking().OrderBy(c => c.SortOrder).ToListAsync(ct))
            .Select(c => new CategoryCount(c.Slug, c.Name, counts.GetValueOrDefault(c.Id))).ToList();
        Latest = await DocSummary.Project(ready.OrderByDescending(d => d.CreatedAt).ThenByDescending(d => d.Id)).Take(12).ToListAsync(ct);
        Popular = await DocSummary.Project(ready.OrderByDescending(d => d.Downloads).ThenByDescending(d => d.Views).ThenBy(d => d.Id)).Take(10).ToListAsync(ct);
    }
}
