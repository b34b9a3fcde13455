using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ViewFeatures;
using Microsoft.AspNetCore.OutputCaching;
using Microsoft.EntityFrameworkCore;
using Wenku.Accounts;
using Wenku.Data;
using Wenku.Documents;
using Wenku.Web;

namespace Wenku.Comments;

/// <summary>Posting and deleting comments from the document page's forms (antiforgery-checked, rate-limited).</summary>
public static class CommentEndpoints
{
    public static void MapCommentEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/d/{id:long}/comments", PostAsync).RequireAuthorization().RequireRateLimiting(RateLimits.Comments).ExcludeFromDescription();
        app.MapPost("/comments/{id:long}/delete", DeleteAsync).RequireAuthorization()
            .WithMetadata(new RequireAntiforgeryTokenAttribute()).ExcludeFromDescription();
    }

    /// <summary>Why a comment is refused, or null if it may be posted.</summary>
    public static string? Validate(string? body)
    {
        var text = Text.SafeText.MultiLine(body);
        if (text.Length == 0) return "empty";
        // Characters as a person counts them; and a hard cap on the stored text, since one "character" can carry
        // any number of combining marks.
        if (TextChunker.VisibleLength(text) > Comment.MaxLength || text.Length > Comment.MaxStoredLength) return "toolong";
        return null;
    }

    private static async Task<IResult> PostAsync(long id, [FromForm] string? body, HttpContext http, WenkuDb db, IOutputCacheStore cache,
        Moderation.SensitiveWordScreen words, ITempDataDictionaryFactory temp, CancellationToken ct)
    {
        var doc = await db.Documents.AsNoTracking().SingleOrDefaultAsync(d => d.Id == id, ct);
        // Comments belong to published documents: on one still converting or failed nobody would see them.
        if (doc is null || doc.Status != DocumentStatus.Ready) return Results.NotFound();
        if (Validate(body) is { } error)
        {
            // Too long: the typed text goes back into the box (cut to what the box holds), so nothing is lost.
            var kept = Text.SafeText.MultiLine(body);
            if (kept.Length > Comment.MaxStoredLength) kept = kept[..Comment.MaxStoredLength];
            if (error == "toolong" && kept.Length > 0) KeepForTheBox(http, temp, kept, word: null);
            return Results.Redirect($"/d/{id}?comment={error}#comments");
        }
        var text = Text.SafeText.MultiLine(body);
        var verdict = await words.CheckAsync(text, ct);
        // Refused with the word named; the draft goes back to the form.
        if (verdict.Block is { } blocked)
        {
            KeepForTheBox(http, temp, text, blocked.Word);
            return Results.Redirect($"/d/{id}?comment=blocked#comments");
        }
        var pending = verdict.Review.Count > 0;
        db.Comments.Add(new Comment
        {
            DocumentId = id, UserId = http.User.UserId()!, Body = text,
            State = pending ? Moderation.CommentState.Pending : Moderation.CommentState.Visible,
            ReviewWords = pending ? verdict.ReviewWords() : null,
        });
        await db.SaveChangesAsync(ct);
        await DocumentPageCache.EvictAsync(cache, id, ct);
        return Results.Redirect(pending ? $"/d/{id}?comment=pending#comments" : $"/d/{id}#comments");
    }

    /// <summary>TempData keys of a refused comment's text and the word that refused it, read once by the document page.</summary>
    public const string DraftKey = "CommentDraft", WordKey = "CommentWord";

    /// <summary>
    /// Keeps a refused comment's text (and the word that refused it) for the next page the commenter sees, in the
    /// site's encrypted TempData cookie — not in the URL, where it would sit in histories and logs, and where a link
    /// could fill someone's comment box or show them a refusal they never caused.
    /// </summary>
    private static void KeepForTheBox(HttpContext http, ITempDataDictionaryFactory temp, string draft, string? word)
    {
        var data = temp.GetTempData(http);
        data[DraftKey] = draft;
        if (word is not null) data[WordKey] = word;
        data.Save();
    }

    private static async Task<IResult> DeleteAsync(long id, HttpContext http, WenkuDb db, IOutputCacheStore cache,
        Moderation.CommentModeration moderation, Microsoft.Extensions.Localization.IStringLocalizer<SharedResource> T, CancellationToken ct)
    {
        var comment = await db.Comments.SingleOrDefaultAsync(c => c.Id == id, ct);
        if (comment is null) return Results.NotFound();
        if (comment.UserId != http.User.UserId() && !http.User.IsStaff()) return Results.StatusCode(StatusCodes.Status403Forbidden);
        // Staff deleting another's comment is a moderation action: audited, its open reports closed.
        if (comment.UserId != http.User.UserId())
        {
            await moderation.DecideAsync(id, Moderation.CommentModeration.Delete, T["版主删除"], http.User.UserId()!, ct);
            return Results.Redirect($"/d/{comment.DocumentId}#comments");
        }
        db.Comments.Remove(comment);
        await db.SaveChangesAsync(ct);
        await DocumentPageCache.EvictAsync(cache, comment.DocumentId, ct);
        return Results.Redirect($"/d/{comment.DocumentId}#comments");
    }
}
