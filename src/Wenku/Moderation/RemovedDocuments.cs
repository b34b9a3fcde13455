using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Wenku.Accounts;
using Wenku.Documents;

namespace Wenku.Moderation;

/// <summary>
/// How a removed document (下架) answers: 410 Gone, saying that it was removed and the public category of the reason,
/// never the moderator's note, which only its uploader and staff see.
/// </summary>
public static class RemovedDocuments
{
    public const string Title = "该文档已被下架 This document was removed";

    /// <summary>The public category in words, both languages.</summary>
    public static string Words(RemovalCategory category) => category switch
    {
        RemovalCategory.Infringement => "侵权 Infringement",
        RemovalCategory.Pornography => "色情 Pornography",
        RemovalCategory.Illegal => "违法 Illegal content",
        RemovalCategory.Spam => "广告 Spam",
        RemovalCategory.Duplicate => "抄袭 Duplicate",
        RemovalCategory.UploaderBanned => "上传者已被封禁 Uploader banned",
        _ => "其他 Other",
    };

    /// <summary>The category as the API names it (<c>infringement</c> … <c>uploader-banned</c>).</summary>
    public static string Code(RemovalCategory category) =>
        category == RemovalCategory.UploaderBanned ? "uploader-banned" : category.ToString().ToLowerInvariant();

    /// <summary>Whether <paramref name="user"/> may read the moderator's reason: the uploader and staff.</summary>
    public static bool MaySeeReason(Document doc, ClaimsPrincipal user) => DocumentAccess.IsOwnerOrStaff(doc, user);

    /// <summary>
    /// The API's 410: problem details with <c>category</c> and <c>categoryText</c>; for the uploader and staff also
    /// <c>reason</c> and <c>removedAt</c>.
    /// </summary>
    public static ProblemHttpResult Problem(DocumentLookup found, ClaimsPrincipal user)
    {
        var removal = found.Removal!;
        var extensions = new Dictionary<string, object?>
        {
            ["category"] = Code(removal.Category),
            ["categoryText"] = Words(removal.Category),
        };
        if (found.Document is { } doc && MaySeeReason(doc, user))
        {
            extensions["reason"] = removal.Reason;
            extensions["removedAt"] = removal.RemovedAt;
        }
        return TypedResults.Problem(statusCode: StatusCodes.Status410Gone, title: Title,
            detail: $"下架原因 Category: {Words(removal.Category)}", extensions: extensions);
    }
}
