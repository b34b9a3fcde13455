using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Wenku.Conversion;
using Wenku.Data;
using Wenku.Jobs;
using Wenku.Storage;

using Microsoft.Extensions.Localization;
using Wenku.Web.Localization;

namespace Wenku.Documents;

/// <summary>The outcome of an upload that was refused: why, per field or for the file, and a duplicate it matches.</summary>
public sealed record IngestRefusal(string Message, Dictionary<string, string> Errors, long? DuplicateOf = null, int StatusCode = 400);

/// <summary>
/// Takes an upload from any door (web form, API, <c>wenku import</c>, demo data): streams it to a temp file while
/// hashing and counting, checks it by content, refuses exact duplicates, stores it and queues its conversion —
/// the document row and its job in one transaction, so that a 202 always means "will be converted".
/// </summary>
public sealed class DocumentIngest(
    WenkuDb db, IFileStore store, IEnumerable<IDocumentConverter> converters, IOptions<WenkuOptions> options,
    IOptions<ConversionOptions> conversion, DiskSpace disk, TimeProvider clock, ILogger<DocumentIngest> log,
    Moderation.SensitiveWordScreen words, IStringLocalizer<SharedResource> T)
{
    private readonly WenkuOptions _o = options.Value;

    /// <summary>
    /// The upload limit of the site's doors (form, script, API) counted in files, not requests: a refusal (429) when
    /// <paramref name="uploaderId"/> has uploaded <see cref="WenkuOptions.UploadsPerHour"/> documents in the last hour
    /// (one form may carry many files; the rate limiter in front counts only requests).
    /// </summary>
    private async Task<IngestRefusal?> HourlyLimitAsync(string uploaderId, CancellationToken ct)
    {
        var since = clock.GetUtcNow().UtcDateTime.AddHours(-1);
        var count = await db.Documents.AsNoTracking().CountAsync(d => d.UploaderId == uploaderId && d.CreatedAt >= since, ct);
        if (count < _o.UploadsPerHour) return null;
        var message = T.Text("一小时内最多上传 {0} 个文件，请稍后再试。", _o.UploadsPerHour);
        return new IngestRefusal(message, new() { ["file"] = message }, StatusCode: StatusCodes.Status429TooManyRequests);
    }

    /// <param name="hourlyLimit">The site's doors count the file against the uploader's hourly limit;
    /// <c>wenku import</c> and the demo seeder do not.</param>
    public async Task<(Document? Document, IngestRefusal? Refusal)> IngestAsync(
        Stream content, string fileName, UploadForm form, string uploaderId, CancellationToken ct, bool hourlyLimit = false)
    {
        if (hourlyLimit && await HourlyLimitAsync(uploaderId, ct) is { } tooMany) return (null, tooMany);
        if (!disk.HasRoomFor(0)) return (null, DiskFull());
        Directory.CreateDirectory(_o.TempDir);
        var temp = Path.Combine(_o.TempDir, $"upload-{Guid.NewGuid():N}.part");
        try
        {
            var staged = await StageAsync(content, fileName, temp, ct);
            if (staged.Refusal is not null) return (null, staged.Refusal);

            var categoryIds = DocumentRules.CategoryIds(await db.Categories.AsNoTracking().ToListAsync(ct));
            var settings = await db.SiteSettings.AsNoTracking().SingleOrDefaultAsync(ct) ?? new SiteSettings();

            var (meta, errors) = DocumentRules.Validate(form, fileName, categoryIds, settings.DefaultPreviewPages, T);
            if (meta is null) return (null, new IngestRefusal(T["上传信息有误。"], errors));
            // Block words refuse the upload, naming the word; review words are let through and hold it after conversion.
            var blocked = await words.BlockedFieldsAsync(SensitiveFields(meta.Title, meta.Description, meta.Tags), ct);
            if (blocked.Count > 0) return (null, new IngestRefusal(blocked.Values.First(), blocked));

            // A failed document does not block the same file (the failure may have been ours, e.g. a timeout).
            var existing = await db.Documents.Where(d => d.Sha256 == staged.Sha256 && d.Status != DocumentStatus.Failed).Select(d => (long?)d.Id).FirstOrDefaultAsync(ct);
            if (existing is { } dup) return (null, Duplicate(dup));

            var now = clock.GetUtcNow();
            var key = $"originals/{now:yyyy}/{now:MM}/{Guid.NewGuid():N}.{staged.Format}";
            try
            {
                await store.PutFileAsync(key, temp, ct);
            }
            catch (Exception e) when (DiskSpace.IsFull(e))
            {
                // A copy cut short by the full disk is not an original: remove whatever part of it exists.
                await store.DeleteAsync(key, CancellationToken.None);
                throw;
            }

            var doc = new Document
            {
                Title = meta.Title, Description = meta.Description, CategoryId = meta.CategoryId, Tags = meta.Tags,
                Price = meta.Price, PreviewPages = meta.PreviewPages, UploaderId = uploaderId,
                OriginalFileName = SafeFileName(fileName, staged.Format!), Format = staged.Format!, SizeBytes = staged.Size,
                Sha256 = staged.Sha256!, StorageKey = key,
            };
            db.Documents.Add(doc);
            db.Jobs.Add(Job.Convert(doc, conversion.Value.MaxAttempts));
            try
            {
                // Not cancelled half-way by a client that went away: the file is stored, the row must follow or go.
                await db.SaveChangesAsync(CancellationToken.None);
            }
            catch (Exception e)
            {
                await store.DeleteAsync(key, CancellationToken.None);
                if (DiskSpace.IsFull(e)) throw;
                if (e is not DbUpdateException) throw;
                // Lost a race with an identical upload: the unique index on the hash decides.
                db.ChangeTracker.Clear();
                var winner = await db.Documents.Where(d => d.Sha256 == staged.Sha256 && d.Status != DocumentStatus.Failed).Select(d => (long?)d.Id).FirstOrDefaultAsync(ct);
                if (winner is { } w) return (null, Duplicate(w));
                throw;
            }
            log.LogInformation("Document {DocumentId} uploaded by {UserId}: {Size} bytes, queued", doc.Id, uploaderId, staged.Size);
            return (doc, null);
        }
        catch (Exception e) when (DiskSpace.IsFull(e))
        {
            log.LogError(e, "Upload of {FileName} refused: the disk is full", fileName);
            return (null, DiskFull());
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    private async Task<(string? Format, string? Sha256, long Size, IngestRefusal? Refusal)> StageAsync(Stream content, string fileName, string temp, CancellationToken ct)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long size = 0;
        var buffer = new byte[81920];
        await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true))
        {
            int n;
            while ((n = await content.ReadAsync(buffer, ct)) > 0)
            {
                size += n;
                if (size > _o.MaxUploadBytes)
                    return (null, null, size, TooLarge());
                sha.AppendData(buffer, 0, n);
                await file.WriteAsync(buffer.AsMemory(0, n), ct);
            }
        }
        var (format, what) = FileSniffer.SniffFile(temp, fileName);
        if (format is null)
            return (null, null, size, new IngestRefusal(
                size == 0 ? T["不支持的文件：这是一个空文件。"] : T.Text("不支持的文件：这是不受支持或与文件名不符的内容（{0}）。本站接受文档（PDF、Word、Excel、PowerPoint、WPS、OpenDocument、RTF、文本）、图片、CAD 图纸和压缩包。", what),
                new() { ["file"] = T.Text("这个文件是 {0}。", what) }, StatusCode: 415));
        if (!converters.Any(c => c.CanConvert(format)))
            return (null, null, size, new IngestRefusal(
                T.Text("暂不支持此格式：{0}。", FileSniffer.Formats[format]),
                new() { ["file"] = T.Text("暂不支持此格式：{0}。", FileSniffer.Formats[format]) }, StatusCode: 415));
        return (format, Convert.ToHexStringLower(sha.GetHashAndReset()), size, null);
    }

    private IngestRefusal TooLarge()
    {
        var limit = Text.ByteSize.Format(_o.MaxUploadBytes);
        return new IngestRefusal(T.Text("文件超过 {0} 上限。", limit),
            new() { ["file"] = T.Text("文件超过 {0} 上限。", limit) }, StatusCode: 413);
    }

    private IngestRefusal DiskFull() =>
        new(T["服务器磁盘已满，暂时不能接收上传，已有文档不受影响。"], new() { ["file"] = T["服务器磁盘已满"] }, StatusCode: StatusCodes.Status507InsufficientStorage);

    private IngestRefusal Duplicate(long id) =>
        new(T.Text("此文档已存在：/d/{0}。", id), new() { ["file"] = T["完全相同的文件已在文库中。"] }, DuplicateOf: id, StatusCode: 409);

    /// <summary>The fields the sensitive-word list applies to, keyed as the form's errors are.</summary>
    public static IEnumerable<(string Field, string? Text)> SensitiveFields(string? title, string? description, string? tags) =>
        [("title", title), ("description", description), ("tags", tags)];

    /// <summary>The name we keep for display and download: no path, no control characters, our extension.</summary>
    internal static string SafeFileName(string fileName, string format)
    {
        var name = Text.SafeText.OneLine(Path.GetFileNameWithoutExtension(fileName.Replace('\\', '/').Split('/')[^1]));
        foreach (var c in Path.GetInvalidFileNameChars()) name = name.Replace(c, '_');
        if (name.Length == 0) name = "document";
        if (name.Length > 120) name = name[..120];
        return $"{name}.{format}";
    }
}
