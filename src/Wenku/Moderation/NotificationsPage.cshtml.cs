using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Wenku.Accounts;

namespace Wenku.Moderation;

/// <summary>
/// <c>/me/notifications</c>: the reader's notifications, newest first, in pages. Opening a page marks the notifications
/// it shows as read (they are still drawn as new this once), as 站内信 boxes do; older pages stay unread until opened.
/// </summary>
[Authorize]
public sealed class NotificationsPageModel(NotificationInbox inbox) : PageModel
{
    public IReadOnlyList<NotificationItem> Items { get; private set; } = [];
    public int PageNumber { get; private set; } = 1;
    public int Pages { get; private set; } = 1;
    public int Total { get; private set; }

    public async Task OnGetAsync(int? page, CancellationToken ct)
    {
        var userId = User.UserId()!;
        (Items, PageNumber, Pages, Total) = await inbox.PageAsync(userId, page ?? 1, unreadOnly: false, ct);
        var unread = Items.Where(i => !i.Read).Select(i => i.Id).ToList();
        // Before the layout renders: the header's bell then counts what is left unread.
        if (unread.Count > 0) await inbox.MarkReadAsync(userId, unread, ct);
    }
}
