using System.Diagnostics;
using System.Globalization;
using System.Text;
using Wenku.Demo;
using Wenku.Documents;
using Wenku.Duplicates;

namespace Wenku.Tests.Duplicates;

/// <summary>
/// The evaluation set of near-duplicate detection, built from the cnews articles: originals go into an index;
/// transformed copies of them must find their original (recall) and unrelated articles — most of them of the same
/// category, so sharing its vocabulary — must find nothing, nor may a copy find another article (precision).
/// Shared by the test (small) and the benchmark (large).
/// </summary>
public static class DuplicateEvaluation
{
    public sealed record Article(string Category, string Text);

    public sealed record Row(string Transformation, int Copies, int Found, int FalseMatches)
    {
        public double Recall => Copies == 0 ? 1 : (double)Found / Copies;
        public double Precision => Found + FalseMatches == 0 ? 1 : (double)Found / (Found + FalseMatches);
    }

    public sealed record Result(IReadOnlyList<Row> Rows, Row Overall, int UnrelatedQueries, int UnrelatedFalseMatches)
    {
        public string Table()
        {
            var sb = new StringBuilder();
            sb.AppendLine(CultureInfo.InvariantCulture, $"{"transformation",-22} {"copies",7} {"found",6} {"false",6} {"recall",7} {"precision",9}");
            foreach (var r in Rows.Append(Overall))
                sb.AppendLine(CultureInfo.InvariantCulture, $"{r.Transformation,-22} {r.Copies,7} {r.Found,6} {r.FalseMatches,6} {r.Recall,7:0.000} {r.Precision,9:0.000}");
            sb.AppendLine(CultureInfo.InvariantCulture, $"unrelated articles: {UnrelatedQueries} queries, {UnrelatedFalseMatches} false matches (counted in overall precision)");
            return sb.ToString();
        }
    }

    public static List<Article> LoadArticles(string tsv, int minLength) =>
        File.ReadLines(tsv)
            .Select(l => l.Split('\t', 2))
            .Where(p => p.Length == 2 && p[1].Length >= minLength)
            .Select(p => new Article(p[0], p[1]))
            .ToList();

    /// <summary>Synonyms of common words, as a spinner would use them (written for this test, not the essay's list).</summary>
    public static readonly (string From, string To)[] Synonyms =
    [
        ("发展", "进展"), ("问题", "难题"), ("表示", "指出"), ("认为", "觉得"), ("目前", "当前"), ("已经", "早已"),
        ("进行", "开展"), ("没有", "未有"), ("可以", "能够"), ("因为", "由于"), ("但是", "可是"), ("非常", "十分"),
        ("重要", "关键"), ("提高", "提升"), ("增加", "增长"), ("公司", "企业"), ("市场", "商场"), ("通过", "经由"),
        ("成为", "变成"), ("影响", "波及"), ("开始", "着手"), ("需要", "须要"), ("工作", "作业"), ("比赛", "竞赛"),
        ("球队", "队伍"), ("记者", "采访者"), ("今年", "本年"), ("去年", "上年"), ("希望", "期望"), ("其中", "当中"),
        ("包括", "涵盖"), ("主要", "首要"), ("同时", "并且"), ("相关", "有关"), ("情况", "状况"), ("以及", "及其"),
        ("方面", "层面"), ("一些", "部分"), ("很多", "许多"), ("这个", "此个"), ("我们", "咱们"), ("他们", "彼等"),
        ("如果", "假如"), ("所以", "因此"), ("还是", "仍是"), ("时间", "时刻"), ("最后", "最终"), ("之后", "以后"),
        ("价格", "价钱"), ("投资", "注资"), ("选择", "挑选"), ("学生", "学员"), ("学校", "院校"), ("游戏", "嬉戏"),
        ("玩家", "用户"), ("电影", "影片"), ("导演", "编导"), ("房价", "楼价"), ("项目", "工程"), ("设计", "规划"),
        ("产品", "制品"), ("技术", "技能"), ("考试", "测验"), ("政府", "当局"), ("国家", "国度"), ("经济", "经济体"),
        ("不", "别"), ("很", "挺"), ("也", "亦"), ("都", "皆"), ("说", "讲"), ("看", "瞧"), ("在", "于"), ("和", "与"),
    ];

    private const string CommonChars = "的一是了我不人在他有这个上们来到时大地为子中你说生国年着就那和要她出也得里后自以会家可下而过天去能对小多然于心学么之都好看起发当没成只如事把还用第样道想作种开美总从无情己面最女但现前些所同日手又行意动方期它头经长儿回位分爱老因很给名法间斯知世什两次使身者被高已亲其进此话常与活正感";

