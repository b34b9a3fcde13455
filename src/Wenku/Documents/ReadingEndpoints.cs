using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Localization;
using Wenku.Accounts;
using Wenku.Data;
using Wenku.Web.Localization;

namespace Wenku.Documents;

/// <summary>
/// The reader's two small doors: <c>GET /d/{id}/goto?page=n</c> (the jump form without a script: back to the page at
/// <c>#page-n</c>) and <c>POST /d/{id}/progress</c> (where a signed-in reader stopped, posted by reader.js).
/// </summary>
public static class ReadingEndpoints
{
    public static void MapReadingEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/d/{id:long}/goto", GoToAsync).AllowAnonymous().ExcludeFromDescription();
        app.MapPost("/d/{id:long}/progress", SaveProgressAsync).RequireAuthorization().RequireRateLimiting(Web.RateLimits.ReadingProgress).ExcludeFromDescription(); // [FromForm]: antiforgery-checked
    }

    /// <summary>
    /// Sends the reader to page <paramref name="page"/> of the document page; a page past what they may see goes to the
    /// 全文预览已结束 banner, a number out of range to the nearest page.
    /// </summary>
    private static async Task<Results<RedirectHttpResult, NotFound>> GoToAsync(long id, int? page, HttpContext http, DocumentAccess access, CancellationToken ct)
    {
        var doc = await access.FindVisibleAsync(id, http.User, ct);
        if (doc is null) return TypedResults.NotFound();
        var visible = doc.Status == DocumentStatus.Ready ? await access.VisiblePagesAsync(doc, http.User, ct) : doc.PageCount;
        var n = Math.Clamp(page ?? 1, 1, Math.Max(doc.PageCount, 1));
        return TypedResults.Redirect(n <= visible ? $"/d/{id}#page-{n}" : $"/d/{id}#preview-end");
    }

    /// <summary>
    /// Remembers the page a signed-in reader has in view (one row per reader and document, replaced as they read): the
    /// document page offers 继续阅读第 n 页 next time, and the library lists it under recently read.
    /// </summary>
    private static async Task<Results<NoContent, NotFound, ProblemHttpResult>> SaveProgressAsync(long id, [FromForm] int page, HttpContext http,
        WenkuDb db, DocumentAccess access, TimeProvider clock, IStringLocalizer<SharedResource> T, CancellationToken ct)
    {
        var doc = await access.FindVisibleAsync(id, http.User, ct);
        if (doc is null || doc.Status != DocumentStatus.Ready) return TypedResults.NotFound();
        if (page < 1 || page > doc.PageCount)
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: T.Text("页码超出范围。"));
        var userId = http.User.UserId()!;
        var now = clock.GetUtcNow().UtcDateTime;
        for (var attempt = 0; ; attempt++)
        {
            var row = await db.ReadingProgress.SingleOrDefaultAsync(r => r.UserId == userId && r.DocumentId == id, ct);
            if (row is null) db.ReadingProgress.Add(new ReadingProgress { UserId = userId, DocumentId = id, Page = page, UpdatedAt = now });
            else { row.Page = page; row.UpdatedAt = now; }
            try
            {
                await db.SaveChangesAsync(ct);
                return TypedResults.NoContent();
            }
            catch (DbUpdateException) when (attempt == 0)
            {
                // Two tabs saved the first row at once: the other insert won; update it instead.
                db.ChangeTracker.Clear();
            }
        }
    }
}
