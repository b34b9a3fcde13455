using Xunit;
using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using SkiaSharp;
using Wenku.Documents;
using Wenku.Tests.Infrastructure;

namespace Wenku.Tests.Conversion;

/// <summary>CAD drawings: DXF drawn by our renderer, DWG shown by its embedded preview, with the drawing's facts.</summary>
[Trait(WenkuFactory.Suite, WenkuFactory.OnBothStacks)]
public sealed class DrawingTests(WenkuFactory site) : IClassFixture<WenkuFactory>
{
    [Fact]
    public async Task Dxf_entities_are_drawn_and_its_texts_become_the_page_text()
    {
        var doc = await UploadAndWaitAsync(Encoding.UTF8.GetBytes(Dxf($"图纸标题 {Guid.NewGuid():N}")), "plan.dxf");
        doc.Status.ShouldBe(DocumentStatus.Ready, doc.Error);
        doc.Format.ShouldBe("dxf");
        doc.PageCount.ShouldBe(1);
        doc.Drawing!.Version.ShouldBe("AC1015");
        doc.Drawing.Entities.ShouldNotBeNull().ShouldBeGreaterThan(0);
        var drawing = (await site.CreateClient().GetFromJsonAsync<JsonElement>($"/api/v1/documents/{doc.Id}")).GetProperty("drawing");
        drawing.GetProperty("format").GetString().ShouldBe("dxf");
        drawing.GetProperty("version").GetString().ShouldBe("AC1015");
        drawing.GetProperty("details").GetString().ShouldBe(TestLocalizer.Chinese(doc.Drawing.Describe));
        drawing.GetProperty("entities").GetInt32().ShouldBe(doc.Drawing.Entities!.Value);

        var html = await site.CreateClient().GetStringAsync($"/d/{doc.Id}");
        html.ShouldContain("图纸标题");      // TEXT
        html.ShouldContain("第二段说明");    // MTEXT after \P
        html.ShouldContain("class=\"zoom\""); // opens at full size

        using var image = SKBitmap.Decode(await site.CreateClient().GetByteArrayAsync($"/d/{doc.Id}/page/1.jpg"));
        image.Width.ShouldBeGreaterThan(1400); // drawn larger than a page, to zoom into
        var dark = 0;
        for (var y = 0; y < image.Height; y += 4)
            for (var x = 0; x < image.Width; x += 4)
                if (image.GetPixel(x, y).Red < 100) dark++;
        dark.ShouldBeGreaterThan(200); // lines and circles, not an empty page
    }

    [Fact]
    public async Task Dwg_shows_its_embedded_png_or_bmp_preview_with_its_version()
    {
        var png = TestImages.Encode(SKEncodedImageFormat.Png, 180, 120, SKColors.DarkRed);
        var doc = await UploadAndWaitAsync(Dwg("AC1018", code: 6, png), "house.dwg");
        doc.Status.ShouldBe(DocumentStatus.Ready, doc.Error);
        doc.Format.ShouldBe("dwg");
        doc.PageCount.ShouldBe(1);
        doc.Drawing!.Version.ShouldBe("AutoCAD 2004 (AC1018)");
        (doc.Drawing.PreviewWidth, doc.Drawing.PreviewHeight).ShouldBe((180, 120));
        TestLocalizer.English(doc.Drawing.Describe).ShouldContain("embedded preview 180×120");
        var drawing = (await site.CreateClient().GetFromJsonAsync<JsonElement>($"/api/v1/documents/{doc.Id}")).GetProperty("drawing");
        drawing.GetProperty("format").GetString().ShouldBe("dwg");
        drawing.GetProperty("version").GetString().ShouldBe("AutoCAD 2004 (AC1018)");
        drawing.GetProperty("details").GetString()!.ShouldContain("代码页");

        var dib = TestImages.Bmp(90, 60)[14..]; // DWG keeps the bitmap without its file header
        var bmpDoc = await UploadAndWaitAsync(Dwg("AC1015", code: 2, dib), "bmp.dwg");
        bmpDoc.Status.ShouldBe(DocumentStatus.Ready, bmpDoc.Error);
        (bmpDoc.Drawing!.PreviewWidth, bmpDoc.Drawing.PreviewHeight).ShouldBe((90, 60));
    }

    [Fact]
    public async Task Dwg_without_a_preview_says_so_and_a_truncated_one_fails()
    {
        var doc = await UploadAndWaitAsync(Dwg("AC1021", code: 0, []), "none.dwg");
        doc.Status.ShouldBe(DocumentStatus.Ready, doc.Error);
        doc.Drawing!.PreviewWidth.ShouldBeNull();
        TestLocalizer.English(doc.Drawing.Describe).ShouldContain("no embedded preview");

        var truncated = await UploadAndWaitAsync("AC1015\0\0\0"u8.ToArray(), "cut.dwg");
        truncated.Status.ShouldBe(DocumentStatus.Failed);
        truncated.ErrorCode.ShouldBe("drawing.dwg-truncated");
    }

