using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Wenku.Accounts;
using Wenku.Data;

namespace Wenku.Moderation;

/// <summary>The staff-only control beside each comment on the document page: approve, hide or delete, with a reason.</summary>
public static class CommentModerationEndpoints
{
    public static void MapCommentModerationEndpoints(this IEndpointRouteBuilder app) =>
        app.MapPost("/comments/{id:long}/moderate", ModerateAsync).RequireAuthorization(Roles.StaffPolicy)
            .WithMetadata(new RequireAntiforgeryTokenAttribute()).ExcludeFromDescription();

    private static async Task<IResult> ModerateAsync(long id, [FromForm] string? action, [FromForm] string? reason, HttpContext http,
        CommentModeration moderation, WenkuDb db, CancellationToken ct)
    {
        var documentId = await db.Comments.Where(c => c.Id == id).Select(c => (long?)c.DocumentId).SingleOrDefaultAsync(ct);
        if (documentId is null) return Results.NotFound();
        var decision = await moderation.DecideAsync(id, action ?? "", reason, http.User.UserId()!, ct);
        return decision switch
        {
            Decision.Done => Results.Redirect($"/d/{documentId}?moderated={Uri.EscapeDataString(action!)}#comments"),
            // The form requires a reason (browsers refuse to send it empty): without one, the 请求有误 page.
            Decision.BadReason or Decision.BadAction => Results.BadRequest(),
            // Someone decided it meanwhile: back to the page, which shows where it is now.
            Decision.NotOpen => Results.Redirect($"/d/{documentId}#comment-{id}"),
            _ => Results.NotFound(),
        };
    }
}
