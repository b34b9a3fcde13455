namespace Wenku.Conversion;

/// <summary>
/// One converted page: its watermarked preview image (a local file) and its text. <paramref name="Unrendered"/> says
/// why the page could not be rendered, when its image is a placeholder.
/// </summary>
public sealed record ConvertedPage(int Number, string ImagePath, int Width, int Height, string Text, string? Unrendered = null);

public sealed record ConversionResult(IReadOnlyList<ConvertedPage> Pages);

/// <summary>Turns an original file into page previews and text. Runs in a worker process, never in the site.</summary>
public interface IDocumentConverter
{
    /// <summary>Formats (as detected by <see cref="Documents.FileSniffer"/>) this converter handles.</summary>
    bool CanConvert(string format);

    /// <summary>Converts <paramref name="inputPath"/>, writing into <paramref name="workDir"/>.</summary>
    /// <exception cref="ConversionException">The file cannot be converted; the message says why, for a person.</exception>
    Task<ConversionResult> ConvertAsync(string inputPath, string workDir, CancellationToken ct);
}

/// <summary>A failure caused by the file itself: final, shown to the uploader as it is.</summary>
public sealed class ConversionException(string message) : Exception(message);
