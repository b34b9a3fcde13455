using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Wenku.Data;
using Wenku.Documents;

namespace Wenku.Discovery;

/// <summary>
/// <c>/embed/{id}</c>: the viewer other sites put in an iframe — the title, the preview pages and a link to the
/// document page; no header, comments or forms. Frameable by any site (<see cref="FindAndEmbed.AddFindAndEmbed"/>);
/// 404 for a document that is missing or not public, 410 for one taken down, like the document page.
/// </summary>
public sealed class EmbedModel(WenkuDb db) : PageModel
{
    public Document Doc { get; private set; } = null!;
    public IReadOnlyList<DocumentPage> Pages { get; private set; } = [];
    public bool Removed { get; private set; }

    public async Task<IActionResult> OnGetAsync(long id, CancellationToken ct)
    {
        var doc = await db.Documents.AsNoTracking().Include(d => d.Uploader).SingleOrDefaultAsync(d => d.Id == id, ct);
        if (doc is not null && DocumentAccess.IsRemoved(doc))
        {
            Doc = doc;
            Removed = true;
            Response.StatusCode = StatusCodes.Status410Gone;
            return Page();
        }
        // Only public documents are embedded: a frame on another site has no business with a held or failed one.
        if (doc is null || doc.Status != DocumentStatus.Ready) return NotFound();
        Doc = doc;
        // The preview pages, whoever looks: an embed is a public preview, not the reader's own purchase.
        var preview = Math.Min(doc.PreviewPages, doc.PageCount);
        Pages = await db.DocumentPages.AsNoTracking().Where(p => p.DocumentId == id && p.Number <= preview).OrderBy(p => p.Number)
            .Select(p => new DocumentPage { DocumentId = p.DocumentId, Number = p.Number, Width = p.Width, Height = p.Height })
            .ToListAsync(ct);
        return Page();
    }
}
