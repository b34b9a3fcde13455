using Wenku.Web.Localization;
namespace Wenku.Documents;

/// <summary>
/// What the conversion of a CAD drawing found, kept as data (a JSON column of the document) and put into words only
/// where it is shown (<see cref="Describe"/>): the document page, the API's <c>drawing.details</c>.
/// </summary>
public sealed class DrawingFacts
{
    /// <summary><c>DXF</c> or <c>DWG</c>.</summary>
    public string Kind { get; set; } = "";

    /// <summary>The version as the file records it: <c>AC1015</c>, or for DWG <c>AutoCAD 2004 (AC1018)</c>.</summary>
    public string Version { get; set; } = "";

    /// <summary>DXF: the entities drawn.</summary>
    public int? Entities { get; set; }

    /// <summary>DXF: entities not shown, and the first kinds of them.</summary>
    public int Skipped { get; set; }
    public List<string> SkippedKinds { get; set; } = [];

    /// <summary>DWG: the code page of its texts.</summary>
    public int? CodePage { get; set; }

    /// <summary>DWG: a release older than those whose embedded preview is read.</summary>
    public bool TooOldForPreview { get; set; }

    /// <summary>DWG: the size of its embedded preview bitmap, when it has one.</summary>
    public int? PreviewWidth { get; set; }
    public int? PreviewHeight { get; set; }

    /// <summary>The facts in words, in the reader's language.</summary>
    public string Describe(Microsoft.Extensions.Localization.IStringLocalizer T)
    {
        if (Kind == "DXF")
            return T.Text("DXF {0}，{1} 个图元", Version, (object?)Entities ?? "") +
                (Skipped > 0 ? T.Text("（{0} 个未显示：{1}）", Skipped, string.Join(", ", SkippedKinds)) : "");
        var preview = TooOldForPreview ? T.Text("版本过旧，不读取预览")
            : PreviewWidth is { } w && PreviewHeight is { } h ? T.Text("内嵌预览图 {0}×{1}", w, h)
            : T.Text("此图纸没有内嵌预览图");
        return T.Text("DWG {0}，代码页 {1}，{2}", Version, (object?)CodePage ?? "", preview);
    }
}
