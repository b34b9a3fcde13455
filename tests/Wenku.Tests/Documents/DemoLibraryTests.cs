using Wenku.Demo;
using Wenku.Documents;
using Xunit;

namespace Wenku.Tests.Documents;

public sealed class DemoLibraryTests
{
    [Fact]
    public void Every_demo_document_downloads_under_its_whole_title()
    {
        var docs = DemoSeeder.DemoDocuments().ToList();
        docs.ShouldContain(d => d.Title.Contains('/'), "the demo has a title with a slash (the case this guards)");
        foreach (var doc in docs)
        {
            var stored = DocumentIngest.SafeFileName(DemoSeeder.FileNameFor(doc), "pdf");
            stored.ShouldBe(doc.Title.Replace('/', '\uFF0F') + ".pdf");
        }
    }
}
