using Microsoft.Extensions.Localization;
using Wenku.Web.Localization;
using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Wenku.Data;
using Wenku.Documents;

namespace Wenku.Moderation;

/// <summary>What the word list says about a text: the first <c>block</c> word, else the <c>review</c> words found.</summary>
public sealed record WordVerdict(WordMatch? Block, IReadOnlyList<WordMatch> Review)
{
    public static readonly WordVerdict Clean = new(null, []);

    public bool IsClean => Block is null && Review.Count == 0;

    /// <summary>The review words, each once, comma-separated (for <c>Comment.ReviewWords</c>), cut to <paramref name="max"/>.</summary>
    public string ReviewWords(int max = 400)
    {
        var words = string.Join(", ", Review.Select(m => m.Word).Distinct(StringComparer.Ordinal));
        return words.Length > max ? words[..max] : words;
    }
}

/// <summary>
/// The sensitive-word list applied to what users write and upload. One compiled <see cref="WordMatcher"/> for the whole
/// list, run on the folded text. A change made in this process takes effect at once (<see cref="Changed"/>); one made by
/// another process (a second serve, the CLI) within <see cref="RecheckInterval"/>: the list's version (its size, newest
/// id and newest <c>words.change</c> audit entry) is read again at most that often, and the matcher rebuilt when it moved.
/// </summary>
public sealed class SensitiveWordScreen(IDbContextFactory<WenkuDb> dbFactory, ILogger<SensitiveWordScreen> log)
{
    /// <summary>How stale the list may be in a process that did not make the change.</summary>
    public static readonly TimeSpan RecheckInterval = TimeSpan.FromSeconds(2);

    private sealed record Compiled(WordMatcher Matcher, (int Count, long MaxId, long MaxAudit) Version, long CheckedAt);

    private readonly SemaphoreSlim _rebuild = new(1, 1);
    private volatile Compiled? _current;
    private volatile bool _stale;

    /// <summary>The message that refuses a text with a block word, naming it, in the reader's language.</summary>
    public string Blocked(string word)
    {
        var T = SiteText.Value;
        return T.Text("含有敏感词“{0}”，请修改。", word);
    }

    /// <summary>The same for callers without the screen (the localizer reads the request's culture when it is called; the screen is a singleton the worker shares, so it holds no request service).</summary>
    public static string BlockMessage(string word)
    {
        var T = SiteText.Value;
        return T.Text("含有敏感词“{0}”，请修改。", word);
    }

    private static readonly Lazy<IStringLocalizer> SiteText = new(() =>
        new ResourceManagerStringLocalizerFactory(Microsoft.Extensions.Options.Options.Create(new LocalizationOptions { ResourcesPath = "Resources" }),
            Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance).Create(typeof(SharedResource)));

    /// <summary>Tells the screen the list changed in this process: the next check reads it again.</summary>
    public void Changed() => _stale = true;

    /// <summary>The matcher for the list as it is now (within <see cref="RecheckInterval"/>).</summary>
    public async Task<WordMatcher> MatcherAsync(CancellationToken ct)
    {
        var current = _current;
        if (current is not null && !_stale && Stopwatch.GetElapsedTime(current.CheckedAt) < RecheckInterval) return current.Matcher;
        await _rebuild.WaitAsync(ct);
        try
        {
            current = _current;
            if (current is not null && !_stale && Stopwatch.GetElapsedTime(current.CheckedAt) < RecheckInterval) return current.Matcher;
            _stale = false; // a change from here on is read by the next check
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var version = await VersionAsync(db, ct);
            if (current is not null && current.Version == version)
            {
                _current = current with { CheckedAt = Stopwatch.GetTimestamp() };
                return current.Matcher;
            }
            var words = await db.SensitiveWords.AsNoTracking().OrderBy(w => w.Id).Select(w => new { w.Pattern, w.Action }).ToListAsync(ct);
            var started = Stopwatch.GetTimestamp();
            var matcher = words.Count == 0 ? WordMatcher.Empty : new WordMatcher(words.Select(w => (w.Pattern, w.Action)));
            log.LogInformation("Sensitive-word matcher built: {Count} words in {Ms:0} ms", matcher.Count, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            _current = new Compiled(matcher, version, Stopwatch.GetTimestamp());
            return matcher;
        }
        finally
        {
            _rebuild.Release();
        }
    }

    private static async Task<(int, long, long)> VersionAsync(WenkuDb db, CancellationToken ct)
    {
        var count = await db.SensitiveWords.CountAsync(ct);
        var maxId = count == 0 ? 0 : await db.SensitiveWords.MaxAsync(w => w.Id, ct);
        var maxAudit = await db.AuditEntries.Where(a => a.Kind == AuditKinds.WordsChange).Select(a => (long?)a.Id).MaxAsync(ct) ?? 0;
        return (count, maxId, maxAudit);
    }

    /// <summary>Checks one text a user wrote (a title, a description, tags, a comment).</summary>
    public async Task<WordVerdict> CheckAsync(string? text, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(text)) return WordVerdict.Clean;
        var matcher = await MatcherAsync(ct);
        if (matcher.Count == 0) return WordVerdict.Clean;
        var matches = matcher.Matches(text);
        if (matches.Count == 0) return WordVerdict.Clean;
        return new WordVerdict(matches.FirstOrDefault(m => m.Action == WordAction.Block), matches.Where(m => m.Action == WordAction.Review).ToList());
    }

