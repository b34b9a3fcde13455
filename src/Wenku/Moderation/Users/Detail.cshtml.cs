using Microsoft.Extensions.Localization;
using Wenku.Web.Localization;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Wenku.Accounts;
using Wenku.Commerce;
using Wenku.Data;
using Wenku.Documents;

namespace Wenku.Moderation.Users;

/// <summary>
/// One user for staff: their documents, the reports against them and by them, their points and recent postings, the
/// audit log's entries about them (bans, role changes); and the actions: change role (admins), ban and unban.
/// </summary>
[Authorize(Policy = Roles.StaffPolicy)]
public sealed class DetailModel(WenkuDb db, Ledger ledger, UserModeration moderation, IStringLocalizer<SharedResource> T) : PageModel
{
    public const int ListSize = 50;

    public sealed record DocRow(long Id, string Title, DocumentStatus Status, DateTime CreatedAt);
    public sealed record ReportRow(long Id, long DocumentId, string? Title, long? CommentId, ReportReason Reason, ReportState State, DateTime CreatedAt, string? ReporterName);
    public sealed record HistoryRow(DateTime At, string ActorName, string Kind, string Reason, string Before, string After);

    public WenkuUser Target { get; private set; } = null!;
    public string Role { get; private set; } = Roles.User;
    public string? BannedByName { get; private set; }
    public int DocumentCount { get; private set; }
    public IReadOnlyList<DocRow> Documents { get; private set; } = [];
    public IReadOnlyList<ReportRow> ReportsAgainst { get; private set; } = [];
    public IReadOnlyList<ReportRow> ReportsBy { get; private set; } = [];
    public WalletBalance Balance { get; private set; } = new(0, 0, 0);
    public IReadOnlyList<WalletEntry> Postings { get; private set; } = [];
    public IReadOnlyList<HistoryRow> History { get; private set; } = [];
    public string? Message { get; private set; }
    public string? Error { get; private set; }

    public bool ActorIsAdmin => User.IsInRole(Roles.Admin);
    public bool IsSelf => User.UserId() == Target.Id;
    /// <summary>Staff may ban and unban readers; only admins may ban staff; nobody bans themselves.</summary>
    public bool MayBan => !IsSelf && (ActorIsAdmin || Role == Roles.User);

    public async Task<IActionResult> OnGetAsync(string id, string? done, int? n, CancellationToken ct)
    {
        if (!await LoadAsync(id, ct)) return NotFound();
        Message = (done switch
        {
            "role" => T[DecisionTexts.RoleChanged.Template, Role ?? ""],
            "ban" => n is > 0 ? T[DecisionTexts.BannedHidden.Template, n] : T[DecisionTexts.Banned.Template],
            "unban" => n is > 0 ? T[DecisionTexts.UnbannedRestored.Template, n] : T[DecisionTexts.Unbanned.Template],
            _ => null,
        })?.Value;
        return Page();
    }

    public async Task<IActionResult> OnPostRoleAsync(string id, string? role, string? reason, CancellationToken ct)
    {
        if (!ActorIsAdmin) return Forbid();
        var decision = await moderation.ChangeRoleAsync(id, role, reason, User.UserId()!, ActorIsAdmin, ct);
        return await AnswerAsync(id, decision, "role", 0, ct);
    }

    public async Task<IActionResult> OnPostBanAsync(string id, string? reason, bool hideDocuments, CancellationToken ct)
    {
        var outcome = await moderation.BanAsync(id, reason, hideDocuments, User.UserId()!, ActorIsAdmin, ct);
        return await AnswerAsync(id, outcome.Decision, "ban", outcome.Documents, ct);
    }

    public async Task<IActionResult> OnPostUnbanAsync(string id, string? reason, bool restoreDocuments, CancellationToken ct)
    {
        var outcome = await moderation.UnbanAsync(id, reason, restoreDocuments, User.UserId()!, ActorIsAdmin, ct);
        return await AnswerAsync(id, outcome.Decision, "unban", outcome.Documents, ct);
    }

    private async Task<IActionResult> AnswerAsync(string id, Decision decision, string done, int count, CancellationToken ct)
    {
        if (decision is Decision.Done) return Redirect($"/admin/users/{Uri.EscapeDataString(id)}?done={done}&n={count}");
        if (decision is Decision.NotFound || !await LoadAsync(id, ct)) return NotFound();
        (Response.StatusCode, Error) = decision switch
        {
            Decision.BadReason => (400, T.Text("请填写理由（最多 {0} 字）。", UserModeration.MaxReason)),
            Decision.BadAction => (400, T["请选择角色：user、moderator 或 admin。"]),
            Decision.NotAllowed no => (403, no.Text(T)),
            Decision.NotOpen when done == "ban" => (409, T["该用户已被封禁。"]),
            Decision.NotOpen when done == "unban" => (409, T["该用户未被封禁。"]),
            Decision.NotOpen => (409, T.Text("该用户的角色已是 {0}。", Role ?? "")),
            _ => (400, T["无法完成。"]),
        };
        return Page();
    }

    private async Task<bool> LoadAsync(string id, CancellationToken ct)
    {
        if (id.Length > 450 || await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == id, ct) is not { } user) return false;
        Target = user;
        Role = await moderation.RoleOfAsync(id, ct);
        if (user.BannedById is { } by)
            BannedByName = await db.Users.AsNoTracking().Where(u => u.Id == by).Select(u => u.DisplayName).SingleOrDefaultAsync(ct);

        var documents = db.Documents.AsNoTracking().Where(d => d.UploaderId == id);
        DocumentCount = await documents.CountAsync(ct);
        Documents = await documents.OrderByDescending(d => d.Id).Take(ListSize)
            .Select(d => new DocRow(d.Id, d.Title, d.Status, d.CreatedAt)).ToListAsync(ct);

        ReportsAgainst = await (from r in db.Reports.AsNoTracking()
                                join d in db.Documents.AsNoTracking() on r.DocumentId equals d.Id
                                where d.UploaderId == id
                                orderby r.Id descending
                                select new ReportRow(r.Id, r.DocumentId, d.Title, r.CommentId, r.Reason, r.State, r.CreatedAt,
                                    db.Users.Where(u => u.Id == r.ReporterId).Select(u => u.DisplayName).FirstOrDefault()))
            .Take(ListSize).ToListAsync(ct);
        ReportsBy = await (from r in db.Reports.AsNoTracking()
                           join d in db.Documents.AsNoTracking() on r.DocumentId equals d.Id into docs
                           from d in docs.DefaultIfEmpty()
                           where r.ReporterId == id
                           orderby r.Id descending
                           select new ReportRow(r.Id, r.DocumentId, d == null ? null : d.Title, r.CommentId, r.Reason, r.State, r.CreatedAt, null))
            .Take(ListSize).ToListAsync(ct);

        Balance = await ledger.BalanceAsync(id, ct);
        Postings = (await WalletHistory.PageAsync(db, id, 1, 20, null, null, null, ct)).Items;

        // The account's own history (bans, roles); grants and other actions on the user are in the ledger above and in
        // the audit log.
        string[] accountKinds = [AuditKinds.UserBan, AuditKinds.UserUnban, AuditKinds.UserRole];
        History = await db.AuditEntries.AsNoTracking().Where(a => a.ObjectType == "user" && a.ObjectId == id && accountKinds.Contains(a.Kind))
            .OrderByDescending(a => a.Id).Take(ListSize)
            .Select(a => new HistoryRow(a.At, a.ActorName, a.Kind, a.Reason, a.Before, a.After)).ToListAsync(ct);
        return true;
    }
}
