using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Wenku.Comments;
using Wenku.Data;
using Wenku.Duplicates;

namespace Wenku.Documents;

/// <summary>
/// The read path's queries (the document page, its related lists, category and uploader pages, the document API),
/// compiled once. An uncached document page ran about ten LINQ queries, and EF Core's per-query work before any SQL
/// (extracting the parameters from the expression tree, hashing it to find the cached plan) was a fifth of the page's
/// CPU time (bench/reads.sh, notes/reads.md). A compiled query skips that: its plan is found by reference.
/// </summary>
/// <remarks>
/// Each compiled query is written out whole (a projection in an expression tree cannot call a helper such as
/// <see cref="DocSummary.Project"/>), so the card's projection appears here once per list; keep them the same.
/// </remarks>
public static class DocumentReads
{
    // A compiled query belongs to the model it first ran with, and throws with another ("executed with a different model
    // than it was compiled against"): one process can hold two models (the SQLite and the PostgreSQL context, as in the
    // tests and `wenku admin migrate-storage`), so each query is compiled once per model. The lookup is a dictionary read.
    private static Func<WenkuDb, CancellationToken, Task<R>> PerModel<R>(Func<Func<WenkuDb, CancellationToken, Task<R>>> compile)
    {
        var byModel = new ConcurrentDictionary<IModel, Func<WenkuDb, CancellationToken, Task<R>>>();
        return (db, ct) => byModel.GetOrAdd(db.Model, _ => compile())(db, ct);
    }

    private static Func<WenkuDb, A, CancellationToken, Task<R>> PerModel<A, R>(Func<Func<WenkuDb, A, CancellationToken, Task<R>>> compile)
    {
        var byModel = new ConcurrentDictionary<IModel, Func<WenkuDb, A, CancellationToken, Task<R>>>();
        return (db, a, ct) => byModel.GetOrAdd(db.Model, _ => compile())(db, a, ct);
    }

    private static Func<WenkuDb, A, IAsyncEnumerable<R>> PerModel<A, R>(Func<Func<WenkuDb, A, IAsyncEnumerable<R>>> compile)
    {
        var byModel = new ConcurrentDictionary<IModel, Func<WenkuDb, A, IAsyncEnumerable<R>>>();
        return (db, a) => byModel.GetOrAdd(db.Model, _ => compile())(db, a);
    }

    private static Func<WenkuDb, A, B, IAsyncEnumerable<R>> PerModel<A, B, R>(Func<Func<WenkuDb, A, B, IAsyncEnumerable<R>>> compile)
    {
        var byModel = new ConcurrentDictionary<IModel, Func<WenkuDb, A, B, IAsyncEnumerable<R>>>();
        return (db, a, b) => byModel.GetOrAdd(db.Model, _ => compile())(db, a, b);
    }

    private static Func<WenkuDb, A, B, C, IAsyncEnumerable<R>> PerModel<A, B, C, R>(Func<Func<WenkuDb, A, B, C, IAsyncEnumerable<R>>> compile)
    {
        var byModel = new ConcurrentDictionary<IModel, Func<WenkuDb, A, B, C, IAsyncEnumerable<R>>>();
        return (db, a, b, c) => byModel.GetOrAdd(db.Model, _ => compile())(db, a, b, c);
    }

    private static Func<WenkuDb, A, B, C, D, IAsyncEnumerable<R>> PerModel<A, B, C, D, R>(Func<Func<WenkuDb, A, B, C, D, IAsyncEnumerable<R>>> compile)
    {
        var byModel = new ConcurrentDictionary<IModel, Func<WenkuDb, A, B, C, D, IAsyncEnumerable<R>>>();
        return (db, a, b, c, d) => byModel.GetOrAdd(db.Model, _ => compile())(db, a, b, c, d);
    }

    /// <summary>A document that is ready, and its preview version.</summary>
    public sealed record ReadyDocument(long Id, int PreviewVersion);

