using Microsoft.Extensions.Localization;
using Wenku.Web.Localization;
using Microsoft.EntityFrameworkCore;
using Wenku.Data;
using Wenku.Documents;

namespace Wenku.Moderation;

/// <summary>What waits in the review queue. The names are those of the site's filter and the API (<see cref="ReviewQueue.KindName"/>).</summary>
public enum QueueKind
{
    /// <summary>An open report of a document.</summary>
    Report,
    /// <summary>An open report of a comment.</summary>
    CommentReport,
    /// <summary>An open claim.</summary>
    Claim,
    /// <summary>An open appeal against a removal.</summary>
    Appeal,
    /// <summary>A held document (near duplicate, new upload, sensitive words).</summary>
    Held,
    /// <summary>A comment waiting for review (a sensitive word marked <c>review</c>).</summary>
    Comment,
}

/// <summary>One waiting item, as listed: what it is, which document it is about, since when it waits.</summary>
public sealed record QueueEntry(QueueKind Kind, long Id, long DocumentId, DateTime CreatedAt);

public sealed record QueueFilter(QueueKind? Kind, HoldReason? Hold);

public sealed record QueuePage(IReadOnlyList<QueueEntry> Entries, int Page, int PageSize, int Total)
{
    public int Pages => Math.Max(1, (Total + PageSize - 1) / PageSize);
}

/// <summary>The document an item is about, with its uploader's history.</summary>
public sealed record QueueDocument(long Id, string Title, DocumentStatus Status, int PageCount, string UploaderId, string UploaderName,
    int UploaderPublished, int UploaderRemoved, int UploaderOpenReports)
{
    /// <summary>The uploader's public page (<see cref="Accounts.UserLinks.Url(string, string?)"/>).</summary>
    public string UploaderUrl { get; init; } = Accounts.UserLinks.Url(UploaderId, null);
}

public sealed record HeldFacts(HoldReason Reason, string? Details, long? MatchId, string? MatchTitle, int MatchPageCount, double? Score);
public sealed record ReportFacts(string ReporterName, ReportReason Reason, string Details, string? OriginalTitle, string? OriginalLink, string? Contact,
    long? CommentId, string? CommentBody, string? CommentAuthor);
public sealed record ClaimFacts(string ClaimantId, string ClaimantName, string Statement, bool WantsRemoval, string? EvidenceFileName, string? EvidenceFormat,
    long EvidenceBytes, bool HasEvidence)
{
    /// <summary>The claimant's public page.</summary>
    public string ClaimantUrl { get; init; } = Accounts.UserLinks.Url(ClaimantId, null);
}
public sealed record AppealFacts(string Statement, RemovalCategory Category, string RemovalReason, string RemovedByName, DateTime RemovedAt);
public sealed record CommentFacts(string Body, string AuthorName, string? ReviewWords);

/// <summary>A waiting item with everything a moderator needs to decide it.</summary>
public sealed record QueueItem(QueueEntry Entry, QueueDocument? Document, string Summary)
{
    public HeldFacts? Held { get; init; }
    public ReportFacts? Report { get; init; }
    public ClaimFacts? Claim { get; init; }
    public AppealFacts? Appeal { get; init; }
    public CommentFacts? Comment { get; init; }
}

/// <summary>
/// The review queue (<c>/admin/review</c>, <c>GET /api/v1/moderation/queue</c>): open reports, claims and appeals, held
/// documents and pending comments, oldest first, in one list. Each source is read in order up to the end of the page
/// asked for, and the sources are merged: a page costs one query per kind, however long the queue.
/// </summary>
public sealed class ReviewQueue(WenkuDb db, ILogger<ReviewQueue> log, IStringLocalizer<SharedResource> T)
{
    public const int PageSize = 20;
    public const int MaxPage = 1000;

    private static readonly Dictionary<string, QueueKind> Kinds = new(StringComparer.OrdinalIgnoreCase)
    {
        ["report"] = QueueKind.Report, ["comment-report"] = QueueKind.CommentReport, ["claim"] = QueueKind.Claim,
        ["appeal"] = QueueKind.Appeal, ["held"] = QueueKind.Held, ["comment"] = QueueKind.Comment,
    };

