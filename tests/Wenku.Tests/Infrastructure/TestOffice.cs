using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Presentation;
using DocumentFormat.OpenXml.Spreadsheet;
using DocumentFormat.OpenXml.Wordprocessing;
using D = DocumentFormat.OpenXml.Drawing;
using P = DocumentFormat.OpenXml.Presentation;
using W = DocumentFormat.OpenXml.Wordprocessing;
using X = DocumentFormat.OpenXml.Spreadsheet;

namespace Wenku.Tests.Infrastructure;

/// <summary>
/// Office files made for a test with DocumentFormat.OpenXml (docx, xlsx, pptx), and the old binary and OpenDocument
/// formats made from them by LibreOffice. Page k (or slide k) says <c>第k页</c> and <c>Page k</c>.
/// </summary>
public static class TestOffice
{
    public static string PageText(int k) => $"第{k}页 创新是引领发展的第一动力 Page {k}";

    /// <summary>A Word document of exactly <paramref name="pages"/> pages (explicit page breaks).</summary>
    public static byte[] Docx(int pages, Func<int, string>? text = null)
    {
        text ??= PageText;
        using var ms = new MemoryStream();
        using (var doc = WordprocessingDocument.Create(ms, WordprocessingDocumentType.Document))
        {
            var main = doc.AddMainDocumentPart();
            var body = new Body();
            for (var k = 1; k <= pages; k++)
            {
                var run = new W.Run(new W.Text(text(k)));
                if (k < pages) run.Append(new W.Break { Type = BreakValues.Page });
                body.Append(new Paragraph(run));
            }
            main.Document = new W.Document(body);
        }
        return ms.ToArray();
    }

    /// <summary>A workbook of one small sheet (one printed page).</summary>
    public static byte[] Xlsx(string cellText)
    {
        using var ms = new MemoryStream();
        using (var doc = SpreadsheetDocument.Create(ms, SpreadsheetDocumentType.Workbook))
        {
            var book = doc.AddWorkbookPart();
            book.Workbook = new Workbook();
            var sheetPart = book.AddNewPart<WorksheetPart>();
            var data = new SheetData(
                new Row(new X.Cell { CellReference = "A1", DataType = CellValues.InlineString, InlineString = new InlineString(new X.Text(cellText)) },
                    new X.Cell { CellReference = "B1", CellValue = new CellValue("42") }) { RowIndex = 1 });
            sheetPart.Worksheet = new Worksheet(data);
            book.Workbook.AppendChild(new Sheets(new Sheet { Id = book.GetIdOfPart(sheetPart), SheetId = 1, Name = "表1" }));
        }
        return ms.ToArray();
    }

    /// <summary>A presentation of <paramref name="slides"/> slides, each with one text box.</summary>
    public static byte[] Pptx(int slides, Func<int, string>? text = null)
    {
        text ??= PageText;
        using var ms = new MemoryStream();
        using (var doc = PresentationDocument.Create(ms, PresentationDocumentType.Presentation))
        {
            var presentation = doc.AddPresentationPart();
            presentation.Presentation = new Presentation();
            var master = presentation.AddNewPart<SlideMasterPart>("rIdMaster");
            var layout = master.AddNewPart<SlideLayoutPart>("rIdLayout");
            layout.SlideLayout = new SlideLayout(new CommonSlideData(EmptyShapeTree()), new ColorMapOverride(new D.MasterColorMapping()));
            master.SlideMaster = new SlideMaster(
                new CommonSlideData(EmptyShapeTree()),
                new P.ColorMap { Background1 = D.ColorSchemeIndexValues.Light1, Text1 = D.ColorSchemeIndexValues.Dark1, Background2 = D.ColorSchemeIndexValues.Light2, Text2 = D.ColorSchemeIndexValues.Dark2, Accent1 = D.ColorSchemeIndexValues.Accent1, Accent2 = D.ColorSchemeIndexValues.Accent2, Accent3 = D.ColorSchemeIndexValues.Accent3, Accent4 = D.ColorSchemeIndexValues.Accent4, Accent5 = D.ColorSchemeIndexValues.Accent5, Accent6 = D.ColorSchemeIndexValues.Accent6, Hyperlink = D.ColorSchemeIndexValues.Hyperlink, FollowedHyperlink = D.ColorSchemeIndexValues.FollowedHyperlink },
                new SlideLayoutIdList(new SlideLayoutId { Id = 2147483649U, RelationshipId = "rIdLayout" }));
            var theme = master.AddNewPart<ThemePart>("rIdTheme");
            theme.Theme = Theme();

            var ids = new SlideIdList();
            for (var k = 1; k <= slides; k++)
            {
                var slide = presentation.AddNewPart<SlidePart>($"rIdSlide{k}");
                var tree = EmptyShapeTree();
                tree.Append(new P.Shape(
                    new P.NonVisualShapeProperties(new P.NonVisualDrawingProperties { Id = 2, Name = "Text" }, new P.NonVisualShapeDrawingProperties(new D.ShapeLocks { NoGrouping = true }), new ApplicationNonVisualDrawingProperties()),
                    new P.ShapeProperties(new D.Transform2D(new D.Offset { X = 914400, Y = 914400 }, new D.Extents { Cx = 7315200, Cy = 1828800 })),
                    new P.TextBody(new D.BodyProperties(), new D.ListStyle(), new D.Paragraph(new D.Run(new D.RunProperties { Language = "zh-CN", FontSize = 2800 }, new D.Text(text(k)))))));
                slide.Slide = new Slide(new CommonSlideData(tree), new ColorMapOverride(new D.MasterColorMapping()));
                slide.AddPart(layout);
                ids.Append(new SlideId { Id = (uint)(255 + k), RelationshipId = $"rIdSlide{k}" });
            }
            presentation.Presentation.Append(
                new SlideMasterIdList(new SlideMasterId { Id = 2147483648U, RelationshipId = "rIdMaster" }),
                ids,
                new SlideSize { Cx = 9144000, Cy = 6858000 },
                new NotesSize { Cx = 6858000, Cy = 9144000 });
        }
        return ms.ToArray();
    }