    /// <summary>
    /// Which of the ids are ready (search results' last check, <see cref="Search.SearchListing"/>).
    /// Compiled: every search runs it, and as a LINQ query EF Core extracted its parameters and built its SQL anew on
    /// each call (~18 % of a search API request's CPU under load, perf).
    /// </summary>
    public static readonly Func<WenkuDb, long[], IAsyncEnumerable<ReadyDocument>> Ready =
        PerModel(() => EF.CompileAsyncQuery((WenkuDb db, long[] ids) =>
            db.Documents.AsNoTracking().Where(d => ids.Contains(d.Id) && d.Status == DocumentStatus.Ready).Select(d => new ReadyDocument(d.Id, d.PreviewVersion))));

    /// <summary>
    /// The document page's first statement: the document with its category and uploader, and how many live purchases,
    /// OCR pages, archive entries and similarity matches it has — so that the page asks for those lists only when
    /// there is something in them (most documents have no OCR pages, entries or matches): five statements in one.
    /// </summary>
    public sealed record DocumentHead(Document Document, Category Category, Accounts.WenkuUser Uploader, int Sales, int OcrPages, int ArchiveEntries, int Matches);

    public static readonly Func<WenkuDb, long, CancellationToken, Task<DocumentHead?>> Head =
        PerModel(() => EF.CompileAsyncQuery((WenkuDb db, long id, CancellationToken ct) =>
            db.Documents.AsNoTracking().Where(d => d.Id == id).Select(d => new DocumentHead(d, d.Category, d.Uploader,
                db.Purchases.Count(p => p.DocumentId == id && p.RefundedAt == null),
                db.DocumentPages.Count(p => p.DocumentId == id && p.Ocr),
                db.ArchiveEntries.Count(e => e.DocumentId == id),
                db.DocumentMatches.Count(m => m.DocumentId == id || m.MatchId == id))).SingleOrDefault()));

    /// <summary>
    /// The document page's first statement: the columns of <see cref="Head"/> that the page shows, with the site's notices
    /// and how many visible comments the document has — three statements fewer than asking each apart: an anonymous
    /// reader of a document without comments needs no comment query at all.
    /// </summary>
    /// <remarks>
    /// A projection, not the entities: SQLite parses and plans this statement on every read (Microsoft.Data.Sqlite keeps
    /// no prepared statement across commands), and the uploader's row alone has twenty Identity columns the page never
    /// shows. The document leaves out only what no part of the page reads (the original's name, hash and storage key).
    /// The near-duplicate threshold is read only for a document with matches (<see cref="Duplicates.SimilarDocuments"/>).
    /// </remarks>
    public sealed record PageHead(DocumentHead Head, string? Notices, int VisibleComments);

    public static readonly Func<WenkuDb, long, CancellationToken, Task<PageHead?>> PageHeadOf =
        PerModel(() => EF.CompileAsyncQuery((WenkuDb db, long id, CancellationToken ct) =>
            db.Documents.AsNoTracking().Where(d => d.Id == id).Select(d => new PageHead(
                new DocumentHead(
                    new Document
                    {
                        Id = d.Id, Title = d.Title, Description = d.Description, CategoryId = d.CategoryId, Tags = d.Tags,
                        UploaderId = d.UploaderId, OriginalFileName = "", Format = d.Format, SizeBytes = d.SizeBytes, Sha256 = "",
                        StorageKey = "", Price = d.Price, PreviewPages = d.PreviewPages, PageCount = d.PageCount, Status = d.Status,
                        Error = d.Error, ErrorCode = d.ErrorCode, ErrorArgs = d.ErrorArgs, ConvertedPages = d.ConvertedPages,
                        PreviewVersion = d.PreviewVersion, RatingCount = d.RatingCount, RatingSum = d.RatingSum,
                        NearDuplicateOfId = d.NearDuplicateOfId, NearDuplicateScore = d.NearDuplicateScore, HoldReason = d.HoldReason,
                        HoldDetails = d.HoldDetails, HoldDetailsCode = d.HoldDetailsCode, HoldDetailsArgs = d.HoldDetailsArgs,
                        RemovalId = d.RemovalId, Details = d.Details, Drawing = d.Drawing, CreatedAt = d.CreatedAt, ReadyAt = d.ReadyAt,
                        Views = d.Views, Downloads = d.Downloads, SeoDescription = d.SeoDescription, SeoLanguage = d.SeoLanguage,
                    },
                    new Category { Id = d.Category.Id, Slug = d.Category.Slug, Name = d.Category.Name, SortOrder = d.Category.SortOrder },
                    new Accounts.WenkuUser { Id = d.Uploader.Id, DisplayName = d.Uploader.DisplayName, Slug = d.Uploader.Slug },
                    db.Purchases.Count(p => p.DocumentId == id && p.RefundedAt == null),
                    db.DocumentPages.Count(p => p.DocumentId == id && p.Ocr),
                    db.ArchiveEntries.Count(e => e.DocumentId == id),
                    db.DocumentMatches.Count(m => m.DocumentId == id || m.MatchId == id)),
                db.SiteSettings.OrderBy(s => s.Id).Select(s => s.Notices).FirstOrDefault(),
                // A sum over the document's comments, not a count of visible ones: with "State = 'Visible'" in the WHERE
                // SQLite chose the (State, CreatedAt) index and walked every visible comment of the site on each read.
                db.Comments.Where(c => c.DocumentId == id).Sum(c => c.State == Moderation.CommentState.Visible ? 1 : 0))).SingleOrDefault()));

