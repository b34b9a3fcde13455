using System.Reflection;
using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Wenku.Accounts;
using Wenku.Data;
using Wenku.Documents;

namespace Wenku.Demo;

/// <summary>
/// On first start of an empty install, fills the library with demo documents (Chinese news from the cnews corpus,
/// English articles, and the spun essay of the reference page), generated as real PDFs and uploaded through the
/// normal pipeline, so that they are converted like any upload.
/// </summary>
public sealed class DemoSeeder(IServiceProvider services, IOptions<WenkuOptions> options, TimeProvider time, ILogger<DemoSeeder> log) : BackgroundService
{
    private static readonly Dictionary<string, string> CnewsCategories = new()
    {
        ["体育"] = "sports", ["财经"] = "finance", ["房产"] = "realestate", ["家居"] = "home", ["教育"] = "education",
        ["科技"] = "tech", ["时尚"] = "fashion", ["时政"] = "politics", ["游戏"] = "games", ["娱乐"] = "entertainment",
    };

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await SeedAsync(stoppingToken);
        }
        catch (OperationCanceledException) { }
        catch (Exception e)
        {
            log.LogError(e, "Demo data could not be added");
        }
    }

    public async Task<int> SeedAsync(CancellationToken ct)
    {
        await using (var scope = services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<WenkuDb>();
            var settings = await db.SiteSettings.SingleAsync(ct);
            if (settings.DemoSeededAt is not null || await db.Documents.AnyAsync(ct)) return 0;
            settings.DemoSeededAt = time.GetUtcNow().UtcDateTime;
            await db.SaveChangesAsync(ct);
        }

        var uploaders = new List<string>();
        await using (var scope = services.CreateAsyncScope())
        {
            var accounts = scope.ServiceProvider.GetRequiredService<AccountService>();
            foreach (var (email, name) in new[] { ("editor@demo.wenku", "文库小编"), ("study@demo.wenku", "学习资料君"), ("reader@demo.wenku", "Reader Club") })
            {
                // Demo uploaders cannot sign in: their password is random and never shown.
                var (user, errors) = await accounts.CreateOrUpdateAsync(email, Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)), Roles.User, name);
                if (user is null) throw new InvalidOperationException(string.Join("; ", errors));
                uploaders.Add(user.Id);
            }
        }

        var docs = DemoDocuments().ToList();
        var dir = Path.Combine(options.Value.TempDir, "demo");
        Directory.CreateDirectory(dir);
        var added = 0;
        foreach (var (doc, i) in docs.Select((d, i) => (d, i)))
        {
            var path = Path.Combine(dir, $"demo-{i}.pdf");
            DemoPdfWriter.Write(path, doc.Title, doc.Paragraphs);
            await using var scope = services.CreateAsyncScope();
            var ingest = scope.ServiceProvider.GetRequiredService<DocumentIngest>();
            await using (var stream = File.OpenRead(path))
            {
                var form = new UploadForm(doc.Title, doc.Description, doc.Category, doc.Tags, i % 4 == 3 ? 5 : 0, i % 5 == 4 ? 3 : null);
                var (created, refusal) = await ingest.IngestAsync(stream, FileNameFor(doc), form, uploaders[i % uploaders.Count], ct);
                if (created is not null) added++;
                else log.LogWarning("Demo document {Title} refused: {Reason}", doc.Title, refusal!.Message);
            }
            File.Delete(path);
        }
        log.LogInformation("Added {Count} demo documents", added);
        return added;
    }

    /// <summary>
    /// The file name a demo document is uploaded as: its title, with the characters a file name cannot hold (a title
    /// like "北京/上海房价表" would otherwise lose everything before the slash) written full-width.
    /// </summary>
    internal static string FileNameFor(DemoDocument doc) => doc.Title.Replace('/', '\uFF0F').Replace('\\', '\uFF3C') + ".pdf";

    public sealed record DemoDocument(string Title, string Description, string Category, string Tags, IReadOnlyList<string> Paragraphs);

    /// <summary>The demo library: 30 Chinese documents (1–3 news articles each), 8 English articles and the spun essay.</summary>
    public static IEnumerable<DemoDocument> DemoDocuments()
    {
        var articles = ReadResource("cnews-demo.tsv").Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split('\t', 2)).Where(p => p.Length == 2).GroupBy(p => p[0]);
        foreach (var group in articles)
        {
            var texts = group.Select(p => p[1].Trim()).ToList();
            var slug = CnewsCategories.GetValueOrDefault(group.Key, "other");
            var start = 0;
            foreach (var size in new[] { 1, 2, 3 })
            {
                var part = texts.Skip(start).Take(size).ToList();
                start += size;
                if (part.Count == 0) break;
                var title = Headline(part[0]) + (size > 1 ? $"（等{size}篇）" : "");
                yield return new DemoDocument(title, $"{group.Key}资讯合集，共 {part.Count} 篇文章。", slug,
                    $"{group.Key},新闻,资讯", part.SelectMany(Paragraphs).ToList());
            }
        }

        foreach (var block in ReadResource("english.txt").Split("### ", StringSplitOptions.RemoveEmptyEntries))
        {
            var lines = block.Split('\n');
            var title = lines[0].Trim();
            var category = lines.Skip(1).FirstOrDefault(l => l.StartsWith("category:", StringComparison.Ordinal))?["category:".Length..].Trim() ?? "other";
            var body = string.Join('\n', lines.Skip(1).Where(l => !l.StartsWith("category:", StringComparison.Ordinal)));
            var paragraphs = body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(p => p.Replace('\n', ' ')).ToList();
            yield return new DemoDocument(title, "An English article from the demo library.", category, "english,guide", paragraphs);
        }

        var essay = ReadResource("chuangxian-zhengyou-spun.txt");
        yield return new DemoDocument("创先争优调研论文：开展创先争优活动的几点思考", "调研论文范文。", "essays", "论文,范文,调研",
            Paragraphs(essay).ToList());
    }

    /// <summary>The headline of a cnews article: its text up to the first space, at most 30 characters.</summary>
    private static string Headline(string text)
    {
        var end = text.IndexOfAny([' ', '\u3000']);
        var head = end is > 4 and < 40 ? text[..end] : text[..Math.Min(24, text.Length)];
        return head.Length > 30 ? head[..30] : head;
    }

    /// <summary>The texts of the demo news articles (also used by the benchmarks).</summary>
    internal static IReadOnlyList<string> NewsArticles() =>
        ReadResource("cnews-demo.tsv").Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split('\t', 2)).Where(p => p.Length == 2).Select(p => p[1].Trim()).ToList();

    /// <summary>Splits running text into paragraphs of a few sentences.</summary>
    internal static IEnumerable<string> Paragraphs(string text)
    {
        var sb = new System.Text.StringBuilder();
        foreach (var c in text.Replace('\u3000', ' '))
        {
            sb.Append(c);
            if (c is '。' or '！' or '？' && sb.Length > 160)
            {
                yield return sb.ToString().Trim();
                sb.Clear();
            }
        }
        if (sb.ToString().Trim() is { Length: > 0 } rest) yield return rest;
    }

    private static string ReadResource(string name)
    {
        var assembly = Assembly.GetExecutingAssembly();
        var resource = assembly.GetManifestResourceNames().Single(n => n.EndsWith(name, StringComparison.Ordinal));
        using var reader = new StreamReader(assembly.GetManifestResourceStream(resource)!);
        return reader.ReadToEnd();
    }
}
