using Wenku.Web.Localization;
using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Options;
using SkiaSharp;
using Wenku.Documents;

namespace Wenku.Conversion;

/// <summary>
/// CAD drawings to one zoomable preview page. DXF: our own renderer of its entities on SkiaSharp (LINE, LWPOLYLINE,
/// POLYLINE, CIRCLE, ARC, TEXT, MTEXT, and INSERTs of blocks made of those) — LibreOffice's DXF import flattens
/// real drawings. DWG: the preview bitmap DWG files embed in their header (BMP or PNG), and the drawing's facts
/// (version, code page); a clear "no preview" page only when the file has none.
/// </summary>
public sealed class DrawingConverter(IOptions<ConversionOptions> options, Watermarker watermarker) : IDocumentConverter
{
    // Drawn into the placeholder page (an image every reader sees alike), beside its English.
    public static readonly Message NoEmbeddedPreview = new("drawing.no-embedded-preview", "此 DWG 图纸没有内嵌预览图");
    public static readonly Message DxfTooLarge = new("drawing.dxf-too-large", "DXF 文件超过 {0} MB 上限。");
    public static readonly Message BinaryDxf = new("drawing.binary-dxf", "暂不支持二进制 DXF，请另存为文本 DXF。");
    public static readonly Message NoEntities = new("drawing.no-entities", "此 DXF 图纸中没有可显示的图形。");
    public static readonly Message DwgTruncated = new("drawing.dwg-truncated", "DWG 文件不完整。");
    public static readonly Message DxfMalformed = new("drawing.dxf-malformed", "DXF 文件格式错误（第 {0} 行）。");
    public static readonly Message DxfTruncated = new("drawing.dxf-truncated", "DXF 文件不完整（缺少 EOF），可能被截断。");
    public static readonly Message TooManyEntities = new("drawing.too-many-entities", "此 DXF 图纸超过 {0} 个图元上限。");

    private readonly ConversionOptions _o = options.Value;

    /// <summary>Longest side of a drawing's preview: twice a page's, so that it can be zoomed.</summary>
    private int DrawingSize => Math.Min(4000, _o.PreviewSize * 2);

    public bool CanConvert(string format) => format is "dxf" or "dwg";

    public Task<ConversionResult> ConvertAsync(ConversionRequest request, CancellationToken ct) =>
        Task.FromResult(request.Format == "dwg" ? ConvertDwg(request.InputPath, request.WorkDir) : ConvertDxf(request.InputPath, request.WorkDir, ct));

    private ConversionResult ConvertDxf(string inputPath, string workDir, CancellationToken ct)
    {
        if (new FileInfo(inputPath).Length > _o.MaxDxfBytes)
            throw new ConversionException(DrawingConverter.DxfTooLarge, _o.MaxDxfBytes / 1024 / 1024);
        var bytes = File.ReadAllBytes(inputPath);
        if (bytes.AsSpan().StartsWith("AutoCAD Binary DXF"u8))
            throw new ConversionException(DrawingConverter.BinaryDxf);
        var drawing = Dxf.Parse(TextDecoding.Decode(bytes), _o.MaxDxfEntities, ct);
        if (drawing.Entities.Count == 0)
            throw new ConversionException(DrawingConverter.NoEntities);
        var jpg = Path.Combine(workDir, "page-1.jpg");
        using var rendered = drawing.Render(DrawingSize);
        var (w, h) = watermarker.Apply(rendered, jpg);
        var facts = new DrawingFacts
        {
            Kind = "DXF", Version = drawing.Version, Entities = drawing.Entities.Count,
            Skipped = drawing.Skipped, SkippedKinds = [.. drawing.SkippedKinds.Take(8)],
        };
        return new ConversionResult([new ConvertedPage(1, jpg, w, h, string.Join("\n", drawing.Texts))], Drawing: facts);
    }