    /// <summary>Image sizes of pages 1..<c>visible</c>; the text only of pages 1..<c>preview</c>.</summary>
    public static readonly Func<WenkuDb, long, int, int, IAsyncEnumerable<DocumentPage>> VisiblePages =
        PerModel(() => EF.CompileAsyncQuery((WenkuDb db, long id, int visible, int preview) =>
            db.DocumentPages.AsNoTracking().Where(p => p.DocumentId == id && p.Number <= visible).OrderBy(p => p.Number)
                .Select(p => new DocumentPage { DocumentId = p.DocumentId, Number = p.Number, Width = p.Width, Height = p.Height, Text = p.Number <= preview ? p.Text : "" })));

    public static readonly Func<WenkuDb, long, IAsyncEnumerable<int>> OcrPages =
        PerModel(() => EF.CompileAsyncQuery((WenkuDb db, long id) =>
            db.DocumentPages.Where(p => p.DocumentId == id && p.Ocr).OrderBy(p => p.Number).Select(p => p.Number)));

    public static readonly Func<WenkuDb, long, int, IAsyncEnumerable<ArchiveEntry>> ArchiveEntries =
        PerModel(() => EF.CompileAsyncQuery((WenkuDb db, long id, int take) =>
            db.ArchiveEntries.AsNoTracking().Where(e => e.DocumentId == id).OrderBy(e => e.Number).Take(take)));

    /// <summary>A match of a document with another (either side of the pair).</summary>
    public sealed record MatchRow(long Other, double Score);

    public static readonly Func<WenkuDb, long, IAsyncEnumerable<MatchRow>> Matches =
        PerModel(() => EF.CompileAsyncQuery((WenkuDb db, long id) =>
            db.DocumentMatches.AsNoTracking().Where(m => m.DocumentId == id || m.MatchId == id)
                .Select(m => new MatchRow(m.DocumentId == id ? m.MatchId : m.DocumentId, m.Score))));

    public sealed record CommentRow(long Id, string DisplayName, string Body, DateTime CreatedAt, string UserId, Moderation.CommentState State);

    /// <summary>
    /// The newest <c>take</c> comments a reader sees: visible ones and their own pending ones; staff every comment.
    /// </summary>
    public static readonly Func<WenkuDb, long, bool, string?, int, IAsyncEnumerable<CommentRow>> Comments =
        PerModel(() => EF.CompileAsyncQuery((WenkuDb db, long id, bool staff, string? userId, int take) =>
            db.Comments.AsNoTracking()
                .Where(c => c.DocumentId == id && (staff || c.State == Moderation.CommentState.Visible
                                                   || (c.State == Moderation.CommentState.Pending && c.UserId == userId)))
                .OrderByDescending(c => c.CreatedAt).Take(take)
                .Select(c => new CommentRow(c.Id, c.User.DisplayName, c.Body, c.CreatedAt, c.UserId, c.State))));

