using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OutputCaching;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Localization;
using Wenku.Accounts;
using Wenku.Comments;
using Wenku.Data;
using Wenku.Duplicates;
using Wenku.Web.Localization;

namespace Wenku.Documents;

/// <summary>
/// The document page: facts, the reader (previews up to the limit), the 全文预览已结束 banner, text chunks, notices,
/// comments, and what search engines and link previews read (<see cref="Discovery.DocumentSeo"/>).
/// </summary>
[OutputCache(PolicyName = DocumentPageCache.Policy)]
public sealed class ShowModel(WenkuDb db, DocumentAccess access, ViewCounter views, IStringLocalizer<SharedResource> T) : PageModel
{
    /// <param name="CanReport">A signed-in reader other than its author (举报).</param>
    /// <param name="State">Visible; Pending (shown to its author and staff); Hidden (shown to staff only, marked).</param>
    public sealed record CommentView(long Id, string Author, string Body, DateTime CreatedAt, bool CanDelete,
        Moderation.CommentState State = Moderation.CommentState.Visible, bool CanReport = false);

    /// <summary>The newest comments shown on the page.</summary>
    private const int MaxComments = 100;

    public Document Doc { get; private set; } = null!;
    public IReadOnlyList<DocumentPage> Pages { get; private set; } = [];
    public IReadOnlyList<string> Chunks { get; private set; } = [];
    public IReadOnlyList<string> Notices { get; private set; } = [];
    public IReadOnlyList<CommentView> Comments { get; private set; } = [];
    public int CommentCount { get; private set; }
    public IReadOnlyList<DocSummary> Related { get; private set; } = [];

    /// <summary>The uploader's newest other published documents (shown by <see cref="MoreFromUploaderViewComponent"/>).</summary>
    public IReadOnlyList<DocSummary> NewestOfUploader { get; private set; } = [];
    public IReadOnlyList<SimilarDocument> Similar { get; private set; } = [];
    public int RemainingPages { get; private set; }

    /// <summary>The document this one nearly duplicates, if the reader may see it (else the page names none).</summary>
    public long? NearDuplicateLink { get; private set; }

    /// <summary>An archive's entries (at most <see cref="ConversionFacts.MaxEntriesShown"/>), and how many there are.</summary>
    public IReadOnlyList<ArchiveEntry> Entries => Facts.Entries;
    public int EntryCount => Facts.EntryCount;

    /// <summary>Pages whose text was recognised by OCR (they had no text layer).</summary>
    public IReadOnlyList<int> OcrPages => Facts.OcrPages;
    private ConversionFacts Facts { get; set; } = new([], 0, []);
    public bool CanDownload { get; private set; }

    /// <summary>Live (not refunded) purchases. Part of the cached anonymous page: a site purchase evicts it, others show within the cache's 10 seconds.</summary>
    public int Sales { get; private set; }

    /// <summary>The signed-in reader bought this document (shown as 已购买; never part of a cached page, which is anonymous).</summary>
    public bool Bought { get; private set; }

    /// <summary>The reader comes back from the confirmation having bought it (购买成功).</summary>
    public bool JustBought { get; private set; }
    public string? CommentError { get; private set; }

    /// <summary>A comment refused for a sensitive word comes back in the form as the reader typed it.</summary>
    public string? CommentDraft { get; private set; }

    /// <summary>The reader's comment waits for a moderator (a sensitive word marked review).</summary>
    public string? CommentNotice { get; private set; }

    /// <summary>Staff: each comment has the approve/hide/delete control.</summary>
    public bool CanModerate { get; private set; }

    /// <summary>What the staff's removal form came back with (<c>?takedown=</c>), shown beside the form.</summary>
    public string? TakedownNotice { get; private set; }

    /// <summary>The page a signed-in reader stopped at last time (继续阅读第 n 页), when it is past the first and still visible to them.</summary>
    public int? ContinuePage { get; private set; }

    /// <summary>Canonical URL, description, cover and JSON-LD of a public (ready) document; null otherwise.</summary>
    public Discovery.DocumentSeo? Seo { get; private set; }

    /// <summary>Why conversion failed, in the reader's language (a stored code), or the stored text of older failures.</summary>
    public string? FailureText { get; private set; }

    /// <summary>Set when the document was taken down: the page answers 410 with only that (<c>/Moderation/_Removed.cshtml</c>).</summary>
    public Moderation.RemovedPage? Removed { get; private set; }