    private static readonly Dictionary<string, HoldReason> Holds = new(StringComparer.OrdinalIgnoreCase)
    {
        ["near-duplicate"] = HoldReason.NearDuplicate, ["new-upload"] = HoldReason.NewUpload, ["sensitive-words"] = HoldReason.SensitiveWords,
    };

    public static IReadOnlyCollection<string> KindNames => Kinds.Keys;
    public static IReadOnlyCollection<string> HoldNames => Holds.Keys;

    public static string KindName(QueueKind kind) => Kinds.First(k => k.Value == kind).Key;
    public static string HoldName(HoldReason hold) => Holds.First(k => k.Value == hold).Key;

    /// <summary>The filter from the query (<c>kind</c>, <c>hold</c>), or the words saying what is wrong with it. A hold reason implies <c>held</c>.</summary>
    public static (QueueFilter? Filter, string? Error) ParseFilter(IStringLocalizer T, string? kind, string? hold)
    {
        QueueKind? k = null;
        HoldReason? h = null;
        if (!string.IsNullOrEmpty(kind))
        {
            if (!Kinds.TryGetValue(kind, out var parsed))
                return (null, T.Text("没有这种待审类型：{0}。可选：{1}。", kind, string.Join(", ", Kinds.Keys)));
            k = parsed;
        }
        if (!string.IsNullOrEmpty(hold))
        {
            if (!Holds.TryGetValue(hold, out var parsed))
                return (null, T.Text("没有这种暂停原因：{0}。可选：{1}。", hold, string.Join(", ", Holds.Keys)));
            if (k is not (null or QueueKind.Held))
                return (null, T["暂停原因只用于待审核文档（kind=held）。"]);
            (k, h) = (QueueKind.Held, parsed);
        }
        return (new QueueFilter(k, h), null);
    }

