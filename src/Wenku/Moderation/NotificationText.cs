using System.Globalization;
using System.Text.Json;

namespace Wenku.Moderation;

/// <summary>
/// Each notification kind in words (zh-CN and English, the site's "中文 English" style), from its stored arguments.
/// Returns plain text: the arguments come from users (titles, reasons), so the page and the API's clients encode it.
/// </summary>
public static class NotificationText
{
    private delegate string Render(Args a);

    private static readonly Dictionary<string, Render> Texts = new(StringComparer.Ordinal)
    {
        [NotificationKinds.DocumentRemoved] = a => $"你的文档《{a["title"]}》已被下架（{Category(a["category"])}）：{a["reason"]} Your document “{a["title"]}” was removed ({a["category"]}): {a["reason"]}",
        [NotificationKinds.DocumentRestored] = a => $"你的文档《{a["title"]}》已恢复：{a["reason"]} Your document “{a["title"]}” was restored: {a["reason"]}",
        [NotificationKinds.DocumentReleased] = a => $"你的文档《{a["title"]}》已审核通过并发布：{a["reason"]} Your document “{a["title"]}” was approved and published: {a["reason"]}",
        [NotificationKinds.DocumentRejected] = a => $"你的文档《{a["title"]}》未通过审核：{a["reason"]} Your document “{a["title"]}” was rejected: {a["reason"]}",
        [NotificationKinds.ReportDecided] = a => a["outcome"] == "actioned"
            ? $"你对《{a["title"]}》的举报已处理，内容已下架：{a["reason"]} Your report of “{a["title"]}” was upheld and the content removed: {a["reason"]}"
            : $"你对《{a["title"]}》的举报未被采纳：{a["reason"]} Your report of “{a["title"]}” was dismissed: {a["reason"]}",
        [NotificationKinds.ClaimApproved] = a => $"你对《{a["title"]}》的认领已通过：{a["reason"]} Your claim of “{a["title"]}” was approved: {a["reason"]}",
        [NotificationKinds.ClaimRejected] = a => $"你对《{a["title"]}》的认领未通过：{a["reason"]} Your claim of “{a["title"]}” was rejected: {a["reason"]}",
        [NotificationKinds.DocumentClaimedAway] = a => $"你的文档《{a["title"]}》经版权方认领已转移给对方，{a["points"]} 积分收益随之转移。Your document “{a["title"]}” was claimed by its rights holder and moved to them with {a["points"]} points of earnings.",
        [NotificationKinds.AppealUpheld] = a => $"你对《{a["title"]}》下架的申诉成立，文档已恢复：{a["reason"]} Your appeal for “{a["title"]}” was upheld and the document restored: {a["reason"]}",
        [NotificationKinds.AppealRejected] = a => $"你对《{a["title"]}》下架的申诉被驳回：{a["reason"]} Your appeal for “{a["title"]}” was rejected: {a["reason"]}",
        [NotificationKinds.PurchaseRefunded] = a => $"你购买的《{a["title"]}》已退款 {a["points"]} 积分。Your purchase of “{a["title"]}” was refunded: {a["points"]} points.",
        [NotificationKinds.WithdrawalPaid] = a => $"你的 {a["points"]} 积分提现已付款，凭证号 {a["reason"]}。Your withdrawal of {a["points"]} points was paid, reference {a["reason"]}.",
        [NotificationKinds.WithdrawalRejected] = a => $"你的 {a["points"]} 积分提现被拒，积分已退回：{a["reason"]} Your withdrawal of {a["points"]} points was rejected and the points returned: {a["reason"]}",
        [NotificationKinds.CommentHidden] = a => $"你在《{a["title"]}》下的评论已被隐藏：{a["reason"]} Your comment on “{a["title"]}” was hidden: {a["reason"]}",
        [NotificationKinds.AccountBanned] = a => $"你的账号已被封禁：{a["reason"]} Your account was banned: {a["reason"]}",
        [NotificationKinds.AccountUnbanned] = a => $"你的账号已解封：{a["reason"]} Your account was unbanned: {a["reason"]}",
    };

    /// <summary>Whether <paramref name="kind"/> has its words (a test walks <see cref="NotificationKinds"/>).</summary>
    public static bool Knows(string kind) => Texts.ContainsKey(kind);

    /// <summary>The notification in words; an unknown kind (from a newer version) as a neutral line.</summary>
    public static string For(string kind, string argsJson) =>
        Texts.TryGetValue(kind, out var render) ? render(Args.Parse(argsJson)) : $"通知：{kind} Notification: {kind}";

    private static string Category(string category) => category.ToLowerInvariant() switch
    {
        "infringement" => "侵权",
        "pornography" => "色情",
        "illegal" => "违法",
        "spam" => "广告",
        "duplicate" => "重复",
        "uploaderbanned" => "上传者被封禁",
        _ => "其他",
    };

    /// <summary>The stored arguments; a missing one reads as empty, numbers as invariant digits.</summary>
    private sealed class Args(Dictionary<string, string> values)
    {
        public string this[string name] => values.GetValueOrDefault(name, "");

        public static Args Parse(string json)
        {
            var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            try
            {
                using var doc = JsonDocument.Parse(string.IsNullOrWhiteSpace(json) ? "{}" : json);
                if (doc.RootElement.ValueKind == JsonValueKind.Object)
                    foreach (var p in doc.RootElement.EnumerateObject())
                        values[p.Name] = p.Value.ValueKind switch
                        {
                            JsonValueKind.String => p.Value.GetString() ?? "",
                            JsonValueKind.Number => p.Value.TryGetInt64(out var n) ? n.ToString(CultureInfo.InvariantCulture) : p.Value.GetRawText(),
                            JsonValueKind.Null => "",
                            _ => p.Value.GetRawText(),
                        };
            }
            catch (JsonException)
            {
                // A row written by hand: the words without its arguments.
            }
            return new Args(values);
        }
    }
}
