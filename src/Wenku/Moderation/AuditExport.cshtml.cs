using Microsoft.Extensions.Localization;
using Wenku.Web.Localization;
using System.Text;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Wenku.Accounts;
using Wenku.Data;

namespace Wenku.Moderation;

/// <summary><c>/admin/audit/export</c>: the rows the same filters show on <c>/admin/audit</c>, as CSV (at most <see cref="MaxRows"/>, newest first).</summary>
[Authorize(Policy = Roles.AdminPolicy)]
public sealed class AuditExportModel(WenkuDb db, IStringLocalizer<SharedResource> T) : PageModel
{
    public const int MaxRows = 100_000;

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        var (filter, errors) = AuditFilter.Parse(T, Request.Query);
        if (errors.Count > 0)
            return new ObjectResult(new ProblemDetails { Status = 400, Title = errors[0] }) { StatusCode = 400, ContentTypes = { "application/problem+json" } };
        var csv = await AuditWords.CsvAsync(filter.Apply(db), MaxRows, ct);
        Response.Headers.CacheControl = "no-store";
        // With a byte order mark so that a spreadsheet opens the Chinese right.
        return File(Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(csv)).ToArray(), "text/csv; charset=utf-8", "audit-log.csv");
    }
}
