using Wenku.Conversion;

namespace Wenku.Tests.Conversion;

/// <summary>How many pages one poppler process renders: fewer process starts for long documents, every core busy for short ones.</summary>
public sealed class PageBatchTests
{
    [Theory]
    [InlineData(1, 10)]     // a short document: one batch, as before
    [InlineData(7, 10)]
    [InlineData(20, 10)]    // two batches, one a core
    [InlineData(30, 15)]
    [InlineData(100, 25)]   // four batches instead of ten
    [InlineData(2000, 25)]  // never more than two and a half times the configured size
    public void A_batch_spreads_the_document_over_the_cores_within_bounds(int pages, int expected) =>
        PdfConverter.BatchSize(pages, minimum: 10, parallelism: 2).ShouldBe(expected);

    [Fact]
    public void A_small_configured_batch_stays_small()
    {
        PdfConverter.BatchSize(6, minimum: 2, parallelism: 2).ShouldBe(3);
        PdfConverter.BatchSize(100, minimum: 2, parallelism: 2).ShouldBe(5);
        PdfConverter.BatchSize(100, minimum: 1, parallelism: 1).ShouldBe(2);
    }
}
