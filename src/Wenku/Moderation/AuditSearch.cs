using Microsoft.Extensions.Localization;
using Wenku.Web.Localization;
using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Wenku.Data;

namespace Wenku.Moderation;

/// <summary>
/// The audit log's filters, as the page and its CSV export read them from the query string: actor (a user's id, name
/// or email, or <c>system</c>/<c>cli</c>), object (type and id), kind, and a date range (UTC days, inclusive). Bad values
/// are errors in words (the page answers 400), never an exception.
/// </summary>
public sealed record AuditFilter(string Actor, string ObjectType, string ObjectId, string Kind, DateOnly? From, DateOnly? To)
{
    public const int MaxText = 200;
    public static readonly DateOnly Earliest = new(2000, 1, 1), Latest = new(2100, 12, 31);

    public static readonly AuditFilter None = new("", "", "", "", null, null);

    /// <summary>The filter as a query string (for the pager and the export link), without the page.</summary>
    public string Query()
    {
        var parts = new List<string>();
        void Add(string name, string value) { if (value.Length > 0) parts.Add($"{name}={Uri.EscapeDataString(value)}"); }
        Add("actor", Actor);
        Add("type", ObjectType);
        Add("id", ObjectId);
        Add("kind", Kind);
        Add("from", From?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "");
        Add("to", To?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "");
        return string.Join('&', parts);
    }

    public static (AuditFilter Filter, IReadOnlyList<string> Errors) Parse(IStringLocalizer T, IQueryCollection q)
    {
        var errors = new List<string>();
        string Text(string name, string error)
        {
            var value = Wenku.Text.SafeText.OneLine(q[name].ToString());
            if (value.Length <= MaxText) return value;
            errors.Add(error);
            return "";
        }
        DateOnly? Day(string name)
        {
            var value = q[name].ToString().Trim();
            if (value.Length == 0) return null;
            if (DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day) && day >= Earliest && day <= Latest)
                return day;
            errors.Add(T.Text("日期须为 {0:yyyy-MM-dd} 到 {1:yyyy-MM-dd} 之间的 yyyy-MM-dd：{2}。", Earliest, Latest, Cut(value)));
            return null;
        }
        var kind = Text("kind", T.Text("类型最长 {0} 字。", MaxText));
        if (kind.Length > 0 && !AuditWords.Kinds.Contains(kind))
        {
            errors.Add(T.Text("没有这种操作类型：{0}。", Cut(kind)));
            kind = "";
        }
        var filter = new AuditFilter(Text("actor", T.Text("操作人最长 {0} 字。", MaxText)), Text("type", T.Text("对象类型最长 {0} 字。", MaxText)),
            Text("id", T.Text("对象编号最长 {0} 字。", MaxText)), kind, Day("from"), Day("to"));
        if (filter.From is { } f && filter.To is { } t && t < f)
        {
            errors.Add(T["结束日期不能早于开始日期。"]);
            filter = filter with { From = null, To = null };
        }
        return (filter, errors);
    }

    private static string Cut(string s) => s.Length <= 40 ? s : s[..40] + "…";

    /// <summary>The entries this filter keeps (unordered). An actor is matched by id, by the name recorded, or by a user's email.</summary>
    public IQueryable<AuditEntry> Apply(WenkuDb db)
    {
        var query = db.AuditEntries.AsNoTracking();
        if (Actor.Length > 0)
        {
            var email = Actor.ToUpperInvariant();
            var byEmail = db.Users.Where(u => u.NormalizedEmail == email).Select(u => u.Id);
            query = query.Where(a => a.ActorId == Actor || a.ActorName == Actor || byEmail.Contains(a.ActorId));
        }
        if (ObjectType.Length > 0) query = query.Where(a => a.ObjectType == ObjectType);
        if (ObjectId.Length > 0) query = query.Where(a => a.ObjectId == ObjectId);
        if (Kind.Length > 0) query = query.Where(a => a.Kind == Kind);
        if (From is { } from)
        {
            var start = from.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
            query = query.Where(a => a.At >= start);
        }
        if (To is { } to)
        {
            var end = to.AddDays(1).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
            query = query.Where(a => a.At < end);
        }
        return query;
    }
}

