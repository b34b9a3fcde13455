using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Wenku.Accounts;
using Wenku.Data;

namespace Wenku.Documents;

/// <summary>The uploader's own documents, with conversion status, views and downloads.</summary>
[Authorize]
public sealed class MineModel(WenkuDb db, DocumentAccess access) : PageModel
{
    public IReadOnlyList<Document> Documents { get; private set; } = [];

    /// <summary>The near-duplicate originals the reader may follow a link to (<see cref="DocumentAccess.VisibleNearDuplicatesAsync"/>).</summary>
    public IReadOnlySet<long> LinkableOriginals { get; private set; } = new HashSet<long>();

    public async Task OnGetAsync(CancellationToken ct)
    {
        var userId = User.UserId();
        Documents = await db.Documents.AsNoTracking().Where(d => d.UploaderId == userId)
            .OrderByDescending(d => d.CreatedAt).ThenByDescending(d => d.Id).Take(500).ToListAsync(ct);
        LinkableOriginals = await access.VisibleNearDuplicatesAsync(Documents, User, ct);
    }
}
