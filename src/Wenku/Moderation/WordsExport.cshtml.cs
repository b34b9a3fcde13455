using System.Text;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Wenku.Accounts;

namespace Wenku.Moderation;

/// <summary>The sensitive-word list as the text file an import reads (UTF-8, <c>word&lt;TAB&gt;block|review</c> a line).</summary>
[Authorize(Policy = Roles.StaffPolicy)]
public sealed class WordsExportModel(WordList list) : PageModel
{
    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        Response.Headers.CacheControl = "no-store";
        return File(Encoding.UTF8.GetBytes(await list.ExportAsync(ct)), "text/plain; charset=utf-8", "sensitive-words.txt");
    }
}
