using System.Text;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Wenku.Accounts;

namespace Wenku.Commerce.Admin;

/// <summary>One batch as CSV: code, points, expires, redeemed by, redeemed at. Never cached (the codes are money).</summary>
[Authorize(Policy = Roles.AdminPolicy)]
public sealed class CodesCsvModel(RedeemCodes codes) : PageModel
{
    public async Task<IActionResult> OnGetAsync(long id, CancellationToken ct)
    {
        var csv = await codes.CsvAsync(id, ct);
        if (csv is null) return NotFound();
        Response.Headers.CacheControl = "no-store";
        // With a byte order mark so that a spreadsheet opens the e-mail addresses right.
        return File(Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(csv)).ToArray(), "text/csv; charset=utf-8", $"redeem-codes-{id}.csv");
    }
}
