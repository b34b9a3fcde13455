using Microsoft.Extensions.Localization;
using Wenku.Web.Localization;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Wenku.Accounts;
using Wenku.Data;

namespace Wenku.Moderation;

/// <summary>A reader's claims (我的认领): each with its document, what was asked, its state and the moderator's reason.</summary>
[Authorize(AuthenticationSchemes = Authentication.Cookie)]
public sealed class MyClaimsModel(WenkuDb db, IStringLocalizer<SharedResource> T) : PageModel
{
    public sealed record Row(long Id, long DocumentId, string Title, bool WantsRemoval, bool HasEvidence, ClaimState State,
        DateTime CreatedAt, DateTime? DecidedAt, string? DecisionReason);

    public IReadOnlyList<Row> Claims { get; private set; } = [];
    public string? Message { get; private set; }

    public async Task OnGetAsync(long? filed, CancellationToken ct)
    {
        if (filed is { } id) Message = T.Text("已提交认领 #{0}，管理员处理后会通知你。", id);
        var userId = User.UserId()!;
        Claims = await (from c in db.Claims.AsNoTracking()
                        where c.ClaimantId == userId
                        join d in db.Documents on c.DocumentId equals d.Id into docs
                        from d in docs.DefaultIfEmpty()
                        orderby c.CreatedAt descending, c.Id descending
                        select new Row(c.Id, c.DocumentId, d == null ? "" : d.Title, c.WantsRemoval, c.EvidenceKey != null, c.State,
                            c.CreatedAt, c.DecidedAt, c.DecisionReason))
            .Take(200).ToListAsync(ct);
    }

    public static string StateText(IStringLocalizer T, ClaimState state, bool wantsRemoval) => state switch
    {
        ClaimState.Open => T["待处理"],
        ClaimState.Approved when wantsRemoval => T["已批准：文档已下架"],
        ClaimState.Approved => T["已批准：文档已转到你名下"],
        _ => T["已驳回"],
    };
}
