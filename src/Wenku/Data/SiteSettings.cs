using System.ComponentModel.DataAnnotations;
using Wenku.Duplicates;
using Wenku.Web.Localization;

namespace Wenku.Data;

/// <summary>Settings an operator edits on the site (one row). Deployment settings live in <see cref="WenkuOptions"/>.</summary>
public sealed class SiteSettings
{
    public const int SingletonId = 1;

    public int Id { get; set; } = SingletonId;

    /// <summary>Pages a reader may preview before the 全文预览已结束 banner, unless the uploader chooses otherwise.</summary>
    [Range(1, 50)]
    public int DefaultPreviewPages { get; set; } = 5;

    /// <summary>Site notices (温馨提示) shown on every document page, one per line.</summary>
    [MaxLength(4000)]
    public string Notices { get; set; } = DefaultNotices;

    /// <summary>What happens to an upload that is a near duplicate of a document in the library.</summary>
    public NearDuplicatePolicy NearDuplicatePolicy { get; set; } = NearDuplicatePolicy.Hold;

    /// <summary>Score (0–1) at or above which a match is a near duplicate.</summary>
    [Range(0.05, 1.0)]
    public double NearDuplicateThreshold { get; set; } = NearDuplicates.DefaultThreshold;

    /// <summary>The uploader's share of a sale in percent (the rest is the platform's); see <see cref="Commerce.Shares"/>.</summary>
    [Range(0, 100)]
    public int UploaderSharePercent { get; set; } = Commerce.Shares.DefaultUploaderPercent;

    /// <summary>Points a reader gets for one yuan recharged.</summary>
    [Range(1, 10_000)]
    public int PointsPerYuan { get; set; } = 10;

    /// <summary>The fewest earned points a withdrawal may ask for.</summary>
    [Range(1, 100_000_000)]
    public int MinimumWithdrawal { get; set; } = 1000;

    /// <summary>Which new uploads wait in the review queue before they are published.</summary>
    public Moderation.ReviewNewUploads ReviewNewUploads { get; set; } = Moderation.ReviewNewUploads.Off;

    /// <summary>With <see cref="Moderation.ReviewNewUploads.NewUploaders"/>: how many first documents of an uploader are reviewed.</summary>
    [Range(1, 100)]
    public int ReviewNewUploaderDocuments { get; set; } = 3;

    /// <summary>Days a removed document's files are kept (for an appeal) before they are deleted.</summary>
    [Range(1, 3650)]
    public int RemovedRetentionDays { get; set; } = 30;

    /// <summary>Refund every live purchase of a document removed for infringement, automatically.</summary>
    public bool RefundOnInfringementRemoval { get; set; } = true;

    /// <summary>When the demo library was added (it is added once, to an empty install).</summary>
    public DateTime? DemoSeededAt { get; set; }

    // The default notices are stored like any operator's text (existing sites keep theirs); each line is also a
    // localizer key, so a page that shows a notice through T["…"] shows the default ones in the reader's language.
    public static readonly Message FormatsNotice = new("notice.formats", "本站支持 PDF、Word/Excel/PowerPoint 等 Office 文档、图片、CAD 图纸（DXF/DWG）、Markdown、文本与压缩包。");
    public static readonly Message WatermarkNotice = new("notice.watermark", "预览页面带有水印，完整内容请下载后阅读。");
    public static readonly Message UploadedByUsersNotice = new("notice.uploaded-by-users", "本站所有文档均由用户上传，本站仅提供信息存储空间服务。");
    public static readonly Message InfringementNotice = new("notice.infringement", "如文档侵犯了您的权益，请点击“举报或认领”。");

    public static string DefaultNotices =>
        string.Join("\n", new[] { FormatsNotice, WatermarkNotice, UploadedByUsersNotice, InfringementNotice }.Select(m => m.Template));
}
