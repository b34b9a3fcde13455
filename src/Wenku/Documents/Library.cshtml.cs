using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Wenku.Accounts;
using Wenku.Data;

namespace Wenku.Documents;

/// <summary>
/// "My library" (<c>/me/library</c>): the reader's favourites, purchases and recently read documents, one tab at a
/// time (<c>?tab=</c>), each paged. Only published documents are listed (one taken down drops out).
/// </summary>
[Authorize]
public sealed class LibraryModel(WenkuDb db) : PageModel
{
    public enum Tab { Favourites, Purchases, Recent }

    public Tab Current { get; private set; }
    public DocListPage List { get; private set; } = null!;
    public IReadOnlyDictionary<Tab, int> Counts { get; private set; } = new Dictionary<Tab, int>();

    /// <summary>For <see cref="Tab.Recent"/>: the page each document was left at.</summary>
    public IReadOnlyDictionary<long, int> LastPages { get; private set; } = new Dictionary<long, int>();

    public static string Slug(Tab tab) => tab.ToString().ToLowerInvariant();

    public static string Link(Tab tab, int page = 1) => $"/me/library?tab={Slug(tab)}" + (page > 1 ? $"&page={page}" : "");

    public async Task OnGetAsync([FromQuery(Name = "tab")] string? tab, [FromQuery(Name = "page")] int? page, CancellationToken ct)
    {
        Current = Enum.GetValues<Tab>().FirstOrDefault(t => string.Equals(Slug(t), tab, StringComparison.OrdinalIgnoreCase));
        var userId = User.UserId()!;
        var ready = db.Documents.AsNoTracking().Where(d => d.Status == DocumentStatus.Ready);
        var favourites = db.Favourites.Where(f => f.UserId == userId)
            .Join(ready, f => f.DocumentId, d => d.Id, (f, d) => new { At = f.CreatedAt, Doc = d });
        var purchases = db.Entitlements.Where(e => e.UserId == userId)
            .Join(ready, e => e.DocumentId, d => d.Id, (e, d) => new { At = e.GrantedAt, Doc = d });
        var recent = db.ReadingProgress.Where(r => r.UserId == userId)
            .Join(ready, r => r.DocumentId, d => d.Id, (r, d) => new { At = r.UpdatedAt, Doc = d });
        Counts = new Dictionary<Tab, int>
        {
            [Tab.Favourites] = await favourites.CountAsync(ct),
            [Tab.Purchases] = await purchases.CountAsync(ct),
            [Tab.Recent] = await recent.CountAsync(ct),
        };
        var chosen = Current switch { Tab.Purchases => purchases, Tab.Recent => recent, _ => favourites };
        List = await DocListPage.LoadOrderedAsync(chosen.OrderByDescending(x => x.At).ThenByDescending(x => x.Doc.Id).Select(x => x.Doc), page, ct);
        if (Current == Tab.Recent)
        {
            var ids = List.Documents.Select(d => d.Id).ToList();
            LastPages = await db.ReadingProgress.Where(r => r.UserId == userId && ids.Contains(r.DocumentId))
                .ToDictionaryAsync(r => r.DocumentId, r => r.Page, ct);
        }
    }
}
