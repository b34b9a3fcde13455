using Xunit;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using SkiaSharp;
using Wenku.Conversion;
using Wenku.Documents;
using Wenku.Tests.Infrastructure;

namespace Wenku.Tests.Conversion;

/// <summary>
/// Every format through the real pipeline: upload, a real worker process, LibreOffice / SkiaSharp / tiff2pdf / poppler,
/// and the document as its uploader sees it — status, page count and text.
/// </summary>
[Trait(WenkuFactory.Suite, WenkuFactory.OnBothStacks)]
public sealed class FormatTests(WenkuFactory site) : IClassFixture<WenkuFactory>
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    static FormatTests() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    [Fact]
    public async Task Word_document_becomes_one_page_per_page_with_its_text()
    {
        var (doc, text) = await ConvertAsync(TestOffice.Docx(3), "三页.docx");
        doc.Format.ShouldBe("docx");
        doc.PageCount.ShouldBe(3);
        text.Pages[1].Text.ShouldContain("第2页");
        text.Pages[2].Text.ShouldContain("Page 3");
    }

    [Fact]
    public async Task Excel_workbook_and_PowerPoint_presentation_are_converted()
    {
        var (xlsx, xlsxText) = await ConvertAsync(TestOffice.Xlsx("季度报表 Quarterly"), "表.xlsx");
        xlsx.PageCount.ShouldBe(1);
        xlsxText.Pages[0].Text.ShouldContain("季度报表");

        var (pptx, pptxText) = await ConvertAsync(TestOffice.Pptx(2), "演示.pptx");
        pptx.PageCount.ShouldBe(2);
        pptxText.Pages[1].Text.ShouldContain("第2页");
    }

    [Theory]
    [InlineData("docx", "doc", "旧.doc", "doc")]
    [InlineData("docx", "doc", "金山.wps", "wps")]
    [InlineData("docx", "odt", "开放.odt", "odt")]
    [InlineData("docx", "rtf", "富文本.rtf", "rtf")]
    [InlineData("xlsx", "xls", "旧表.xls", "xls")]
    [InlineData("xlsx", "xls", "金山表.et", "et")]
    [InlineData("xlsx", "ods", "开放表.ods", "ods")]
    [InlineData("pptx", "ppt", "旧演示.ppt", "ppt")]
    [InlineData("pptx", "ppt", "金山演示.dps", "dps")]
    [InlineData("pptx", "odp", "开放演示.odp", "odp")]
    public async Task Old_binary_wps_and_opendocument_formats_are_converted(string source, string target, string name, string format)
    {
        var salt = Guid.NewGuid().ToString("N"); // the same source twice would be an exact duplicate
        var original = source switch
        {
            "docx" => TestOffice.Docx(2, k => $"{TestOffice.PageText(k)} {salt}"),
            "xlsx" => TestOffice.Xlsx($"{TestOffice.PageText(1)} {salt}"),
            _ => TestOffice.Pptx(2, k => $"{TestOffice.PageText(k)} {salt}"),
        };
        var file = TestOffice.ConvertWithLibreOffice(original, "source." + source, target);
        var (doc, text) = await ConvertAsync(file, name);
        doc.Format.ShouldBe(format);
        doc.PageCount.ShouldBe(source == "xlsx" ? 1 : 2);
        text.Pages[0].Text.ShouldContain("第1页");
    }

    [Theory]
    [InlineData("utf-8", "简体.txt")]
    [InlineData("gbk", "简体-gbk.txt")]
    [InlineData("gb18030", "简体-gb18030.txt")]
    public async Task Simplified_chinese_text_comes_out_right_in_every_encoding(string encoding, string name)
    {
        const string body = "创新是引领发展的第一动力，文库收录各类文档。\n第二行：中文标点“引号”与 English words.";
        var (doc, text) = await ConvertAsync(Encoding.GetEncoding(encoding).GetBytes($"{body}\n{encoding}"), name);
        doc.Format.ShouldBe("txt");
        doc.PageCount.ShouldBe(1);
        text.Pages[0].Text.ShouldContain("创新是引领发展的第一动力");
        text.Pages[0].Text.ShouldContain("中文标点");
    }

    [Fact]
    public async Task Big5_text_comes_out_as_traditional_chinese()
    {
        const string body = "臺灣的繁體中文檔案，應該正確顯示。\n這是第二行，測試編碼偵測。";
        var (_, text) = await ConvertAsync(Encoding.GetEncoding("big5").GetBytes(body), "繁體.txt");
        text.Pages[0].Text.ShouldContain("臺灣的繁體中文檔案");
        text.Pages[0].Text.ShouldContain("測試編碼偵測");
    }

    [Fact]
    public async Task Long_markdown_runs_to_several_pages()
    {
        var body = "# 标题 Title\n\n" + string.Join("\n", Enumerable.Range(1, 120).Select(i => $"- 第{i}行 line {i}"));
        var (doc, text) = await ConvertAsync(Encoding.UTF8.GetBytes(body), "readme.md");
        doc.Format.ShouldBe("md");
        doc.PageCount.ShouldBeGreaterThan(1);
        text.Pages[0].Text.ShouldContain("标题");
        string.Join("", text.Pages.Select(p => p.Text)).ShouldContain("第120行");
    }

    [Fact]
    public async Task Markdown_is_rendered_and_its_images_and_links_are_never_fetched()
    {
        using var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        var requests = 0;
        _ = Task.Run(async () =>
        {
            while (true)
            {
                try { using var c = await probe.AcceptTcpClientAsync(); Interlocked.Increment(ref requests); }
                catch (Exception) { return; } // stopped
            }
        });
        var salt = Guid.NewGuid().ToString("N");
        var body = $"""
            # 季度报告 Quarterly report

            ## 一、概述

            本季度**销售额**增长，详见下表。{salt}

            - 第一项：华东
            - 第二项：华南
              1. 嵌套的第一步

            | 地区 Region | 销售额 Sales |
            |---|---|
            | 北京 | 1200 |
            | 上海 | 3400 |

            ![探针图片](http://127.0.0.1:{port}/probe.png)
            ![y](file:///etc/passwd)
            [链接文字](http://127.0.0.1:{port}/link) 与 <http://127.0.0.1:{port}/auto> 与 [本地](file:///etc/hostname)
            <img src="http://127.0.0.1:{port}/raw.png"> <iframe src="file:///etc/passwd"></iframe>

            [ref]: http://127.0.0.1:{port}/ref
            ![引用图片][ref]
            """;
        var (doc, text) = await ConvertAsync(Encoding.UTF8.GetBytes(body), "report.md");
        doc.Format.ShouldBe("md");
        var all = string.Join("\n", text.Pages.Select(p => p.Text));
        all.ShouldContain("季度报告");
        all.ShouldContain("Quarterly report");
        all.ShouldContain("销售额增长"); // rendered: no ** left
        all.ShouldNotContain("**");
        all.ShouldNotContain("| 北京");   // a table, not its source
        all.ShouldContain("北京");
        all.ShouldContain("3400");
        all.ShouldContain("嵌套的第一步");
        all.ShouldContain("探针图片");      // an image is its alt text
        all.ShouldContain("链接文字");
        all.ShouldNotContain("root:x:0:0");
        all.ShouldNotContain("/bin/bash");
        await Task.Delay(500);
        requests.ShouldBe(0);
        probe.Stop();

        var hits = await site.CreateClient().GetFromJsonAsync<JsonElement>("/api/v1/search?q=" + salt);
        hits.GetProperty("total").GetInt32().ShouldBe(1);
    }

    [Fact]
    public void Markdown_html_names_no_resource_and_keeps_raw_html_as_text()
    {
        var html = MarkdownConverter.ToHtml("![a](http://x/a.png) [b](file:///etc/passwd) <img src=x onerror=alert(1)> <http://x/y>\n\n| a | b |\n|---|---|\n| 1 | 2 |");
        html.ShouldNotContain("src=\"");
        html.ShouldNotContain("href=");
        html.ShouldContain("&lt;img src=x onerror=alert(1)&gt;");
        html.ShouldContain("<table border=\"1\"");
        html.ShouldContain("[图片：a]");
    }

    [Theory]
    [InlineData(">", true)]
    [InlineData("[", true)]
    [InlineData("- ", true)]
    [InlineData("*", false)]
    public void Deeply_nested_markdown_fails_with_a_reason_instead_of_overflowing(string unit, bool tooDeep)
    {
        var markdown = string.Concat(Enumerable.Repeat(unit, 50_000)) + "x";
        if (tooDeep) Should.Throw<ConversionException>(() => MarkdownConverter.ToHtml(markdown)).Message.ShouldContain("嵌套层次过深");
        else MarkdownConverter.ToHtml(markdown).ShouldContain("</html>");
    }

    [Theory]
    [InlineData("png", 1)]
    [InlineData("jpg", 1)]
    [InlineData("webp", 1)]
    [InlineData("bmp", 1)]
    [InlineData("gif", 3)]
    [InlineData("tiff", 2)]
    public async Task Image_becomes_one_page_per_image_or_frame(string format, int pages)
    {
        var file = format switch
        {
            "png" => TestImages.Encode(SKEncodedImageFormat.Png),
            "jpg" => TestImages.Encode(SKEncodedImageFormat.Jpeg),
            "webp" => TestImages.Encode(SKEncodedImageFormat.Webp),
            "bmp" => TestImages.Bmp(),
            "gif" => TestImages.Gif(3),
            _ => TestImages.Tiff(2),
        };
        var (doc, _) = await ConvertAsync(file, "picture." + format);
        doc.Format.ShouldBe(format);
        doc.PageCount.ShouldBe(pages);
        var image = await (await Api()).GetAsync($"/api/v1/documents/{doc.Id}/pages/{pages}");
        image.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Pixel_bomb_png_fails_with_the_pixel_limit_as_reason_before_decoding()
    {
        var doc = await UploadAndWaitAsync(TestImages.PixelBombPng(), "bomb.png");
        doc.Status.ShouldBe(DocumentStatus.Failed);
        doc.Error!.ShouldContain("百万像素");

        var tiff = await UploadAndWaitAsync(TestImages.Tiff(1, claimedWidth: 5_000_000), "bomb.tiff");
        tiff.Status.ShouldBe(DocumentStatus.Failed);
        tiff.Error!.ShouldContain("百万像素");
    }

    [Fact]
    public async Task Truncated_image_fails_with_a_reason()
    {
        var png = TestImages.Encode(SKEncodedImageFormat.Png, 800, 600);
        var doc = await UploadAndWaitAsync(png[..(png.Length / 2)], "half.png");
        doc.Status.ShouldBe(DocumentStatus.Failed);
        doc.Error!.ShouldContain("截断");
    }

    [Fact]
    public async Task Damaged_office_document_fails_with_a_reason()
    {
        // A valid ZIP directory with Word's part names, but the document part is not XML.
        var file = Documents.FileSnifferTests.Zip(("[Content_Types].xml", "<Types/>"u8.ToArray()), ("word/document.xml", "not xml at all"u8.ToArray()));
        var doc = await UploadAndWaitAsync(file, "broken.docx");
        doc.Status.ShouldBe(DocumentStatus.Failed);
        doc.Error!.ShouldNotBeNullOrWhiteSpace();
    }

    [Theory]
    [InlineData("program.pdf")]
    [InlineData("program.docx")]
    public async Task Program_renamed_as_a_document_is_refused_with_a_reason(string name)
    {
        var exe = new byte[2048];
        "MZ"u8.CopyTo(exe);
        var response = await (await Api()).PostAsync("/api/v1/documents", TestPdfs.Upload(exe, name));
        response.StatusCode.ShouldBe(HttpStatusCode.UnsupportedMediaType);
        (await response.Content.ReadAsStringAsync()).ShouldContain("Windows program");
    }

    [Fact]
    public async Task Polyglot_and_text_posing_as_pdf_are_refused_with_a_reason()
    {
        var api = await Api();
        var polyglot = TestPdfs.MultiPage(1).Concat(Documents.FileSnifferTests.Zip(("x.exe", "MZ"u8.ToArray()))).ToArray();
        var response = await api.PostAsync("/api/v1/documents", TestPdfs.Upload(polyglot, "a.pdf"));
        response.StatusCode.ShouldBe(HttpStatusCode.UnsupportedMediaType);
        (await response.Content.ReadAsStringAsync()).ShouldContain("polyglot");

        response = await api.PostAsync("/api/v1/documents", TestPdfs.Upload("just text"u8.ToArray(), "a.pdf"));
        response.StatusCode.ShouldBe(HttpStatusCode.UnsupportedMediaType);
        (await response.Content.ReadAsStringAsync()).ShouldContain("text file named .pdf");
    }

    [Fact]
    public async Task Upload_form_offers_the_convertible_formats()
    {
        var (browser, _) = await site.SignedInBrowserAsync("formats-form@test.local");
        var page = await browser.GetStringAsync("/upload");
        page.ShouldContain(".docx");
        page.ShouldContain(".wps");
        page.ShouldContain(".tiff");
        page.ShouldContain(".md");
    }

    private HttpClient? _api;

    private async Task<HttpClient> Api() => _api ??= (await site.ApiClientAsync($"formats-{Guid.NewGuid():N}@test.local")).Client;

    private async Task<Document> UploadAndWaitAsync(byte[] file, string name) =>
        await site.UploadAndWaitAsync(await Api(), TestPdfs.Upload(file, name, title: name), TimeSpan.FromMinutes(3));

    private async Task<(Document Doc, DocumentText Text)> ConvertAsync(byte[] file, string name)
    {
        var doc = await UploadAndWaitAsync(file, name);
        doc.Status.ShouldBe(DocumentStatus.Ready, doc.Error);
        var text = await (await Api()).GetFromJsonAsync<DocumentText>($"/api/v1/documents/{doc.Id}/text", Json);
        text!.Pages.Count.ShouldBe(doc.PageCount);
        return (doc, text);
    }
}
