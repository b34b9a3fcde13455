using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.OutputCaching;
using Wenku.Documents;
using Microsoft.EntityFrameworkCore;
using Wenku.Accounts;
using Wenku.Data;

namespace Wenku.Web.Admin;

/// <summary>Site settings an operator edits: default preview pages and the 温馨提示 notices.</summary>
[Authorize(Policy = Roles.AdminPolicy)]
public sealed class SettingsModel(WenkuDb db, IOutputCacheStore cache) : PageModel
{
    [BindProperty, Range(1, 50)] public int DefaultPreviewPages { get; set; }
    [BindProperty, MaxLength(4000)] public string Notices { get; set; } = "";
    public bool Saved { get; private set; }

    public async Task OnGetAsync(CancellationToken ct)
    {
        var s = await db.SiteSettings.AsNoTracking().SingleAsync(ct);
        (DefaultPreviewPages, Notices) = (s.DefaultPreviewPages, s.Notices);
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        if (!ModelState.IsValid)
        {
            Response.StatusCode = 400;
            return Page();
        }
        var s = await db.SiteSettings.SingleAsync(ct);
        s.DefaultPreviewPages = DefaultPreviewPages;
        s.Notices = Notices.Replace("\r\n", "\n").Trim();
        await db.SaveChangesAsync(ct);
        await DocumentPageCache.EvictAllAsync(cache, ct);
        Saved = true;
        return Page();
    }
}
