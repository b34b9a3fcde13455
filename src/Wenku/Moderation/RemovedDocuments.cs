using Microsoft.Extensions.Localization;
using Wenku.Web.Localization;
using Microsoft.Extensions.Options;
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
    /// <summary>The headline of a removed document, in the reader's language.</summary>
    public static string Title(IStringLocalizer T) => T["该文档已被下架"];

    /// <summary>The public category in words, in the reader's language.</summary>
    public static string Words(IStringLocalizer T, RemovalCategory category) => category switch
    {
        RemovalCategory.Infringement => T["侵权"],
        RemovalCategory.Pornography => T["色情"],
        RemovalCategory.Illegal => T["违法"],
        RemovalCategory.Spam => T["广告"],
        RemovalCategory.Duplicate => T["抄袭"],
        RemovalCategory.UploaderBanned => T["上传者已被封禁"],
        _ => T["其他"],
    };

    // For callers that hold no localizer (the document endpoints): it reads the request's culture when it is used.
    private static readonly Lazy<IStringLocalizer> SiteText = new(() =>
        new ResourceManagerStringLocalizerFactory(Options.Create(new LocalizationOptions { ResourcesPath = "Resources" }),
            Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance).Create(typeof(SharedResource)));

    /// <summary>The category as the API names it (<c>infringement</c> … <c>uploader-banned</c>).</summary>
    public static string Code(RemovalCategory category) =>
        category == RemovalCategory.UploaderBanned ? "uploader-banned" : category.ToString().ToLowerInvariant();

    /// <summary>Whether <paramref name="user"/> may read the moderator's reason: the uploader and staff.</summary>
    public static bool MaySeeReason(Document doc, ClaimsPrincipal user) => DocumentAccess.IsOwnerOrStaff(doc, user);

    /// <summary>
    /// The API's 410: problem details with <c>category</c> and <c>categoryText</c>; for the uploader and staff also
    /// <c>reason</c> and <c>removedAt</c>.
    /// </summary>
    public static ProblemHttpResult Problem(DocumentLookup found, ClaimsPrincipal user) => LocalizedProblem(found, user, SiteText.Value);

    /// <inheritdoc cref="Problem(DocumentLookup, ClaimsPrincipal)"/>
    public static ProblemHttpResult LocalizedProblem(DocumentLookup found, ClaimsPrincipal user, IStringLocalizer T)
    {
        var removal = found.Removal!;
        var extensions = new Dictionary<string, object?>
        {
            ["category"] = Code(removal.Category),
            ["categoryText"] = Words(T, removal.Category),
        };
        if (found.Document is { } doc && MaySeeReason(doc, user))
        {
            extensions["reason"] = removal.Reason;
            extensions["removedAt"] = removal.RemovedAt;
        }
        return TypedResults.Problem(statusCode: StatusCodes.Status410Gone, title: Title(T),
            detail: T.Text("下架原因：{0}", Words(T, removal.Category)), extensions: extensions);
    }
}
