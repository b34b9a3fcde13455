using Wenku.Tests.Infrastructure;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Wenku.Duplicates;
using Wenku.Tests.Duplicates;

namespace Wenku.Bench;

/// <summary>
/// Near-duplicate detection beside exact hashing, in one process (no site): fingerprint time per 10k characters vs
/// SHA-256 of the same text; lookup latency and memory per document in an index of a million synthetic fingerprints
/// vs a dictionary of a million SHA-256 hashes; and the evaluation of <see cref="DuplicateEvaluation"/> on the whole
/// cnews set (the test runs a smaller one).
/// </summary>
public static class DuplicateBenchmark
{
    public sealed record Result(
        double FingerprintUsPer10k, double Sha256UsPer10k, double LookupP50Ms, double LookupP99Ms, double ExactP50Ms, double ExactP99Ms,
        double BytesPerDocument, double ExactBytesPerDocument, int IndexSize, double MeanCandidates, double Recall, double Precision);

    public static Result Run(int indexSize)
    {
        var tsv = TestPaths.Shared("corpus", "cnews", "cnews.val.tsv") ?? throw new FileNotFoundException("../shared/corpus/cnews/cnews.val.tsv is missing beside the repository.");
        var articles = DuplicateEvaluation.LoadArticles(tsv, minLength: 400);
        var random = new Random(42);

        // 1. Fingerprint time per 10,000 characters, beside SHA-256 of the same text.
        var all = string.Concat(articles.Select(a => a.Text));
        var texts = Enumerable.Range(0, 40).Select(i => all.Substring(i * 10_000 % (all.Length - 10_000), 10_000)).ToList();
        var ours = new List<double>();
        var sha = new List<double>();
        for (var round = 0; round < 5; round++)
            foreach (var text in texts)
            {
                ours.Add(Time(() => Fingerprint.Of(text)) * 1000);
                sha.Add(Time(() => SHA256.HashData(Encoding.UTF8.GetBytes(text))) * 1000);
            }
        var fingerprintUs = Percentile(ours, 0.5);
        var shaUs = Percentile(sha, 0.5);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"fingerprint of 10,000 characters: median {fingerprintUs:0} µs (SHA-256 of the same text: {shaUs:0} µs)"));

        // 2. How much unrelated real articles agree per MinHash position, any two and two of one category. The
        // synthetic fingerprints copy the higher figure, as if the whole library were one category (pessimistic).
        var real = articles.Select(a => Fingerprint.Of(a.Text)).ToList();
        double agreeAny = 0, agreeSame = 0;
        int nAny = 0, nSame = 0;
        for (var k = 0; k < 200_000 && (nAny < 20_000 || nSame < 20_000); k++)
        {
            var (i, j) = (random.Next(real.Count), random.Next(real.Count));
            if (i == j) continue;
            var agree = real[i].EstimateResemblance(real[j]);
            if (agree >= 0.2) continue; // a republication, not background
            if (articles[i].Category == articles[j].Category) { agreeSame += agree; nSame++; }
            else { agreeAny += agree; nAny++; }
        }
        (agreeAny, agreeSame) = (agreeAny / nAny, agreeSame / nSame);
        var pool = Math.Max(2, (int)Math.Round(1 / agreeSame));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"unrelated cnews articles agree on {agreeAny:P2} of MinHash positions ({agreeSame:P2} within a category); synthetic fingerprints draw each position from {pool} values, so any two agree on {1.0 / pool:P2}"));

        // 3. The index: a million synthetic fingerprints plus the real articles.
        var pools = Enumerable.Range(0, Fingerprint.Size).Select(_ => Enumerable.Range(0, pool).Select(_ => (ushort)random.Next(65536)).ToArray()).ToArray();
        GC.Collect(2, GCCollectionMode.Forced, true, true);
        var before = GC.GetTotalMemory(true);
        var index = new FingerprintIndex();
        var signature = new ushort[Fingerprint.Size];
        var build = Stopwatch.StartNew();
        for (var d = 0; d < indexSize; d++)
        {
            for (var i = 0; i < Fingerprint.Size; i++) signature[i] = pools[i][random.Next(pool)];
            index.Add(1_000_000_000L + d, new Fingerprint(signature, 300 + random.Next(3000)));
        }
        for (var d = 0; d < real.Count; d++) index.Add(d, real[d]);
        index.Compact();
        build.Stop();
        var bytesPerDoc = (double)(GC.GetTotalMemory(true) - before) / index.Count;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"index of {index.Count:N0} fingerprints built in {build.Elapsed.TotalSeconds:0.0} s, {bytesPerDoc:0} bytes per document"));

        var exactBefore = GC.GetTotalMemory(true);
        var exact = new Dictionary<string, long>(indexSize);
        var hashBytes = new byte[32];
        var someHashes = new List<string>();
        for (var d = 0; d < indexSize; d++)
        {
            random.NextBytes(hashBytes);
            var hex = Convert.ToHexStringLower(hashBytes);
            exact[hex] = d;
            if (d % 1000 == 0) someHashes.Add(hex);
        }
        var exactBytesPerDoc = (double)(GC.GetTotalMemory(true) - exactBefore) / exact.Count;

        // 4. Lookups: transformed copies of real articles (candidates and their signature estimates), and exact hashes.
        var lookups = new List<double>();
        var exactLookups = new List<double>();
        long candidates = 0;
        var found = 0;
        var queries = 0;
        foreach (var (article, d) in articles.Select((a, d) => (a, d)).Where(x => x.d % 2 == 0))
        {
            var copy = (d % 4) switch
            {
                0 => DuplicateEvaluation.Spin(article.Text, 0.2, random),
                _ => DuplicateEvaluation.Excerpt(DuplicateEvaluation.Shuffle(article.Text, random), random),
            };
            var fp = Fingerprint.Of(copy);
            List<(long DocumentId, double Estimate)> result = [];
            lookups.Add(Time(() => result = index.Candidates(fp, NearDuplicates.CandidateFloor(NearDuplicates.DefaultThreshold))));
            candidates += result.Count;
            queries++;
            if (result.Any(r => r.DocumentId == d)) found++;
            var probe = someHashes[d % someHashes.Count];
            exactLookups.Add(Time(() => exact.TryGetValue(probe, out _)));
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{queries} lookups of transformed copies: {found} found their original among {index.Count:N0} candidates' estimates; {(double)candidates / queries:0.0} candidates above the floor per lookup"));
        GC.KeepAlive(index);
        GC.KeepAlive(exact);

        // 5. The evaluation on the whole set.
        var evaluation = Evaluate(articles, random);
        Console.WriteLine($"\nEvaluation on the whole cnews set (threshold {NearDuplicates.DefaultThreshold}):");
        Console.WriteLine(evaluation.Table());

        return new Result(fingerprintUs, shaUs, Percentile(lookups, 0.5), Percentile(lookups, 0.99), Percentile(exactLookups, 0.5), Percentile(exactLookups, 0.99),
            bytesPerDoc, exactBytesPerDoc, index.Count, (double)candidates / queries, evaluation.Overall.Recall, evaluation.Overall.Precision);
    }

    private static DuplicateEvaluation.Result Evaluate(List<DuplicateEvaluation.Article> articles, Random random)
    {
        var byCategory = articles.GroupBy(a => a.Category).Select(g => DuplicateEvaluation.WithoutCopies(g.ToList())).ToList();
        var originals = byCategory.SelectMany(g => g.Take(g.Count / 2)).ToList();
        var unrelated = byCategory.SelectMany(g => g.Skip(g.Count / 2)).ToList();
        var work = Path.Combine(Path.GetTempPath(), $"wenku-dup-bench-{Guid.NewGuid():N}");
        Directory.CreateDirectory(work);
        try
        {
            var copies = new List<(string, int, string)>();
            for (var i = 0; i < originals.Count; i++)
            {
                var text = originals[i].Text;
                copies.Add(("synonyms 10%", i, DuplicateEvaluation.Spin(text, 0.10, random)));
                copies.Add(("synonyms 20%", i, DuplicateEvaluation.Spin(text, 0.20, random)));
                copies.Add(("synonyms 30%", i, DuplicateEvaluation.Spin(text, 0.30, random)));
                copies.Add(("shuffled sentences", i, DuplicateEvaluation.Shuffle(text, random)));
                copies.Add(("noise characters", i, DuplicateEvaluation.Noise(text, random)));
                copies.Add(("excerpt 50-70%", i, DuplicateEvaluation.Excerpt(text, random)));
                copies.Add(("spun+shuffled+noise", i, DuplicateEvaluation.Noise(DuplicateEvaluation.Shuffle(DuplicateEvaluation.Spin(text, 0.15, random), random), random)));
                if (i % 4 == 0) copies.Add(("re-encoded as PDF", i, DuplicateEvaluation.ThroughPdf(text, work)));
            }
            var docx = Enumerable.Range(0, originals.Count).Where(i => i % 4 == 2).ToList();
            foreach (var (i, text) in docx.Zip(DuplicateEvaluation.ThroughDocx(docx.Select(i => originals[i].Text).ToList(), work)))
                copies.Add(("re-encoded as DOCX", i, text));
            return DuplicateEvaluation.Run(originals, copies, unrelated, [NearDuplicates.DefaultThreshold])[0].Result;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static double Time(Action action)
    {
        var start = Stopwatch.GetTimestamp();
        action();
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)(p * sorted.Count))];
    }
}
