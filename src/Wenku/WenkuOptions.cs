using System.ComponentModel.DataAnnotations;
using System.Net;
using Microsoft.Extensions.Options;

namespace Wenku;

/// <summary>Site-wide settings bound from the <c>Wenku</c> configuration section.</summary>
public sealed class WenkuOptions : IValidatableObject
{
    public const string Section = "Wenku";

    /// <summary>Folder holding everything of the embedded default: database, files, temp uploads.</summary>
    [Required]
    public string DataDir { get; set; } = "data";

    /// <summary>Name shown in the header and drawn as the watermark on page previews.</summary>
    [Required, StringLength(40, MinimumLength = 1)]
    public string SiteName { get; set; } = "Wenku 文库"; // not translated: a name

    /// <summary>Largest accepted upload in bytes (default 200 MB).</summary>
    [Range(1024, 10L * 1024 * 1024 * 1024)]
    public long MaxUploadBytes { get; set; } = 200L * 1024 * 1024;

    /// <summary>
    /// Free space (bytes) kept on the data folder's disk: an upload that would leave less is refused with "the server's
    /// disk is full" (507) before it is read, so that conversions, the database and the site keep room to work.
    /// 0 turns the check off (a write that fills the disk is still refused cleanly).
    /// </summary>
    [Range(0, long.MaxValue)]
    public long MinFreeDiskBytes { get; set; } = 100L * 1024 * 1024;

    /// <summary>Number of conversion worker processes that <c>serve</c> starts itself (0 = none; run <c>wenku worker</c> separately).</summary>
    [Range(0, 64)]
    public int Workers { get; set; } = 1;

    /// <summary>
    /// How long an anonymous reader's document page is served from the output cache (seconds); 0 turns the cache off
    /// (what <c>bench/reads.sh</c> does to measure every read as a miss).
    /// </summary>
    [Range(0, 3600)]
    public int DocumentPageCacheSeconds { get; set; } = 10;

    /// <summary>Seed demo documents into an empty library on first start.</summary>
    public bool Demo { get; set; } = true;

    /// <summary>Comments a user may post per minute.</summary>
    [Range(1, 10_000)]
    public int CommentsPerMinute { get; set; } = 5;

    /// <summary>Uploads a user may make per hour.</summary>
    [Range(1, 100_000)]
    public int UploadsPerHour { get; set; } = 60;

    /// <summary>Searches per client address per minute (each one scans text).</summary>
    [Range(1, 1_000_000)]
    public int SearchesPerMinute { get; set; } = 120;

    /// <summary>Sign-in attempts per client address per minute.</summary>
    [Range(1, 10_000)]
    public int SignInsPerMinute { get; set; } = 10;

    /// <summary>Reports (举报) a user may file per hour, on the site and through the API together.</summary>
    [Range(1, 10_000)]
    public int ReportsPerHour { get; set; } = 10;

    /// <summary>Claims (认领) a user may file per hour, on the site and through the API together.</summary>
    [Range(1, 10_000)]
    public int ClaimsPerHour { get; set; } = 10;

    /// <summary>
    /// Behind a reverse proxy on this machine (nginx): take the client address and scheme from its
    /// <c>X-Forwarded-For</c>/<c>X-Forwarded-Proto</c>, so rate limits see readers, not the proxy.
    /// </summary>
    public bool BehindProxy { get; set; }

    /// <summary>
    /// With <see cref="BehindProxy"/>: proxies on other machines whose forwarded headers are trusted too (a scale-out
    /// site's nginx in front of several serves), comma-separated addresses or networks, e.g. <c>10.0.0.2, 10.0.1.0/24</c>.
    /// This machine is always trusted.
    /// </summary>
    public string? TrustedProxies { get; set; }

    /// <summary>The addresses and networks of <see cref="TrustedProxies"/>; null for an entry that is neither.</summary>
    public IEnumerable<(string Entry, IPNetwork? Network)> TrustedProxyNetworks() =>
        (TrustedProxies ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(entry => (entry, IPAddress.TryParse(entry, out var address) ? new IPNetwork(address, address.GetAddressBytes().Length * 8)
                : IPNetwork.TryParse(entry, out var network) ? network : (IPNetwork?)null));

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) =>
        TrustedProxyNetworks().Where(p => p.Network is null).Select(p => new ValidationResult(
            $"Wenku:TrustedProxies: '{p.Entry}' is neither an address nor a network (10.0.0.2, 10.0.1.0/24).", [nameof(TrustedProxies)]));