    private ConversionResult ConvertDwg(string inputPath, string workDir)
    {
        var (version, preview, facts) = DwgHeader.Read(inputPath);
        var jpg = Path.Combine(workDir, "page-1.jpg");
        if (preview is not null)
        {
            using var bitmap = SKBitmap.Decode(preview);
            if (bitmap is not null)
            {
                // The embedded preview is small (often 180×120): scaled up to a readable size, kept sharp enough.
                var scale = Math.Max(1, Math.Min(4, _o.PreviewSize / Math.Max(bitmap.Width, bitmap.Height)));
                using var page = new SKBitmap(bitmap.Width * scale, bitmap.Height * scale);
                using (var canvas = new SKCanvas(page))
                {
                    canvas.Clear(SKColors.White);
                    using var image = SKImage.FromBitmap(bitmap);
                    canvas.DrawImage(image, new SKRect(0, 0, page.Width, page.Height), new SKSamplingOptions(SKFilterMode.Nearest));
                }
                var (w, h) = watermarker.Apply(page, jpg);
                facts.PreviewWidth = bitmap.Width;
                facts.PreviewHeight = bitmap.Height;
                return new ConversionResult([new ConvertedPage(1, jpg, w, h, "")], Drawing: facts);
            }
        }
        using var placeholder = NoPreview(version);
        var size = watermarker.Apply(placeholder, jpg);
        return new ConversionResult([new ConvertedPage(1, jpg, size.Width, size.Height, "")], Drawing: facts);
    }

    private SKBitmap NoPreview(string version)
    {
        var width = _o.PreviewSize;
        var height = width * 2 / 3;
        var bitmap = new SKBitmap(width, height);
        using var canvas = new SKCanvas(bitmap);
        canvas.Clear(SKColors.White);
        using var font = new SKFont(SKFontManager.Default.MatchCharacter('\u56fe') /* a CJK character: a font that has Chinese */ ?? SKTypeface.Default, width / 28f);
        using var ink = new SKPaint { Color = SKColors.Gray, IsAntialias = true };
        foreach (var (line, dy) in new[] { (NoEmbeddedPreview.Template, -1.2f), ("This DWG drawing has no embedded preview", 0.4f), (version, 2f) })
            canvas.DrawText(line, (width - font.MeasureText(line)) / 2, height / 2f + dy * font.Size, SKTextAlign.Left, font, ink);
        return bitmap;
    }
}

/// <summary>The facts and the embedded preview in a DWG file's header.</summary>
public static class DwgHeader
{
    private static readonly byte[] ImageSentinel = [0x1F, 0x25, 0x6D, 0x07, 0xD4, 0x36, 0x28, 0x28, 0x9D, 0x57, 0xCA, 0x3F, 0x9D, 0x44, 0x10, 0x2B];

    private static readonly Dictionary<string, string> Releases = new()
    {
        ["AC1012"] = "R13", ["AC1014"] = "R14", ["AC1015"] = "2000", ["AC1018"] = "2004", ["AC1021"] = "2007",
        ["AC1024"] = "2010", ["AC1027"] = "2013", ["AC1032"] = "2018",
    };

    /// <summary>The version, the preview as an image file's bytes (BMP with its file header, or PNG) or null, and the facts.</summary>
    public static (string Version, byte[]? Preview, DrawingFacts Facts) Read(string path)
    {
        using var file = File.OpenRead(path);
        var header = new byte[0x19];
        if (file.ReadAtLeast(header, header.Length, throwOnEndOfStream: false) < header.Length)
            throw new ConversionException(DrawingConverter.DwgTruncated);
        var magic = Encoding.ASCII.GetString(header, 0, 6);
        var version = Releases.TryGetValue(magic, out var release) ? $"AutoCAD {release} ({magic})" : magic;
        var codePage = BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(0x13));
        var facts = new DrawingFacts { Kind = "DWG", Version = version, CodePage = codePage };
        if (!Releases.ContainsKey(magic))
        {
            facts.TooOldForPreview = true;
            return (version, null, facts);
        }

