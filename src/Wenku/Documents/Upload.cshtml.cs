using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.EntityFrameworkCore;
using Wenku.Accounts;
using Wenku.Data;
using Wenku.Web;

namespace Wenku.Documents;

[Authorize]
[EnableRateLimiting(RateLimits.Uploads)] // counts the form's views too: a page handler cannot carry its own policy
public sealed class UploadModel(WenkuDb db, DocumentIngest ingest) : PageModel
{
    public IReadOnlyList<Category> Categories { get; private set; } = [];
    public int DefaultPreviewPages { get; private set; }
    public string? Message { get; private set; }
    public long? DuplicateOf { get; private set; }
    public Dictionary<string, string> Errors { get; private set; } = [];

    [BindProperty] public string? Title { get; set; }
    [BindProperty] public string? Description { get; set; }
    [BindProperty] public string? Category { get; set; }
    [BindProperty] public string? Tags { get; set; }
    [BindProperty] public int? Price { get; set; }
    [BindProperty] public int? PreviewPages { get; set; }

    public async Task OnGetAsync(CancellationToken ct) => await LoadAsync(ct);

    public async Task<IActionResult> OnPostAsync(IFormFile? file, CancellationToken ct)
    {
        if (file is null || file.Length == 0)
        {
            Errors["file"] = "请选择一个非空文件。Choose a file (it may not be empty).";
            await LoadAsync(ct);
            return Page();
        }
        await using var stream = file.OpenReadStream();
        var (doc, refusal) = await ingest.IngestAsync(stream, file.FileName,
            new UploadForm(Title, Description, Category, Tags, Price, PreviewPages), User.UserId()!, ct);
        if (doc is not null) return Redirect($"/d/{doc.Id}");
        Message = refusal!.Message;
        Errors = refusal.Errors;
        DuplicateOf = refusal.DuplicateOf;
        Response.StatusCode = refusal.StatusCode;
        await LoadAsync(ct);
        return Page();
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        Categories = await db.Categories.AsNoTracking().OrderBy(c => c.SortOrder).ToListAsync(ct);
        DefaultPreviewPages = (await db.SiteSettings.AsNoTracking().SingleAsync(ct)).DefaultPreviewPages;
    }
}