    /// <summary>Files without a document row are removed at start once they are this old (younger ones may be uploads in flight).</summary>
    [Range(0, 86_400)]
    public int OrphanMinAgeSeconds { get; set; } = 300;

    /// <summary>
    /// Test hook: with search changes applied but not yet committed to the index, create this file and wait until the
    /// process stops — the point at which a crash test kills it, whatever the machine's speed.
    /// </summary>
    public string? SearchCommitPauseFile { get; set; }

    public string DatabasePath => Path.Combine(DataDir, "wenku.db");
    public string FilesDir => Path.Combine(DataDir, "files");
    public string TempDir => Path.Combine(DataDir, "tmp");

    /// <summary>The data-protection keys (sign-in cookies, tokens) of the embedded default; on PostgreSQL they are in the database.</summary>
    public string KeysDir => Path.Combine(DataDir, "keys");
}

/// <summary>Bounds for the conversion pipeline, bound from <c>Wenku:Conversion</c>.</summary>
public sealed class ConversionOptions
{
    public const string Section = "Wenku:Conversion";

    /// <summary>Documents with more pages than this fail with a clear reason.</summary>
    [Range(1, 100_000)]
    public int MaxPages { get; set; } = 2000;

    /// <summary>Pages rendered by one converter process.</summary>
    [Range(1, 1000)]
    public int PageBatchSize { get; set; } = 10;

    /// <summary>Page batches a worker converts at once for one document (default: the machine's cores, at least 2).</summary>
    [Range(1, 16)]
    public int Parallelism { get; set; } = Math.Clamp(Environment.ProcessorCount, 2, 16);

    /// <summary>Longest side of a preview image, in pixels.</summary>
    [Range(200, 4000)]
    public int PreviewSize { get; set; } = 1400;

    /// <summary>Quality of the phone JPEG and the cover JPEG (the fallbacks of their WebP files).</summary>
    [Range(30, 100)]
    public int JpegQuality { get; set; } = 80;

    /// <summary>
    /// Quality of the desktop JPEG, the one desktop image of a page (progressive; one channel for a page without colour).
    /// 78 keeps a text page within 25 % of the bytes of the desktop WebP it replaced (benchmark text pages: +18–24 %).
    /// </summary>
    [Range(30, 100)]
    public int DesktopJpegQuality { get; set; } = 78;

    /// <summary>
    /// Quality of the WebP previews (lossy, libwebp's fastest method). 75 keeps text as legible as JPEG at 80 in about
    /// 60 % of its bytes.
    /// </summary>
    [Range(30, 100)]
    public int WebpQuality { get; set; } = 75;

    /// <summary>Wall-time limit of one converter process (one page batch).</summary>
    [Range(1, 3600)]
    public int ProcessTimeoutSeconds { get; set; } = 120;

    /// <summary>Address-space limit of one converter process, in MB.</summary>
    [Range(64, 65536)]
    public int ProcessMemoryMb { get; set; } = 1024;

    /// <summary>Largest text a document may yield, in characters.</summary>
    [Range(1000, 1_000_000_000)]
    public int MaxTextChars { get; set; } = 20_000_000;

    /// <summary>Wall-time limit of one LibreOffice conversion (Office, WPS, OpenDocument, RTF to PDF).</summary>
    [Range(5, 3600)]
    public int OfficeTimeoutSeconds { get; set; } = 300;

    /// <summary>Address-space limit of one LibreOffice process, in MB.</summary>
    [Range(256, 65536)]
    public int OfficeMemoryMb { get; set; } = 2048;

    /// <summary>LibreOffice's program (<c>soffice</c> on the PATH by default).</summary>
    [Required]
    public string OfficeProgram { get; set; } = "soffice";

    /// <summary>Largest image accepted, in pixels per image or frame, read from its header before decoding (decompression bombs).</summary>
    [Range(1_000, 1_000_000_000)]
    public long MaxImagePixels { get; set; } = 50_000_000;

    /// <summary>Largest text file, in bytes (a text file becomes pages of text; 10 MB is several thousand pages).</summary>
    [Range(1_000, 1_000_000_000)]
    public long MaxTextFileBytes { get; set; } = 10 * 1024 * 1024;