        var seeker = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(0x0D));
        if (seeker == 0 || seeker + 16 + 5 > file.Length) return (version, null, facts);
        var block = ReadAt(file, seeker, 16 + 4 + 1);
        if (!block.AsSpan(0, 16).SequenceEqual(ImageSentinel)) return (version, null, facts);
        int count = block[20];
        var entries = ReadAt(file, seeker + 21, count * 9);
        byte[]? png = null, bmp = null;
        for (var i = 0; i < count; i++)
        {
            var code = entries[i * 9];
            var start = BinaryPrimitives.ReadUInt32LittleEndian(entries.AsSpan(i * 9 + 1));
            var size = BinaryPrimitives.ReadUInt32LittleEndian(entries.AsSpan(i * 9 + 5));
            if (size == 0 || size > 16 * 1024 * 1024 || start + (long)size > file.Length) continue;
            if (code == 6) png = ReadAt(file, start, (int)size);
            else if (code == 2) bmp = WithFileHeader(ReadAt(file, start, (int)size));
        }
        return (version, png ?? bmp, facts);
    }

    /// <summary>DWG stores a BMP without its 14-byte file header (a bare DIB); image decoders want it back.</summary>
    private static byte[] WithFileHeader(byte[] dib)
    {
        if (dib.Length < 40) return dib;
        var infoSize = BinaryPrimitives.ReadInt32LittleEndian(dib);
        var bitCount = BinaryPrimitives.ReadUInt16LittleEndian(dib.AsSpan(14));
        var colors = BinaryPrimitives.ReadInt32LittleEndian(dib.AsSpan(32));
        if (colors == 0 && bitCount <= 8) colors = 1 << bitCount;
        var result = new byte[14 + dib.Length];
        "BM"u8.CopyTo(result);
        BinaryPrimitives.WriteInt32LittleEndian(result.AsSpan(2), result.Length);
        BinaryPrimitives.WriteInt32LittleEndian(result.AsSpan(10), 14 + infoSize + colors * 4);
        dib.CopyTo(result, 14);
        return result;
    }

    private static byte[] ReadAt(Stream file, long offset, int count)
    {
        var buffer = new byte[count];
        file.Position = offset;
        if (file.ReadAtLeast(buffer, count, throwOnEndOfStream: false) < count)
            throw new ConversionException(DrawingConverter.DwgTruncated);
        return buffer;
    }
}

/// <summary>An ASCII DXF drawing: the entities we draw, and the texts in it.</summary>
public sealed class Dxf
{
    public abstract record Entity(int Color);
    public sealed record Line(SKPoint A, SKPoint B, int Color) : Entity(Color);
    public sealed record Polyline(List<SKPoint> Points, bool Closed, int Color) : Entity(Color);
    public sealed record Circle(SKPoint Center, float Radius, int Color) : Entity(Color);
    public sealed record Arc(SKPoint Center, float Radius, float Start, float End, int Color) : Entity(Color);
    public sealed record Text(SKPoint At, float Height, float Rotation, string Value, int Color) : Entity(Color);

    public string Version { get; private set; } = "";
    public List<Entity> Entities { get; } = [];
    public List<string> Texts { get; } = [];
    public int Skipped { get; private set; }
    public SortedSet<string> SkippedKinds { get; } = new(StringComparer.Ordinal);

    private static readonly SKTypeface Cjk = SKFontManager.Default.MatchCharacter('\u56fe') /* a CJK character: a font that has Chinese */ ?? SKTypeface.Default;

