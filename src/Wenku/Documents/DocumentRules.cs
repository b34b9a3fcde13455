using Microsoft.Extensions.Localization;
using Wenku.Web.Localization;

namespace Wenku.Documents;

/// <summary>What a user submits with an upload, before validation.</summary>
public sealed record UploadForm(
    string? Title, string? Description, string? Category, string? Tags, int? Price, int? PreviewPages);

/// <summary>Upload metadata after validation.</summary>
public sealed record UploadMetadata(string Title, string Description, int CategoryId, string Tags, int Price, int PreviewPages);

/// <summary>Bounds and validation of upload metadata. Messages are bilingual because users read them.</summary>
public static class DocumentRules
{
    public const int MaxTitle = 200;
    public const int MaxDescription = 2000;
    public const int MaxTags = 10;
    public const int MaxTagLength = 20;
    public const int MaxPrice = 100_000;
    public const int MaxPreviewPages = 50;

    /// <summary>What a form may name a category by: its slug (any case) or its id, each mapped to the id.</summary>
    public static Dictionary<string, int> CategoryIds(IEnumerable<Category> categories)
    {
        var ids = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        foreach (var c in categories)
        {
            ids[c.Slug] = c.Id;
            ids[c.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)] = c.Id;
        }
        return ids;
    }

    /// <summary>Why a price is refused: outside 0..<see cref="MaxPrice"/>, or not a whole number at all (the edit form).</summary>
    public static string PriceRefused(IStringLocalizer T) => T.Text("价格须在 0 到 {0} 积分之间。", MaxPrice);

    /// <summary>Why a preview page count is refused: outside 1..<see cref="MaxPreviewPages"/>, or not a whole number.</summary>
    public static string PreviewPagesRefused(IStringLocalizer T) => T.Text("预览页数须在 1 到 {0} 之间。", MaxPreviewPages);

    /// <summary>Validates a form; <paramref name="categoryIds"/> maps category slugs and ids to ids (<see cref="CategoryIds"/>).</summary>
    public static (UploadMetadata? Metadata, Dictionary<string, string> Errors) Validate(
        UploadForm form, string fileName, IReadOnlyDictionary<string, int> categoryIds, int defaultPreviewPages, IStringLocalizer T)
    {
        var errors = new Dictionary<string, string>();

        var title = Text.SafeText.OneLine(form.Title);
        if (title.Length == 0) title = Text.SafeText.OneLine(Path.GetFileNameWithoutExtension(fileName));
        if (title.Length == 0) errors["title"] = T["请填写标题。"];
        else if (title.Length > MaxTitle) errors["title"] = T.Text("标题最多 {0} 个字符。", MaxTitle);

        var description = Text.SafeText.MultiLine(form.Description);
        if (description.Length > MaxDescription)
            errors["description"] = T.Text("简介最多 {0} 个字符。", MaxDescription);

        var categoryId = 0;
        if (string.IsNullOrWhiteSpace(form.Category) || !categoryIds.TryGetValue(form.Category.Trim(), out categoryId))
            errors["category"] = T["请选择一个有效的分类。"];

        var tags = (form.Tags ?? "")
            .Split([',', '\uff0c', ';', '\uff1b', ' ', '\u3001'], /* also the full-width comma and semicolon and 、 that Chinese keyboards type */ StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(Text.SafeText.OneLine).Where(t => t.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (tags.Count > MaxTags) errors["tags"] = T.Text("最多 {0} 个标签。", MaxTags);
        else if (tags.Any(t => t.Length > MaxTagLength)) errors["tags"] = T.Text("每个标签最多 {0} 个字符。", MaxTagLength);

        var price = form.Price ?? 0;
        if (price is < 0 or > MaxPrice) errors["price"] = PriceRefused(T);

        var preview = form.PreviewPages ?? defaultPreviewPages;
        if (preview is < 1 or > MaxPreviewPages) errors["previewPages"] = PreviewPagesRefused(T);

        return errors.Count > 0
            ? (null, errors)
            : (new UploadMetadata(title, description, categoryId, string.Join(',', tags), price, preview), errors);
    }
}
