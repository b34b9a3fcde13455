using Wenku.Duplicates;
using Wenku.Tests.Infrastructure;
using Xunit.Abstractions;
using static Wenku.Tests.Duplicates.DuplicateEvaluation;

namespace Wenku.Tests.Duplicates;

/// <summary>Recall and precision of near-duplicate detection on transformed cnews articles (targets 0.95 and 0.99).</summary>
public sealed class DuplicateEvaluationTests(ITestOutputHelper output)
{
    [Fact]
    public void Transformed_copies_are_found_and_unrelated_articles_of_the_same_category_are_not()
    {
        var tsv = TestPaths.Shared("corpus", "cnews", "cnews.val.tsv")
            ?? throw new InvalidOperationException("The evaluation needs ../shared/corpus/cnews/cnews.val.tsv.");
        var random = new Random(20261125);
        var articles = LoadArticles(tsv, minLength: 400).OrderBy(_ => random.Next()).ToList();
        // Per category: originals, and as many unrelated articles of that category that are not in the index.
        var byCategory = articles.GroupBy(a => a.Category).Select(g => WithoutCopies(g.Take(36).ToList())).ToList();
        var originals = byCategory.SelectMany(g => g.Take(15)).ToList();
        var unrelated = byCategory.SelectMany(g => g.Skip(15).Take(15)).ToList();

        var work = TestPaths.NewTempDir("dup-eval");
        try
        {
            var copies = new List<(string, int, string)>();
            for (var i = 0; i < originals.Count; i++)
            {
                var text = originals[i].Text;
                copies.Add(("synonyms 10%", i, Spin(text, 0.10, random)));
                copies.Add(("synonyms 20%", i, Spin(text, 0.20, random)));
                copies.Add(("synonyms 30%", i, Spin(text, 0.30, random)));
                copies.Add(("shuffled sentences", i, Shuffle(text, random)));
                copies.Add(("noise characters", i, Noise(text, random)));
                copies.Add(("excerpt 50-70%", i, Excerpt(text, random)));
                copies.Add(("spun+shuffled+noise", i, Noise(Shuffle(Spin(text, 0.15, random), random), random)));
                if (i % 5 == 0) copies.Add(("re-encoded as PDF", i, ThroughPdf(text, work)));
            }
            var docx = Enumerable.Range(0, originals.Count).Where(i => i % 5 == 2).ToList();
            foreach (var (i, text) in docx.Zip(ThroughDocx(docx.Select(i => originals[i].Text).ToList(), work)))
                copies.Add(("re-encoded as DOCX", i, text));
            var sweep = Run(originals, copies, unrelated, [0.25, 0.3, 0.4, 0.45, 0.5, NearDuplicates.DefaultThreshold]);
            var result = sweep[^1].Result;
            output.WriteLine($"threshold {NearDuplicates.DefaultThreshold}:");
            output.WriteLine(result.Table());
            foreach (var (t, r) in sweep.SkipLast(1))
                output.WriteLine($"threshold {t:0.00}: recall {r.Overall.Recall:0.000} precision {r.Overall.Precision:0.000} (30% synonyms: recall {r.Rows.Single(x => x.Transformation == "synonyms 30%").Recall:0.000})");
            result.Overall.Recall.ShouldBeGreaterThanOrEqualTo(0.95, result.Table());
            result.Overall.Precision.ShouldBeGreaterThanOrEqualTo(0.99, result.Table());
        }
        finally
        {
            TestPaths.TryDelete(work);
        }
    }
}