    /// <summary>Documents and drawings inside an archive that get previews (the first K; the rest are only listed).</summary>
    [Range(0, 100)]
    public int ArchivePreviews { get; set; } = 3;

    /// <summary>Archives with more entries than this fail with a reason.</summary>
    [Range(1, 1_000_000)]
    public int ArchiveMaxEntries { get; set; } = 10_000;

    /// <summary>Largest total uncompressed size an archive may declare, in MB (and the most extracted from it).</summary>
    [Range(1, 1_000_000)]
    public int ArchiveMaxUncompressedMb { get; set; } = 2048;

    /// <summary>Largest ratio of uncompressed to compressed size, of the whole archive or of one entry (zip bombs).</summary>
    [Range(2, 100_000)]
    public int ArchiveMaxRatio { get; set; } = 200;

    /// <summary>Levels of archives inside archives whose directories are read (deeper nesting fails with a reason).</summary>
    [Range(1, 10)]
    public int ArchiveMaxDepth { get; set; } = 3;

    /// <summary>Largest DXF drawing, in bytes (it is parsed in memory).</summary>
    [Range(1_000, 1_000_000_000)]
    public long MaxDxfBytes { get; set; } = 64 * 1024 * 1024;

    /// <summary>Most entities drawn from one DXF drawing (block inserts expanded).</summary>
    [Range(1, 100_000_000)]
    public int MaxDxfEntities { get; set; } = 1_000_000;

    /// <summary>Recognise the text of pages that have none (scans, photos, image-only PDFs) with tesseract.</summary>
    public bool Ocr { get; set; } = true;

    /// <summary>tesseract's languages, joined by <c>+</c> (installed: <c>chi_sim</c>, <c>eng</c>; add packs with <c>tesseract-ocr-*</c>).</summary>
    [Required, RegularExpression(@"^[A-Za-z_]+(\+[A-Za-z_]+)*$")]
    public string OcrLanguages { get; set; } = "chi_sim+eng";

    /// <summary>Most pages of one document OCR reads (pages without text beyond this keep none; each costs seconds).</summary>
    [Range(0, 100_000)]
    public int OcrMaxPages { get; set; } = 50;

    /// <summary>
    /// poppler-data's folder: its <c>cMap/Adobe-GB1</c> (and Japanese, Korean, traditional Chinese) CMaps let poppler
    /// render and read PDFs whose CJK fonts are not embedded. Checked at start (<c>/health/ready</c>).
    /// </summary>
    [Required]
    public string PopplerDataDir { get; set; } = "/usr/share/poppler";

    /// <summary>tesseract's program (<c>tesseract</c> on the PATH by default).</summary>
    [Required]
    public string OcrProgram { get; set; } = "tesseract";

    /// <summary>How often a job is tried before its document is marked failed.</summary>
    [Range(1, 20)]
    public int MaxAttempts { get; set; } = 3;

    /// <summary>How long a worker holds a job without a heartbeat before another may take it.</summary>
    [Range(5, 3600)]
    public int LeaseSeconds { get; set; } = 60;
}

/// <summary>Which database engine holds the site's data.</summary>
public enum DatabaseProvider { Sqlite, Postgres }

/// <summary>The database, bound from <c>Wenku:Database</c>. The embedded default is SQLite in the data folder.</summary>
public sealed class DatabaseOptions : IValidatableObject
{
    public const string Section = "Wenku:Database";

    /// <summary><c>sqlite</c> (default: <c>{data}/wenku.db</c>) or <c>postgres</c> (needs <see cref="ConnectionString"/>).</summary>
    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>Npgsql connection string for <c>postgres</c>, e.g. <c>Host=db;Database=wenku;Username=wenku;Password=…</c>.</summary>
    public string? ConnectionString { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Provider == DatabaseProvider.Postgres && string.IsNullOrWhiteSpace(ConnectionString))
            yield return new ValidationResult("Wenku:Database:ConnectionString is required for the postgres provider.", [nameof(ConnectionString)]);
    }
}

/// <summary>Which search backend serves queries.</summary>
public enum SearchProvider { Lucene, Postgres }

/// <summary>Search, bound from <c>Wenku:Search</c>.</summary>
public sealed class SearchOptions
{
    public const string Section = "Wenku:Search";