    /// <summary>A card of one of the document page's two lists (<see cref="RelatedAndNewest"/>).</summary>
    /// <param name="List">0: 相关文档 (the category's most downloaded); 1: the uploader's newest (… 的更多文档).</param>
    public sealed record ListedCard(int List, long Id, string Title, string Format, int PageCount, int Price, long Downloads, DateTime CreatedAt,
        string Uploader, DocumentStatus Status, string UploaderId, string? UploaderSlug, int PreviewVersion, int RatingCount, int RatingSum)
    {
        public DocSummary Summary => new(Id, Title, Format, PageCount, Price, Downloads, CreatedAt, Uploader, Status, UploaderId, UploaderSlug,
            PreviewVersion, RatingCount, RatingSum);
    }

    /// <summary>
    /// 相关文档 (a category's most downloaded) and <see cref="NewestOfUploader"/> in one statement (<c>UNION ALL</c>, each side still
    /// walking its own index and stopping after <c>take</c> rows): one parse and plan instead of two.
    /// </summary>
    public static readonly Func<WenkuDb, int, string, long, int, IAsyncEnumerable<ListedCard>> RelatedAndNewest =
        // Anonymous rows until after the Concat: EF Core translates a set operation of columns, not of constructor calls.
        PerModel(() => EF.CompileAsyncQuery((WenkuDb db, int categoryId, string uploaderId, long except, int take) =>
            db.Documents.AsNoTracking()
                .Where(d => d.CategoryId == categoryId && d.Id != except && d.Status == DocumentStatus.Ready)
                .OrderByDescending(d => d.Downloads).ThenByDescending(d => d.Id).Take(take)
                .Select(d => new { List = 0, d.Id, d.Title, d.Format, d.PageCount, d.Price, d.Downloads, d.CreatedAt, d.Uploader.DisplayName, d.Status,
                    d.UploaderId, d.Uploader.Slug, d.PreviewVersion, d.RatingCount, d.RatingSum })
                .Concat(db.Documents.AsNoTracking()
                    .Where(d => d.UploaderId == uploaderId && d.Id != except && d.Status == DocumentStatus.Ready)
                    .OrderByDescending(d => d.CreatedAt).ThenByDescending(d => d.Id).Take(take)
                    .Select(d => new { List = 1, d.Id, d.Title, d.Format, d.PageCount, d.Price, d.Downloads, d.CreatedAt, d.Uploader.DisplayName, d.Status,
                        d.UploaderId, d.Uploader.Slug, d.PreviewVersion, d.RatingCount, d.RatingSum }))
                .Select(c => new ListedCard(c.List, c.Id, c.Title, c.Format, c.PageCount, c.Price, c.Downloads, c.CreatedAt, c.DisplayName, c.Status,
                    c.UploaderId, c.Slug, c.PreviewVersion, c.RatingCount, c.RatingSum))));

    /// <summary>An uploader's newest published documents but <c>except</c> (… 的更多文档).</summary>
    public static readonly Func<WenkuDb, string, long, int, IAsyncEnumerable<DocSummary>> NewestOfUploader =
        PerModel(() => EF.CompileAsyncQuery((WenkuDb db, string uploaderId, long except, int take) =>
            db.Documents.AsNoTracking()
                .Where(d => d.UploaderId == uploaderId && d.Id != except && d.Status == DocumentStatus.Ready)
                .OrderByDescending(d => d.CreatedAt).ThenByDescending(d => d.Id).Take(take)
                .Select(d => new DocSummary(d.Id, d.Title, d.Format, d.PageCount, d.Price, d.Downloads, d.CreatedAt, d.Uploader.DisplayName, d.Status,
                    d.UploaderId, d.Uploader.Slug, d.PreviewVersion, d.RatingCount, d.RatingSum))));

