using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Wenku.Accounts;

namespace Wenku.Duplicates;

/// <summary>The old duplicates queue: held documents are now decided in the review queue, under its "held" filter.</summary>
[Authorize(Policy = Roles.StaffPolicy)]
public sealed class QueueModel : PageModel
{
    public IActionResult OnGet() => Redirect("/admin/review?kind=held");
}
