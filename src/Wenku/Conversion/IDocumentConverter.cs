namespace Wenku.Conversion;

/// <summary>
/// One converted page: its watermarked preview image (a local file) and its text. <paramref name="Unrendered"/> says
/// why the page could not be rendered, when its image is a placeholder; <paramref name="Ocr"/> that its text was
/// recognised by OCR because it had no text layer.
/// </summary>
public sealed record ConvertedPage(int Number, string ImagePath, int Width, int Height, string Text, string? Unrendered = null, bool Ocr = false);

/// <summary>
/// What a conversion yields: the pages, for an archive its entries (<paramref name="Entries"/>, whose previews
/// are among the pages), and for a CAD drawing what was found in it (<paramref name="Drawing"/>: its version …).
/// </summary>
public sealed record ConversionResult(IReadOnlyList<ConvertedPage> Pages, IReadOnlyList<ArchiveEntryInfo>? Entries = null, Documents.DrawingFacts? Drawing = null);

/// <summary>
/// One entry of an archive as listed: its path inside the archive (shown, never used as a path here), sizes, date,
/// and where its preview pages are (<paramref name="FirstPage"/>, <paramref name="PageCount"/>), or why it has none.
/// </summary>
public sealed record ArchiveEntryInfo(
    int Number, string Path, long Size, long CompressedSize, DateTime? Modified, bool IsDirectory, bool IsEncrypted,
    int? FirstPage = null, int PageCount = 0, string? Note = null);

/// <summary>
/// What a converter is asked to convert: the document (<paramref name="DocumentId"/>, 0 for an archive entry's own
/// preview … of that document), the file at <paramref name="InputPath"/> (its name says nothing: the format is
/// <paramref name="Format"/>, as <see cref="Documents.FileSniffer"/> detected it at upload), and the folder to write
/// into. The limits are the converter's <see cref="ConversionOptions"/>. A converter that knows its pages counts them
/// into <paramref name="Progress"/> as it goes (the uploader's live progress).
/// </summary>
public sealed record ConversionRequest(long DocumentId, string Format, string InputPath, string WorkDir, ConversionProgress? Progress = null);

/// <summary>Pages of a conversion done so far, and how many there are once the converter knows; read by the job's reporter.</summary>
public sealed class ConversionProgress
{
    private int _done;
    private int _total;

    /// <summary>Pages whose previews are written.</summary>
    public int Done => Volatile.Read(ref _done);

    /// <summary>The document's pages, 0 until known.</summary>
    public int Total => Volatile.Read(ref _total);

    public void Start(int total) => Volatile.Write(ref _total, total);

    public void PageDone() => Interlocked.Increment(ref _done);
}

/// <summary>Turns an original file into page previews and text. Runs in a worker process, never in the site.</summary>
public interface IDocumentConverter
{
    /// <summary>Formats (as detected by <see cref="Documents.FileSniffer"/>) this converter handles.</summary>
    bool CanConvert(string format);

    /// <summary>Converts the request's file in the format it names, writing into its work folder.</summary>
    /// <exception cref="ConversionException">The file cannot be converted; the message says why, for a person.</exception>
    Task<ConversionResult> ConvertAsync(ConversionRequest request, CancellationToken ct);
}

/// <summary>A failure caused by the file itself: final, shown to the uploader as it is.</summary>
public sealed class ConversionException : Exception
{
    /// <summary>A failure told as plain text (stored as it is; prefer a <see cref="Web.Localization.Message"/>).</summary>
    public ConversionException(string message) : base(message) { }

    /// <summary>A failure stored as a code with arguments and shown in each reader's language.</summary>
    public ConversionException(Web.Localization.Message message, params object?[] args) : base(message.Format(args))
    {
        Code = message.Code;
        Args = Web.Localization.Message.StoreArgs(args);
    }

    /// <summary>The code of the message (<see cref="Documents.Document.ErrorCode"/>), or null for plain text.</summary>
    public string? Code { get; }

    /// <summary>Its arguments as stored (<see cref="Documents.Document.ErrorArgs"/>).</summary>
    public string? Args { get; }
}