    /// <summary>A page of a category's published documents, newest first (<see cref="DocListPage"/>'s order).</summary>
    public static readonly Func<WenkuDb, int, int, int, IAsyncEnumerable<DocSummary>> CategoryPage =
        PerModel(() => EF.CompileAsyncQuery((WenkuDb db, int categoryId, int skip, int take) =>
            db.Documents.AsNoTracking()
                .Where(d => d.CategoryId == categoryId && d.Status == DocumentStatus.Ready)
                .OrderByDescending(d => d.CreatedAt).ThenByDescending(d => d.Id).Skip(skip).Take(take)
                .Select(d => new DocSummary(d.Id, d.Title, d.Format, d.PageCount, d.Price, d.Downloads, d.CreatedAt, d.Uploader.DisplayName, d.Status,
                    d.UploaderId, d.Uploader.Slug, d.PreviewVersion, d.RatingCount, d.RatingSum))));

    public static readonly Func<WenkuDb, int, CancellationToken, Task<int>> CategoryCount =
        PerModel(() => EF.CompileAsyncQuery((WenkuDb db, int categoryId, CancellationToken ct) =>
            db.Documents.Count(d => d.CategoryId == categoryId && d.Status == DocumentStatus.Ready)));

    /// <summary>A page of an uploader's published documents, newest first (<see cref="DocListPage"/>'s order).</summary>
    public static readonly Func<WenkuDb, string, int, int, IAsyncEnumerable<DocSummary>> UploaderPage =
        PerModel(() => EF.CompileAsyncQuery((WenkuDb db, string uploaderId, int skip, int take) =>
            db.Documents.AsNoTracking()
                .Where(d => d.UploaderId == uploaderId && d.Status == DocumentStatus.Ready)
                .OrderByDescending(d => d.CreatedAt).ThenByDescending(d => d.Id).Skip(skip).Take(take)
                .Select(d => new DocSummary(d.Id, d.Title, d.Format, d.PageCount, d.Price, d.Downloads, d.CreatedAt, d.Uploader.DisplayName, d.Status,
                    d.UploaderId, d.Uploader.Slug, d.PreviewVersion, d.RatingCount, d.RatingSum))));

    public static readonly Func<WenkuDb, string, CancellationToken, Task<int>> UploaderCount =
        PerModel(() => EF.CompileAsyncQuery((WenkuDb db, string uploaderId, CancellationToken ct) =>
            db.Documents.Count(d => d.UploaderId == uploaderId && d.Status == DocumentStatus.Ready)));

    public static readonly Func<WenkuDb, string, CancellationToken, Task<Category?>> CategoryBySlug =
        PerModel(() => EF.CompileAsyncQuery((WenkuDb db, string slug, CancellationToken ct) =>
            db.Categories.AsNoTracking().SingleOrDefault(c => c.Slug == slug)));

    public static readonly Func<WenkuDb, string, CancellationToken, Task<Accounts.WenkuUser?>> UserBySlug =
        PerModel(() => EF.CompileAsyncQuery((WenkuDb db, string slug, CancellationToken ct) => db.Users.AsNoTracking().SingleOrDefault(u => u.Slug == slug)));

    public static readonly Func<WenkuDb, string, CancellationToken, Task<Accounts.WenkuUser?>> UserById =
        PerModel(() => EF.CompileAsyncQuery((WenkuDb db, string id, CancellationToken ct) => db.Users.AsNoTracking().SingleOrDefault(u => u.Id == id)));

    /// <summary>A page of a list read with the compiled count and page queries, clamped as <see cref="DocListPage.LoadOrderedAsync"/> does.</summary>
    public static async Task<DocListPage> ListPageAsync(Task<int> count, Func<int, IAsyncEnumerable<DocSummary>> page, int? requested, CancellationToken ct)
    {
        var total = await count;
        var pages = Math.Max(1, (total + DocListPage.PageSize - 1) / DocListPage.PageSize);
        var current = Math.Clamp(requested ?? 1, 1, pages);
        var list = await ListAsync(page((current - 1) * DocListPage.PageSize), ct);
        return new DocListPage(list, total, current, pages);
    }

    /// <summary>The rows of a compiled query.</summary>
    public static async Task<List<T>> ListAsync<T>(IAsyncEnumerable<T> rows, CancellationToken ct)
    {
        var list = new List<T>();
        await foreach (var row in rows.WithCancellation(ct)) list.Add(row);
        return list;
    }
}
