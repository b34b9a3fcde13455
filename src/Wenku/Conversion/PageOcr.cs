using Microsoft.Extensions.Options;

namespace Wenku.Conversion;

/// <summary>
/// Recognises the text of a page image with <c>tesseract</c> (a limited child process like every converter), for
/// pages without a text layer: scans, photos, image-only PDFs. A failure costs the page its text, never the document.
/// </summary>
public sealed class PageOcr(IOptions<ConversionOptions> options, ILogger<PageOcr> log)
{
    private readonly ConversionOptions _o = options.Value;

    public bool Enabled => _o.Ocr;

    /// <summary>Longest side of a page image given to OCR: A4 at 300 dpi, where tesseract reads Chinese well.</summary>
    public const int ImageSize = 3500;

    /// <summary>Whether a page's own text counts as none, so that OCR should read it.</summary>
    public static bool HasNoText(string text) => !text.Any(c => !char.IsWhiteSpace(c) && !char.IsControl(c));

    /// <summary>The recognised text, or null when tesseract could not read the image.</summary>
    public async Task<string?> RecognizeAsync(string imagePath, CancellationToken ct)
    {
        var outcome = await LimitedProcess.RunAsync(_o.OcrProgram,
            [imagePath, "stdout", "-l", _o.OcrLanguages, "--psm", "3"],
            TimeSpan.FromSeconds(_o.ProcessTimeoutSeconds), (long)_o.ProcessMemoryMb * 1024 * 1024, 1024 * 1024, ct,
            Path.GetDirectoryName(imagePath));
        if (outcome.TimedOut || outcome.ExitCode != 0)
        {
            log.LogWarning("tesseract could not read {Image}: {Reason}", imagePath,
                outcome.TimedOut ? "timed out" : $"exit code {outcome.ExitCode}: {outcome.FirstErrorLine}");
            return null;
        }
        // tesseract separates Chinese characters by spaces; the page text's cleaning (TextNormalizer.CleanPageText,
        // which every page goes through) drops a space beside a CJK character.
        return outcome.StdOut;
    }
}
