using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Wenku.Tests.Infrastructure;
using Xunit;

namespace Wenku.Tests.Web;

/// <summary>
/// The site speaks one language at a time. Chinese text is written once, as the key of <c>T["…"]</c>, and
/// <c>Resources/SharedResource.en.resx</c> holds its English: these tests fail when a key lacks its English (or its
/// placeholders), when a page prints Chinese outside <c>T[…]</c>, or when code builds a "中文 English" pair.
/// </summary>
public sealed partial class TranslationTests
{
    /// <summary>Files whose Chinese is data, not text shown as the site's own words (with why).</summary>
    private static readonly string[] ChineseIsData =
    [
        "Text/",                        // folding tables, punctuation, the Unihan list
        "Search/SearchAnalyzer.cs",     // stop words and tokenizer rules
        "Search/SearchSyntax.cs",       // 或/OR and other query words readers type
        "Demo/",                        // the demo library's own documents, titles and categories
        "Documents/TextChunker.cs",     // sentence ends
        "Documents/TextNormalizer.cs",  // page furniture (—1—, 第1页) it removes
        "Moderation/WordMatcher.cs",    // separators skipped inside words
        "Duplicates/",                  // synonym tables
        "Data/Migrations/", "Data/PostgresMigrations/", // seeded categories, history
        "Web/Localization/",            // the languages' own names
        "Data/DatabaseSetup.cs",        // the default categories' names (their English: the test below)
    ];

    [Fact]
    public void Every_key_has_its_english_with_the_same_placeholders()
    {
        var english = EnglishResources();
        var missing = new List<string>();
        foreach (var (file, line, key) in Keys())
        {
            if (!english.TryGetValue(key, out var value) || string.IsNullOrWhiteSpace(value))
                missing.Add($"{file}:{line}: no English for \"{key}\"");
            else if (!Placeholders(key).SetEquals(Placeholders(value)))
                missing.Add($"{file}:{line}: \"{key}\" and \"{value}\" have different placeholders");
        }
        missing.ShouldBeEmpty(string.Join("\n", missing.Distinct().Take(100)));
    }

    [Fact]
    public void Every_stored_message_has_its_english_and_a_unique_code()
    {
        var english = EnglishResources();
        var all = Wenku.Web.Localization.Message.All.Values.ToList();
        var missing = all.Where(m => !english.TryGetValue(m.Template, out var value) || !Placeholders(m.Template).SetEquals(Placeholders(value)))
            .Select(m => $"{m.Code}: \"{m.Template}\"").ToList();
        missing.ShouldBeEmpty(string.Join("\n", missing));
        all.ShouldAllBe(m => MessageCode().IsMatch(m.Code));
    }

    [Fact]
    public void Every_default_category_has_its_english()
    {
        var english = EnglishResources();
        Wenku.Data.DatabaseSetup.DefaultCategories.Where(c => !english.ContainsKey(c.Name)).Select(c => c.Name).ShouldBeEmpty();
    }

    [Fact]
    public void English_values_are_english()
    {
        var chinese = EnglishResources().Where(e => Cjk().IsMatch(e.Value)).Select(e => $"{e.Key} = {e.Value}").ToList();
        chinese.ShouldBeEmpty(string.Join("\n", chinese.Take(100)));
    }

    [Fact]
    public void Pages_print_chinese_only_through_the_localizer()
    {
        var found = new List<string>();
        foreach (var file in SourceFiles("*.cshtml"))
        {
            var lines = File.ReadAllLines(file);
            var text = string.Join("\n", lines);
            text = RazorComment().Replace(text, m => new string('\n', m.Value.Count(c => c == '\n')));
            text = HtmlComment().Replace(text, m => new string('\n', m.Value.Count(c => c == '\n')));
            text = KeyPattern().Replace(text, "T[]");
            var stripped = text.Split('\n');
            for (var i = 0; i < stripped.Length; i++)
                if (Cjk().IsMatch(stripped[i])) found.Add($"{Relative(file)}:{i + 1}: {lines[i].Trim()}");
        }
        found.ShouldBeEmpty(string.Join("\n", found.Take(150)));
    }

    [Fact]
    public void Code_builds_no_chinese_text_outside_the_localizer()
    {
        var found = new List<string>();
        foreach (var file in SourceFiles("*.cs"))
        {
            var relative = Relative(file);
            if (ChineseIsData.Any(relative.StartsWith)) continue;
            var lines = File.ReadAllLines(file);
            for (var i = 0; i < lines.Length; i++)
            {
                var line = lines[i];
                var code = line.TrimStart();
                if (line.Contains("// not translated:", StringComparison.Ordinal)) continue; // a name or a character, said why
                if (code.StartsWith("//", StringComparison.Ordinal) || code.StartsWith("///", StringComparison.Ordinal) || code.StartsWith('*')) continue;
                var comment = line.IndexOf("//", StringComparison.Ordinal);
                if (comment >= 0 && !line[..comment].Contains('"')) line = line[..comment];
                line = KeyPattern().Replace(line, "T[]");
                line = KeyCall().Replace(line, "T.Text()");
                line = MessageDefinition().Replace(line, "new()");
                foreach (Match literal in StringLiteral().Matches(line))
                    if (Cjk().IsMatch(literal.Value)) { found.Add($"{relative}:{i + 1}: {lines[i].Trim()}"); break; }
            }
        }
        found.ShouldBeEmpty(string.Join("\n", found.Take(150)));
    }