    /// <summary>
    /// <c>lucene</c>: an index on the local disk of the one <c>serve</c> (the embedded default, needs SQLite);
    /// <c>postgres</c>: PostgreSQL full-text search in the site's database, shared by every machine. Unset: the one
    /// that goes with the database provider.
    /// </summary>
    public SearchProvider? Provider { get; set; }

    /// <summary>
    /// postgres search only: where searches and suggestions read, e.g. a streaming replica of the site's database
    /// (<c>Host=replica;…</c>); unset, they read the site's database. Writes (the outbox, reindex) always go to the
    /// primary; a replica answers with what it has replayed so far (usually well under a second behind).
    /// </summary>
    public string? ReadConnectionString { get; set; }

    public SearchProvider For(DatabaseProvider database)
    {
        var provider = Provider ?? (database == DatabaseProvider.Postgres ? SearchProvider.Postgres : SearchProvider.Lucene);
        return (provider, database) switch
        {
            (SearchProvider.Postgres, not DatabaseProvider.Postgres) => throw new OptionsValidationException(Section, typeof(SearchOptions),
                ["Wenku:Search:Provider=postgres needs Wenku:Database:Provider=postgres."]),
            // The outbox's positions follow commit order only where writers are serialised (SQLite); a local index on
            // PostgreSQL could skip a change that commits late, and would serve only the machine it is on.
            (SearchProvider.Lucene, DatabaseProvider.Postgres) => throw new OptionsValidationException(Section, typeof(SearchOptions),
                ["Wenku:Search:Provider=lucene needs the SQLite database; on PostgreSQL search uses postgres."]),
            _ => provider,
        };
    }
}

/// <summary>Where files live.</summary>
public enum StorageProvider { Local, S3 }

/// <summary>The file store, bound from <c>Wenku:Storage</c>. The embedded default is the local disk (<c>{data}/files</c>).</summary>
public sealed class StorageOptions : IValidatableObject
{
    public const string Section = "Wenku:Storage";

    /// <summary><c>local</c> (default) or <c>s3</c> (any S3-compatible object store; see <see cref="S3"/>).</summary>
    public StorageProvider Provider { get; set; } = StorageProvider.Local;

    public S3StorageOptions S3 { get; set; } = new();

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Provider != StorageProvider.S3) yield break;
        var parts = new List<ValidationResult>();
        Validator.TryValidateObject(S3, new ValidationContext(S3), parts, validateAllProperties: true);
        foreach (var part in parts) yield return part;
        if (string.IsNullOrWhiteSpace(S3.Bucket))
            yield return new ValidationResult("Wenku:Storage:S3:Bucket is required for the s3 provider.", ["S3.Bucket"]);
        if (string.IsNullOrWhiteSpace(S3.ServiceUrl) && string.IsNullOrWhiteSpace(S3.Region))
            yield return new ValidationResult("Wenku:Storage:S3 needs a ServiceUrl (any S3-compatible endpoint) or a Region (AWS).", ["S3.ServiceUrl"]);
    }
}

/// <summary>An S3-compatible object store, bound from <c>Wenku:Storage:S3</c>.</summary>
public sealed class S3StorageOptions
{
    /// <summary>Endpoint of an S3-compatible store, e.g. <c>http://10.0.0.5:9000</c>; empty for AWS itself (then <see cref="Region"/>).</summary>
    public string? ServiceUrl { get; set; }

    /// <summary>Region (AWS), or the signing region of another store (default <c>us-east-1</c>).</summary>
    public string? Region { get; set; }

    public string Bucket { get; set; } = "";

    /// <summary>Key prefix inside the bucket, so several sites can share one (e.g. <c>wenku/</c>).</summary>
    public string? Prefix { get; set; }

    public string? AccessKey { get; set; }
    public string? SecretKey { get; set; }

    /// <summary>Address the bucket in the path (<c>host/bucket/key</c>) instead of the host name; most self-hosted stores need it.</summary>
    public bool ForcePathStyle { get; set; } = true;

    /// <summary>Files at least this large are uploaded in parts (default 64 MB).</summary>
    [Range(5L * 1024 * 1024, 5L * 1024 * 1024 * 1024)]
    public long MultipartThresholdBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Size of one part of a multipart upload (default 16 MB; S3 needs at least 5 MB).</summary>
    [Range(5L * 1024 * 1024, 5L * 1024 * 1024 * 1024)]
    public long PartSizeBytes { get; set; } = 16L * 1024 * 1024;
}