    public async Task<IActionResult> OnGetAsync(long id, string? comment, string? purchase, string? takedown, CancellationToken ct)
    {
        // One connection for the page's dozen small queries (and the layout's): opening one per query (the default)
        // took the SQLite pool's lock a dozen times a request, and cost more than most of the queries.
        await db.Database.OpenConnectionAsync(ct);
        // The read path's queries are compiled once (DocumentReads): EF Core's per-query preparation was a fifth of the page.
        // Its first statement also reads the settings the page shows and the count of visible comments (PageHeadOf).
        var pageHead = await DocumentReads.PageHeadOf(db, id, ct);
        var head = pageHead?.Head;
        var doc = head?.Document;
        if (head is not null) (head.Document.Category, head.Document.Uploader) = (head.Category, head.Uploader);
        if (doc is not null && DocumentAccess.IsRemoved(doc))
        {
            Doc = doc;
            Removed = await Moderation.RemovedPage.LoadAsync(db, access, doc, User, takedown, ct);
            ViewCounter.DoNotCount(HttpContext);
            Response.StatusCode = StatusCodes.Status410Gone;
            return Page();
        }
        if (doc is null || !DocumentAccess.CanView(doc, User)) return NotFound();
        Doc = doc;
        TakedownNotice = takedown;
        // A refused comment's text and word come from the commenter's own TempData cookie (set by the comment endpoint), never from the URL.
        string? draft = null, word = null;
        if (comment is "blocked" or "toolong" && User.Identity?.IsAuthenticated == true)
            (draft, word) = (TempData[Wenku.Comments.CommentEndpoints.DraftKey] as string, TempData[Wenku.Comments.CommentEndpoints.WordKey] as string);
        CommentError = comment switch
        {
            "toolong" => T.Text("评论最多 {0} 个字。", Comment.MaxLength),
            "empty" => T.Text("评论不能为空。"),
            "blocked" when User.Identity?.IsAuthenticated == true => word is { Length: > 0 and <= Moderation.SensitiveWord.MaxLength }
                ? Moderation.SensitiveWordScreen.BlockMessage(word) : T.Text("评论含有不允许的词语，未发布。"),
            _ => null,
        };
        if (draft is { Length: <= Comment.MaxStoredLength }) CommentDraft = draft;
        if (comment == "pending" && User.Identity?.IsAuthenticated == true)
            CommentNotice = T.Text("评论已提交，将在审核后显示。");
        Notices = (pageHead!.Notices ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (doc.Status != DocumentStatus.Ready) ViewCounter.DoNotCount(HttpContext);
        if (doc.Status == DocumentStatus.Failed) FailureText = StoredMessages.Render(T, doc.ErrorCode, doc.ErrorArgs, doc.Error);
        // A held document (a near duplicate waiting for a moderator) is shown to its uploader and staff whole, so that
        // they can compare it with the one it matches.
        if (doc.Status is not (DocumentStatus.Ready or DocumentStatus.Held)) return Page();
        // The threshold is read only here: most documents have no matches.
        Similar = head!.Matches == 0 ? [] : await SimilarDocuments.ForAsync(db, id, User, ct);
        if (doc.NearDuplicateOfId is { } of && (await access.VisibleNearDuplicatesAsync([doc], User, ct)).Contains(of)) NearDuplicateLink = of;
        if (doc.Status == DocumentStatus.Held)
        {
            // Its uploader and staff (the only ones who see it) see every page, to check what waits for review.
            Pages = await db.DocumentPages.AsNoTracking().Where(p => p.DocumentId == id).OrderBy(p => p.Number)
                .Select(p => new DocumentPage { DocumentId = p.DocumentId, Number = p.Number, Width = p.Width, Height = p.Height })
                .ToListAsync(ct);
            return Page();
        }

        doc.Views += views.Pending(id);
        var visible = await access.VisiblePagesAsync(doc, User, ct);
        // Image sizes of every page the reader may see; text only of the preview pages (the 文档简介).
        Pages = await DocumentReads.ListAsync(DocumentReads.VisiblePages(db, id, visible, doc.PreviewPages), ct);
        RemainingPages = doc.PageCount - visible;
        if (head.OcrPages > 0 || head.ArchiveEntries > 0) Facts = await ConversionFacts.LoadAsync(db, id, ct);
        // Page numbers glued to a page's text by older conversions (…结束。—1—) are left out of what is shown.
        var previewTexts = Pages.Where(p => p.Number <= doc.PreviewPages).Select(p => TextNormalizer.TrimPageFurniture(p.Text)).ToList();
        Chunks = TextChunker.Chunk(string.Join("\n", previewTexts));
        Seo = Discovery.DocumentSeo.For(Request, doc, previewTexts, doc.Uploader.DisplayName);
        CanDownload = await access.CanDownloadAsync(doc, User, ct) || (User.Identity?.IsAuthenticated != true && doc.IsFree);

        var userId = User.UserId();
        if (userId is not null)
        {
            var stoppedAt = await db.ReadingProgress.AsNoTracking().Where(r => r.UserId == userId && r.DocumentId == id).Select(r => (int?)r.Page).SingleOrDefaultAsync(ct);
            if (stoppedAt > 1 && stoppedAt <= Pages.Count) ContinuePage = stoppedAt;
        }
        Sales = head.Sales;
        if (userId is not null && !doc.IsFree)
        {
            Bought = await db.Purchases.AnyAsync(p => p.DocumentId == id && p.BuyerId == userId && p.RefundedAt == null, ct);
            JustBought = Bought && purchase == "done";
        }
        var staff = User.IsStaff();
        // Readers see visible comments and their own pending ones; staff see every comment, hidden ones marked. The
        // count is of visible comments only.
        // The head counted the visible comments: an anonymous reader sees nothing else, so with none there is no list to read.
        CommentCount = pageHead.VisibleComments;
        var comments = CommentCount == 0 && userId is null && !staff ? []
            : await DocumentReads.ListAsync(DocumentReads.Comments(db, id, staff, userId, MaxComments), ct);
        Comments = comments
            .Select(c => new CommentView(c.Id, c.DisplayName, c.Body, c.CreatedAt, staff || c.UserId == userId, c.State,
                userId is not null && c.UserId != userId && c.State != Moderation.CommentState.Hidden)).ToList();
        CanModerate = staff;
        // 相关文档 and the uploader's newest (MoreFromUploader) in one statement.
        var cards = await DocumentReads.ListAsync(DocumentReads.RelatedAndNewest(db, doc.CategoryId, doc.UploaderId, id, MoreFromUploaderViewComponent.Count), ct);
        Related = [.. cards.Where(c => c.List == 0).Select(c => c.Summary)];
        NewestOfUploader = [.. cards.Where(c => c.List == 1).Select(c => c.Summary)];
        return Page();
    }
}
