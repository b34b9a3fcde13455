using System.Text;
using Microsoft.Extensions.Options;
using Wenku.Web.Localization;
using SkiaSharp;
using UtfUnknown;

namespace Wenku.Conversion;

/// <summary>
/// Plain text to pages: decoded here (UTF-8/16 with or without BOM, GB18030/GBK, Big5 — detected, never
/// assumed), laid out on A4 pages with Noto CJK by SkiaSharp, then through the PDF pipeline like any PDF.
/// Not LibreOffice: its text import guesses the encoding by itself (legacy Chinese comes out as mojibake unless told
/// the charset), and starting it costs more than laying out text ourselves. Markdown is rendered by <see cref="MarkdownConverter"/>.
/// </summary>
public sealed class TextConverter(IOptions<ConversionOptions> options, PdfConverter pdf) : IDocumentConverter
{
    private readonly ConversionOptions _o = options.Value;

    public static readonly Message TooLarge = new("text.too-large", "文本文件超过 {0} MB 上限。");
    public static readonly Message Empty = new("text.empty", "此文本文件是空的。");
    public static readonly Message TooManyPages = new("text.too-many-pages", "此文本超过 {0} 页上限。");

    public bool CanConvert(string format) => format == "txt";

    public async Task<ConversionResult> ConvertAsync(ConversionRequest request, CancellationToken ct)
    {
        var text = await ReadBoundedAsync(request.InputPath, _o, ct);
        var pdfPath = Path.Combine(request.WorkDir, "text.pdf");
        TextPages.Write(pdfPath, text, _o.MaxPages, ct);
        return await pdf.ConvertPdfAsync(pdfPath, request.WorkDir, ct, progress: request.Progress);
    }

    /// <summary>A text file's text, decoded, within the size and length bounds for text, and not empty.</summary>
    public static async Task<string> ReadBoundedAsync(string inputPath, ConversionOptions o, CancellationToken ct)
    {
        if (new FileInfo(inputPath).Length > o.MaxTextFileBytes)
            throw new ConversionException(TooLarge, o.MaxTextFileBytes / 1024 / 1024);
        var text = TextDecoding.Decode(await File.ReadAllBytesAsync(inputPath, ct));
        if (text.Length > o.MaxTextChars)
            throw new ConversionException(PdfConverter.TooMuchText);
        if (text.Trim().Length == 0)
            throw new ConversionException(Empty);
        return text;
    }
}

/// <summary>Turns the bytes of a text file into a string, detecting its encoding.</summary>
public static class TextDecoding
{
    static TextDecoding() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The text and the name of the encoding it was read in.</summary>
    public static (string Text, string Encoding) DecodeWithName(byte[] bytes)
    {
        if (bytes.AsSpan().StartsWith(new byte[] { 0xEF, 0xBB, 0xBF })) return (Encoding.UTF8.GetString(bytes, 3, bytes.Length - 3), "utf-8");
        if (bytes.AsSpan().StartsWith(new byte[] { 0xFF, 0xFE })) return (Encoding.Unicode.GetString(bytes, 2, bytes.Length - 2), "utf-16le");
        if (bytes.AsSpan().StartsWith(new byte[] { 0xFE, 0xFF })) return (Encoding.BigEndianUnicode.GetString(bytes, 2, bytes.Length - 2), "utf-16be");
        try
        {
            return (StrictUtf8.GetString(bytes), "utf-8");
        }
        catch (DecoderFallbackException) { }

        // Not UTF-8: a legacy Chinese code page. The detector weighs character frequencies of GB2312 and Big5 text;
        // GB18030 (a superset of GBK and GB2312) reads whatever it does not call Big5.
        var detected = CharsetDetector.DetectFromBytes(bytes).Detected?.EncodingName?.ToLowerInvariant();
        var name = detected is "big5" or "big-5" ? "big5" : "gb18030";
        return (Encoding.GetEncoding(name).GetString(bytes), name);
    }

    public static string Decode(byte[] bytes) => DecodeWithName(bytes).Text;
}

/// <summary>Lays text out on A4 PDF pages: lines kept, long lines wrapped between CJK characters or at spaces.</summary>
public static class TextPages
{
    private const float Width = 595, Height = 842, Margin = 56, FontSize = 11, LineHeight = 17;
    private static readonly SKTypeface Cjk = SKFontManager.Default.MatchCharacter(0x4E2D) ?? SKTypeface.Default; // 中: a typeface with Chinese

    /// <summary>Writes the pages; more than <paramref name="maxPages"/> is a <see cref="ConversionException"/>.</summary>
    public static int Write(string path, string text, int maxPages, CancellationToken ct)
    {
        using var stream = File.Create(path);
        using var document = SKDocument.CreatePdf(stream);
        using var font = new SKFont(Cjk, FontSize);
        using var ink = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        var widths = new Dictionary<string, float>();
        float Measure(string s)
        {
            if (s.Length > 8) return font.MeasureText(s);
            if (!widths.TryGetValue(s, out var w)) widths[s] = w = font.MeasureText(s);
            return w;
        }

        var pages = 0;
        SKCanvas? canvas = null;
        var y = Height;
        void Emit(string line)
        {
            if (y + LineHeight > Height - Margin)
            {
                if (canvas is not null) document.EndPage();
                if (++pages > maxPages)
                    throw new ConversionException(TextConverter.TooManyPages, maxPages);
                ct.ThrowIfCancellationRequested();
                canvas = document.BeginPage(Width, Height);
                y = Margin;
            }
            y += LineHeight;
            if (line.Length > 0) canvas!.DrawText(line, Margin, y, SKTextAlign.Left, font, ink);
        }

        const float maxWidth = Width - 2 * Margin;
        foreach (var raw in text.TrimEnd().Replace("\r\n", "\n").Replace('\r', '\n').Split('\n'))
        {
            var line = new StringBuilder();
            float lineWidth = 0;
            foreach (var token in Tokens(raw.Replace("\t", "    ").Replace("\f", "")))
            {
                var w = Measure(token);
                if (w > maxWidth)
                {
                    // A token wider than the page (a long URL, a run without spaces) is cut wherever it must be.
                    foreach (var c in token)
                    {
                        var cw = Measure(c.ToString());
                        if (lineWidth + cw > maxWidth && line.Length > 0) { Emit(line.ToString().TrimEnd()); line.Clear(); lineWidth = 0; }
                        line.Append(c);
                        lineWidth += cw;
                    }
                    continue;
                }
                if (lineWidth + w > maxWidth && line.Length > 0)
                {
                    Emit(line.ToString().TrimEnd());
                    line.Clear();
                    lineWidth = 0;
                    if (token == " ") continue;
                }
                line.Append(token);
                lineWidth += w;
            }
            Emit(line.ToString().TrimEnd());
        }
        if (canvas is not null) document.EndPage();
        document.Close();
        return pages;
    }

    private static IEnumerable<string> Tokens(string text)
    {
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (Documents.TextNormalizer.IsCjk(c) || char.IsPunctuation(c) && c > 0x2000)
            {
                if (i > start) yield return text[start..i];
                yield return c.ToString();
                start = i + 1;
            }
            else if (c == ' ')
            {
                if (i > start) yield return text[start..i];
                yield return " ";
                start = i + 1;
            }
        }
        if (start < text.Length) yield return text[start..];
    }
}
