using Microsoft.Extensions.Localization;
using Wenku.Web.Localization;
using Microsoft.EntityFrameworkCore;
using Wenku.Data;
using Wenku.Documents;

namespace Wenku.Moderation;

/// <summary>What a reader fills in to report (举报) a document or one of its comments.</summary>
/// <param name="Reason">infringement | pornography | illegal | spam | duplicate | other (either case).</param>
public sealed record ReportForm(string? Reason, string? Details, string? OriginalTitle = null, string? OriginalLink = null,
    string? Contact = null, long? CommentId = null);

public abstract record ReportFilingOutcome
{
    public sealed record Done(Report Report) : ReportFilingOutcome;
    /// <summary>No such document (or comment), or one the reader may not see.</summary>
    public sealed record NotFound : ReportFilingOutcome;
    /// <summary>The document was removed (the page answers 410).</summary>
    public sealed record Gone : ReportFilingOutcome;
    /// <summary>A field is missing or wrong: <paramref name="Field"/> names it (as the API spells it).</summary>
    public sealed record Invalid(string Field, string Message) : ReportFilingOutcome;
    /// <summary>The reader has an open report of this document (or comment): nothing changed.</summary>
    public sealed record AlreadyOpen(long ReportId) : ReportFilingOutcome;
    /// <summary>One's own document or comment.</summary>
    public sealed record OwnContent(string Message) : ReportFilingOutcome;
}

/// <summary>
/// Files readers' reports. One open report per reader and document (and per reader and comment): a second is refused
/// and changes nothing; the unique indexes decide between two parallel submissions.
/// </summary>
public sealed class ReportFiling(WenkuDb db, ILogger<ReportFiling> log, IStringLocalizer<SharedResource> T)
{
    public const int MaxOriginalTitle = 200;
    public const int MaxOriginalLink = 500;
    public const int MaxContact = 200;

    /// <summary>The refusal of a second open report by the same reader, in the reader's language.</summary>
    public static string AlreadyReported(IStringLocalizer T) => T["你已举报过，正在处理。"];

    /// <summary>The reasons as the API and the form name them.</summary>
    public static readonly IReadOnlyList<(ReportReason Reason, string Name)> Reasons =
    [
        (ReportReason.Infringement, "infringement"), (ReportReason.Pornography, "pornography"), (ReportReason.Illegal, "illegal"),
        (ReportReason.Spam, "spam"), (ReportReason.Duplicate, "duplicate"), (ReportReason.Other, "other"),
    ];

    /// <summary>A reason in the reader's words.</summary>
    public static string LabelOf(IStringLocalizer T, ReportReason reason) => ReviewQueue.ReasonName(T, reason);

    public static string StateLabel(IStringLocalizer T, ReportState state) => state switch
    {
        ReportState.Open => T["处理中"],
        ReportState.Dismissed => T["未采纳"],
        _ => T["已处理"],
    };

