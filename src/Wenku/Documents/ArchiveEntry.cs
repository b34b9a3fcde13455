using Wenku.Web.Localization;
using System.ComponentModel.DataAnnotations;

namespace Wenku.Documents;

/// <summary>One entry of an uploaded archive, as listed on its document page.</summary>
public sealed class ArchiveEntry
{
    public long DocumentId { get; set; }

    /// <summary>Position in the archive's listing, from 1.</summary>
    public int Number { get; set; }

    /// <summary>The entry's path inside the archive, as the archive names it: shown (HTML-encoded), never used as a file path.</summary>
    [MaxLength(1000)]
    public required string Path { get; set; }

    public long Size { get; set; }
    public long CompressedSize { get; set; }
    public DateTime? Modified { get; set; }
    public bool IsDirectory { get; set; }
    public bool IsEncrypted { get; set; }

    /// <summary>The archive document's page where this entry's preview starts, if it has one.</summary>
    public int? FirstPage { get; set; }
    public int PageCount { get; set; }

    /// <summary>Why the entry has no preview (encrypted, not a document, beyond the first K, failed …).</summary>
    [MaxLength(300)]
    public string? Note { get; set; }
}

/// <summary>
/// Why an archive entry has no preview, stored in <see cref="ArchiveEntry.Note"/> as a message code, or the code and
/// its JSON arguments after a <c>|</c> (<c>archive-note.preview-failed|["…"]</c>), and shown in the reader's language.
/// Notes stored before the codes are shown as they are.
/// </summary>
public static class ArchiveNotes
{
    public static readonly Message ListedOnly = new("archive-note.listed-only", "仅列出（超出预览数量）");
    public static readonly Message Encrypted = new("archive-note.encrypted", "已加密：只列出，不预览");
    public static readonly Message NoPreview = new("archive-note.no-preview", "这类文件没有预览");
    public static readonly Message NoPreviewOf = new("archive-note.no-preview-of", "无预览：{0}");
    public static readonly Message Nested = new("archive-note.nested", "压缩包内的压缩包：只列出，不打开");
    public static readonly Message NoPreviewYet = new("archive-note.no-preview-yet", "暂不支持预览 {0}");
    public static readonly Message PreviewFailed = new("archive-note.preview-failed", "预览失败：{0}");

    /// <summary>The stored form of a note with arguments (cut to fit the column).</summary>
    public static string Store(Message note, params object?[] args)
    {
        var text = Shorten(args.Select(a => Convert.ToString(a, System.Globalization.CultureInfo.InvariantCulture) ?? "").ToArray(), note.Code.Length + 1);
        return note.Code + "|" + text;
    }

    /// <summary>The note in the current language; null for none; an uncoded (older) note as it is.</summary>
    public static string? Render(Microsoft.Extensions.Localization.IStringLocalizer T, string? note)
    {
        if (note is null) return null;
        var bar = note.IndexOf('|');
        var code = bar < 0 ? note : note[..bar];
        return Message.Find(code) is null ? note : StoredMessages.Render(T, code, bar < 0 ? null : note[(bar + 1)..], note);
    }

    private static string Shorten(string[] args, int used)
    {
        const int room = 300;
        var json = Message.StoreArgs(args);
        for (var cut = 200; json.Length + used > room && cut > 10; cut /= 2)
            json = Message.StoreArgs(args.Select(a => a.Length > cut ? a[..cut] + "…" : a));
        return json;
    }
}
