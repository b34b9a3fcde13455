using System.Diagnostics;
using System.Globalization;
using System.Text;
using Wenku.Moderation;
using Wenku.Tests.Duplicates;
using Wenku.Tests.Infrastructure;
using Wenku.Text;

namespace Wenku.Bench;

/// <summary>
/// The sensitive-word matcher (<see cref="WordMatcher"/>, one Aho–Corasick pass over the folded text) on 1 MB of Chinese
/// news text against 50,000 words, beside a naive loop of ordinal <c>IndexOf</c> per word over the same folded text, in
/// one process. The words are real 2–6 character runs of other articles of the same corpus, so many of them occur.
/// </summary>
public static class WordsBenchmark
{
    public sealed record Result(int Words, double TextMb, double BuildMs, double MatcherMbPerSecond, double NaiveMbPerSecond, int MatcherHits, int NaiveHits);

    public static Result Run(int wordCount = 50_000, int textBytes = 1_000_000)
    {
        var tsv = TestPaths.Shared("corpus", "cnews", "cnews.val.tsv") ?? throw new FileNotFoundException("../shared/corpus/cnews/cnews.val.tsv is missing beside the repository.");
        var articles = DuplicateEvaluation.LoadArticles(tsv, minLength: 200);

        // 1 MB (UTF-8) of text from the first articles; the words from the others.
        var text = new StringBuilder();
        var used = 0;
        while (used < articles.Count && Encoding.UTF8.GetByteCount(text.ToString()) < textBytes) text.Append(articles[used++].Text).Append('\n');
        var body = text.ToString();
        var mb = Encoding.UTF8.GetByteCount(body) / 1_000_000.0;

        var random = new Random(42);
        var words = new HashSet<string>(StringComparer.Ordinal);
        while (words.Count < wordCount)
        {
            var source = articles[used + random.Next(articles.Count - used)].Text;
            var length = random.Next(2, 7);
            var start = random.Next(source.Length - length);
            var word = source.Substring(start, length);
            if (word.All(TextFolding.IsCjk)) words.Add(word);
        }
        var list = words.ToList();

        var build = Stopwatch.StartNew();
        var matcher = new WordMatcher(list.Select(w => (w, WordAction.Review)));
        build.Stop();

        // The matcher: best of 5 (it folds as it goes).
        var matcherHits = 0;
        var best = double.MaxValue;
        for (var run = 0; run < 5; run++)
        {
            var sw = Stopwatch.StartNew();
            matcherHits = matcher.Matches(body).Count;
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
        }

        // The naive loop: fold the text once, then every word's occurrences with IndexOf. Once: it is slow.
        var naive = Stopwatch.StartNew();
        var folded = TextFolding.Fold(body);
        var naiveHits = 0;
        foreach (var w in list)
        {
            var key = WordMatcher.Key(w);
            for (var i = folded.IndexOf(key, StringComparison.Ordinal); i >= 0; i = folded.IndexOf(key, i + 1, StringComparison.Ordinal)) naiveHits++;
        }
        naive.Stop();

        var result = new Result(list.Count, mb, build.Elapsed.TotalMilliseconds, mb / best, mb / naive.Elapsed.TotalSeconds, matcherHits, naiveHits);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{result.Words:N0} words, {result.TextMb:0.00} MB of text; matcher built in {result.BuildMs:0} ms"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"matcher: {result.MatcherMbPerSecond:0.0} MB/s ({result.MatcherHits:N0} matches, separators skipped); naive IndexOf loop: {result.NaiveMbPerSecond:0.000} MB/s ({result.NaiveHits:N0} matches); ratio {result.MatcherMbPerSecond / result.NaiveMbPerSecond:0}×"));
        return result;
    }
}
