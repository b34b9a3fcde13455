using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Wenku.Accounts;
using Wenku.Conversion;
using Wenku.Data;
using Wenku.Duplicates;
using Wenku.Storage;
using Wenku.Web;
using Microsoft.Extensions.Localization;
using Wenku.Web.Localization;

namespace Wenku.Documents;

/// <summary>
/// A document as the API shows it. What its conversion found, where it applies (null otherwise): <c>ocrPages</c>, the
/// pages whose text OCR recognised; for an archive <c>entryCount</c> and <c>entries</c> (the first 1,000); for a
/// drawing <c>drawing</c>.
/// </summary>
public sealed record DocumentDto(
    long Id, string Title, string Description, string Category, IReadOnlyList<string> Tags, string Format,
    int PageCount, int PreviewPages, int Price, long SizeBytes, string Status, string? Error,
    string Uploader, DateTime CreatedAt, long Views, long Downloads, string Url,
    long? NearDuplicateOf = null, double? NearDuplicateScore = null, string? NearDuplicateUrl = null,
    IReadOnlyList<int>? OcrPages = null, int? EntryCount = null, IReadOnlyList<ArchiveEntryDto>? Entries = null, DrawingDto? Drawing = null);

/// <summary>
/// One entry of an archive: its path inside the archive (as the archive names it), size unpacked, date, whether it is
/// a folder or encrypted; <c>pages</c> are the archive's pages that preview it, or null with <c>note</c> saying why.
/// </summary>
public sealed record ArchiveEntryDto(int Number, string Path, long Size, DateTime? Modified, bool IsDirectory, bool Encrypted, PageRange? Pages, string? Note);

/// <summary>Pages <c>first</c> to <c>last</c>, inclusive.</summary>
public sealed record PageRange(int First, int Last);

/// <summary>A CAD drawing: <c>format</c> (dxf, dwg), its version as the file records it, and what the converter found (entities, code page, embedded preview …).</summary>
public sealed record DrawingDto(string Format, string? Version, string? Details, int? Entities = null, int? CodePage = null, int? PreviewWidth = null, int? PreviewHeight = null);

/// <summary>The upload's answer: the new document's id (conversion follows asynchronously).</summary>
public sealed record UploadAccepted(long Id, string Status, string Url);

