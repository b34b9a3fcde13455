using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Wenku.Data;

namespace Wenku.Documents;

public sealed class UploaderModel(WenkuDb db) : PageModel
{
    public const int PageSize = 20;
    public string Id { get; private set; } = "";
    public string Name { get; private set; } = "";
    public DateTime Joined { get; private set; }
    public int Total { get; private set; }
    public int PageNumber { get; private set; }
    public int Pages { get; private set; }
    public IReadOnlyList<DocSummary> Documents { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(string id, [FromQuery(Name = "page")] int? page, CancellationToken ct)
    {
        var user = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == id, ct);
        if (user is null) return NotFound();
        (Id, Name, Joined) = (user.Id, user.DisplayName, user.CreatedAt);
        var docs = db.Documents.AsNoTracking().Where(d => d.UploaderId == id && d.Status == DocumentStatus.Ready);
        Total = await docs.CountAsync(ct);
        Pages = Math.Max(1, (Total + PageSize - 1) / PageSize);
        PageNumber = Math.Clamp(page ?? 1, 1, Pages);
        Documents = await DocSummary.Project(docs.OrderByDescending(d => d.CreatedAt).ThenByDescending(d => d.Id))
            .Skip((PageNumber - 1) * PageSize).Take(PageSize).ToListAsync(ct);
        return Page();
    }
}
