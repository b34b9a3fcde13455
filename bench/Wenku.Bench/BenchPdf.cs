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
