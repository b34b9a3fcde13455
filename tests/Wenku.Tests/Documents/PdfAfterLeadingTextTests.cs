using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Wenku.Documents;
using Wenku.Tests.Infrastructure;

namespace Wenku.Tests.Documents;

/// <summary>
/// A PDF whose header follows a line of text (allowed within the first 1,024 bytes; every reader accepts it, as in
/// pdf.js's issue6069.pdf) is a PDF, not "a text file named .pdf": it uploads and converts.
/// </summary>
public sealed class PdfAfterLeadingTextTests(WenkuFactory site) : IClassFixture<WenkuFactory>
{
    [Fact]
    public void A_pdf_after_a_line_of_text_is_sniffed_as_pdf_and_programs_before_a_header_stay_polyglots()
    {
        FileSniffer.Sniff(new MemoryStream(WithTextBeforeHeader()), "issue6069.pdf").Format.ShouldBe("pdf");

        var script = Encoding.ASCII.GetBytes("#!/bin/sh\necho pwned\nexit 0\n").Concat(TextOnlyPdf("x")).ToArray();
        FileSniffer.Sniff(new MemoryStream(script), "a.pdf").What.ShouldContain("polyglot");
    }

    [Fact]
    public async Task A_pdf_after_a_line_of_text_uploads_and_converts_with_its_text()
    {
        var (api, _) = await site.ApiClientAsync("leadingtext@test.local");

        var doc = await site.UploadAndWaitAsync(api, TestPdfs.Upload(WithTextBeforeHeader(), fileName: "issue6069.pdf"));

        doc.Status.ShouldBe(DocumentStatus.Ready, doc.Error);
        doc.PageCount.ShouldBe(1);
        var text = await api.GetFromJsonAsync<JsonElement>($"/api/v1/documents/{doc.Id}/text");
        text.GetProperty("pages")[0].GetProperty("text").GetString()!.ShouldContain("Header after junk");
        (await api.GetByteArrayAsync($"/api/v1/documents/{doc.Id}/pages/1"))[..3].ShouldBe(new byte[] { 0xFF, 0xD8, 0xFF });
    }

    /// <summary>A line of text, then a PDF whose every byte is text too (uncompressed), so the head reads as a text file.</summary>
    private static byte[] WithTextBeforeHeader() =>
        [.. Encoding.ASCII.GetBytes("This file was saved by a mail gateway that added this line.\r\n"), .. TextOnlyPdf("Header after junk")];

    /// <summary>A one-page PDF with an uncompressed content stream and a correct cross-reference table.</summary>
    private static byte[] TextOnlyPdf(string line)
    {
        var content = $"BT /F1 24 Tf 72 720 Td ({line}) Tj ET";
        string[] objects =
        [
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            $"<< /Length {content.Length} >>\nstream\n{content}\nendstream",
        ];
        var pdf = new StringBuilder("%PDF-1.4\n");
        var offsets = new List<int>();
        for (var i = 0; i < objects.Length; i++)
        {
            offsets.Add(pdf.Length);
            pdf.Append(CultureInfo.InvariantCulture, $"{i + 1} 0 obj\n{objects[i]}\nendobj\n");
        }
        var xref = pdf.Length;
        pdf.Append(CultureInfo.InvariantCulture, $"xref\n0 {objects.Length + 1}\n0000000000 65535 f \n");
        foreach (var offset in offsets) pdf.Append(CultureInfo.InvariantCulture, $"{offset:D10} 00000 n \n");
        pdf.Append(CultureInfo.InvariantCulture, $"trailer\n<< /Size {objects.Length + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n");
        return Encoding.ASCII.GetBytes(pdf.ToString());
    }
}