/// <summary>The audit log in words: each kind, and where an object has a page.</summary>
public static class AuditWords
{
    /// <summary>The kinds that have words, in the order the filter lists them.</summary>
    public static readonly IReadOnlyList<string> Kinds =
    [
        AuditKinds.DocumentRemove,
        AuditKinds.DocumentRestore,
        AuditKinds.DocumentRelease,
        AuditKinds.DocumentReject,
        AuditKinds.DocumentFilesDeleted,
        AuditKinds.ReportDismiss,
        AuditKinds.ReportAction,
        AuditKinds.ClaimApprove,
        AuditKinds.ClaimReject,
        AuditKinds.ClaimTransfer,
        AuditKinds.AppealUphold,
        AuditKinds.AppealReject,
        AuditKinds.CommentHide,
        AuditKinds.CommentApprove,
        AuditKinds.CommentDelete,
        AuditKinds.UserBan,
        AuditKinds.UserUnban,
        AuditKinds.UserRole,
        AuditKinds.SettingsChange,
        AuditKinds.WordsChange,
        AuditKinds.PointsGrant,
        AuditKinds.CodesIssue,
        AuditKinds.PurchaseRefund,
        AuditKinds.WithdrawalPay,
        AuditKinds.WithdrawalReject,
    ];

    /// <summary>The kind in the reader's words (kinds other slices add later show as stored until they get words here).</summary>
    public static string Kind(IStringLocalizer T, string kind) => kind switch
    {
        AuditKinds.DocumentRemove => T["下架文档"],
        AuditKinds.DocumentRestore => T["恢复文档"],
        AuditKinds.DocumentRelease => T["审核通过"],
        AuditKinds.DocumentReject => T["审核拒绝"],
        AuditKinds.DocumentFilesDeleted => T["删除下架文件"],
        AuditKinds.ReportDismiss => T["驳回举报"],
        AuditKinds.ReportAction => T["举报成立"],
        AuditKinds.ClaimApprove => T["认领通过"],
        AuditKinds.ClaimReject => T["认领驳回"],
        AuditKinds.ClaimTransfer => T["认领转移"],
        AuditKinds.AppealUphold => T["申诉成立"],
        AuditKinds.AppealReject => T["申诉驳回"],
        AuditKinds.CommentHide => T["隐藏评论"],
        AuditKinds.CommentApprove => T["通过评论"],
        AuditKinds.CommentDelete => T["删除评论"],
        AuditKinds.UserBan => T["封禁用户"],
        AuditKinds.UserUnban => T["解封用户"],
        AuditKinds.UserRole => T["修改角色"],
        AuditKinds.SettingsChange => T["修改设置"],
        AuditKinds.WordsChange => T["修改敏感词"],
        AuditKinds.PointsGrant => T["赠送积分"],
        AuditKinds.CodesIssue => T["发行充值卡"],
        AuditKinds.PurchaseRefund => T["退款"],
        AuditKinds.WithdrawalPay => T["提现付款"],
        AuditKinds.WithdrawalReject => T["提现拒绝"],
        _ => kind,
    };

    /// <summary>The page of an object, when it has one (site-relative, built from the id, which is escaped).</summary>
    public static string? Link(string type, string id)
    {
        var escaped = Uri.EscapeDataString(id);
        return type switch
        {
            "document" when long.TryParse(id, out _) => $"/d/{escaped}",
            "user" => $"/admin/users/{escaped}", // the staff page of the user (the log is read by admins)
            "settings" => "/admin/settings",
            "withdrawal" => "/admin/finance/withdrawals?state=all",
            "redeem-batch" => "/admin/finance/codes",
            _ => null,
        };
    }

    /// <summary>
    /// The filtered entries as CSV (RFC 4180, UTF-8), newest first: id, at, actor id, actor name, kind, object type, object
    /// id, reason, before, after, hash. A cell starting with = + - @ (or a tab or carriage return) is prefixed with ' so a
    /// spreadsheet never runs it as a formula.
    /// </summary>
    public static async Task<string> CsvAsync(IQueryable<AuditEntry> entries, int max, CancellationToken ct)
    {
        var csv = new StringBuilder("id,at,actor_id,actor_name,kind,object_type,object_id,reason,before,after,hash\r\n");
        var rows = await entries.OrderByDescending(a => a.Id).Take(max).ToListAsync(ct);
        foreach (var a in rows)
        {
            csv.AppendJoin(',', new[]
            {
                a.Id.ToString(CultureInfo.InvariantCulture),
                DateTime.SpecifyKind(a.At, DateTimeKind.Utc).ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", CultureInfo.InvariantCulture),
                Field(a.ActorId), Field(a.ActorName), Field(a.Kind), Field(a.ObjectType), Field(a.ObjectId), Field(a.Reason),
                Field(a.Before), Field(a.After), a.Hash,
            });
            csv.Append("\r\n");
        }
        return csv.ToString();
    }

    /// <summary>Quoted when needed; a leading = + - @ tab or CR is prefixed with ' (CSV formula injection).</summary>
    public static string Field(string s)
    {
        if (s.Length > 0 && s[0] is '=' or '+' or '-' or '@' or '\t' or '\r') s = "'" + s;
        return s.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : s;
    }
}