    /// <summary>A page number from the query (1 when absent), or null when it is not one.</summary>
    public static int? ParsePage(string? page) =>
        string.IsNullOrEmpty(page) ? 1 : int.TryParse(page, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= MaxPage ? n : null;

    /// <summary>How many items wait, of every kind (one query: the header shows it to staff on every page).</summary>
    public Task<int> WaitingCountAsync(CancellationToken ct) =>
        db.SiteSettings.AsNoTracking().Select(_ =>
                db.Reports.Count(r => r.State == ReportState.Open)
                + db.Claims.Count(c => c.State == ClaimState.Open)
                + db.Appeals.Count(a => a.State == AppealState.Open)
                + db.Documents.Count(d => d.Status == DocumentStatus.Held)
                + db.Comments.Count(c => c.State == CommentState.Pending))
            .FirstOrDefaultAsync(ct);

    /// <summary>The count for the header, or null when it cannot be had (the header of an error page must not fail in turn).</summary>
    public async Task<int?> WaitingCountForHeaderAsync(CancellationToken ct)
    {
        try
        {
            return await WaitingCountAsync(ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.LogWarning(e, "Could not count the review queue for the header");
            return null;
        }
    }

    /// <summary>One page of the queue, oldest first (ties: by kind, then id).</summary>
    public async Task<QueuePage> PageAsync(QueueFilter filter, int page, CancellationToken ct)
    {
        var upTo = page * PageSize;
        var entries = new List<QueueEntry>();
        var total = 0;
        foreach (var kind in Enum.GetValues<QueueKind>())
        {
            if (filter.Kind is { } only && only != kind) continue;
            var (count, oldest) = await ReadAsync(kind, filter.Hold, upTo, ct);
            total += count;
            entries.AddRange(oldest);
        }
        var rows = entries.OrderBy(e => e.CreatedAt).ThenBy(e => e.Kind).ThenBy(e => e.Id).Skip(upTo - PageSize).Take(PageSize).ToList();
        return new QueuePage(rows, page, PageSize, total);
    }

    /// <summary>How many items of one kind wait, and the oldest <paramref name="take"/> (ordered before they are projected, as SQL needs).</summary>
    private async Task<(int Count, List<QueueEntry> Oldest)> ReadAsync(QueueKind kind, HoldReason? hold, int take, CancellationToken ct)
    {
        switch (kind)
        {
            case QueueKind.Report or QueueKind.CommentReport:
            {
                var comments = kind == QueueKind.CommentReport;
                var q = db.Reports.AsNoTracking().Where(r => r.State == ReportState.Open && (r.CommentId != null) == comments);
                return (await q.CountAsync(ct), await q.OrderBy(r => r.CreatedAt).ThenBy(r => r.Id).Take(take)
                    .Select(r => new QueueEntry(kind, r.Id, r.DocumentId, r.CreatedAt)).ToListAsync(ct));
            }
            case QueueKind.Claim:
            {
                var q = db.Claims.AsNoTracking().Where(c => c.State == ClaimState.Open);
                return (await q.CountAsync(ct), await q.OrderBy(c => c.CreatedAt).ThenBy(c => c.Id).Take(take)
                    .Select(c => new QueueEntry(kind, c.Id, c.DocumentId, c.CreatedAt)).ToListAsync(ct));
            }
            case QueueKind.Appeal:
            {
                var q = db.Appeals.AsNoTracking().Where(a => a.State == AppealState.Open);
                return (await q.CountAsync(ct), await q.OrderBy(a => a.CreatedAt).ThenBy(a => a.Id).Take(take)
                    .Select(a => new QueueEntry(kind, a.Id, a.DocumentId, a.CreatedAt)).ToListAsync(ct));
            }
            case QueueKind.Held:
            {
                var q = HeldDocuments(hold);
                return (await q.CountAsync(ct), await q.OrderBy(d => d.CreatedAt).ThenBy(d => d.Id).Take(take)
                    .Select(d => new QueueEntry(kind, d.Id, d.Id, d.CreatedAt)).ToListAsync(ct));
            }
            default:
            {
                var q = db.Comments.AsNoTracking().Where(c => c.State == CommentState.Pending);
                return (await q.CountAsync(ct), await q.OrderBy(c => c.CreatedAt).ThenBy(c => c.Id).Take(take)
                    .Select(c => new QueueEntry(kind, c.Id, c.DocumentId, c.CreatedAt)).ToListAsync(ct));
            }
        }
    }

    /// <summary>Held documents, of one hold reason if given (documents held before reasons were kept are near duplicates).</summary>
    private IQueryable<Document> HeldDocuments(HoldReason? hold)
    {
        var held = db.Documents.AsNoTracking().Where(d => d.Status == DocumentStatus.Held);
        return hold switch
        {
            null => held,
            HoldReason.NearDuplicate => held.Where(d => d.HoldReason == null || d.HoldReason == HoldReason.NearDuplicate),
            { } h => held.Where(d => d.HoldReason == h),
        };
    }

    /// <summary>The entries with their facts: the document and its uploader's history, and what each kind needs.</summary>
    public async Task<IReadOnlyList<QueueItem>> DetailsAsync(IReadOnlyList<QueueEntry> entries, CancellationToken ct)
    {
        long[] IdsOf(QueueKind kind) => entries.Where(e => e.Kind == kind).Select(e => e.Id).ToArray();
        var reportIds = IdsOf(QueueKind.Report).Concat(IdsOf(QueueKind.CommentReport)).ToArray();
        var reports = await db.Reports.AsNoTracking().Where(r => reportIds.Contains(r.Id)).ToDictionaryAsync(r => r.Id, ct);
        var claimIds = IdsOf(QueueKind.Claim);
        var claims = await db.Claims.AsNoTracking().Where(c => claimIds.Contains(c.Id)).ToDictionaryAsync(c => c.Id, ct);
        var appealIds = IdsOf(QueueKind.Appeal);
        var appeals = await db.Appeals.AsNoTracking().Where(a => appealIds.Contains(a.Id)).ToDictionaryAsync(a => a.Id, ct);
        var removalIds = appeals.Values.Select(a => a.RemovalId).ToArray();
        var removals = await db.DocumentRemovals.AsNoTracking().Where(r => removalIds.Contains(r.Id)).ToDictionaryAsync(r => r.Id, ct);
        var commentIds = IdsOf(QueueKind.Comment).Concat(reports.Values.Where(r => r.CommentId != null).Select(r => r.CommentId!.Value)).ToArray();
        var comments = await db.Comments.AsNoTracking().Where(c => commentIds.Contains(c.Id)).ToDictionaryAsync(c => c.Id, ct);

        var docIds = entries.Select(e => e.DocumentId).Distinct().ToArray();
        var docs = await db.Documents.AsNoTracking().Where(d => docIds.Contains(d.Id)).ToDictionaryAsync(d => d.Id, ct);
        var matchIds = docs.Values.Where(d => d.Status == DocumentStatus.Held && d.NearDuplicateOfId != null).Select(d => d.NearDuplicateOfId!.Value).Distinct().ToArray();
        var matches = await db.Documents.AsNoTracking().Where(d => matchIds.Contains(d.Id))
            .Select(d => new { d.Id, d.Title, d.PageCount }).ToDictionaryAsync(d => d.Id, ct);

        var uploaders = docs.Values.Select(d => d.UploaderId).Distinct().ToArray();
        var published = await db.Documents.AsNoTracking().Where(d => uploaders.Contains(d.UploaderId) && d.Status == DocumentStatus.Ready)
            .GroupBy(d => d.UploaderId).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, ct);
        var removed = await db.Documents.AsNoTracking().Where(d => uploaders.Contains(d.UploaderId) && d.Status == DocumentStatus.Removed)
            .GroupBy(d => d.UploaderId).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, ct);
        var reported = await (from r in db.Reports.AsNoTracking()
                              join d in db.Documents.AsNoTracking() on r.DocumentId equals d.Id
                              where r.State == ReportState.Open && uploaders.Contains(d.UploaderId)
                              group r by d.UploaderId into g
                              select new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, ct);

        var userIds = uploaders
            .Concat(reports.Values.Select(r => r.ReporterId))
            .Concat(claims.Values.Select(c => c.ClaimantId))
            .Concat(removals.Values.Select(r => r.RemovedById))
            .Concat(comments.Values.Select(c => c.UserId))
            .Distinct().ToArray();
        var users = await db.Users.AsNoTracking().Where(u => userIds.Contains(u.Id))
            .Select(u => new { u.Id, u.DisplayName, u.Slug }).ToDictionaryAsync(u => u.Id, ct);
        string NameOf(string id) => users.TryGetValue(id, out var u) ? u.DisplayName : id;
        string UrlOf(string id) => Accounts.UserLinks.Url(id, users.GetValueOrDefault(id)?.Slug);

        var items = new List<QueueItem>();
        foreach (var e in entries)
        {
            QueueDocument? document = docs.TryGetValue(e.DocumentId, out var d)
                ? new QueueDocument(d.Id, d.Title, d.Status, d.PageCount, d.UploaderId, NameOf(d.UploaderId),
                    published.GetValueOrDefault(d.UploaderId), removed.GetValueOrDefault(d.UploaderId), reported.GetValueOrDefault(d.UploaderId))
                { UploaderUrl = UrlOf(d.UploaderId) }
                : null;
            var title = document?.Title ?? $"/d/{e.DocumentId}";
            switch (e.Kind)
            {
                case QueueKind.Report or QueueKind.CommentReport when reports.TryGetValue(e.Id, out var r):
                    var comment = r.CommentId is { } cid ? comments.GetValueOrDefault(cid) : null;
                    items.Add(new QueueItem(e, document, Cut(T.Text("{0}：{1}", ReasonName(T, r.Reason), $"{(comment is null ? "" : $"\"{comment.Body}\" ")}{r.Details}")))
                    {
                        Report = new ReportFacts(NameOf(r.ReporterId), r.Reason, r.Details, r.OriginalTitle, r.OriginalLink, r.Contact,
                            r.CommentId, comment?.Body, comment is null ? null : NameOf(comment.UserId)),
                    });
                    break;
                case QueueKind.Claim when claims.TryGetValue(e.Id, out var c):
                    items.Add(new QueueItem(e, document, Cut(c.WantsRemoval ? T.Text("认领并要求下架：{0}", c.Statement) : T.Text("认领：{0}", c.Statement)))
                    {
                        Claim = new ClaimFacts(c.ClaimantId, NameOf(c.ClaimantId), c.Statement, c.WantsRemoval, c.EvidenceFileName, c.EvidenceFormat,
                            c.EvidenceBytes, c.EvidenceKey is not null) { ClaimantUrl = UrlOf(c.ClaimantId) },
                    });
                    break;
                case QueueKind.Appeal when appeals.TryGetValue(e.Id, out var a):
                    var removal = removals.GetValueOrDefault(a.RemovalId);
                    items.Add(new QueueItem(e, document, Cut(T.Text("申诉（{0}）：{1}", removal is null ? "" : CategoryName(T, removal.Category), a.Statement)))
                    {
                        Appeal = new AppealFacts(a.Statement, removal?.Category ?? RemovalCategory.Other, removal?.Reason ?? "",
                            removal is null ? "" : NameOf(removal.RemovedById), removal?.RemovedAt ?? default),
                    });
                    break;
                case QueueKind.Held when d is not null:
                    var hold = d.HoldReason ?? HoldReason.NearDuplicate;
                    var match = d.NearDuplicateOfId is { } m ? matches.GetValueOrDefault(m) : null;
                    var holdDetails = StoredMessages.Render(T, d.HoldDetailsCode, d.HoldDetailsArgs, d.HoldDetails);
                    items.Add(new QueueItem(e, document, Cut(HoldSummary(T, hold, d.NearDuplicateOfId, d.NearDuplicateScore, holdDetails)))
                    {
                        Held = new HeldFacts(hold, holdDetails, d.NearDuplicateOfId, match?.Title, match?.PageCount ?? 0, d.NearDuplicateScore),
                    });
                    break;
                case QueueKind.Comment when comments.TryGetValue(e.Id, out var pending):
                    items.Add(new QueueItem(e, document, Cut(T.Text("待审评论：{0}", $"\"{pending.Body}\"{(pending.ReviewWords is { Length: > 0 } w ? $" ({w})" : "")}")))
                    {
                        Comment = new CommentFacts(pending.Body, NameOf(pending.UserId), pending.ReviewWords),
                    });
                    break;
                default:
                    items.Add(new QueueItem(e, document, title)); // decided between the listing and now
                    break;
            }
        }
        return items;
    }

    /// <summary>A report's reason in words: the words of the takedown category it leads to.</summary>
    public static string ReasonName(IStringLocalizer T, ReportReason reason) =>
        RemovedDocuments.Words(T, ReportDecisions.CategoryOf(reason));

    public static string CategoryName(IStringLocalizer T, RemovalCategory category) => category switch
    {
        RemovalCategory.UploaderBanned => T["上传者被封禁"],
        _ => RemovedDocuments.Words(T, category),
    };

    public static string HoldLabel(IStringLocalizer T, HoldReason hold) => hold switch
    {
        HoldReason.NearDuplicate => T["近似重复"],
        HoldReason.NewUpload => T["新上传审核"],
        _ => T["敏感词"],
    };

    private static string HoldSummary(IStringLocalizer T, HoldReason hold, long? of, double? score, string? details) => hold switch
    {
        HoldReason.NearDuplicate => T.Text("近似重复：/d/{0}（{1}）", of ?? 0, score?.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture) ?? ""),
        _ => details is { Length: > 0 } ? T.Text("{0}：{1}", HoldLabel(T, hold), details) : HoldLabel(T, hold),
    };

    private static string Cut(string text) => text.Length <= 200 ? text : text[..199] + "…";
}
