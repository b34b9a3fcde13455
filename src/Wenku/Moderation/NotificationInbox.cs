using Microsoft.Extensions.Localization;
using Wenku.Web.Localization;
using Microsoft.EntityFrameworkCore;
using Wenku.Data;

namespace Wenku.Moderation;

/// <summary>One notification as a reader sees it: the kind in words, its link, when, and whether it was read.</summary>
public sealed record NotificationItem(long Id, string Kind, string Text, string? Link, DateTime CreatedAt, bool Read);

/// <summary>
/// A user's notifications (站内信): the unread count for the bell (one indexed count on <c>(UserId, ReadAt)</c>), pages
/// newest first, and marking read. Every query is scoped to the one user: nobody reads another's notifications.
/// </summary>
public sealed class NotificationInbox(WenkuDb db, TimeProvider clock, IStringLocalizer<SharedResource> T)
{
    public const int PageSize = 20;
    public const int MaxIds = 200;

    public Task<int> UnreadAsync(string userId, CancellationToken ct) =>
        db.Notifications.AsNoTracking().CountAsync(n => n.UserId == userId && n.ReadAt == null, ct);

    /// <summary>One page (from 1, clamped to the last), newest first; <paramref name="unreadOnly"/> leaves out what was read.</summary>
    public async Task<(IReadOnlyList<NotificationItem> Items, int Page, int Pages, int Total)> PageAsync(string userId, int page, bool unreadOnly, CancellationToken ct)
    {
        var query = db.Notifications.AsNoTracking().Where(n => n.UserId == userId);
        if (unreadOnly) query = query.Where(n => n.ReadAt == null);
        var total = await query.CountAsync(ct);
        var pages = Math.Max(1, (total + PageSize - 1) / PageSize);
        var number = Math.Clamp(page, 1, pages);
        var rows = await query.OrderByDescending(n => n.CreatedAt).ThenByDescending(n => n.Id)
            .Skip((number - 1) * PageSize).Take(PageSize).ToListAsync(ct);
        return (rows.Select(n => new NotificationItem(n.Id, n.Kind, NotificationText.For(T, n.Kind, n.Args), n.Link,
            DateTime.SpecifyKind(n.CreatedAt, DateTimeKind.Utc), n.ReadAt is not null)).ToList(), number, pages, total);
    }

    /// <summary>Marks the user's notifications read: those of <paramref name="ids"/>, or all when null. Returns how many changed.</summary>
    public Task<int> MarkReadAsync(string userId, IReadOnlyCollection<long>? ids, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var query = db.Notifications.Where(n => n.UserId == userId && n.ReadAt == null);
        if (ids is not null) query = query.Where(n => ids.Contains(n.Id));
        return query.ExecuteUpdateAsync(s => s.SetProperty(n => n.ReadAt, now), ct);
    }
}