    /// <summary>
    /// Checks the fields of a form: for each field with a <c>block</c> word, the message naming it (keyed like the
    /// form's errors); empty when none has one.
    /// </summary>
    public async Task<Dictionary<string, string>> BlockedFieldsAsync(IEnumerable<(string Field, string? Text)> fields, CancellationToken ct)
    {
        var errors = new Dictionary<string, string>();
        foreach (var (field, text) in fields)
            if ((await CheckAsync(text, ct)).Block is { } block)
                errors[field] = Blocked(block.Word);
        return errors;
    }

    // Hold details are stored as a message with arguments (rendered in the reader's language); these are its parts.
    public static readonly Message FieldTitle = new("hold.field-title", "标题");
    public static readonly Message FieldDescription = new("hold.field-description", "简介");
    public static readonly Message FieldTags = new("hold.field-tags", "标签");
    public static readonly Message Pages = new("hold.pages", "第 {0} 页");
    public static readonly Message Place = new("hold.place", "{0}（{1}）");
    public static readonly Message Words = new("hold.words", "敏感词：{0}");

    /// <summary>The document's fields as the screen reads them, with their names for a moderator.</summary>
    public static IEnumerable<(Message Name, string? Text)> Fields(Document doc) =>
        [(FieldTitle, doc.Title), (FieldDescription, doc.Description), (FieldTags, doc.Tags)];

    /// <summary>
    /// A converted document: a hold (with the words and where they are: the fields, the pages) when a word of the list
    /// occurs in its title, description, tags or text. Block words count here too: in the text nobody could refuse them
    /// at upload, and in the fields they may have been added to the list since.
    /// </summary>
    public async Task<Hold?> CheckDocumentAsync(Document doc, IReadOnlyList<string> pageTexts, CancellationToken ct)
    {
        var matcher = await MatcherAsync(ct);
        if (matcher.Count == 0) return null;
        var places = new Dictionary<string, List<Message>>(StringComparer.Ordinal); // word → where, in order
        var pages = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        foreach (var (name, text) in Fields(doc))
            foreach (var m in matcher.Matches(text ?? "").DistinctBy(m => m.WordIndex))
                (places.TryGetValue(m.Word, out var l) ? l : places[m.Word] = []).Add(name);
        for (var p = 0; p < pageTexts.Count; p++)
            foreach (var m in matcher.Matches(pageTexts[p]).DistinctBy(m => m.WordIndex))
            {
                if (!places.ContainsKey(m.Word)) places[m.Word] = [];
                (pages.TryGetValue(m.Word, out var l) ? l : pages[m.Word] = []).Add(p + 1);
            }
        if (places.Count == 0) return null;
        return new Hold(HoldReason.SensitiveWords, Describe(places, pages));
    }

    /// <summary>
    /// An edit of a published document: a hold when the new title, description or tags have a word of the list that the
    /// old ones did not (a word that was already there was seen at publication or released by a moderator).
    /// </summary>
    public async Task<Hold?> NewReviewWordsAsync(Document doc, string title, string description, string tags, CancellationToken ct)
    {
        var matcher = await MatcherAsync(ct);
        if (matcher.Count == 0) return null;
        var before = Fields(doc).SelectMany(f => matcher.Matches(f.Text ?? "")).Select(m => m.WordIndex).ToHashSet();
        var places = new Dictionary<string, List<Message>>(StringComparer.Ordinal);
        foreach (var (name, text) in Fields(doc).Zip([title, description, tags], (f, t) => (f.Name, t)))
            foreach (var m in matcher.Matches(text).Where(m => !before.Contains(m.WordIndex)).DistinctBy(m => m.WordIndex))
                (places.TryGetValue(m.Word, out var l) ? l : places[m.Word] = []).Add(name);
        return places.Count == 0 ? null : new Hold(HoldReason.SensitiveWords, Describe(places, []));
    }

    /// <summary>
    /// 敏感词：甲（标题; 第 1, 3 页）, 乙（第 2 页）, as a stored message (rendered in the reader's language); at most
    /// <see cref="MaxDescribedWords"/> words and 20 pages a word, so the stored text and arguments stay within their columns.
    /// </summary>
    internal static StoredText Describe(Dictionary<string, List<Message>> places, Dictionary<string, List<int>> pages)
    {
        var parts = new List<object?>();
        foreach (var (word, fields) in places.Take(MaxDescribedWords))
        {
            var where = new List<object?>(fields.Select(f => f.With()));
            if (pages.TryGetValue(word, out var p))
            {
                var list = p.Count > 20 ? string.Join(", ", p.Take(20)) + $" … (+{p.Count - 20})" : string.Join(", ", p);
                where.Add(Pages.With(list));
            }
            parts.Add(Place.With(word, new StoredList("; ", where)));
        }
        if (places.Count > MaxDescribedWords) parts.Add($"… (+{places.Count - MaxDescribedWords})");
        return Words.With(new StoredList(", ", parts));
    }

    /// <summary>Words named in one hold's details (a word is at most 50 characters; the rest are counted).</summary>
    public const int MaxDescribedWords = 20;
}
