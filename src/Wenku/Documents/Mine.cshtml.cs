using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Wenku.Accounts;
using Wenku.Data;
using Wenku.Web.Localization;

namespace Wenku.Documents;

/// <summary>The uploader's own documents, with conversion status, views, downloads and sales.</summary>
[Authorize]
public sealed class MineModel(WenkuDb db, DocumentAccess access, Microsoft.Extensions.Localization.IStringLocalizer<SharedResource> T) : PageModel
{
    /// <summary>What the page says about the step before it (a delete, an edit, a batch of uploads), from the query.</summary>
    public string? Notice { get; private set; }

    public IReadOnlyList<Document> Documents { get; private set; } = [];

    /// <summary>Wrong passwords tried on this account since the owner last dismissed the notice, and since when.</summary>
    public (int Count, DateTime Since)? FailedSignIns { get; private set; }

    /// <summary>The near-duplicate originals the reader may follow a link to (<see cref="DocumentAccess.VisibleNearDuplicatesAsync"/>).</summary>
    public IReadOnlySet<long> LinkableOriginals { get; private set; } = new HashSet<long>();

    /// <summary>Live (not refunded) purchases of each of the documents, by document id (absent: none).</summary>
    public IReadOnlyDictionary<long, int> Sales { get; private set; } = new Dictionary<long, int>();

    /// <summary>Removed documents' current removal and appeal (if any), by document id.</summary>
    public IReadOnlyDictionary<long, (Moderation.DocumentRemoval Removal, Moderation.Appeal? Appeal)> Removals { get; private set; } =
        new Dictionary<long, (Moderation.DocumentRemoval, Moderation.Appeal?)>();

    public async Task OnGetAsync(int? uploaded, string? deleted, long? edited, CancellationToken ct)
    {
        Notice = deleted is not null ? T["文档已删除。"]
            : edited is not null ? T["修改已保存。"]
            : uploaded is > 0 ? T.Text("已上传 {0} 个文件，正在转换。", uploaded.Value) : null;
        var userId = User.UserId();
        FailedSignIns = await db.Users.Where(u => u.Id == userId && u.FailedSignIns > 0)
            .Select(u => new { u.FailedSignIns, u.FailedSignInsSince }).FirstOrDefaultAsync(ct) is { } f
            ? (f.FailedSignIns, f.FailedSignInsSince ?? DateTime.MinValue) : null;
        Documents = await db.Documents.AsNoTracking().Where(d => d.UploaderId == userId)
            .OrderByDescending(d => d.CreatedAt).ThenByDescending(d => d.Id).Take(500).ToListAsync(ct);
        LinkableOriginals = await access.VisibleNearDuplicatesAsync(Documents, User, ct);
        Removals = await Moderation.Appeals.CurrentAsync(db,
            Documents.Where(DocumentAccess.IsRemoved).Where(d => d.RemovalId is not null).Select(d => d.RemovalId!.Value).ToList(), ct);
        var ids = Documents.Select(d => d.Id).ToList();
        Sales = await db.Purchases.Where(p => ids.Contains(p.DocumentId) && p.RefundedAt == null)
            .GroupBy(p => p.DocumentId).Select(g => new { g.Key, Count = g.Count() })
            .ToDictionaryAsync(x => x.Key, x => x.Count, ct);
    }

    /// <summary>The owner has seen the failed sign-in notice.</summary>
    public async Task<IActionResult> OnPostDismissSignInNoticeAsync(CancellationToken ct)
    {
        var userId = User.UserId();
        await db.Users.Where(u => u.Id == userId).ExecuteUpdateAsync(s => s
            .SetProperty(u => u.FailedSignIns, 0).SetProperty(u => u.FailedSignInsSince, (DateTime?)null), ct);
        return Redirect("/me");
    }
}