    /// <summary>
    /// Replaces words until about <paramref name="rate"/> of the characters are changed: listed synonyms first,
    /// then, when the list runs out, random one- or two-character words by other characters (a spinner's larger
    /// dictionary, which we cannot know).
    /// </summary>
    public static string Spin(string text, double rate, Random random)
    {
        var target = (int)(text.Length * rate);
        var changed = 0;
        var s = text;
        foreach (var (from, to) in Synonyms.OrderBy(_ => random.Next()))
        {
            if (changed >= target) break;
            var count = CountOf(s, from);
            if (count == 0) continue;
            s = s.Replace(from, to, StringComparison.Ordinal);
            changed += count * from.Length;
        }
        var result = new StringBuilder(s);
        var guard = 0;
        while (changed < target && guard++ < text.Length * 4)
        {
            var at = random.Next(result.Length);
            if (!TextNormalizer.IsCjk(result[at])) continue;
            var length = random.Next(2) + 1;
            for (var k = 0; k < length && at + k < result.Length; k++)
            {
                result[at + k] = CommonChars[random.Next(CommonChars.Length)];
                changed++;
            }
        }
        return result.ToString();
    }

    private static int CountOf(string s, string what)
    {
        var n = 0;
        for (var i = s.IndexOf(what, StringComparison.Ordinal); i >= 0; i = s.IndexOf(what, i + what.Length, StringComparison.Ordinal)) n++;
        return n;
    }

    public static List<string> Sentences(string text)
    {
        var list = new List<string>();
        var start = 0;
        for (var i = 0; i < text.Length; i++)
            if (text[i] is '。' or '！' or '？' or '；' or '\n')
            {
                list.Add(text[start..(i + 1)]);
                start = i + 1;
            }
        if (start < text.Length) list.Add(text[start..]);
        return list;
    }

    public static string Shuffle(string text, Random random) =>
        string.Concat(Sentences(text).OrderBy(_ => random.Next()));

    /// <summary>Inserts spaces, digits, Latin letters, punctuation and invisible characters at every few characters.</summary>
    public static string Noise(string text, Random random)
    {
        const string noise = " 0123456789,.;:!?·-_~*#@|、，。；：“”（）【】 \u200B\u3000ａｂｃ１２３xyz";
        var sb = new StringBuilder(text.Length * 2);
        foreach (var c in text)
        {
            sb.Append(c);
            if (random.NextDouble() < 0.15) sb.Append(noise[random.Next(noise.Length)]);
        }
        return sb.ToString();
    }

    /// <summary>A contiguous part of 50–70% of the text.</summary>
    public static string Excerpt(string text, Random random)
    {
        var length = (int)(text.Length * (0.5 + random.NextDouble() * 0.2));
        var start = random.Next(text.Length - length + 1);
        return text.Substring(start, length);
    }

    /// <summary>Written to a PDF (wrapped lines, page numbers) and read back with <c>pdftotext</c>, as the pipeline does.</summary>
    public static string ThroughPdf(string text, string workDir)
    {
        var path = Path.Combine(workDir, $"{Guid.NewGuid():N}.pdf");
        DemoPdfWriter.Write(path, "转载文档", Sentences(text).Chunk(8).Select(c => string.Concat(c)));
        using var process = Process.Start(new ProcessStartInfo("pdftotext", ["-enc", "UTF-8", path, "-"])
        {
            RedirectStandardOutput = true, UseShellExecute = false, StandardOutputEncoding = Encoding.UTF8,
        })!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        File.Delete(path);
        return string.Join("\n", output.Split('\f').Select(p => TextNormalizer.CleanPageText(p)));
    }

    /// <summary>
    /// Written to DOCX files (DocumentFormat.OpenXml, one paragraph per few sentences), converted to PDF by LibreOffice
    /// as the Office converter does (all in one <c>soffice</c> run, with its own profile) and read back with
    /// <c>pdftotext</c>: the doc→PDF re-upload. Returns the texts in the order given.
    /// </summary>
    public static List<string> ThroughDocx(IReadOnlyList<string> texts, string workDir)
    {
        var dir = Path.Combine(workDir, "docx-" + Guid.NewGuid().ToString("N")[..8]);
        var outDir = Path.Combine(dir, "out");
        Directory.CreateDirectory(outDir);
        var files = new List<string>();
        for (var i = 0; i < texts.Count; i++)
        {
            var path = Path.Combine(dir, $"copy{i}.docx");
            using (var doc = DocumentFormat.OpenXml.Packaging.WordprocessingDocument.Create(path, DocumentFormat.OpenXml.WordprocessingDocumentType.Document))
            {
                var main = doc.AddMainDocumentPart();
                var body = new DocumentFormat.OpenXml.Wordprocessing.Body();
                foreach (var paragraph in Sentences(texts[i]).Chunk(4).Select(c => string.Concat(c)))
                    body.Append(new DocumentFormat.OpenXml.Wordprocessing.Paragraph(new DocumentFormat.OpenXml.Wordprocessing.Run(
                        new DocumentFormat.OpenXml.Wordprocessing.Text(paragraph) { Space = DocumentFormat.OpenXml.SpaceProcessingModeValues.Preserve })));
                main.Document = new DocumentFormat.OpenXml.Wordprocessing.Document(body);
            }
            files.Add(path);
        }
        var profile = new Uri(Path.Combine(dir, "profile")).AbsoluteUri;
        using (var soffice = Process.Start(new ProcessStartInfo("soffice",
            ["--headless", "--norestore", $"-env:UserInstallation={profile}", "--convert-to", "pdf", "--outdir", outDir, .. files])
            { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false })!)
        {
            soffice.StandardOutput.ReadToEnd();
            if (!soffice.WaitForExit(TimeSpan.FromMinutes(5))) { soffice.Kill(true); throw new TimeoutException("soffice did not finish"); }
        }
        var result = new List<string>(texts.Count);
        foreach (var file in files)
        {
            var pdf = Path.Combine(outDir, Path.GetFileNameWithoutExtension(file) + ".pdf");
            using var process = Process.Start(new ProcessStartInfo("pdftotext", ["-enc", "UTF-8", pdf, "-"])
            {
                RedirectStandardOutput = true, UseShellExecute = false, StandardOutputEncoding = Encoding.UTF8,
            })!;
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            result.Add(string.Join("\n", output.Split('\f').Select(p => TextNormalizer.CleanPageText(p))));
        }
        try { Directory.Delete(dir, true); } catch (IOException) { }
        return result;
    }

