using SkiaSharp;

namespace Wenku.Demo;

/// <summary>Writes simple multi-page A4 PDFs with real (extractable) Chinese and English text, for the demo library and tests.</summary>
public static class DemoPdfWriter
{
    private const float Width = 595, Height = 842, Margin = 64;

    private static readonly SKTypeface Cjk = SKFontManager.Default.MatchCharacter('中') ?? SKTypeface.Default;

    /// <summary>Writes <paramref name="title"/> and paragraphs to <paramref name="path"/>; returns the page count.</summary>
    /// <param name="pagePerParagraph">Start every paragraph after the first on a new page (exact page counts for tests).</param>
    public static int Write(string path, string title, IEnumerable<string> paragraphs, bool pagePerParagraph = false)
    {
        using var stream = File.Create(path);
        using var document = SKDocument.CreatePdf(stream, new SKDocumentPdfMetadata { Title = title, Creator = "Wenku demo" });
        using var titleFont = new SKFont(Cjk, 20);
        using var bodyFont = new SKFont(Cjk, 12);
        using var ink = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        using var grey = new SKPaint { Color = SKColors.Gray, IsAntialias = true };

        var pages = 0;
        SKCanvas? canvas = null;
        float y = 0;
        void NewPage()
        {
            if (canvas is not null) document.EndPage();
            canvas = document.BeginPage(Width, Height);
            pages++;
            canvas.DrawText($"— {pages} —", Width / 2 - 14, Height - 30, SKTextAlign.Left, bodyFont, grey);
            y = Margin;
        }

        NewPage();
        foreach (var line in Wrap(title, titleFont, Width - 2 * Margin))
        {
            y += 28;
            canvas!.DrawText(line, Margin, y, SKTextAlign.Left, titleFont, ink);
        }
        y += 16;
        var first = true;
        foreach (var paragraph in paragraphs)
        {
            if (pagePerParagraph && !first) NewPage();
            first = false;
            foreach (var line in Wrap(paragraph.Trim(), bodyFont, Width - 2 * Margin))
            {
                if (y + 20 > Height - Margin) NewPage();
                y += 20;
                canvas!.DrawText(line, Margin, y, SKTextAlign.Left, bodyFont, ink);
            }
            y += 10;
        }
        document.EndPage();
        document.Close();
        return pages;
    }

    /// <summary>Breaks text into lines that fit: between any two CJK characters, at spaces in Latin text.</summary>
    public static IEnumerable<string> Wrap(string text, SKFont font, float maxWidth)
    {
        var line = "";
        foreach (var token in Tokens(text))
        {
            var candidate = line + token;
            if (line.Length > 0 && font.MeasureText(candidate) > maxWidth)
            {
                yield return line.TrimEnd();
                line = token.TrimStart();
            }
            else line = candidate;
        }
        if (line.Trim().Length > 0) yield return line.TrimEnd();
    }

    private static IEnumerable<string> Tokens(string text)
    {
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (Documents.TextNormalizer.IsCjk(c))
            {
                if (i > start) yield return text[start..i];
                yield return c.ToString();
                start = i + 1;
            }
            else if (c == ' ')
            {
                yield return text[start..(i + 1)];
                start = i + 1;
            }
        }
        if (start < text.Length) yield return text[start..];
    }
}
