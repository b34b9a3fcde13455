using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OutputCaching;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Localization;
using Wenku.Accounts;
using Wenku.Data;
using Wenku.Web;

namespace Wenku.Documents;

/// <summary>
/// A reader's favourites (收藏) and ratings, from the forms of <see cref="ReaderActionsViewComponent"/> (antiforgery,
/// signed in, rate-limited). Both work as plain forms (the answer is the document page again); a script that asks for
/// JSON (<c>Accept: application/json</c>) gets the new state instead and updates the page without a reload.
/// </summary>
public static class ReaderEndpoints
{
    public static void MapReaderEndpoints(this IEndpointRouteBuilder app)
    {
        var reader = app.MapGroup("/d/{id:long}").RequireAuthorization().RequireRateLimiting(RateLimits.ReaderActions)
            .WithMetadata(new RequireAntiforgeryTokenAttribute()).ExcludeFromDescription();
        reader.MapPost("/favourite", FavouriteAsync);
        reader.MapPost("/rating", RateAsync);
    }

    /// <summary>The state a script shows after a favourite or a rating.</summary>
    public sealed record ReaderState(bool Favourite, int? Stars, int RatingCount, double? AverageRating, string RatingText, string? StarsText, string? Message);

    /// <summary>
    /// Adds the document to the reader's favourites, or takes it out when <paramref name="favourite"/> is false (the
    /// button sends the state it wants, so a double click or a retried request changes nothing twice); without it,
    /// toggles. Only published documents can be added; any favourite can be taken out.
    /// </summary>
    private static async Task<IResult> FavouriteAsync(
        long id, [FromForm] bool? favourite, HttpContext http, WenkuDb db, TimeProvider clock, IStringLocalizer<SharedResource> T, CancellationToken ct)
    {
        var userId = http.User.UserId()!;
        var has = await db.Favourites.AnyAsync(f => f.UserId == userId && f.DocumentId == id, ct);
        var want = favourite ?? !has;
        // Adding needs a published document; taking one out never does (a held or removed document's favourite must go).
        if (!(has && !want) && !await db.Documents.AnyAsync(d => d.Id == id && d.Status == DocumentStatus.Ready, ct)) return TypedResults.NotFound();
        if (want && !has)
        {
            db.Favourites.Add(new Favourite { UserId = userId, DocumentId = id, CreatedAt = clock.GetUtcNow().UtcDateTime });
            try { await db.SaveChangesAsync(ct); }
            catch (DbUpdateException)
            {
                // The same reader's parallel request added it first: the key refuses a second row, and the outcome is the same.
                if (!await db.Favourites.AnyAsync(f => f.UserId == userId && f.DocumentId == id, ct)) throw;
            }
        }
        else if (!want && has)
            await db.Favourites.Where(f => f.UserId == userId && f.DocumentId == id).ExecuteDeleteAsync(ct);
        return await AnswerAsync(http, db, id, userId, T, null, ct);
    }

    /// <summary>
    /// Rates the document 1 to 5 stars; a second rating replaces the first. Not the uploader's own, and only published
    /// documents. A rating out of range sends the reader back to the form with the message.
    /// </summary>
    private static async Task<IResult> RateAsync(
        long id, [FromForm] int? stars, HttpContext http, WenkuDb db, Ratings ratings, IOutputCacheStore cache,
        IStringLocalizer<SharedResource> T, CancellationToken ct)
    {
        var userId = http.User.UserId()!;
        var doc = await db.Documents.AsNoTracking().Where(d => d.Id == id && d.Status == DocumentStatus.Ready)
            .Select(d => new { d.UploaderId }).SingleOrDefaultAsync(ct);
        if (doc is null) return TypedResults.NotFound();
        if (doc.UploaderId == userId) return TypedResults.StatusCode(StatusCodes.Status403Forbidden); // nobody rates their own
        if (stars is not (>= Rating.MinStars and <= Rating.MaxStars))
            return WantsJson(http)
                ? TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: T["请选择 1 到 5 颗星。"])
                : TypedResults.Redirect($"/d/{id}?rating=invalid#reader-actions");
        await ratings.RateAsync(id, userId, stars.Value, ct);
        // Anonymous readers' cached page shows the average: it changed.
        await DocumentPageCache.EvictAsync(cache, id, ct);
        return await AnswerAsync(http, db, id, userId, T, T["谢谢评分！"], ct);
    }

    private static bool WantsJson(HttpContext http) =>
        http.Request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase));

    private static async Task<IResult> AnswerAsync(
        HttpContext http, WenkuDb db, long id, string userId, IStringLocalizer T, string? message, CancellationToken ct)
    {
        if (!WantsJson(http)) return TypedResults.Redirect($"/d/{id}#reader-actions");
        var favourite = await db.Favourites.AnyAsync(f => f.UserId == userId && f.DocumentId == id, ct);
        var stars = await db.Ratings.Where(r => r.UserId == userId && r.DocumentId == id).Select(r => (int?)r.Stars).SingleOrDefaultAsync(ct);
        var counts = await db.Documents.Where(d => d.Id == id).Select(d => new { d.RatingCount, d.RatingSum }).SingleAsync(ct);
        return TypedResults.Json(new ReaderState(favourite, stars, counts.RatingCount,
            counts.RatingCount == 0 ? null : Math.Round((double)counts.RatingSum / counts.RatingCount, 1),
            counts.RatingCount == 0 ? T["暂无评分"] : T["{0} 人评分", counts.RatingCount],
            stars is null ? null : T["你的评分：{0} 星", stars.Value].Value, message));
    }
}
