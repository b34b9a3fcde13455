using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Wenku.Data;
using Wenku.Documents;
using Wenku.Duplicates;
using Wenku.Jobs;
using Wenku.Storage;
using Wenku.Web.Localization;

namespace Wenku.Conversion;

/// <summary>The <c>convert</c> job: original file → page previews, page text, status <c>ready</c> or <c>failed</c>.</summary>
/// <summary>Converts an uploaded document into page images, text and facts (the <c>convert</c> job).</summary>
public sealed class ConvertDocumentJob(
    IDbContextFactory<WenkuDb> dbFactory,
    IFileStore store,
    IEnumerable<IDocumentConverter> converters,
    DuplicateDetector duplicates,
    Moderation.PublicationGate gate,
    ConverterDependencies dependencies,
    PreviewEncoder previews,
    IOptions<WenkuOptions> options,
    TimeProvider time,
    ILogger<ConvertDocumentJob> log) : IJobHandler
{
    public static readonly Message UnsupportedFormat = new("convert.unsupported-format", "暂不支持此格式（{0}）。");
    public static readonly Message MissingPackages = new("convert.missing-packages", "服务器缺少转换所需的软件包（{0}：{1}），安装后将自动转换。");
    public static readonly Message OriginalMissing = new("convert.original-missing", "原始文件已丢失。");
    public static readonly Message NearDuplicateRejected = new("convert.near-duplicate", "与已有文档 /d/{0} 高度相似（相似度 {1}），本站不接受重复上传。");

    public string Kind => Job.Kinds.Convert;


    /// <summary>How often the pages converted so far are written to the document while it converts.</summary>
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(1);

    public async Task RunAsync(ClaimedJob job, CancellationToken ct)
    {
        var id = job.DocumentId ?? throw new InvalidOperationException("convert job without a document");
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var doc = await db.Documents.SingleOrDefaultAsync(d => d.Id == id, ct);
        if (doc is null) return; // deleted meanwhile: nothing to do
        if (doc.Status is DocumentStatus.Failed or DocumentStatus.Held or DocumentStatus.Removed) return;
        if (doc.Status == DocumentStatus.Ready) return; // an earlier attempt finished but could not complete the job

        var converter = converters.FirstOrDefault(c => c.CanConvert(doc.Format));
        if (converter is null)
        {
            await FailAsync(db, doc, UnsupportedFormat, ct, doc.Format);
            return;
        }

        // Without poppler-data a PDF whose Chinese font is not embedded would be "ready" with blank pages: refuse
        // the job (the document stays queued, saying why) until the machine has what this format needs.
        if (dependencies.Current.MissingFor(doc.Format) is { Count: > 0 } missing)
        {
            var packages = string.Join(", ", missing.Select(m => m.Package).Distinct());
            var needs = string.Join(", ", missing.Select(m => m.Name));
            var reason = MissingPackages.Format(packages, needs);
            doc.Status = DocumentStatus.Queued;
            doc.Error = reason;
            doc.ErrorCode = MissingPackages.Code;
            doc.ErrorArgs = Message.StoreArgs([packages, needs]);
            await db.SaveChangesAsync(ct);
            throw new JobDeferredException(reason, ConverterDependencies.RecheckInterval);
        }

        // A document converted before (`wenku admin check --repair` renders lost pages again) keeps what readers and
        // moderators have already seen and decided: the near-duplicate policy applies to a first conversion only.
        var firstConversion = doc.ReadyAt is null;
        // Conditional: a document taken down since it was read stays removed, and is not converted.
        if (await db.Documents.Where(d => d.Id == id && d.Status != DocumentStatus.Removed)
                .ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, DocumentStatus.Processing).SetProperty(d => d.ConvertedPages, 0), ct) == 0) return;
        doc.Status = DocumentStatus.Processing;
        db.Entry(doc).Property(d => d.Status).IsModified = false;

        var workDir = WorkFolders.NewFor(options.Value.TempDir, id);
        Directory.CreateDirectory(workDir);
        try
        {
            // No extension: the converter is told the format detected at upload, and never guesses it from a name.
            var input = Path.Combine(workDir, "original");
            await using (var source = await store.OpenReadAsync(doc.StorageKey, ct)
                ?? throw new ConversionException(OriginalMissing))
            await using (var target = File.Create(input))
                await source.CopyToAsync(target, ct);

            ConversionResult result;
            var progress = new ConversionProgress();
            using (var reporting = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                var reporter = ReportProgressAsync(id, progress, reporting.Token);
                try
                {
                    result = await converter.ConvertAsync(new ConversionRequest(id, doc.Format, input, workDir, progress), ct);
                }
                catch (ConversionException e)
                {
                    log.LogInformation("Document {DocumentId} failed conversion: {Reason}", id, e.Message);
                    await FailAsync(db, doc, e.Message, ct, e.Code, e.Args);
                    return;
                }
                finally
                {
                    await reporting.CancelAsync();
                    await reporter;
                }
            }

            // Every converter draws its pages through the Watermarker, which writes all sizes and formats; a page
            // that came some other way gets them from its desktop JPEG here. The cover is made from page 1's phone
            // image, so every format gets one.
            foreach (var page in result.Pages) previews.WriteMissing(page.ImagePath);
            var cover = (Jpeg: Path.Combine(workDir, "cover.jpg"), Webp: Path.Combine(workDir, "cover.webp"));
            if (result.Pages.Count > 0) previews.WriteCover(PreviewFiles.Of(result.Pages[0].ImagePath).PhoneJpeg, cover.Jpeg, cover.Webp);

            // Sizes read before the store may move the files away; kept on the page rows for `wenku admin check`.
            var imageBytes = result.Pages.Select(p => new FileInfo(p.ImagePath).Length).ToList();
            // The document may be deleted while it converts: checked before the pages go out and every few pages.
            for (var first = 0; first < result.Pages.Count; first += DeletedCheckEvery)
            {
                if (!await ExistsAsync(id, ct)) throw new DocumentDeletedException();
                var files = result.Pages.Skip(first).Take(DeletedCheckEvery)
                    .SelectMany(p => PreviewFiles.Of(p.ImagePath).Written.Select(f => (Key: PreviewVersions.PageKey(id, p.Number, f.Size, f.Webp), f.Path)));
                // Side by side: an object store answers each put after a round trip.
                await Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct },
                    async (file, token) => await store.PutFileAsync(file.Key, file.Path, token));
            }
            if (result.Pages.Count > 0)
            {
                await store.PutFileAsync(PreviewVersions.CoverKey(id, webp: false), cover.Jpeg, ct);
                await store.PutFileAsync(PreviewVersions.CoverKey(id, webp: true), cover.Webp, ct);
            }

            var texts = result.Pages.Select(p => TextNormalizer.CleanPageText(p.Text)).ToList();

            // The text is known: is it a near duplicate of an earlier document? The site's policy decides what follows.
            var settings = await db.SiteSettings.AsNoTracking().SingleOrDefaultAsync(ct) ?? new SiteSettings();
            var check = await duplicates.CheckAsync(db, id, string.Join("\n", texts), ct);
            var nearDuplicate = check.BestMatchId is not null && check.BestScore >= settings.NearDuplicateThreshold;
            if (firstConversion && nearDuplicate && settings.NearDuplicatePolicy == NearDuplicatePolicy.Reject)
            {
                log.LogInformation("Document {DocumentId} rejected as a near duplicate of {MatchId}", id, check.BestMatchId);
                await duplicates.ForgetAsync(db, id, ct);
                doc.NearDuplicateOfId = check.BestMatchId;
                doc.NearDuplicateScore = check.BestScore;
                await FailAsync(db, doc, NearDuplicateRejected, ct, check.BestMatchId!.Value, check.BestScore.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture));
                return;
            }

            // Idempotent: a retried job replaces what an earlier attempt wrote. The execution strategy may run this
            // again after a transient failure (PostgreSQL), so each try starts from a clean change tracker and the
            // document as stored.
            var readyAt = time.GetUtcNow().UtcDateTime;
            // Held for a moderator: a near duplicate (policy "hold"), else what the publication gate finds (sensitive words,
            // review of new uploads). Only a first conversion is held: a released document stays released.
            var hold = !firstConversion ? null
                : nearDuplicate && settings.NearDuplicatePolicy == NearDuplicatePolicy.Hold ? new Moderation.Hold(Moderation.HoldReason.NearDuplicate, null)
                : await gate.CheckAsync(db, doc, texts, settings, ct);
            var status = hold is null ? DocumentStatus.Ready : DocumentStatus.Held;
            await db.Database.CreateExecutionStrategy().ExecuteAsync(async () =>
            {
                db.ChangeTracker.Clear();
                await using var tx = await db.Database.BeginTransactionAsync(ct);
                await db.DocumentPages.Where(p => p.DocumentId == id).ExecuteDeleteAsync(ct);
                await db.ArchiveEntries.Where(e => e.DocumentId == id).ExecuteDeleteAsync(ct);
                db.ArchiveEntries.AddRange((result.Entries ?? []).Select(e => new ArchiveEntry
                {
                    DocumentId = id, Number = e.Number, Path = e.Path, Size = e.Size, CompressedSize = e.CompressedSize, Modified = e.Modified,
                    IsDirectory = e.IsDirectory, IsEncrypted = e.IsEncrypted, FirstPage = e.FirstPage, PageCount = e.PageCount,
                    Note = e.Note is { Length: > 300 } n ? n[..300] : e.Note,
                }));
                // New entities on every try: the tracker was cleared.
                db.DocumentPages.AddRange(result.Pages.Select((p, i) => new DocumentPage
                {
                    DocumentId = id, Number = p.Number, Text = texts[i], Width = p.Width, Height = p.Height, Ocr = p.Ocr, ImageBytes = imageBytes[i],
                }));
                var done = await db.Documents.SingleAsync(d => d.Id == id, ct);
                done.PageCount = result.Pages.Count;
                done.ConvertedPages = result.Pages.Count;
                done.PreviewVersion = PreviewVersions.Current;
                done.Drawing = result.Drawing;
                done.Details = null;
                if (done.Status == DocumentStatus.Removed)
                    // Taken down while it converted: it stays removed; a restore brings it back as this conversion made it.
                    await db.DocumentRemovals.Where(r => r.Id == done.RemovalId)
                        .ExecuteUpdateAsync(s => s.SetProperty(r => r.PreviousStatus, status.ToString()), ct);
                else
                    done.Status = status;
                Moderation.Hold.SetDetails(done, hold);
                done.NearDuplicateOfId = nearDuplicate ? check.BestMatchId : null;
                done.NearDuplicateScore = nearDuplicate ? check.BestScore : null;
                done.ReadyAt = readyAt;
                (done.Error, done.ErrorCode, done.ErrorArgs) = (null, null, null); // e.g. a deferral for missing packages, now converted
                // The page's description and language, made once here instead of on every read of the page.
                Discovery.DocumentSeo.Keep(done, result.Pages.Select((p, i) => (p.Number, texts[i])));
                await db.SaveChangesAsync(ct);
                await tx.CommitAsync(ct); // the search outbox entry for "ready" is part of this transaction
            });
            log.LogInformation("Document {DocumentId} {Status}: {Pages} pages", id, status, result.Pages.Count);
            await RemoveStaleFilesAsync(id, result.Pages.Count, ct);
        }
        catch (Exception e) when (e is DocumentDeletedException or OperationCanceledException or InvalidOperationException or DbUpdateException)
        {
            // Deleted while converting: the job row went with it (so the heartbeat stopped the job and its child
            // processes), or the final transaction found no document. What this attempt stored belongs to nothing.
            if (await ExistsAsync(id, CancellationToken.None)) throw;
            log.LogInformation("Document {DocumentId} was deleted while it converted; removing its pages", id);
            await store.DeletePreviewFilesAsync(id, CancellationToken.None);
        }
        finally
        {
            try { Directory.Delete(workDir, recursive: true); }
            catch (IOException e) { log.LogWarning(e, "Could not remove {WorkDir}", workDir); }
        }
    }

    public async Task GiveUpAsync(ClaimedJob job, Message reason, object?[] args, CancellationToken ct)
    {
        if (job.DocumentId is not { } id) return;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var doc = await db.Documents.SingleOrDefaultAsync(d => d.Id == id, ct);
        if (doc is null || doc.Status == DocumentStatus.Ready) return;
        await FailAsync(db, doc, reason, ct, args);
    }

    /// <summary>Fails the document with a stored message (its code and arguments; the Chinese text for logs and old readers).</summary>
    private Task FailAsync(WenkuDb db, Document doc, Message reason, CancellationToken ct, params object?[] args) =>
        FailAsync(db, doc, reason.Format(args), ct, reason.Code, Message.StoreArgs(args));

    private async Task FailAsync(WenkuDb db, Document doc, string reason, CancellationToken ct, string? code = null, string? args = null)
    {
        doc.Error = reason.Length > 1000 ? reason[..1000] : reason;
        // Arguments too long for their column: the Chinese text is shown instead (no code without its arguments).
        (doc.ErrorCode, doc.ErrorArgs) = args is { Length: > 1000 } ? (null, null) : (code, args);
        await db.SaveChangesAsync(ct); // the error, and what else the caller found (a near-duplicate match)
        // Conditional: a document taken down meanwhile stays removed (a restore brings it back failed).
        if (await db.Documents.Where(d => d.Id == doc.Id && d.Status != DocumentStatus.Removed)
                .ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, DocumentStatus.Failed), ct) == 0)
            await db.DocumentRemovals.Where(r => r.DocumentId == doc.Id && r.RestoredAt == null)
                .ExecuteUpdateAsync(s => s.SetProperty(r => r.PreviousStatus, nameof(DocumentStatus.Failed)), ct);
        doc.Status = DocumentStatus.Failed;
        db.Entry(doc).Property(d => d.Status).IsModified = false;
        // Pages an earlier attempt stored belong to nothing now.
        await store.DeletePreviewFilesAsync(doc.Id, ct);
    }

    /// <summary>
    /// Writes the pages converted so far (and, once the converter knows it, the page count) to the document every
    /// <see cref="ProgressInterval"/> while it converts, with one UPDATE of those columns: the uploader watches them.
    /// A failure here costs the live figure, never the conversion.
    /// </summary>
    private async Task ReportProgressAsync(long id, ConversionProgress progress, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(ProgressInterval, time);
        var reported = (Done: 0, Total: 0);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                var now = (progress.Done, progress.Total);
                if (now == reported) continue;
                await using var db = await dbFactory.CreateDbContextAsync(ct);
                await db.Documents.Where(d => d.Id == id && d.Status == DocumentStatus.Processing)
                    .ExecuteUpdateAsync(s => s.SetProperty(d => d.ConvertedPages, now.Done)
                        .SetProperty(d => d.PageCount, d => now.Total > 0 ? now.Total : d.PageCount), ct);
                reported = now;
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
        catch (Exception e) when (e is DbUpdateException or InvalidOperationException or System.Data.Common.DbException)
        {
            log.LogWarning(e, "Could not record the conversion progress of document {DocumentId}", id);
        }
    }

    /// <summary>Pages stored between two checks for a deleted document.</summary>
    private const int DeletedCheckEvery = 20;

    private async Task<bool> ExistsAsync(long id, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Documents.AnyAsync(d => d.Id == id, ct);
    }

    /// <summary>
    /// Removes what an earlier conversion stored that this one did not write: the pages past a shorter new count, the
    /// desktop WebP of a version-1 document converted again. The document is converted either way; a file left here is
    /// an orphan for <c>wenku admin check --repair</c>.
    /// </summary>
    private async Task RemoveStaleFilesAsync(long id, int pageCount, CancellationToken ct)
    {
        try
        {
            await store.DeletePreviewFilesAsync(id, ct, keep: DocumentFiles.PreviewKeys(id, pageCount, PreviewVersions.Current).ToHashSet(StringComparer.Ordinal));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.LogWarning(e, "Could not remove the earlier preview files of document {DocumentId}", id);
        }
    }

    private sealed class DocumentDeletedException : Exception;
}
