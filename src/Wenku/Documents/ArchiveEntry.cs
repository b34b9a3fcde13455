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
