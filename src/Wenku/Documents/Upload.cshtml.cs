using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Localization;
using Wenku.Accounts;
using Wenku.Data;
using Wenku.Web;
using Wenku.Web.Localization;

namespace Wenku.Documents;

/// <summary>The outcome of one file sent to <c>POST /upload?handler=Json</c>, for the page's script.</summary>
/// <param name="Errors">The refusal per field (<c>file</c>, <c>title</c>, <c>description</c>, <c>category</c>, <c>tags</c>, <c>price</c>, <c>previewPages</c>).</param>
public sealed record UploadFileResult(bool Ok, long? Id = null, string? Url = null, string? Status = null, string? Text = null,
    string? Message = null, Dictionary<string, string>? Errors = null, long? DuplicateOf = null, string? DuplicateUrl = null);

/// <summary>
/// <c>/upload</c>: without JavaScript a form of one or more files with one set of details; with it (<c>upload.js</c>)
/// many files dropped at once, each with its own details, sent one or two at a time to <c>?handler=Json</c>, then
/// followed live through <c>/me/progress</c>.
/// </summary>
[Authorize]
[EnableRateLimiting(RateLimits.Uploads)] // counts the form's views too: a page handler cannot carry its own policy
public sealed class UploadModel(WenkuDb db, DocumentIngest ingest, IStringLocalizer<SharedResource> T) : PageModel
{
    /// <summary>How many files one form (without JavaScript) may carry.</summary>
    public const int MaxFilesPerForm = 20;

    public IReadOnlyList<Category> Categories { get; private set; } = [];
    public int DefaultPreviewPages { get; private set; }
    public string? Message { get; private set; }
    public long? DuplicateOf { get; private set; }
    public Dictionary<string, string> Errors { get; private set; } = [];

    /// <summary>Each file of a form of several and what became of it.</summary>
    public List<(string FileName, UploadFileResult Result)> Results { get; } = [];

    [BindProperty] public string? Title { get; set; }
    [BindProperty] public string? Description { get; set; }
    [BindProperty] public string? Category { get; set; }
    [BindProperty] public string? Tags { get; set; }
    [BindProperty] public int? Price { get; set; }
    [BindProperty] public int? PreviewPages { get; set; }

    public async Task OnGetAsync(CancellationToken ct) => await LoadAsync(ct);

    /// <summary>The form without JavaScript: one file goes to its page; several share the details (each titled by its file name) and go to /me.</summary>
    public async Task<IActionResult> OnPostAsync(List<IFormFile> file, CancellationToken ct)
    {
        var files = file.Where(f => f.Length > 0).ToList();
        if (files.Count == 0 || files.Count > MaxFilesPerForm)
        {
            Errors["file"] = files.Count == 0 ? T["请选择一个非空文件。"] : T.Text("一次最多上传 {0} 个文件。", MaxFilesPerForm);
            await LoadAsync(ct);
            return Page();
        }
        if (files.Count == 1)
        {
            var one = await IngestAsync(files[0], Title, ct);
            if (one.Ok) return Redirect(one.Url!);
            (Message, Errors, DuplicateOf) = (one.Message, one.Errors ?? [], one.DuplicateOf);
            Response.StatusCode = StatusCodes.Status400BadRequest;
            if (Refusal is { } refusal) Response.StatusCode = refusal.StatusCode;
            await LoadAsync(ct);
            return Page();
        }
        foreach (var f in files) Results.Add((f.FileName, await IngestAsync(f, null, ct)));
        if (Results.All(r => r.Result.Ok)) return Redirect($"/me?uploaded={Results.Count}");
        Message = T.Text("{0} 个文件已上传，{1} 个被拒绝。", Results.Count(r => r.Result.Ok), Results.Count(r => !r.Result.Ok));
        Response.StatusCode = StatusCodes.Status400BadRequest;
        await LoadAsync(ct);
        return Page();
    }

    /// <summary>
    /// One file of the script's queue, with its own details: 200 with <c>{ok, id, url, status, text}</c>, or the
    /// refusal's status (400, 409 duplicate, 413, 415, 507) with <c>{ok: false, message, errors, duplicateOf, duplicateUrl}</c>.
    /// </summary>
    public async Task<IActionResult> OnPostJsonAsync(IFormFile? file, CancellationToken ct)
    {
        if (file is null || file.Length == 0)
            return new JsonResult(new UploadFileResult(false, Message: T["请选择一个非空文件。"], Errors: new() { ["file"] = T["请选择一个非空文件。"] }))
                { StatusCode = StatusCodes.Status400BadRequest };
        var result = await IngestAsync(file, Title, ct);
        return new JsonResult(result) { StatusCode = result.Ok ? StatusCodes.Status200OK : Refusal?.StatusCode ?? StatusCodes.Status400BadRequest };
    }

    private IngestRefusal? Refusal { get; set; }

    private async Task<UploadFileResult> IngestAsync(IFormFile file, string? title, CancellationToken ct)
    {
        await using var stream = file.OpenReadStream();
        var (doc, refusal) = await ingest.IngestAsync(stream, file.FileName,
            new UploadForm(title, Description, Category, Tags, Price, PreviewPages), User.UserId()!, ct, hourlyLimit: true);
        Refusal = refusal;
        if (doc is not null)
            return new UploadFileResult(true, doc.Id, $"/d/{doc.Id}", ConversionWords.Css(doc.Status), ConversionWords.Describe(T, ConversionState.Of(doc)));
        return new UploadFileResult(false, Message: refusal!.Message, Errors: refusal.Errors, DuplicateOf: refusal.DuplicateOf,
            DuplicateUrl: refusal.DuplicateOf is { } dup ? $"/d/{dup}" : null);
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        Categories = await db.Categories.AsNoTracking().OrderBy(c => c.SortOrder).ToListAsync(ct);
        DefaultPreviewPages = (await db.SiteSettings.AsNoTracking().SingleAsync(ct)).DefaultPreviewPages;
    }
}
