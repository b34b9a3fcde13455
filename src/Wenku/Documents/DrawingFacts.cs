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

    /// <summary>The facts in words, in both languages.</summary>
    public string Describe()
    {
        if (Kind == "DXF")
            return $"DXF {Version}，{Entities} 个图元 entities" +
                (Skipped > 0 ? $"（{Skipped} 个未显示 not shown: {string.Join(", ", SkippedKinds)}）" : "");
        var preview = TooOldForPreview ? "版本过旧，不读取预览 too old a version for a preview"
            : PreviewWidth is { } w && PreviewHeight is { } h ? $"内嵌预览图 embedded preview {w}×{h}"
            : "此图纸没有内嵌预览图 no embedded preview";
        return $"DWG {Version}，代码页 code page {CodePage}，{preview}";
    }
}
