using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Wenku.Accounts;
using Wenku.Data;

namespace Wenku.Moderation;

/// <summary>The reader's own reports (<c>/me/reports</c>), newest first: the document, the reason, the state in words, the moderator's reason once decided.</summary>
[Authorize]
public sealed class MyReportsModel(WenkuDb db) : PageModel
{
    public const int PageSize = 50;

    /// <param name="DocumentTitle">Null when the document was deleted since.</param>
    public sealed record Row(long Id, long DocumentId, string? DocumentTitle, bool DocumentPublic, long? CommentId, ReportReason Reason,
        string Details, ReportState State, DateTime CreatedAt, DateTime? DecidedAt, string? DecisionReason);

    public IReadOnlyList<Row> Reports { get; private set; } = [];
    public long? Filed { get; private set; }
    public int PageNumber { get; private set; }
    public bool HasMore { get; private set; }

    public async Task OnGetAsync(long? filed, int? page, CancellationToken ct)
    {
        Filed = filed;
        PageNumber = Math.Clamp(page ?? 1, 1, 10_000);
        var userId = User.UserId()!;
        var rows = await (from r in db.Reports.AsNoTracking()
                          where r.ReporterId == userId
                          join d in db.Documents.AsNoTracking() on r.DocumentId equals d.Id into docs
                          from d in docs.DefaultIfEmpty()
                          orderby r.Id descending
                          select new Row(r.Id, r.DocumentId, d == null ? null : d.Title, d != null && d.Status == Documents.DocumentStatus.Ready,
                              r.CommentId, r.Reason, r.Details, r.State, r.CreatedAt, r.DecidedAt, r.DecisionReason))
            .Skip((PageNumber - 1) * PageSize).Take(PageSize + 1).ToListAsync(ct);
        HasMore = rows.Count > PageSize;
        Reports = rows.Take(PageSize).ToList();
    }
}