    /// <summary>Parses the HEADER's version, the BLOCKS and the ENTITIES (INSERTs expanded, at most <paramref name="maxEntities"/>).</summary>
    public static Dxf Parse(string text, int maxEntities, CancellationToken ct)
    {
        var lines = text.Replace("\r\n", "\n").Split('\n');
        var pairs = new List<(int Code, string Value)>(lines.Length / 2);
        for (var i = 0; i + 1 < lines.Length; i += 2)
        {
            if (!int.TryParse(lines[i].Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var code))
                throw new ConversionException(DrawingConverter.DxfMalformed, i + 1);
            pairs.Add((code, lines[i + 1].TrimEnd()));
        }

        // Every DXF ends with 0/EOF: without it the file was cut short, and what is missing is unknown.
        if (pairs.Count == 0 || pairs[^1] is not { Code: 0, Value: "EOF" })
            throw new ConversionException(DrawingConverter.DxfTruncated);

        var dxf = new Dxf();
        var blocks = new Dictionary<string, List<Entity>>(StringComparer.OrdinalIgnoreCase);
        string? section = null, block = null;
        for (var i = 0; i < pairs.Count;)
        {
            ct.ThrowIfCancellationRequested();
            var (code, value) = pairs[i];
            if (code != 0) { i++; continue; }
            var end = i + 1;
            while (end < pairs.Count && pairs[end].Code != 0) end++;
            var group = pairs.GetRange(i + 1, end - i - 1);
            switch (value)
            {
                case "SECTION": section = Get(group, 2); break;
                case "ENDSEC": section = null; break;
                case "BLOCK": block = Get(group, 2); if (block is not null) blocks[block] = []; break;
                case "ENDBLK": block = null; break;
                default:
                    if (section == "HEADER") { }
                    else if (section == "ENTITIES" || section == "BLOCKS" && block is not null)
                    {
                        var target = section == "ENTITIES" ? dxf.Entities : blocks[block!];
                        if (value == "POLYLINE")
                        {
                            // POLYLINE, then VERTEX … SEQEND.
                            var points = new List<SKPoint>();
                            var closed = (GetInt(group, 70) & 1) == 1;
                            var j = end;
                            while (j < pairs.Count && pairs[j] is { Code: 0, Value: "VERTEX" })
                            {
                                var vEnd = j + 1;
                                while (vEnd < pairs.Count && pairs[vEnd].Code != 0) vEnd++;
                                var v = pairs.GetRange(j + 1, vEnd - j - 1);
                                points.Add(new SKPoint(GetFloat(v, 10), GetFloat(v, 20)));
                                j = vEnd;
                            }
                            target.Add(new Polyline(points, closed, GetInt(group, 62)));
                            end = j;
                        }
                        else if (value == "INSERT" && section == "ENTITIES" && Get(group, 2) is { } name && blocks.TryGetValue(name, out var parts))
                        {
                            var at = new SKPoint(GetFloat(group, 10), GetFloat(group, 20));
                            var sx = GetFloat(group, 41, 1);
                            var sy = GetFloat(group, 42, 1);
                            var m = SKMatrix.CreateScale(sx, sy).PostConcat(SKMatrix.CreateRotationDegrees(GetFloat(group, 50))).PostConcat(SKMatrix.CreateTranslation(at.X, at.Y));
                            foreach (var part in parts) target.Add(Transform(part, m));
                        }
                        else if (ToEntity(value, group) is { } entity) target.Add(entity);
                        else { dxf.Skipped++; dxf.SkippedKinds.Add(value); }
                        if (dxf.Entities.Count > maxEntities)
                            throw new ConversionException(DrawingConverter.TooManyEntities, maxEntities);
                    }
                    break;
            }
            if (section == "HEADER" && value == "SECTION") dxf.Version = HeaderVersion(pairs, i) ?? "";
            i = end;
        }
        foreach (var t in dxf.Entities.OfType<Text>()) dxf.Texts.Add(t.Value);
        return dxf;
    }

    private static string? HeaderVersion(List<(int Code, string Value)> pairs, int from)
    {
        for (var i = from; i + 1 < pairs.Count && pairs[i] is not { Code: 0, Value: "ENDSEC" }; i++)
            if (pairs[i] is { Code: 9, Value: "$ACADVER" }) return pairs[i + 1].Value;
        return null;
    }

