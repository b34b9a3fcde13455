using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Localization;
using Wenku.Web.Localization;

namespace Wenku.Moderation;

/// <summary>
/// Each notification kind in words, in the reader's language, from its stored kind and arguments.
/// Returns plain text: the arguments come from users (titles, reasons), so the page and the API's clients encode it.
/// </summary>
public static class NotificationText
{
    private delegate string Render(IStringLocalizer T, Args a);

    private static readonly Dictionary<string, Render> Texts = new(StringComparer.Ordinal)
    {
        [NotificationKinds.DocumentRemoved] = (T, a) => T.Text("你的文档《{0}》已被下架（{1}）：{2}", a["title"], Category(T, a["category"]), a["reason"]),
        [NotificationKinds.DocumentRestored] = (T, a) => T.Text("你的文档《{0}》已恢复：{1}", a["title"], a["reason"]),
        [NotificationKinds.DocumentReleased] = (T, a) => T.Text("你的文档《{0}》已审核通过并发布：{1}", a["title"], a["reason"]),
        [NotificationKinds.DocumentRejected] = (T, a) => T.Text("你的文档《{0}》未通过审核：{1}", a["title"], a["reason"]),
        [NotificationKinds.ReportDecided] = (T, a) => a["outcome"] == "actioned"
            ? T.Text("你对《{0}》的举报已处理，内容已下架：{1}", a["title"], a["reason"])
            : T.Text("你对《{0}》的举报未被采纳：{1}", a["title"], a["reason"]),
        [NotificationKinds.ClaimApproved] = (T, a) => T.Text("你对《{0}》的认领已通过：{1}", a["title"], a["reason"]),
        [NotificationKinds.ClaimRejected] = (T, a) => T.Text("你对《{0}》的认领未通过：{1}", a["title"], a["reason"]),
        [NotificationKinds.DocumentClaimedAway] = (T, a) => T.Text("你的文档《{0}》经版权方认领已转移给对方，{1} 积分收益随之转移。", a["title"], a["points"]),
        [NotificationKinds.AppealUpheld] = (T, a) => T.Text("你对《{0}》下架的申诉成立，文档已恢复：{1}", a["title"], a["reason"]),
        [NotificationKinds.AppealRejected] = (T, a) => T.Text("你对《{0}》下架的申诉被驳回：{1}", a["title"], a["reason"]),
        [NotificationKinds.PurchaseRefunded] = (T, a) => T.Text("你购买的《{0}》已退款 {1} 积分。", a["title"], a["points"]),
        [NotificationKinds.WithdrawalPaid] = (T, a) => T.Text("你的 {0} 积分提现已付款，凭证号 {1}。", a["points"], a["reason"]),
        [NotificationKinds.WithdrawalRejected] = (T, a) => T.Text("你的 {0} 积分提现被拒，积分已退回：{1}", a["points"], a["reason"]),
        [NotificationKinds.CommentHidden] = (T, a) => T.Text("你在《{0}》下的评论已被隐藏：{1}", a["title"], a["reason"]),
        [NotificationKinds.AccountBanned] = (T, a) => T.Text("你的账号已被封禁：{0}", a["reason"]),
        [NotificationKinds.AccountUnbanned] = (T, a) => T.Text("你的账号已解封：{0}", a["reason"]),
    };

    /// <summary>Whether <paramref name="kind"/> has its words (a test walks <see cref="NotificationKinds"/>).</summary>
    public static bool Knows(string kind) => Texts.ContainsKey(kind);

    /// <summary>The notification in the reader's words; an unknown kind (from a newer version) as a neutral line.</summary>
    public static string For(IStringLocalizer T, string kind, string argsJson) =>
        Texts.TryGetValue(kind, out var render) ? render(T, Args.Parse(argsJson)) : T.Text("通知：{0}", kind);

    private static string Category(IStringLocalizer T, string category) => category.ToLowerInvariant() switch
    {
        "infringement" => T["侵权"],
        "pornography" => T["色情"],
        "illegal" => T["违法"],
        "spam" => T["广告"],
        "duplicate" => T["重复"],
        "uploaderbanned" or "uploader-banned" => T["上传者被封禁"],
        _ => T["其他"],
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
