using Xunit;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Wenku.Documents;
using Wenku.Tests.Infrastructure;

namespace Wenku.Tests.Conversion;

/// <summary>A real-world PDF whose second page cannot be rendered (a loop in its page tree).</summary>
[Trait(WenkuFactory.Suite, WenkuFactory.OnBothStacks)]
public sealed class BrokenPageTests(WenkuFactory site) : IClassFixture<WenkuFactory>
{
    [Fact]
    public async Task A_page_that_cannot_be_rendered_gets_a_placeholder_and_the_document_is_still_published()
    {
        var file = TestPaths.Shared("corpus", "pdfjs", "Pages-tree-refs.pdf")
            ?? throw new InvalidOperationException("../shared/corpus/pdfjs/Pages-tree-refs.pdf is missing");
        var (api, _) = await site.ApiClientAsync("broken-page@test.local");
        var response = await api.PostAsync("/api/v1/documents", TestPdfs.Upload(await File.ReadAllBytesAsync(file), previewPages: 2));
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();

        var doc = await site.WaitForDocumentAsync(id);
        doc.Status.ShouldBe(DocumentStatus.Ready, doc.Error);
        doc.PageCount.ShouldBe(2);
        var anonymous = site.CreateClient();
        foreach (var n in new[] { 1, 2 })
        {
            var page = await anonymous.GetAsync($"/api/v1/documents/{id}/pages/{n}");
            page.StatusCode.ShouldBe(HttpStatusCode.OK);
            (await page.Content.ReadAsByteArrayAsync())[..3].ShouldBe(new byte[] { 0xFF, 0xD8, 0xFF });
        }
    }
}