    private static Entity? ToEntity(string kind, List<(int Code, string Value)> g)
    {
        var color = GetInt(g, 62);
        switch (kind)
        {
            case "LINE": return new Line(new(GetFloat(g, 10), GetFloat(g, 20)), new(GetFloat(g, 11), GetFloat(g, 21)), color);
            case "CIRCLE": return new Circle(new(GetFloat(g, 10), GetFloat(g, 20)), GetFloat(g, 40), color);
            case "ARC": return new Arc(new(GetFloat(g, 10), GetFloat(g, 20)), GetFloat(g, 40), GetFloat(g, 50), GetFloat(g, 51), color);
            case "LWPOLYLINE":
            {
                var xs = g.Where(p => p.Code == 10).Select(p => Float(p.Value)).ToList();
                var ys = g.Where(p => p.Code == 20).Select(p => Float(p.Value)).ToList();
                var points = xs.Zip(ys, (x, y) => new SKPoint(x, y)).ToList();
                return new Polyline(points, (GetInt(g, 70) & 1) == 1, color);
            }
            case "TEXT":
                return new Text(new(GetFloat(g, 10), GetFloat(g, 20)), GetFloat(g, 40, 1), GetFloat(g, 50), Get(g, 1) ?? "", color);
            case "MTEXT":
            {
                // The text is split over 3-groups and a final 1-group; \P is a paragraph break, other codes are formatting.
                var raw = string.Concat(g.Where(p => p.Code == 3).Select(p => p.Value)) + (Get(g, 1) ?? "");
                var plain = System.Text.RegularExpressions.Regex.Replace(raw.Replace("\\P", "\n"), @"\\[A-Za-z][^;\\]*;|[{}]", "");
                return new Text(new(GetFloat(g, 10), GetFloat(g, 20)), GetFloat(g, 40, 1), GetFloat(g, 50), plain, color);
            }
            default: return null;
        }
    }

    /// <summary>An entity of a block placed by an INSERT: moved, scaled and turned (radii by the scale, angles by the turn).</summary>
    private static Entity Transform(Entity e, SKMatrix m)
    {
        var scaleX = MathF.Sqrt(m.ScaleX * m.ScaleX + m.SkewY * m.SkewY);
        var scaleY = MathF.Sqrt(m.SkewX * m.SkewX + m.ScaleY * m.ScaleY);
        var turn = MathF.Atan2(m.SkewY, m.ScaleX) * 180 / MathF.PI;
        return e switch
        {
            Line l => l with { A = m.MapPoint(l.A), B = m.MapPoint(l.B) },
            Polyline p => p with { Points = p.Points.Select(m.MapPoint).ToList() },
            Circle c => c with { Center = m.MapPoint(c.Center), Radius = c.Radius * scaleX },
            Arc a => a with { Center = m.MapPoint(a.Center), Radius = a.Radius * scaleX, Start = a.Start + turn, End = a.End + turn },
            Text t => t with { At = m.MapPoint(t.At), Height = t.Height * scaleY, Rotation = t.Rotation + turn },
            _ => e,
        };
    }

