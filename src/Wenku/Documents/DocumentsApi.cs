using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Wenku.Accounts;
using Wenku.Data;
using Wenku.Storage;
using Wenku.Web;

namespace Wenku.Documents;

/// <summary>A document as the API shows it.</summary>
public sealed record DocumentDto(
    long Id, string Title, string Description, string Category, IReadOnlyList<string> Tags, string Format,
    int PageCount, int PreviewPages, int Price, long SizeBytes, string Status, string? Error,
    string Uploader, DateTime CreatedAt, long Views, long Downloads, string Url);

/// <summary>The upload's answer: the new document's id (conversion follows asynchronously).</summary>
public sealed record UploadAccepted(long Id, string Status, string Url);

public sealed record PageText(int Number, string Text);

/// <summary>Text of the pages the caller may see; <c>Truncated</c> when pages past the preview limit were left out.</summary>
public sealed record DocumentText(long Id, IReadOnlyList<PageText> Pages, bool Truncated);

public static class DocumentsApi
{
    public static void MapDocumentsApi(this RouteGroupBuilder api)
    {
        var docs = api.MapGroup("/documents");

        docs.MapPost("/", UploadAsync)
            .RequireAuthorization()
            .RequireRateLimiting(RateLimits.Uploads)
            .DisableAntiforgery() // the API authenticates only with bearer tokens, never with the cookie
            .WithSummary("Upload a document")
            .WithDescription("Multipart form: `file` (required), `title`, `description`, `category` (slug), `tags` (comma-separated), `price` (points, 0 = free), `previewPages`. The format is told from the content (PDF, Word/Excel/PowerPoint old and new, WPS, OpenDocument, RTF, TXT/Markdown in UTF-8, GBK/GB18030 or Big5, JPEG/PNG/WebP/TIFF/BMP/GIF); anything else, a polyglot, or text under another format's name answers 415 with the reason. Answers 202 with the id; poll GET /documents/{id} for `status`.");

        docs.MapGet("/{id:long}", GetAsync).AllowAnonymous().WithSummary("A document's metadata and conversion status");
        docs.MapGet("/{id:long}/pages/{n:int}", DocumentFiles.PageImageAsync).AllowAnonymous()
            .WithSummary("A page preview (JPEG); pages past the preview limit only for the entitled");
        docs.MapGet("/{id:long}/text", TextAsync).AllowAnonymous().WithSummary("The text of the pages the caller may see");
    }

    private static async Task<Results<Accepted<UploadAccepted>, ProblemHttpResult, ValidationProblem>> UploadAsync(
        IFormFile? file, [FromForm] string? title, [FromForm] string? description, [FromForm] string? category,
        [FromForm] string? tags, [FromForm] int? price, [FromForm] int? previewPages,
        HttpContext http, DocumentIngest ingest, CancellationToken ct)
    {
        if (file is null)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["file"] = ["请选择文件。A file is required (multipart field `file`)."] });
        await using var stream = file.OpenReadStream();
        var (doc, refusal) = await ingest.IngestAsync(stream, file.FileName,
            new UploadForm(title, description, category, tags, price, previewPages), http.User.UserId()!, ct);
        if (doc is not null)
            return TypedResults.Accepted($"/api/v1/documents/{doc.Id}", new UploadAccepted(doc.Id, "queued", $"/d/{doc.Id}"));
        if (refusal!.StatusCode == 400)
            return TypedResults.ValidationProblem(refusal.Errors.ToDictionary(e => e.Key, e => new[] { e.Value }), title: refusal.Message);
        var extensions = refusal.DuplicateOf is { } dup
            ? new Dictionary<string, object?> { ["duplicateOf"] = dup, ["duplicateUrl"] = $"/d/{dup}" }
            : null;
        return TypedResults.Problem(statusCode: refusal.StatusCode, title: refusal.Message, extensions: extensions);
    }

    private static async Task<Results<Ok<DocumentDto>, NotFound>> GetAsync(long id, HttpContext http, WenkuDb db, CancellationToken ct)
    {
        var doc = await db.Documents.AsNoTracking().Include(d => d.Category).Include(d => d.Uploader)
            .SingleOrDefaultAsync(d => d.Id == id, ct);
        if (doc is null || !DocumentAccess.CanView(doc, http.User)) return TypedResults.NotFound();
        return TypedResults.Ok(ToDto(doc));
    }

    private static async Task<Results<Ok<DocumentText>, NotFound>> TextAsync(
        long id, HttpContext http, WenkuDb db, DocumentAccess access, CancellationToken ct)
    {
        var doc = await access.FindVisibleAsync(id, http.User, ct);
        if (doc is null) return TypedResults.NotFound();
        var visible = await access.VisiblePagesAsync(doc, http.User, ct);
        var pages = await db.DocumentPages.AsNoTracking()
            .Where(p => p.DocumentId == id && p.Number <= visible).OrderBy(p => p.Number)
            .Select(p => new PageText(p.Number, p.Text)).ToListAsync(ct);
        return TypedResults.Ok(new DocumentText(id, pages, visible < doc.PageCount));
    }

    public static DocumentDto ToDto(Document d) => new(
        d.Id, d.Title, d.Description, d.Category.Slug, d.TagList, d.Format, d.PageCount, d.PreviewPages, d.Price,
        d.SizeBytes, d.Status.ToString().ToLowerInvariant(), d.Error, d.Uploader.DisplayName, d.CreatedAt, d.Views, d.Downloads,
        $"/d/{d.Id}");
}
