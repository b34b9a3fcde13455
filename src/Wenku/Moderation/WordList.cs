using Microsoft.Extensions.Localization;
using Wenku.Web.Localization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Wenku.Commerce;
using Wenku.Data;

namespace Wenku.Moderation;

/// <summary>What an import did: counts, and the lines it skipped with why (the first <see cref="WordList.MaxSkippedShown"/>).</summary>
public sealed record WordImport(int Added, int Changed, int Unchanged, int Merged, int SkippedCount, IReadOnlyList<string> Skipped, string? Refused = null);

/// <summary>
/// Changes to the sensitive-word list (add, delete, import) and its export, each change with its audit entry in the
/// same transaction; the screen of this process hears of it at once. The file format, one entry a line:
/// <c>word</c> or <c>word&lt;TAB&gt;block|review</c>; empty lines and lines starting with <c>#</c> are ignored.
/// </summary>
public sealed class WordList(WenkuDb db, Ledger ledger, AuditLog audit, SensitiveWordScreen screen, TimeProvider clock, IStringLocalizer<SharedResource> T)
{
    public const int MaxImportBytes = 4 * 1024 * 1024;
    public const int MaxImportLines = WordMatcher.MaxWords;
    public const int MaxSkippedShown = 50;
    private const int AuditSample = 20;

    /// <summary>The action a file or form names: <c>block</c>/<c>屏蔽</c>/<c>禁止</c> or <c>review</c>/<c>审核</c>.</summary>
    public static WordAction? ParseAction(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        // The Chinese action words a file may use (屏蔽, 禁止; 审核), escaped: they are data, not the site's text.
        "block" or "\u5c4f\u853d" or "\u7981\u6b62" => WordAction.Block,
        "review" or "\u5ba1\u6838" => WordAction.Review,
        _ => null,
    };

    public static string Name(WordAction action) => action == WordAction.Block ? "block" : "review";

    /// <summary>Why a word cannot be listed, or null.</summary>
    public string? Invalid(string word)
    {
        if (word.Length > SensitiveWord.MaxLength)
            return T.Text("敏感词最多 {0} 个字符。", SensitiveWord.MaxLength);
        if (WordMatcher.Key(word).Length == 0)
            return T["敏感词须含文字或数字。"];
        return null;
    }

    /// <summary>Adds one word; an error message when it is invalid, already listed or the list is full.</summary>
    public async Task<string?> AddAsync(string? word, WordAction action, string reason, string actorId, CancellationToken ct)
    {
        var pattern = Text.SafeText.OneLine(word);
        if (pattern.Length == 0) return T["请填写敏感词。"];
        if (Invalid(pattern) is { } why) return why;
        var key = WordMatcher.Key(pattern);
        var error = await ledger.InTransactionAsync(async () =>
        {
            if (await db.SensitiveWords.AsNoTracking().FirstOrDefaultAsync(w => w.Folded == key, ct) is { } existing)
                return T.Text("已在列表中：“{0}”。", existing.Pattern);
            if (await db.SensitiveWords.CountAsync(ct) >= WordMatcher.MaxWords)
                return T.Text("列表已满（{0} 个）。", WordMatcher.MaxWords);
            db.SensitiveWords.Add(new SensitiveWord { Pattern = pattern, Folded = key, Action = action, CreatedAt = Now() });
            await db.SaveChangesAsync(ct);
            await audit.RecordAsync(new AuditRecord(actorId, AuditKinds.WordsChange, "words", "add", reason,
                After: new { added = 1, words = new[] { new { word = pattern, action = Name(action) } } }), ct);
            return (string?)null;
        }, ct);
        screen.Changed();
        return error;
    }

    /// <summary>Deletes one word; false when there is no such entry.</summary>
    public async Task<bool> DeleteAsync(long id, string reason, string actorId, CancellationToken ct)
    {
        var deleted = await ledger.InTransactionAsync(async () =>
        {
            var word = await db.SensitiveWords.SingleOrDefaultAsync(w => w.Id == id, ct);
            if (word is null) return false;
            db.SensitiveWords.Remove(word);
            await db.SaveChangesAsync(ct);
            await audit.RecordAsync(new AuditRecord(actorId, AuditKinds.WordsChange, "words", "delete", reason,
                Before: new { deleted = 1, words = new[] { new { word = word.Pattern, action = Name(word.Action) } } }), ct);
            return true;
        }, ct);
        screen.Changed();
        return deleted;
    }

