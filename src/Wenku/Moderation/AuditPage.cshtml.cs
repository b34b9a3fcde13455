using Microsoft.Extensions.Localization;
using Wenku.Web.Localization;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Wenku.Accounts;
using Wenku.Data;

namespace Wenku.Moderation;

/// <summary>
/// <c>/admin/audit</c>: the audit log for admins (it holds money, settings and role changes; moderators see their own
/// decisions in the review queue), newest first, filtered and paged, with a CSV export of the same rows. Read only:
/// nothing in the site edits or deletes an entry.
/// </summary>
[Authorize(Policy = Roles.AdminPolicy)]
public sealed class AuditPageModel(WenkuDb db, IStringLocalizer<SharedResource> T) : PageModel
{
    public const int PageSize = 50;

    public AuditFilter Filter { get; private set; } = AuditFilter.None;
    public IReadOnlyList<string> Errors { get; private set; } = [];
    public IReadOnlyList<AuditEntry> Rows { get; private set; } = [];
    public int PageNumber { get; private set; } = 1;
    public int Pages { get; private set; } = 1;
    public int Total { get; private set; }

    public async Task OnGetAsync(int? page, CancellationToken ct)
    {
        (Filter, Errors) = AuditFilter.Parse(T, Request.Query);
        if (Errors.Count > 0) Response.StatusCode = 400;
        var query = Filter.Apply(db);
        Total = await query.CountAsync(ct);
        Pages = Math.Max(1, (Total + PageSize - 1) / PageSize);
        PageNumber = Math.Clamp(page ?? 1, 1, Pages);
        Rows = await query.OrderByDescending(a => a.Id).Skip((PageNumber - 1) * PageSize).Take(PageSize).ToListAsync(ct);
    }
}