    /// <summary>
    /// Articles of the corpus that are themselves copies of another one (cnews holds republished press releases, e.g.
    /// several 佳能7D price reports at 0.94–0.99) are left out of the set: they would be true near duplicates counted
    /// as false. Related but different articles (0.2–0.45: one topic, one template) stay, as the hard negatives.
    /// </summary>
    public static List<Article> WithoutCopies(IReadOnlyList<Article> articles, double level = 0.5)
    {
        var sets = articles.Select(a => Fingerprint.Shingles(DuplicateText.Normalize(a.Text))).ToList();
        var kept = new List<int>();
        for (var i = 0; i < articles.Count; i++)
            if (kept.All(k => Fingerprint.Score(sets[i], sets[k]) < level)) kept.Add(i);
        return kept.Select(i => articles[i]).ToList();
    }

    /// <summary>
    /// Indexes <paramref name="originals"/> one by one (each also checked against those before it: any match is
    /// false), then checks every copy and every unrelated article against the index; one result per threshold.
    /// </summary>
    public static List<(double Threshold, Result Result)> Run(
        IReadOnlyList<Article> originals, IReadOnlyList<(string Transformation, int Original, string Text)> copies,
        IReadOnlyList<Article> unrelated, IReadOnlyList<double> thresholds)
    {
        var lowest = thresholds.Min();
        var index = new FingerprintIndex();
        var shingles = new HashSet<ulong>[originals.Count];
        var negatives = new List<List<(long Id, double Score)>>();
        for (var i = 0; i < originals.Count; i++)
        {
            shingles[i] = Fingerprint.Shingles(DuplicateText.Normalize(originals[i].Text));
            var fp = Fingerprint.OfShingles(shingles[i]);
            negatives.Add(Matches(index, shingles, fp, shingles[i], lowest));
            index.Add(i, fp);
        }
        foreach (var article in unrelated)
        {
            var set = Fingerprint.Shingles(DuplicateText.Normalize(article.Text));
            negatives.Add(Matches(index, shingles, Fingerprint.OfShingles(set), set, lowest));
        }
        var positives = copies.Select(c =>
        {
            var set = Fingerprint.Shingles(DuplicateText.Normalize(c.Text));
            return (c.Transformation, c.Original, Matches: Matches(index, shingles, Fingerprint.OfShingles(set), set, lowest));
        }).ToList();

        return thresholds.Select(t =>
        {
            var rows = positives.GroupBy(p => p.Transformation).Select(g => new Row(g.Key, g.Count(),
                g.Count(p => p.Matches.Any(m => m.Id == p.Original && m.Score >= t)),
                g.Sum(p => p.Matches.Count(m => m.Id != p.Original && m.Score >= t)))).ToList();
            var unrelatedFalse = negatives.Sum(n => n.Count(m => m.Score >= t));
            var overall = new Row("overall", rows.Sum(r => r.Copies), rows.Sum(r => r.Found), rows.Sum(r => r.FalseMatches) + unrelatedFalse);
            return (t, new Result(rows, overall, negatives.Count, unrelatedFalse));
        }).ToList();
    }

    /// <summary>What the site does: LSH candidates, then the verified score on the actual shingle sets.</summary>
    private static List<(long Id, double Score)> Matches(FingerprintIndex index, HashSet<ulong>[] shingles, Fingerprint fp, HashSet<ulong> set, double threshold) =>
        NearDuplicates.IsComparable(fp)
            ? index.Candidates(fp, NearDuplicates.CandidateFloor(threshold))
                .Select(c => (c.DocumentId, Fingerprint.Score(set, shingles[c.DocumentId])))
                .Where(c => c.Item2 >= threshold).ToList()
            : [];
}