    public async Task<ReportFilingOutcome> FileAsync(long documentId, ReportForm form, string reporterId, CancellationToken ct)
    {
        var doc = await db.Documents.AsNoTracking().SingleOrDefaultAsync(d => d.Id == documentId, ct);
        if (doc is null) return new ReportFilingOutcome.NotFound();
        if (doc.Status == DocumentStatus.Removed) return new ReportFilingOutcome.Gone();
        // Only published documents are reported: one still converting, failed or held is seen by its uploader and staff only.
        if (doc.Status != DocumentStatus.Ready) return new ReportFilingOutcome.NotFound();

        if (form.CommentId is { } commentId)
        {
            var comment = await db.Comments.AsNoTracking().Where(c => c.Id == commentId && c.DocumentId == documentId)
                .Select(c => new { c.UserId, c.State }).SingleOrDefaultAsync(ct);
            // A comment the reader cannot see (hidden, or another's pending one) is not there for them.
            if (comment is null || comment.State == CommentState.Hidden || (comment.State == CommentState.Pending && comment.UserId != reporterId))
                return new ReportFilingOutcome.NotFound();
            if (comment.UserId == reporterId)
                return new ReportFilingOutcome.OwnContent(T["不能举报自己的评论。"]);
        }
        else if (doc.UploaderId == reporterId)
            return new ReportFilingOutcome.OwnContent(T["不能举报自己上传的文档。"]);

        var (report, invalid) = Validate(T, form);
        if (invalid is not null) return invalid;
        report!.DocumentId = documentId;
        report.ReporterId = reporterId;

        if (await OpenReportAsync(documentId, form.CommentId, reporterId, ct) is { } open) return new ReportFilingOutcome.AlreadyOpen(open);
        db.Reports.Add(report);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // A parallel submission of the same reader took the unique open-report slot first.
            db.ChangeTracker.Clear();
            if (await OpenReportAsync(documentId, form.CommentId, reporterId, ct) is { } raced) return new ReportFilingOutcome.AlreadyOpen(raced);
            throw;
        }
        log.LogInformation("Report {ReportId} ({Reason}) of document {DocumentId} comment {CommentId} by {UserId}",
            report.Id, report.Reason, documentId, form.CommentId, reporterId);
        return new ReportFilingOutcome.Done(report);
    }

    private Task<long?> OpenReportAsync(long documentId, long? commentId, string reporterId, CancellationToken ct) =>
        db.Reports.AsNoTracking()
            .Where(r => r.DocumentId == documentId && r.CommentId == commentId && r.ReporterId == reporterId && r.State == ReportState.Open)
            .Select(r => (long?)r.Id).FirstOrDefaultAsync(ct);

    /// <summary>The report the form describes, or why it cannot be filed (the first wrong field).</summary>
    public static (Report? Report, ReportFilingOutcome.Invalid? Invalid) Validate(IStringLocalizer T, ReportForm form)
    {
        var name = (form.Reason ?? "").Trim();
        var match = Reasons.Where(r => string.Equals(r.Name, name, StringComparison.OrdinalIgnoreCase)).Select(r => (ReportReason?)r.Reason).FirstOrDefault();
        if (match is not { } reason)
            return (null, new("reason", T["请选择举报原因：infringement、pornography、illegal、spam、duplicate 或 other。"]));
        var details = Text.SafeText.MultiLine(form.Details);
        if (details.Length > Report.MaxDetails)
            return (null, new("details", T.Text("说明最多 {0} 字。", Report.MaxDetails)));
        var title = Text.SafeText.OneLine(form.OriginalTitle);
        var link = Text.SafeText.OneLine(form.OriginalLink);
        var contact = Text.SafeText.OneLine(form.Contact);
        if (title.Length > MaxOriginalTitle)
            return (null, new("originalTitle", T.Text("原作品名称最多 {0} 字。", MaxOriginalTitle)));
        if (link.Length > MaxOriginalLink)
            return (null, new("originalLink", T.Text("原作品链接或 ISBN 最多 {0} 字。", MaxOriginalLink)));
        if (contact.Length > MaxContact)
            return (null, new("contact", T.Text("联系方式最多 {0} 字。", MaxContact)));
        if (reason == ReportReason.Infringement)
        {
            if (title.Length == 0 && link.Length == 0)
                return (null, new("originalTitle", T["侵权举报须写明原作品（名称、链接或 ISBN）。"]));
            if (contact.Length == 0)
                return (null, new("contact", T["侵权举报须留下权利人的联系方式。"]));
        }
        else if (reason == ReportReason.Other && details.Length == 0)
            return (null, new("details", T["选择“其他”时请写明原因。"]));
        return (new Report
        {
            ReporterId = "", Reason = reason, Details = details, CommentId = form.CommentId,
            OriginalTitle = title.Length == 0 ? null : title, OriginalLink = link.Length == 0 ? null : link,
            Contact = contact.Length == 0 ? null : contact,
        }, null);
    }
}
