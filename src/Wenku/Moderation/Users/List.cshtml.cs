using Microsoft.Extensions.Localization;
using Wenku.Web.Localization;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Wenku.Accounts;
using Wenku.Data;

namespace Wenku.Moderation.Users;

/// <summary>
/// Users for staff: search by display name or email (any part, any case), newest first, in pages; each row with its
/// role, when it joined, how many documents it uploaded and whether it is banned.
/// </summary>
[Authorize(Policy = Roles.StaffPolicy)]
public sealed class ListModel(WenkuDb db, IStringLocalizer<SharedResource> T) : PageModel
{
    public const int PageSize = 50;
    public const int MaxQueryLength = 100;

    public sealed record Row(string Id, string DisplayName, string? Email, string Role, DateTime CreatedAt, int Documents, DateTime? BannedAt);

    public string Query { get; private set; } = "";
    public bool BannedOnly { get; private set; }
    public int PageNumber { get; private set; } = 1;
    public int Pages { get; private set; } = 1;
    public int Total { get; private set; }
    public IReadOnlyList<Row> Rows { get; private set; } = [];
    public string? Error { get; private set; }

    public async Task<IActionResult> OnGetAsync(string? q, bool banned, int? page, CancellationToken ct)
    {
        Query = Text.SafeText.OneLine(q);
        BannedOnly = banned;
        if (Query.Length > MaxQueryLength)
        {
            Error = T.Text("搜索词最长 {0} 字。", MaxQueryLength);
            Response.StatusCode = StatusCodes.Status400BadRequest;
            Query = "";
        }
        var users = db.Users.AsNoTracking();
        if (Query.Length > 0)
        {
            // Emails are compared through Identity's upper-cased column; names through lower(), on both engines.
            var upper = Query.ToUpperInvariant();
            var lower = Query.ToLowerInvariant();
#pragma warning disable CA1862 // a query: lower() translates on both engines, the StringComparison overloads do not
            users = users.Where(u => (u.NormalizedEmail != null && u.NormalizedEmail.Contains(upper)) || u.DisplayName.ToLower().Contains(lower));
#pragma warning restore CA1862
        }
        if (BannedOnly) users = users.Where(u => u.BannedAt != null);
        Total = await users.CountAsync(ct);
        Pages = Math.Max(1, (Total + PageSize - 1) / PageSize);
        PageNumber = Math.Clamp(page ?? 1, 1, Pages);
        var rows = await users.OrderByDescending(u => u.CreatedAt).ThenBy(u => u.Id)
            .Skip((PageNumber - 1) * PageSize).Take(PageSize)
            .Select(u => new { u.Id, u.DisplayName, u.Email, u.CreatedAt, u.BannedAt, Documents = db.Documents.Count(d => d.UploaderId == u.Id) })
            .ToListAsync(ct);
        var ids = rows.Select(r => r.Id).ToList();
        var roles = (await (from ur in db.UserRoles.AsNoTracking()
                            join r in db.Roles.AsNoTracking() on ur.RoleId equals r.Id
                            where ids.Contains(ur.UserId)
                            select new { ur.UserId, r.Name }).ToListAsync(ct))
            .ToLookup(x => x.UserId, x => x.Name);
        Rows = rows.Select(r => new Row(r.Id, r.DisplayName, r.Email, UserModeration.Highest(roles[r.Id]), r.CreatedAt, r.Documents, r.BannedAt)).ToList();
        return Page();
    }
}
