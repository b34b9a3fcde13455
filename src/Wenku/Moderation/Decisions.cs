using Microsoft.Extensions.Localization;
using Wenku.Web.Localization;

namespace Wenku.Moderation;

/// <summary>What a moderator's decision on a queue item (report, claim, appeal, held document, comment) came to.</summary>
public abstract record Decision
{
    /// <summary>Done: what happened, rendered in the actor's language (<see cref="Decision.Text"/>).</summary>
    public sealed record Done(Message Said, params object[] Args) : Decision;
    public sealed record NotFound : Decision;
    /// <summary>Decided already (by someone else meanwhile): nothing changed.</summary>
    public sealed record NotOpen : Decision;
    /// <summary>No reason, or one too long.</summary>
    public sealed record BadReason : Decision;
    /// <summary>An action this item does not have.</summary>
    public sealed record BadAction : Decision;
    /// <summary>This moderator may not decide it (e.g. the appeal of their own removal).</summary>
    public sealed record NotAllowed(Message Said, params object[] Args) : Decision;

    /// <summary>The words of a <see cref="Done"/> or <see cref="NotAllowed"/> in the current language (null for the others).</summary>
    public string? Text(IStringLocalizer T) => this switch
    {
        Done d => T[d.Said.Template, d.Args].Value,
        NotAllowed n => T[n.Said.Template, n.Args].Value,
        _ => null,
    };
}

/// <summary>What moderators' decisions say (codes and Chinese templates; the English is in the resource file).</summary>
public static class DecisionTexts
{
    public static readonly Message CommentApproved = new("decision.comment-approved", "评论已通过审核。");
    public static readonly Message CommentHidden = new("decision.comment-hidden", "评论已隐藏。");
    public static readonly Message CommentDeleted = new("decision.comment-deleted", "评论已删除。");
    public static readonly Message ReportDismissed = new("decision.report-dismissed", "举报已驳回。");
    public static readonly Message ReportCommentHidden = new("decision.report-comment-hidden", "评论已隐藏，举报已处理。");
    public static readonly Message ReportDocumentRemoved = new("decision.report-document-removed", "文档已下架，举报已处理。");
    public static readonly Message ReportDocumentGone = new("decision.report-document-gone", "文档已不在库中，举报已处理。");
    public static readonly Message ClaimRejected = new("decision.claim-rejected", "已驳回认领 #{0}。");
    public static readonly Message ClaimApprovedRemoved = new("decision.claim-approved-removed", "已批准认领 #{0}：文档已下架（侵权），{1} 笔购买已退款。");
    public static readonly Message ClaimApprovedRemovedOnly = new("decision.claim-approved-removed-only", "已批准认领 #{0}：文档已下架（侵权）。");
    public static readonly Message ClaimApprovedTransferredOnly = new("decision.claim-approved-transferred-only", "已批准认领 #{0}：文档及 {1} 积分收益已转给认领人。");
    public static readonly Message Released = new("decision.released", "已发布 /d/{0}。");
    public static readonly Message Rejected = new("decision.rejected", "已拒绝 /d/{0}。");
    public static readonly Message ClaimApprovedRemovedAlready = new("decision.claim-approved-removed-already", "已批准认领 #{0}：文档此前已下架。");
    public static readonly Message ClaimApprovedTransferred = new("decision.claim-approved-transferred", "已批准认领 #{0}：文档及 {1} 积分收益已转给认领人（平台承担 {2}）。");
    public static readonly Message ClaimDocumentRemoved = new("decision.claim-document-removed", "文档已下架，先恢复它或驳回认领。");
    public static readonly Message ClaimantIsUploader = new("decision.claimant-is-uploader", "认领人已是该文档的上传者。");
    public static readonly Message ClaimMovedMeanwhile = new("decision.claim-moved-meanwhile", "该文档已由另一认领转移给他人，请驳回此认领。");
    public static readonly Message AppealOwnRemoval = new("decision.appeal-own-removal", "下架此文档的版主不能裁决其申诉。");
    public static readonly Message AppealOwn = new("decision.appeal-own", "不能裁决自己的申诉。");
    public static readonly Message AppealUpheld = new("decision.appeal-upheld", "申诉成立，文档已恢复。");
    public static readonly Message AppealFilesGone = new("decision.appeal-files-gone", "保留期已过，文件已删除，无法恢复。");
    public static readonly Message AppealRejected = new("decision.appeal-rejected", "申诉已驳回，文档保持下架。");
    public static readonly Message RolesAdminOnly = new("decision.roles-admin-only", "只有管理员可以更改角色。");
    public static readonly Message LastAdmin = new("decision.last-admin", "这是最后一位管理员，不能降级。");
    public static readonly Message RoleChanged = new("decision.role-changed", "角色已改为 {0}。");
    public static readonly Message BanSelf = new("decision.ban-self", "不能封禁自己。");
    public static readonly Message BanStaffAdminOnly = new("decision.ban-staff-admin-only", "只有管理员可以封禁管理人员。");
    public static readonly Message Banned = new("decision.banned", "已封禁。");
    public static readonly Message BannedHidden = new("decision.banned-hidden", "已封禁，隐藏了 {0} 篇文档。");
    public static readonly Message UnbanStaffAdminOnly = new("decision.unban-staff-admin-only", "只有管理员可以解封管理人员。");
    public static readonly Message Unbanned = new("decision.unbanned", "已解封。");
    public static readonly Message UnbannedRestored = new("decision.unbanned-restored", "已解封，恢复了 {0} 篇文档。");
}

/// <summary>The site's text for endpoints that hold no localizer of their own.</summary>
public static class HttpLocalizer
{
    /// <summary>The localizer of the request's language.</summary>
    public static IStringLocalizer Localizer(this HttpContext http) => http.RequestServices.GetRequiredService<IStringLocalizer<SharedResource>>();
}

/// <summary>The reason a staff member gives for an action: required, one line, at most <see cref="MaxLength"/> characters.</summary>
public static class StaffReason
{
    public const int MaxLength = 500;

    /// <summary>The reason as stored (<see cref="Text.SafeText.OneLine"/>), or null when it is empty or too long.</summary>
    public static string? Clean(string? reason)
    {
        var clean = Text.SafeText.OneLine(reason);
        return clean.Length is 0 or > MaxLength ? null : clean;
    }
}
