using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.OutputCaching;
using Wenku.Documents;
using Microsoft.EntityFrameworkCore;
using Wenku.Accounts;
using Wenku.Data;
using Wenku.Duplicates;

namespace Wenku.Web.Admin;

/// <summary>Site settings an operator edits: default preview pages, the 温馨提示 notices, the near-duplicate policy.</summary>
[Authorize(Policy = Roles.AdminPolicy)]
public sealed class SettingsModel(WenkuDb db, IOutputCacheStore cache) : PageModel
{
    [BindProperty, Range(1, 50)] public int DefaultPreviewPages { get; set; }
    [BindProperty, MaxLength(4000)] public string Notices { get; set; } = "";
    [BindProperty] public NearDuplicatePolicy NearDuplicatePolicy { get; set; } = NearDuplicatePolicy.Hold;
    [BindProperty, Range(0.05, 1.0)] public double NearDuplicateThreshold { get; set; } = NearDuplicates.DefaultThreshold;
    public bool Saved { get; private set; }

    public async Task OnGetAsync(CancellationToken ct)
    {
        var s = await db.SiteSettings.AsNoTracking().SingleAsync(ct);
        (DefaultPreviewPages, Notices) = (s.DefaultPreviewPages, s.Notices);
        (NearDuplicatePolicy, NearDuplicateThreshold) = (s.NearDuplicatePolicy, s.NearDuplicateThreshold);
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
        s.Notices = Text.SafeText.MultiLine(Notices);
        s.NearDuplicatePolicy = NearDuplicatePolicy;
        s.NearDuplicateThreshold = NearDuplicateThreshold;
        await db.SaveChangesAsync(ct);
        await DocumentPageCache.EvictAllAsync(cache, ct);
        Saved = true;
        return Page();
    }
}