    /// <summary>
    /// Imports a file: new words are added, listed words whose line names another action change to it, words already
    /// listed as they are stay; lines whose words fold to the same key are merged (block wins). Bounded in bytes, lines
    /// and the size of the list.
    /// </summary>
    public async Task<WordImport> ImportAsync(Stream file, WordAction defaultAction, string reason, string actorId, CancellationToken ct)
    {
        var bytes = new byte[MaxImportBytes + 1];
        var length = 0;
        int n;
        while (length < bytes.Length && (n = await file.ReadAsync(bytes.AsMemory(length), ct)) > 0) length += n;
        if (length > MaxImportBytes)
            return Refused(T.Text("文件超过 {0}。", Text.ByteSize.Format(MaxImportBytes)));
        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes, 0, length);
        }
        catch (DecoderFallbackException)
        {
            return Refused(T["文件须为 UTF-8 文本。"]);
        }
        if (text.Length > 0 && text[0] == '\uFEFF') text = text[1..];

        var lines = text.Split('\n');
        if (lines.Length > MaxImportLines)
            return Refused(T.Text("文件最多 {0} 行。", MaxImportLines));

        // Parse and merge by key, in file order.
        var wanted = new Dictionary<string, (string Pattern, WordAction Action, bool Explicit)>(StringComparer.Ordinal);
        var skipped = new List<string>();
        var skippedCount = 0;
        var merged = 0;
        void Skip(int line, string why)
        {
            skippedCount++;
            if (skipped.Count < MaxSkippedShown) skipped.Add(T.Text("第 {0} 行：{1}", line, why));
        }
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            if (line.Trim().Length == 0 || line.TrimStart().StartsWith('#')) continue;
            var parts = line.Split('\t');
            var pattern = Text.SafeText.OneLine(parts[0]);
            var action = defaultAction;
            var isExplicit = false;
            if (parts.Length > 1 && parts[1].Trim().Length > 0)
            {
                if (parts.Length > 2 || ParseAction(parts[1]) is not { } named)
                {
                    Skip(i + 1, T["动作须为 block 或 review。"]);
                    continue;
                }
                (action, isExplicit) = (named, true);
            }
            if (pattern.Length == 0)
            {
                Skip(i + 1, T["没有词。"]);
                continue;
            }
            if (Invalid(pattern) is { } why)
            {
                Skip(i + 1, why);
                continue;
            }
            var key = WordMatcher.Key(pattern);
            if (wanted.TryGetValue(key, out var earlier))
            {
                merged++;
                if (action == WordAction.Block && earlier.Action != WordAction.Block) wanted[key] = earlier with { Action = WordAction.Block, Explicit = earlier.Explicit || isExplicit };
                continue;
            }
            wanted[key] = (pattern, action, isExplicit);
        }

        var result = await ledger.InTransactionAsync(async () =>
        {
            var existing = await db.SensitiveWords.ToDictionaryAsync(w => w.Folded, StringComparer.Ordinal, ct);
            var added = new List<SensitiveWord>();
            var changed = new List<SensitiveWord>();
            var unchanged = 0;
            var now = Now();
            foreach (var (key, w) in wanted)
            {
                if (existing.TryGetValue(key, out var listed))
                {
                    if (w.Explicit && listed.Action != w.Action)
                    {
                        listed.Action = w.Action;
                        changed.Add(listed);
                    }
                    else unchanged++;
                    continue;
                }
                added.Add(new SensitiveWord { Pattern = w.Pattern, Folded = key, Action = w.Action, CreatedAt = now });
            }
            if (existing.Count + added.Count > WordMatcher.MaxWords)
                return Refused(T.Text("导入后列表将超过 {0} 个词。", WordMatcher.MaxWords));
            if (added.Count == 0 && changed.Count == 0)
                return new WordImport(0, 0, unchanged, merged, skippedCount, skipped);
            db.SensitiveWords.AddRange(added);
            await db.SaveChangesAsync(ct);
            await audit.RecordAsync(new AuditRecord(actorId, AuditKinds.WordsChange, "words", "import", reason,
                Before: new { count = existing.Count },
                After: new
                {
                    count = existing.Count + added.Count, added = added.Count, changed = changed.Count, unchanged, skipped = skippedCount,
                    sample = added.Concat(changed).Take(AuditSample).Select(w => new { word = w.Pattern, action = Name(w.Action) }),
                }), ct);
            return new WordImport(added.Count, changed.Count, unchanged, merged, skippedCount, skipped);
        }, ct);
        screen.Changed();
        return result;
    }

    /// <summary>The list in the import format, oldest entry first.</summary>
    public async Task<string> ExportAsync(CancellationToken ct)
    {
        var text = new StringBuilder();
        text.Append("# Wenku sensitive words: word<TAB>block|review\n");
        await foreach (var w in db.SensitiveWords.AsNoTracking().OrderBy(w => w.Id).AsAsyncEnumerable().WithCancellation(ct))
            text.Append(w.Pattern).Append('\t').Append(Name(w.Action)).Append('\n');
        return text.ToString();
    }

    private static WordImport Refused(string why) => new(0, 0, 0, 0, 0, [], why);

    private DateTime Now() => clock.GetUtcNow().UtcDateTime;
}
