using Wenku.Duplicates;
using Wenku.Tests.Infrastructure;

namespace Wenku.Tests.Duplicates;

public sealed class FingerprintTests
{
    /// <summary>
    /// The spinner's substitutions in the essay, undone (spun → original wording), read off the text: 咨询题 is 问题,
    /// 别 is 不 (来之别易, 别能, 是别是), 降实 is 落实, 进展 is 发展, 制造 is 创造, and the rest of its dictionary.
    /// </summary>
    private static readonly (string Spun, string Original)[] Unspin =
    [
        ("咨询题", "问题"), ("来之别易", "来之不易"), ("别能", "不能"), ("是别是", "是不是"), ("别同", "不同"), ("别断", "不断"),
        ("来别及", "来不及"), ("别是孤立", "不是孤立"), ("降实", "落实"), ("进展", "发展"), ("制造", "创造"), ("几点考虑", "几点思考"),
        ("理性考虑", "理性思考"), ("思考到", "考虑到"), ("确信", "肯定"), ("同意程度", "接受程度"), ("探究", "探索"), ("积存", "积累"),
        ("从全然上说", "从整体上说"), ("广阔", "广大"), ("中意", "满意"), ("体如今", "体现在"), ("的并且", "的同时"), ("倾歪", "倾斜"),
        ("妨碍", "影响"), ("仔细降实", "认真落实"), ("仔细", "认真"), ("发觉", "发现"), ("从过来", "从过去"), ("时刻短", "时间短"),
        ("珍贵", "宝贵"), ("经过", "通过"), ("依照", "根据"), ("延展", "延伸"), ("能够说", "可以说"), ("艰难", "艰苦"),
        ("这些基本上", "这些都是"),
    ];

    public static string RestoredEssay(string spun) =>
        Unspin.Aggregate(spun, (text, pair) => text.Replace(pair.Spun, pair.Original, StringComparison.Ordinal));

    [Fact]
    public void Spun_essay_and_its_original_wording_are_near_duplicates()
    {
        var path = TestPaths.Shared("corpus", "seed", "chuangxian-zhengyou-spun.txt")
            ?? throw new InvalidOperationException("The test needs ../shared/corpus/seed.");
        var spun = File.ReadAllText(path);
        var original = RestoredEssay(spun);
        original.ShouldContain("问题");
        original.ShouldNotContain("咨询题");

        var a = Fingerprint.Shingles(DuplicateText.Normalize(spun));
        var b = Fingerprint.Shingles(DuplicateText.Normalize(original));
        Fingerprint.Score(a, b).ShouldBeGreaterThanOrEqualTo(NearDuplicates.DefaultThreshold);

        var index = new FingerprintIndex();
        index.Add(1, Fingerprint.OfShingles(b));
        index.Candidates(Fingerprint.OfShingles(a), NearDuplicates.CandidateFloor(NearDuplicates.DefaultThreshold))
            .Select(c => c.DocumentId).ShouldBe([1L]);
    }

    [Fact]
    public void Normalized_text_drops_what_uploaders_pad_and_folds_what_converters_change()
    {
        DuplicateText.Normalize("創新 是１２ 引領,發展\u200B的「第一」動力。").ShouldBe("创新是引领发展的第一动力");
        DuplicateText.Normalize("Ｈｅｌｌｏ,  World 2026!").ShouldBe("hello world");
    }

    [Fact]
    public void Signature_round_trips_through_bytes_within_a_kilobyte()
    {
        var fp = Fingerprint.Of(string.Concat(Enumerable.Repeat("创新是引领发展的第一动力，也是建设现代化经济体系的战略支撑。", 5)));
        var bytes = fp.ToBytes();
        bytes.Length.ShouldBeLessThanOrEqualTo(1024);
        Fingerprint.FromBytes(bytes, fp.ShingleCount).Signature.ShouldBe(fp.Signature);
    }

    [Fact]
    public void Demo_library_has_no_near_duplicates_so_a_fresh_install_holds_nothing_for_review()
    {
        // cnews holds the same camera review republished under several headlines; the demo keeps one of them, so a
        // fresh install holds no document for review. No pair of demo documents comes near.
        var docs = Wenku.Demo.DemoSeeder.DemoDocuments().ToList();
        var sets = docs.Select(d => Fingerprint.Shingles(DuplicateText.Normalize(string.Join("\n", d.Paragraphs)))).ToList();
        var pairs = new List<string>();
        for (var i = 0; i < sets.Count; i++)
            for (var j = 0; j < i; j++)
                if (Fingerprint.Score(sets[i], sets[j]) >= NearDuplicates.DefaultThreshold) pairs.Add($"{docs[j].Title} / {docs[i].Title}");
        pairs.ShouldBeEmpty();
    }

    [Fact]
    public void Excerpt_scores_as_contained()
    {
        var text = string.Concat(Enumerable.Range(1, 60).Select(i => $"第{i}条：甲方应当在约定期限内向乙方交付第{i}批货物并附合格证明。"));
        var a = Fingerprint.Shingles(DuplicateText.Normalize(text));
        var b = Fingerprint.Shingles(DuplicateText.Normalize(text[..(text.Length / 2)]));
        Fingerprint.Score(a, b).ShouldBe(1.0);
    }

    [Fact]
    public void Index_finds_documents_after_its_tails_are_merged_replaces_a_re_added_one_and_forgets_a_removed_one()
    {
        var random = new Random(7);
        var index = new FingerprintIndex();
        Fingerprint Random()
        {
            var signature = new ushort[Fingerprint.Size];
            for (var i = 0; i < signature.Length; i++) signature[i] = (ushort)random.Next(65536);
            return new Fingerprint(signature, 500);
        }
        var kept = new Dictionary<long, Fingerprint>();
        for (long id = 1; id <= 10_000; id++) // past the tail limit: bands are merged on the way
        {
            var fp = Random();
            index.Add(id, fp);
            if (id % 1000 == 0) kept[id] = fp;
        }
        foreach (var (id, fp) in kept)
            index.Candidates(fp, 0.9).ShouldContain(c => c.DocumentId == id && c.Estimate == 1.0);

        var replacement = Random();
        index.Add(1000, replacement);
        index.Candidates(kept[1000], 0.5).ShouldNotContain(c => c.DocumentId == 1000);
        index.Candidates(replacement, 0.9).Select(c => c.DocumentId).ShouldBe([1000L]);

        index.Remove(2000);
        index.Candidates(kept[2000], 0.1).ShouldBeEmpty();
        index.Candidates(kept[3000], 0.9, exclude: 3000).ShouldBeEmpty();
        index.Count.ShouldBe(9_999);
    }

    [Fact]
    public void Ideographs_outside_the_basic_plane_are_kept()
    {
        DuplicateText.Normalize("𠀀𠀁，𠀂").ShouldBe("𠀀𠀁𠀂");
        DuplicateText.Tokens("𠀀𠀁").Count.ShouldBe(4); // UTF-16 units, as every unit is one token
    }
}
