using Microsoft.Extensions.Localization;
using Wenku.Web.Localization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Wenku.Accounts;

namespace Wenku.Moderation;

/// <summary>A page of the caller's notifications and their unread count.</summary>
public sealed record NotificationPage(IReadOnlyList<NotificationItem> Items, int Unread, int Page, int Pages);

/// <summary>Which notifications to mark read: <c>ids</c>, or all of the caller's when absent.</summary>
public sealed record MarkReadRequest(long[]? Ids);

/// <summary>What is left unread after marking.</summary>
public sealed record UnreadCount(int Unread);

public static class NotificationsApi
{
    public static void MapNotificationsApi(this RouteGroupBuilder api)
    {
        api.MapGet("/notifications", ListAsync).RequireAuthorization()
            .WithSummary("The caller's notifications, newest first")
            .WithDescription("`unread=true` leaves out what was read; `page` from 1 (20 a page). Each item: `id`, `kind` (e.g. `document.removed`, `withdrawal.paid`), `text` (zh-CN and English; plain text, encode it when you show it), `link` (site-relative), `createdAt`, `read`. `unread` is the caller's unread count.");
        api.MapPost("/notifications/read", MarkReadAsync).RequireAuthorization()
            .DisableAntiforgery() // bearer tokens only
            .WithSummary("Mark the caller's notifications read")
            .WithDescription($"Body `{{\"ids\": [1, 2]}}` marks those (of the caller's; others are ignored), an empty body or no `ids` marks all. At most {NotificationInbox.MaxIds} ids. Answers the unread count left.");
    }

    private static async Task<Ok<NotificationPage>> ListAsync(HttpContext http, NotificationInbox inbox, bool? unread, int? page, CancellationToken ct)
    {
        var userId = http.User.UserId()!;
        var (items, number, pages, _) = await inbox.PageAsync(userId, Math.Clamp(page ?? 1, 1, 100_000), unread == true, ct);
        return TypedResults.Ok(new NotificationPage(items, await inbox.UnreadAsync(userId, ct), number, pages));
    }

    private static async Task<Results<Ok<UnreadCount>, ProblemHttpResult>> MarkReadAsync(HttpContext http, NotificationInbox inbox, IStringLocalizer<SharedResource> T, CancellationToken ct)
    {
        MarkReadRequest? body = null;
        if (http.Request.ContentLength is > 0 || http.Request.Headers.TransferEncoding.Count > 0)
        {
            try
            {
                body = await http.Request.ReadFromJsonAsync<MarkReadRequest>(ct);
            }
            catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException)
            {
                return TypedResults.Problem(statusCode: 400, title: T.Text("请求体须为 {0}。", "{\"ids\": [...]}"));
            }
        }
        if (body?.Ids is { Length: > NotificationInbox.MaxIds })
            return TypedResults.Problem(statusCode: 400, title: T.Text("一次最多标记 {0} 条。", NotificationInbox.MaxIds));
        var userId = http.User.UserId()!;
        await inbox.MarkReadAsync(userId, body?.Ids, ct);
        return TypedResults.Ok(new UnreadCount(await inbox.UnreadAsync(userId, ct)));
    }
}