/// <summary>Changes to a document's details; a field left out (null) stays as it is.</summary>
public sealed record DocumentEdit(string? Title, string? Description, string? Category, string? Tags, int? Price, int? PreviewPages);

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

        docs.MapGet("/{id:long}", GetAsync).AllowAnonymous().WithSummary("A document's metadata and conversion status")
            .WithDescription("`status` is `queued`, `processing`, `ready`, `failed` (with `error`) or `held`. A removed document (taken down) answers 410 with problem details: `category` (`infringement`, `pornography`, `illegal`, `spam`, `duplicate`, `other`, `uploader-banned`) and `categoryText`; its uploader and staff also get `reason`. Every other route of a removed document answers 410 too (staff keep its page images). Once converted, also what the conversion found, where it applies (null otherwise): `ocrPages` (pages whose text was recognised by OCR), for an archive `entryCount` and `entries` (the first 1,000: `path`, `size`, `modified`, `isDirectory`, `encrypted`, `pages` {`first`, `last`} of the archive's pages previewing it or null, `note`), for a CAD drawing `drawing` {`format`, `version`, `details`, `entities`, `codePage`, `previewWidth`, `previewHeight`}.");
        docs.MapMethods("/{id:long}/pages/{n:int}", DocumentFiles.GetAndHead, DocumentFiles.PageImageAsync).AllowAnonymous()
            .WithSummary("A page preview (JPEG); pages past the preview limit only for the entitled")
            .WithDescription("Answers HEAD and byte ranges (`Range: bytes=…` → 206 with `Content-Range`; 416 past the end) after the same checks.");
        docs.MapMethods("/{id:long}/original", DocumentFiles.GetAndHead, DocumentFiles.OriginalAsync).RequireAuthorization()
            .WithSummary("The original file (free documents: any signed-in user; paid: the entitled)")
            .WithDescription("Sent as an attachment with the media type of its format as told from its content. Answers HEAD and byte ranges (206 with `Content-Range`, 416 past the end), so a cut download can resume; a GET counts the reader's download once.");
        docs.MapGet("/{id:long}/text", TextAsync).AllowAnonymous().WithSummary("The text of the pages the caller may see");
        docs.MapGet("/{id:long}/similar", SimilarAsync).AllowAnonymous()
            .WithSummary("Documents whose text resembles this one's")
            .WithDescription("`[{id, title, score, nearDuplicate}]`, best first: `score` in [0, 1] is the share of the smaller document's text found in the other; `nearDuplicate` is true at or above the site's threshold. Only documents the caller may see are listed.");
        docs.MapPatch("/{id:long}", EditAsync).RequireAuthorization()
            .WithSummary("Change a document's details (its uploader or staff)")
            .WithDescription("JSON with any of `title`, `description`, `category` (slug), `tags` (comma-separated), `price`, `previewPages`; fields left out stay as they are. Search and the document page follow at once. A title, description or tags with a sensitive word marked `block` answer 400 naming the word; an uploader's edit of a published document that adds a word marked `review` sends it back to review (`status` `held`) until a moderator releases it.");
        docs.MapDelete("/{id:long}", DeleteAsync).RequireAuthorization()
            .WithSummary("Delete a document (its uploader or staff)")
            .WithDescription("Removes the document, its pages, comments and files; it leaves search at once. 204 when done; 409 while readers have live purchases of it (staff refund them first).");
    }

    private static async Task<Results<Accepted<UploadAccepted>, ProblemHttpResult, ValidationProblem>> UploadAsync(
        IFormFile? file, [FromForm] string? title, [FromForm] string? description, [FromForm] string? category,
        [FromForm] string? tags, [FromForm] int? price, [FromForm] int? previewPages,
        HttpContext http, DocumentIngest ingest, IStringLocalizer<SharedResource> T, CancellationToken ct)
    {
        if (file is null)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["file"] = [T["请选择文件（multipart 字段 `file`）。"]] }, title: T["上传信息有误。"]);
        await using var stream = file.OpenReadStream();
        var (doc, refusal) = await ingest.IngestAsync(stream, file.FileName,
            new UploadForm(title, description, category, tags, price, previewPages), http.User.UserId()!, ct, hourlyLimit: true);
        if (doc is not null)
            return TypedResults.Accepted($"/api/v1/documents/{doc.Id}", new UploadAccepted(doc.Id, "queued", $"/d/{doc.Id}"));
        if (refusal!.StatusCode == 400)
            return TypedResults.ValidationProblem(refusal.Errors.ToDictionary(e => e.Key, e => new[] { e.Value }), title: refusal.Message);
        var extensions = refusal.DuplicateOf is { } dup
            ? new Dictionary<string, object?> { ["duplicateOf"] = dup, ["duplicateUrl"] = $"/d/{dup}" }
            : null;
        return TypedResults.Problem(statusCode: refusal.StatusCode, title: refusal.Message, extensions: extensions);
    }

    private static async Task<Results<Ok<DocumentDto>, NotFound, ProblemHttpResult>> GetAsync(long id, HttpContext http, WenkuDb db, DocumentAccess access,
        IStringLocalizer<SharedResource> T, CancellationToken ct)
    {
        await db.Database.OpenConnectionAsync(ct); // one connection for the answer's queries, not one each
        // The document page's first statement (compiled): the document, and whether it has OCR pages or archive entries.
        var head = await DocumentReads.Head(db, id, ct);
        var doc = head?.Document;
        if (head is not null) (head.Document.Category, head.Document.Uploader) = (head.Category, head.Uploader);
        if (doc is not null && DocumentAccess.IsRemoved(doc)) return await GoneAsync(access, doc, http);
        if (doc is null || !DocumentAccess.CanView(doc, http.User)) return TypedResults.NotFound();
        return TypedResults.Ok(await ToDtoAsync(db, access, doc, http.User, T, ct, loadFacts: head!.OcrPages > 0 || head.ArchiveEntries > 0));
    }

    private static async Task<Results<Ok<DocumentText>, NotFound, ProblemHttpResult>> TextAsync(
        long id, HttpContext http, WenkuDb db, DocumentAccess access, CancellationToken ct)
    {
        var found = await access.FindAsync(id, http.User, ct);
        if (found.Gone) return Moderation.RemovedDocuments.Problem(found, http.User);
        var doc = found.Visible;
        if (doc is null) return TypedResults.NotFound();
        var visible = await access.VisiblePagesAsync(doc, http.User, ct);
        var pages = await db.DocumentPages.AsNoTracking()
            .Where(p => p.DocumentId == id && p.Number <= visible).OrderBy(p => p.Number)
            .Select(p => new PageText(p.Number, p.Text)).ToListAsync(ct);
        return TypedResults.Ok(new DocumentText(id, pages, visible < doc.PageCount));
    }

    private static async Task<Results<Ok<List<SimilarDocument>>, NotFound, ProblemHttpResult>> SimilarAsync(
        long id, HttpContext http, WenkuDb db, DocumentAccess access, CancellationToken ct)
    {
        var found = await access.FindAsync(id, http.User, ct);
        if (found.Gone) return Moderation.RemovedDocuments.Problem(found, http.User);
        if (found.Visible is null) return TypedResults.NotFound();
        return TypedResults.Ok(await SimilarDocuments.ForAsync(db, id, http.User, ct));
    }

    private static async Task<Results<Ok<DocumentDto>, NotFound, ForbidHttpResult, ValidationProblem, ProblemHttpResult>> EditAsync(
        long id, DocumentEdit edit, HttpContext http, WenkuDb db, DocumentAccess access, DocumentChanges changes, IStringLocalizer<SharedResource> T, CancellationToken ct)
    {
        var result = await changes.EditAsync(id, edit, http.User, ct);
        return result.Outcome switch
        {
            ChangeOutcome.Done => TypedResults.Ok(await ToDtoAsync(db, access, result.Document!, http.User, T, ct)),
            ChangeOutcome.Gone => await GoneAsync(access, result.Document!, http),
            ChangeOutcome.Forbidden => TypedResults.Forbid(),
            ChangeOutcome.Invalid => TypedResults.ValidationProblem(result.Errors!.ToDictionary(e => e.Key, e => new[] { e.Value }),
                title: result.Blocked ? result.Errors!.Values.First() : null),
            _ => TypedResults.NotFound(),
        };
    }

    private static async Task<Results<NoContent, NotFound, ForbidHttpResult, ProblemHttpResult>> DeleteAsync(
        long id, HttpContext http, DocumentAccess access, DocumentChanges changes, IStringLocalizer<SharedResource> T, CancellationToken ct)
    {
        var result = await changes.DeleteAsync(id, http.User, ct);
        return result.Outcome switch
        {
            ChangeOutcome.Done => TypedResults.NoContent(),
            // A removal deletes nothing: its files wait for an appeal and the retention sweep, its row keeps the buyers' records.
            ChangeOutcome.Gone => await GoneAsync(access, result.Document!, http),
            ChangeOutcome.Forbidden => TypedResults.Forbid(),
            // Buyers keep what they paid for: a document with live purchases is refunded first (staff, /admin/finance/purchases).
            ChangeOutcome.HasBuyers => TypedResults.Problem(statusCode: 409,
                title: T["此文档已有读者购买，不能删除；请先由管理员退款。"]),
            _ => TypedResults.NotFound(),
        };
    }

    /// <summary>A removed document's 410 (<see cref="Moderation.RemovedDocuments.Problem"/>).</summary>
    private static async Task<ProblemHttpResult> GoneAsync(DocumentAccess access, Document doc, HttpContext http) =>
        Moderation.RemovedDocuments.Problem(new DocumentLookup(doc, await access.RemovalOfAsync(doc, http.RequestAborted)), http.User);

    /// <summary>
    /// The document with what its conversion found (<see cref="ConversionFacts"/>, a drawing's details); the document
    /// it nearly duplicates only if <paramref name="user"/> may see that one.
    /// </summary>
    private static async Task<DocumentDto> ToDtoAsync(WenkuDb db, DocumentAccess access, Document d, System.Security.Claims.ClaimsPrincipal user,
        IStringLocalizer T, CancellationToken ct, bool loadFacts = true)
    {
        // loadFacts false: the caller knows the document has no OCR pages and no archive entries.
        var facts = loadFacts ? await ConversionFacts.LoadAsync(db, d.Id, ct) : new ConversionFacts([], 0, []);
        var hideOriginal = d.NearDuplicateOfId is { } of && !(await access.VisibleNearDuplicatesAsync([d], user, ct)).Contains(of);
        return ToDto(d) with
        {
            Error = StoredMessages.Render(T, d.ErrorCode, d.ErrorArgs, d.Error),
            NearDuplicateOf = hideOriginal ? null : d.NearDuplicateOfId,
            NearDuplicateUrl = hideOriginal ? null : d.NearDuplicateOfId is { } link ? $"/d/{link}" : null,
            OcrPages = facts.OcrPages.Count > 0 ? facts.OcrPages : null,
            EntryCount = facts.EntryCount > 0 ? facts.EntryCount : null,
            Entries = facts.EntryCount > 0
                ? facts.Entries.Select(e => new ArchiveEntryDto(e.Number, e.Path, e.Size, e.Modified, e.IsDirectory, e.IsEncrypted,
                    e.FirstPage is { } first ? new PageRange(first, first + Math.Max(1, e.PageCount) - 1) : null, ArchiveNotes.Render(T, e.Note))).ToList()
                : null,
            Drawing = d.Drawing is { } f ? new DrawingDto(d.Format, f.Version, f.Describe(T), f.Entities, f.CodePage, f.PreviewWidth, f.PreviewHeight)
                : d.Format is "dxf" or "dwg" && d.Details is not null ? new DrawingDto(d.Format, null, d.Details) : null,
        };
    }

    public static DocumentDto ToDto(Document d) => new(
        d.Id, d.Title, d.Description, d.Category.Slug, d.TagList, d.Format, d.PageCount, d.PreviewPages, d.Price,
        d.SizeBytes, d.Status.ToString().ToLowerInvariant(), d.Error, d.Uploader.DisplayName, d.CreatedAt, d.Views, d.Downloads,
        $"/d/{d.Id}", d.NearDuplicateOfId, d.NearDuplicateScore, d.NearDuplicateOfId is { } of ? $"/d/{of}" : null);
}
