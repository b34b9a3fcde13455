using System.Reflection;
using Wenku.Tests.Infrastructure;

namespace Wenku.Tests.Conversion;

/// <summary>A corpus test turned off by <c>WENKU_SKIP_CORPUS=1</c> says so (skipped), instead of passing green.</summary>
public sealed class CorpusSkipTests
{
    [Fact]
    public void Corpus_test_is_reported_skipped_when_WENKU_SKIP_CORPUS_is_1_and_runs_otherwise()
    {
        var method = typeof(PdfCorpusTests).GetMethod(nameof(PdfCorpusTests.Every_corpus_pdf_ends_ready_or_failed_with_a_reason_while_the_site_stays_ready))!;
        method.GetCustomAttribute<FactAttribute>().ShouldBeOfType<CorpusFactAttribute>();

        CorpusFactAttribute.SkipReason("1").ShouldNotBeNull().ShouldContain("WENKU_SKIP_CORPUS=1");
        CorpusFactAttribute.SkipReason(null).ShouldBeNull();
        CorpusFactAttribute.SkipReason("0").ShouldBeNull();
    }
}