    /// <summary>Draws the entities fitted into <paramref name="longest"/> pixels, Y up as in CAD, black on white (the caller disposes it).</summary>
    public SKBitmap Render(int longest)
    {
        var bounds = Bounds();
        const float margin = 0.04f;
        var w = Math.Max(bounds.Width, 1e-6f);
        var h = Math.Max(bounds.Height, 1e-6f);
        var scale = longest * (1 - 2 * margin) / Math.Max(w, h);
        var width = Math.Max(200, (int)(w * scale / (1 - 2 * margin)));
        var height = Math.Max(200, (int)(h * scale / (1 - 2 * margin)));
        var bitmap = new SKBitmap(width, height);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.White);
            canvas.Translate(width / 2f, height / 2f);
            canvas.Scale(scale, -scale);
            canvas.Translate(-bounds.MidX, -bounds.MidY);
            using var pen = new SKPaint { IsAntialias = true, Style = SKPaintStyle.Stroke, StrokeWidth = 1.5f / scale };
            using var ink = new SKPaint { IsAntialias = true, Style = SKPaintStyle.Fill };
            foreach (var e in Entities)
            {
                pen.Color = ink.Color = Aci(e.Color);
                switch (e)
                {
                    case Line l: canvas.DrawLine(l.A, l.B, pen); break;
                    case Circle c: canvas.DrawCircle(c.Center, c.Radius, pen); break;
                    case Arc a:
                    {
                        var sweep = a.End - a.Start;
                        if (sweep <= 0) sweep += 360;
                        using var path = new SKPath();
                        path.AddArc(new SKRect(a.Center.X - a.Radius, a.Center.Y - a.Radius, a.Center.X + a.Radius, a.Center.Y + a.Radius), a.Start, sweep);
                        canvas.DrawPath(path, pen);
                        break;
                    }
                    case Polyline p when p.Points.Count > 1:
                    {
                        using var path = new SKPath();
                        path.AddPoly(p.Points.ToArray(), p.Closed);
                        canvas.DrawPath(path, pen);
                        break;
                    }
                    case Text t when t.Value.Length > 0 && t.Height > 0:
                    {
                        using var font = new SKFont(Cjk, t.Height);
                        canvas.Save();
                        canvas.Translate(t.At.X, t.At.Y);
                        canvas.Scale(1, -1); // text stands upright in a Y-up drawing
                        canvas.RotateDegrees(-t.Rotation);
                        var y = 0f;
                        foreach (var line in t.Value.Split('\n'))
                        {
                            canvas.DrawText(line, 0, y, SKTextAlign.Left, font, ink);
                            y += t.Height * 1.4f;
                        }
                        canvas.Restore();
                        break;
                    }
                }
            }
        }
        return bitmap;
    }

    private SKRect Bounds()
    {
        float minX = float.MaxValue, minY = float.MaxValue, maxX = float.MinValue, maxY = float.MinValue;
        void Add(SKPoint p, float r = 0)
        {
            if (!float.IsFinite(p.X) || !float.IsFinite(p.Y)) return;
            minX = Math.Min(minX, p.X - r); minY = Math.Min(minY, p.Y - r);
            maxX = Math.Max(maxX, p.X + r); maxY = Math.Max(maxY, p.Y + r);
        }
        foreach (var e in Entities)
        {
            switch (e)
            {
                case Line l: Add(l.A); Add(l.B); break;
                case Circle c: Add(c.Center, c.Radius); break;
                case Arc a: Add(a.Center, a.Radius); break;
                case Polyline p: p.Points.ForEach(x => Add(x)); break;
                case Text t:
                {
                    var lines = t.Value.Split('\n');
                    Add(t.At);
                    Add(new SKPoint(t.At.X + t.Height * lines.Max(l => l.Length), t.At.Y + t.Height));
                    Add(new SKPoint(t.At.X, t.At.Y - t.Height * 1.4f * (lines.Length - 1) - t.Height * 0.3f));
                    break;
                }
            }
        }
        return minX > maxX ? new SKRect(0, 0, 1, 1) : new SKRect(minX, minY, maxX, maxY);
    }

    /// <summary>AutoCAD colour index: the first seven named colours; white (7) and the rest draw black on paper.</summary>
    private static SKColor Aci(int index) => index switch
    {
        1 => SKColors.Red, 2 => new SKColor(0xC8, 0xA0, 0x00), 3 => SKColors.Green, 4 => SKColors.DarkCyan, 5 => SKColors.Blue, 6 => SKColors.Magenta,
        _ => SKColors.Black,
    };

    private static string? Get(List<(int Code, string Value)> g, int code) => g.FirstOrDefault(p => p.Code == code).Value;
    private static int GetInt(List<(int Code, string Value)> g, int code) =>
        int.TryParse(Get(g, code)?.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : 0;
    private static float GetFloat(List<(int Code, string Value)> g, int code, float fallback = 0) =>
        Get(g, code) is { } s ? Float(s, fallback) : fallback;
    private static float Float(string s, float fallback = 0) =>
        float.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && float.IsFinite(v) ? v : fallback;
}
