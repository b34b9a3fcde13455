using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Wenku.Data;

namespace Wenku.Documents;

public sealed class UploaderModel(WenkuDb db) : PageModel
{
    public string Id { get; private set; } = "";
    public string Name { get; private set; } = "";
    public DateTime Joined { get; private set; }
    public DocListPage List { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(string id, [FromQuery(Name = "page")] int? page, CancellationToken ct)
    {
        var user = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == id, ct);
        if (user is null) return NotFound();
        (Id, Name, Joined) = (user.Id, user.DisplayName, user.CreatedAt);
        var docs = db.Documents.AsNoTracking().Where(d => d.UploaderId == id && d.Status == DocumentStatus.Ready);
        List = await DocListPage.LoadAsync(docs, page, ct);
        return Page();
    }
}