    private static ShapeTree EmptyShapeTree() => new(
        new P.NonVisualGroupShapeProperties(new P.NonVisualDrawingProperties { Id = 1, Name = "" }, new P.NonVisualGroupShapeDrawingProperties(), new ApplicationNonVisualDrawingProperties()),
        new GroupShapeProperties(new D.TransformGroup()));

    private static D.Theme Theme()
    {
        static D.SolidFill Rgb(string hex) => new(new D.RgbColorModelHex { Val = hex });
        var colors = new D.ColorScheme(
            new D.Dark1Color(new D.RgbColorModelHex { Val = "000000" }), new D.Light1Color(new D.RgbColorModelHex { Val = "FFFFFF" }),
            new D.Dark2Color(new D.RgbColorModelHex { Val = "1F497D" }), new D.Light2Color(new D.RgbColorModelHex { Val = "EEECE1" }),
            new D.Accent1Color(new D.RgbColorModelHex { Val = "4F81BD" }), new D.Accent2Color(new D.RgbColorModelHex { Val = "C0504D" }),
            new D.Accent3Color(new D.RgbColorModelHex { Val = "9BBB59" }), new D.Accent4Color(new D.RgbColorModelHex { Val = "8064A2" }),
            new D.Accent5Color(new D.RgbColorModelHex { Val = "4BACC6" }), new D.Accent6Color(new D.RgbColorModelHex { Val = "F79646" }),
            new D.Hyperlink(new D.RgbColorModelHex { Val = "0000FF" }), new D.FollowedHyperlinkColor(new D.RgbColorModelHex { Val = "800080" }))
        { Name = "Office" };
        var fonts = new D.FontScheme(
            new D.MajorFont(new D.LatinFont { Typeface = "Calibri" }, new D.EastAsianFont { Typeface = "" }, new D.ComplexScriptFont { Typeface = "" }),
            new D.MinorFont(new D.LatinFont { Typeface = "Calibri" }, new D.EastAsianFont { Typeface = "" }, new D.ComplexScriptFont { Typeface = "" }))
        { Name = "Office" };
        var line = new D.Outline(Rgb("000000")) { Width = 9525 };
        var format = new D.FormatScheme(
            new D.FillStyleList(Rgb("FFFFFF"), Rgb("FFFFFF"), Rgb("FFFFFF")),
            new D.LineStyleList((D.Outline)line.CloneNode(true), (D.Outline)line.CloneNode(true), (D.Outline)line.CloneNode(true)),
            new D.EffectStyleList(new D.EffectStyle(new D.EffectList()), new D.EffectStyle(new D.EffectList()), new D.EffectStyle(new D.EffectList())),
            new D.BackgroundFillStyleList(Rgb("FFFFFF"), Rgb("FFFFFF"), Rgb("FFFFFF")))
        { Name = "Office" };
        return new D.Theme(new D.ThemeElements(colors, fonts, format)) { Name = "Office" };
    }

    /// <summary>
    /// Converts <paramref name="file"/> (named with its extension, e.g. <c>a.docx</c>) to <paramref name="format"/>
    /// (<c>doc</c>, <c>xls</c>, <c>ppt</c>, <c>odt</c> …) with LibreOffice, as the tests' way to old and ODF formats.
    /// </summary>
    public static byte[] ConvertWithLibreOffice(byte[] file, string fileName, string format)
    {
        var dir = TestPaths.NewTempDir("lo");
        try
        {
            var input = Path.Combine(dir, fileName);
            File.WriteAllBytes(input, file);
            var psi = new System.Diagnostics.ProcessStartInfo("soffice")
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            };
            foreach (var a in new[] { "--headless", "--norestore", $"-env:UserInstallation=file://{dir}/profile", "--convert-to", format, "--outdir", dir, input })
                psi.ArgumentList.Add(a);
            using var p = System.Diagnostics.Process.Start(psi)!;
            var stderr = p.StandardError.ReadToEndAsync();
            p.StandardOutput.ReadToEnd();
            if (!p.WaitForExit(120_000)) { p.Kill(true); throw new TimeoutException("soffice"); }
            var output = Path.Combine(dir, Path.GetFileNameWithoutExtension(fileName) + "." + format);
            if (!File.Exists(output)) throw new InvalidOperationException($"soffice made no {format}: {stderr.Result}");
            return File.ReadAllBytes(output);
        }
        finally
        {
            TestPaths.TryDelete(dir);
        }
    }
}
