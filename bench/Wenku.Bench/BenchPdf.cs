using Wenku.Demo;

namespace Wenku.Bench;

/// <summary>
/// Text PDFs of an exact page count, written with the demo library's writer from the demo news articles
/// (real Chinese text, so rendering and extraction do real work).
/// </summary>
public static class BenchPdf
{
    private static readonly Dictionary<(int Pages, int TitleLength), int> KnownCounts = [];

    /// <summary>Writes a PDF of exactly <paramref name="pages"/> pages; distinct titles give distinct files (uploads refuse exact duplicates).</summary>
    public static void Write(string path, string title, int pages)
    {
        var paragraphs = Paragraphs().ToList();
        // A title of the same length lays out the same: reuse the count found before.
        if (KnownCounts.TryGetValue((pages, title.Length), out var known) && DemoPdfWriter.Write(path, title, paragraphs.Take(known)) == pages)
            return;

        // Fewest paragraphs that fill the pages; a paragraph is a few lines, so this lands on the page count exactly.
        int low = 1, high = paragraphs.Count;
        while (low < high)
        {
            var mid = (low + high) / 2;
            if (DemoPdfWriter.Write(path, title, paragraphs.Take(mid)) >= pages) high = mid;
            else low = mid + 1;
        }
        var written = DemoPdfWriter.Write(path, title, paragraphs.Take(low));
        if (written != pages) throw new InvalidOperationException($"wanted {pages} pages, wrote {written}");
        KnownCounts[(pages, title.Length)] = low;
    }

    /// <summary>The demo articles split into paragraphs of a few sentences, repeated as often as needed (up to ~300 pages).</summary>
    private static IEnumerable<string> Paragraphs()
    {
        var articles = DemoSeeder.NewsArticles();
        for (var round = 0; round < 8; round++)
            foreach (var article in articles)
                foreach (var p in DemoSeeder.Paragraphs(article))
                    yield return p;
    }

    /// <summary>
    /// A PDF of exactly <paramref name="pages"/> pages of plain Latin text in a TrueType font (DejaVu Sans, which poppler
    /// draws from its glyph cache): cheap to render, like most PDFs that word processors write. The Chinese bench PDF
    /// is the opposite: SkiaSharp embeds Noto CJK (a CFF font) as Type 3 glyph outlines, which poppler fills path by
    /// path, ~75 ms a page. The words are drawn from a fixed list by a seeded generator (same file for the same title).
    /// </summary>
    public static void WriteLatin(string path, string title, int pages)
    {
        const float Width = 595, Height = 842, Margin = 64, Line = 15;
        var typeface = SkiaSharp.SKTypeface.FromFamilyName("DejaVu Sans") ?? SkiaSharp.SKTypeface.Default;
        using var stream = File.Create(path);
        using var document = SkiaSharp.SKDocument.CreatePdf(stream, new SkiaSharp.SKDocumentPdfMetadata { Title = title, Creator = "Wenku bench" });
        using var font = new SkiaSharp.SKFont(typeface, 11);
        using var ink = new SkiaSharp.SKPaint { Color = SkiaSharp.SKColors.Black, IsAntialias = true };
        var random = new Random(title.Length * 7919 + pages);
        for (var page = 1; page <= pages; page++)
        {
            var canvas = document.BeginPage(Width, Height);
            var y = Margin;
            if (page == 1) canvas.DrawText(title, Margin, y += 2 * Line, SkiaSharp.SKTextAlign.Left, font, ink);
            while (y + Line < Height - Margin)
            {
                var line = new System.Text.StringBuilder();
                while (true)
                {
                    var word = LatinWords[random.Next(LatinWords.Length)];
                    if (font.MeasureText(line + " " + word) > Width - 2 * Margin) break;
                    line.Append(line.Length > 0 ? " " : "").Append(word);
                }
                canvas.DrawText(line.ToString(), Margin, y += Line, SkiaSharp.SKTextAlign.Left, font, ink);
            }
            canvas.DrawText($"- {page} -", Width / 2 - 12, Height - 30, SkiaSharp.SKTextAlign.Left, font, ink);
            document.EndPage();
        }
        document.Close();
    }

    private static readonly string[] LatinWords =
    [
        "the", "of", "and", "to", "in", "a", "is", "that", "for", "it", "as", "was", "with", "be", "by", "on", "not", "he",
        "this", "are", "or", "his", "from", "at", "which", "but", "have", "an", "had", "they", "you", "were", "their", "one",
        "all", "we", "can", "her", "has", "there", "been", "if", "more", "when", "will", "would", "who", "so", "no", "document",
        "library", "reader", "market", "report", "river", "city", "season", "council", "history", "science", "measure",
        "engine", "harvest", "village", "students", "teacher", "railway", "bridge", "program", "theory", "analysis",
    ];

    /// <summary>
    /// A scanned (image-only) copy of <paramref name="textPdf"/>: each page rendered gray at ~200 dpi as a JPEG, as a
    /// scanner writes it, and placed as the whole page of a new PDF without any text layer.
    /// </summary>
    public static async Task WriteScannedAsync(string path, string textPdf, string scanDir)
    {
        Directory.CreateDirectory(scanDir);
        await Commands.CheckAsync("pdftoppm", ["-scale-to", "2339", "-gray", "-jpeg", "-jpegopt", "quality=75", textPdf, Path.Combine(scanDir, "scan")]);
        using var stream = File.Create(path);
        using var document = SkiaSharp.SKDocument.CreatePdf(stream);
        foreach (var image in Directory.GetFiles(scanDir, "scan-*.jpg").Order(StringComparer.Ordinal))
        {
            var canvas = document.BeginPage(595, 842);
            // The JPEG goes into the PDF as it is (a DCT image), as a scanner's PDF holds it.
            using var scan = SkiaSharp.SKImage.FromEncodedData(image);
            canvas.DrawImage(scan, new SkiaSharp.SKRect(0, 0, 595, 842));
            document.EndPage();
        }
        document.Close();
    }
}