    [Fact]
    public async Task The_language_follows_the_switch_then_the_browser()
    {
        await using var site = new WenkuNoWorkerFactory();
        var client = site.CreateClient(new() { AllowAutoRedirect = false });

        var home = await client.GetStringAsync("/");
        home.ShouldContain("<html lang=\"zh-CN\"");

        var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.AcceptLanguage.ParseAdd("en-US,en;q=0.9");
        var englishHome = await (await client.SendAsync(request)).Content.ReadAsStringAsync();
        englishHome.ShouldContain("<html lang=\"en\"");

        var switched = await client.GetAsync("/lang/en?returnUrl=/search");
        switched.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        switched.Headers.Location!.OriginalString.ShouldBe("/search");
        var cookie = switched.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(".AspNetCore.Culture=", StringComparison.Ordinal));
        var withCookie = new HttpRequestMessage(HttpMethod.Get, "/");
        withCookie.Headers.Add("Cookie", cookie.Split(';')[0]);
        withCookie.Headers.AcceptLanguage.ParseAdd("zh-CN");
        (await (await client.SendAsync(withCookie)).Content.ReadAsStringAsync()).ShouldContain("<html lang=\"en\"");

        // Only local paths: anything else goes home.
        (await client.GetAsync("/lang/en?returnUrl=//evil.example/")).Headers.Location!.OriginalString.ShouldBe("/");
        // A tab or newline that a browser would drop (/<tab>/evil → //evil), a backslash: home, never a 500.
        foreach (var hostile in new[] { "/%09/evil.example/", "/%0A/evil.example", "/\\evil.example", "/%5Cevil.example", "https://evil.example/" })
        {
            var answer = await client.GetAsync("/lang/en?returnUrl=" + hostile);
            answer.StatusCode.ShouldBe(HttpStatusCode.Redirect, hostile);
            answer.Headers.Location!.OriginalString.ShouldBe("/", hostile);
        }
        // The page came with ?lang=zh-CN (a link from a search engine): the switch drops it, else it would outrank the cookie.
        (await client.GetAsync("/lang/en?returnUrl=" + Uri.EscapeDataString("/search?q=数学&lang=zh-CN&page=2#top")))
            .Headers.Location!.OriginalString.ShouldBe("/search?q=数学&page=2#top");
        (await client.GetAsync("/lang/en?returnUrl=" + Uri.EscapeDataString("/d/1?lang=zh-CN"))).Headers.Location!.OriginalString.ShouldBe("/d/1");
        (await client.GetAsync("/lang/fr")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    private static Dictionary<string, string> EnglishResources()
    {
        var resx = XDocument.Load(Path.Combine(SourceRoot(), "Resources", "SharedResource.en.resx"));
        var entries = resx.Root!.Elements("data").Select(d => (Key: (string)d.Attribute("name")!, Value: (string?)d.Element("value") ?? "")).ToList();
        var duplicates = entries.GroupBy(e => e.Key).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        duplicates.ShouldBeEmpty("keys twice in the resource file: " + string.Join(", ", duplicates));
        return entries.ToDictionary(e => e.Key, e => e.Value);
    }

    private static IEnumerable<(string File, int Line, string Key)> Keys()
    {
        foreach (var file in SourceFiles("*.cs").Concat(SourceFiles("*.cshtml")))
        {
            var lines = File.ReadAllLines(file);
            for (var i = 0; i < lines.Length; i++)
                if (!lines[i].TrimStart().StartsWith("//", StringComparison.Ordinal))
                foreach (var pattern in new[] { KeyPattern(), KeyCall() })
                    foreach (Match m in pattern.Matches(lines[i]))
                        yield return (Relative(file), i + 1, Regex.Unescape(m.Groups["key"].Value));
        }
    }

    private static HashSet<string> Placeholders(string text) =>
        Placeholder().Matches(text).Select(m => m.Groups[1].Value).ToHashSet();

    private static IEnumerable<string> SourceFiles(string pattern) =>
        Directory.EnumerateFiles(SourceRoot(), pattern, SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal));

    private static string Relative(string file) => Path.GetRelativePath(SourceRoot(), file).Replace('\\', '/');

    private static string SourceRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "src", "Wenku");
            if (File.Exists(Path.Combine(candidate, "Wenku.csproj"))) return candidate;
        }
        throw new InvalidOperationException("src/Wenku not found above " + AppContext.BaseDirectory);
    }

    /// <summary><c>T["key"</c> or <c>T["key",</c>: the localizer's indexer with a literal key.</summary>
    [GeneratedRegex("""\bT\[\s*"(?<key>(?:[^"\\]|\\.)*)"\s*[,\]]""")]
    private static partial Regex KeyPattern();

    /// <summary><c>T.Text("key"</c>: the extension that formats a key with arguments.</summary>
    [GeneratedRegex("""\bT\.Text\(\s*"(?<key>(?:[^"\\]|\\.)*)"\s*[,)]""")]
    private static partial Regex KeyCall();

    /// <summary><c>new("code.name", "模板"</c>: the definition of a stored <c>Message</c>.</summary>
    [GeneratedRegex("""\bnew(?:\s+Message)?\(\s*"[a-z][a-z0-9-]*(?:\.[a-z0-9-]+)+",\s*"(?:[^"\\]|\\.)*"\s*\)""")]
    private static partial Regex MessageDefinition();

    [GeneratedRegex(@"^[a-z][a-z0-9-]*(\.[a-z0-9-]+)+$")]
    private static partial Regex MessageCode();

    [GeneratedRegex(@"\{(\d+)(?:[,:][^}]*)?\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")]
    private static partial Regex Cjk();

    [GeneratedRegex(@"@\*.*?\*@", RegexOptions.Singleline)]
    private static partial Regex RazorComment();

    [GeneratedRegex(@"<!--.*?-->", RegexOptions.Singleline)]
    private static partial Regex HtmlComment();

    [GeneratedRegex("""\$?@?"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)'""")]
    private static partial Regex StringLiteral();
}