    [Fact]
    public async Task Malformed_dxf_fails_with_a_reason()
    {
        var doc = await UploadAndWaitAsync("  0\nSECTION\n  2\nENTITIES\nnot a group code\nLINE\n"u8.ToArray(), "bad.dxf");
        doc.Status.ShouldBe(DocumentStatus.Failed);
        doc.Error!.ShouldContain("格式错误");
    }

    /// <summary>A DXF with every entity kind we draw, a block inserted twice, Chinese TEXT and MTEXT.</summary>
    private static string Dxf(string title)
    {
        var sb = new StringBuilder();
        void G(int code, object value) => sb.Append(CultureInfo.InvariantCulture, $"{code}\n{Convert.ToString(value, CultureInfo.InvariantCulture)}\n");
        G(0, "SECTION"); G(2, "HEADER"); G(9, "$ACADVER"); G(1, "AC1015"); G(0, "ENDSEC");
        G(0, "SECTION"); G(2, "BLOCKS");
        G(0, "BLOCK"); G(2, "DOOR"); G(10, 0); G(20, 0);
        G(0, "LINE"); G(10, 0); G(20, 0); G(11, 10); G(21, 0);
        G(0, "ARC"); G(10, 0); G(20, 0); G(40, 10); G(50, 0); G(51, 90);
        G(0, "ENDBLK");
        G(0, "ENDSEC");
        G(0, "SECTION"); G(2, "ENTITIES");
        G(0, "LWPOLYLINE"); G(90, 4); G(70, 1); G(10, 0); G(20, 0); G(10, 200); G(20, 0); G(10, 200); G(20, 120); G(10, 0); G(20, 120);
        G(0, "LINE"); G(8, "0"); G(10, 0); G(20, 60); G(11, 200); G(21, 60); G(62, 1);
        G(0, "CIRCLE"); G(10, 100); G(20, 60); G(40, 30);
        G(0, "POLYLINE"); G(66, 1); G(70, 0);
        G(0, "VERTEX"); G(10, 20); G(20, 20);
        G(0, "VERTEX"); G(10, 60); G(20, 40);
        G(0, "VERTEX"); G(10, 20); G(20, 100);
        G(0, "SEQEND");
        G(0, "INSERT"); G(2, "DOOR"); G(10, 150); G(20, 10);
        G(0, "INSERT"); G(2, "DOOR"); G(10, 150); G(20, 100); G(50, 90);
        G(0, "TEXT"); G(10, 10); G(20, 130); G(40, 8); G(1, title);
        G(0, "MTEXT"); G(10, 10); G(20, -10); G(40, 5); G(1, "{\\fSimSun|b0;第一段}\\P第二段说明");
        G(0, "ENDSEC"); G(0, "EOF");
        return sb.ToString();
    }

    /// <summary>A DWG header with its image seeker at 0x0D pointing at the preview block (code 2 BMP, 6 PNG, 0 none).</summary>
    private static byte[] Dwg(string version, byte code, byte[] image)
    {
        var salt = Encoding.ASCII.GetBytes(Guid.NewGuid().ToString("N"));
        using var ms = new MemoryStream();
        var header = new byte[0x80];
        Encoding.ASCII.GetBytes(version).CopyTo(header, 0);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(0x13), 30); // code page
        if (code != 0) BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(0x0D), 0x80);
        salt.CopyTo(header, 0x40);
        ms.Write(header);
        if (code != 0)
        {
            ms.Write([0x1F, 0x25, 0x6D, 0x07, 0xD4, 0x36, 0x28, 0x28, 0x9D, 0x57, 0xCA, 0x3F, 0x9D, 0x44, 0x10, 0x2B]);
            var entry = new byte[4 + 1 + 9];
            BinaryPrimitives.WriteInt32LittleEndian(entry, 1 + 9 + image.Length);
            entry[4] = 1;
            entry[5] = code;
            BinaryPrimitives.WriteInt32LittleEndian(entry.AsSpan(6), 0x80 + 16 + entry.Length);
            BinaryPrimitives.WriteInt32LittleEndian(entry.AsSpan(10), image.Length);
            ms.Write(entry);
            ms.Write(image);
        }
        ms.Write(new byte[256]);
        return ms.ToArray();
    }

    private HttpClient? _api;

    private async Task<Document> UploadAndWaitAsync(byte[] file, string name)
    {
        _api ??= (await site.ApiClientAsync($"drawings-{Guid.NewGuid():N}@test.local")).Client;
        return await site.UploadAndWaitAsync(_api, TestPdfs.Upload(file, name, title: name), TimeSpan.FromMinutes(3));
    }
}
