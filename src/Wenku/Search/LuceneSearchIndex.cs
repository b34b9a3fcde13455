using Lucene.Net.Index;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Wenku.Data;
using Wenku.Documents;

namespace Wenku.Search;

/// <summary>
/// The embedded search backend: a Lucene index under <c>{data}/search/</c>, fed from the database through the search
/// outbox. Only the serving process opens it for writing (workers change the database; the site's
/// <see cref="SearchSync"/> applies their changes within a second). <c>{data}/search/CURRENT</c> names the index
/// folder in use, so <c>wenku admin reindex</c> can build a new one beside it and have the site switch without
/// taking search offline.
/// </summary>
public sealed class LuceneSearchIndex(
    IDbContextFactory<WenkuDb> dbFactory,
    IOptions<WenkuOptions> options,
    TimeProvider time,
    ILogger<LuceneSearchIndex> log) : ISearchIndex, IDisposable
{
    private const int Batch = 200;
    private static readonly TimeSpan OutboxKeep = TimeSpan.FromDays(1);

    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly Lock _openLock = new();
    private LuceneIndex? _index;
    private string? _folder;

    public string Root => RootFor(options.Value);

    /// <summary>The folder of the embedded index (and of its rebuilds) for a data folder.</summary>
    public static string RootFor(WenkuOptions options) => Path.Combine(options.DataDir, "search");

    public Task<SearchResults> SearchAsync(SearchQuery query, CancellationToken ct) => Task.FromResult(Index().Search(query));

    public Task<IReadOnlyList<Suggestion>> SuggestAsync(string prefix, int max, CancellationToken ct) =>
        Task.FromResult(Index().Suggest(prefix, max));

    public async Task<int> SyncAsync(CancellationToken ct)
    {
        await _writeGate.WaitAsync(ct);
        try
        {
            SwitchIfRebuilt();
            return await ApplyOutboxAsync(Index(), ct);
        }
        finally { _writeGate.Release(); }
    }

    public async Task<int> VerifyAsync(CancellationToken ct)
    {
        await _writeGate.WaitAsync(ct);
        try
        {
            var index = Index();
            var applied = await ApplyOutboxAsync(index, ct);
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var inDb = (await db.Documents.AsNoTracking().Where(d => d.Status == DocumentStatus.Ready).Select(d => d.Id).ToListAsync(ct)).ToHashSet();
            var inIndex = index.Ids();
            var missing = inDb.Where(id => !inIndex.Contains(id)).ToList();
            var extra = inIndex.Where(id => !inDb.Contains(id)).ToList();
            foreach (var id in extra) index.Delete(id);
            foreach (var chunk in missing.Chunk(Batch))
            {
                foreach (var doc in await SearchDocuments.LoadAsync(db, chunk, ct)) index.Upsert(doc);
                // After a rebuild for a new layout most documents are missing: each batch becomes searchable at once.
                index.Commit(index.Watermark);
            }
            if (missing.Count + extra.Count > 0)
            {
                index.Commit(index.Watermark);
                log.LogWarning("Search index repaired: {Missing} documents added, {Extra} removed", missing.Count, extra.Count);
            }
            return applied + missing.Count + extra.Count;
        }
        finally { _writeGate.Release(); }
    }

    /// <summary>Builds a new index beside the current one without opening that (a running site holds its write lock).</summary>
    public Task<int> RebuildAsync(IProgress<(int Done, int Total)>? progress, CancellationToken ct) => RebuildAsync(dbFactory, Root, progress, ct);

    /// <summary>
    /// Builds a complete new index from the database in a folder beside the current one, then points CURRENT at it.
    /// A running site switches to it on its next sync and replays what changed during the build from the outbox.
    /// </summary>
    public static async Task<int> RebuildAsync(IDbContextFactory<WenkuDb> dbFactory, string root, IProgress<(int Done, int Total)>? progress, CancellationToken ct)
    {
        Directory.CreateDirectory(root);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var from = await db.SearchChanges.MaxAsync(c => (long?)c.Seq, ct) ?? 0;
        var ids = await db.Documents.AsNoTracking().Where(d => d.Status == DocumentStatus.Ready).OrderBy(d => d.Id).Select(d => d.Id).ToListAsync(ct);
        // A name, not a time anything is measured by: the machine's clock keeps new folders sorting after old ones.
        var folder = "index-" + TimeProvider.System.GetUtcNow().UtcDateTime.ToString("yyyyMMddHHmmssfff", System.Globalization.CultureInfo.InvariantCulture);
        var done = 0;
        using (var index = new LuceneIndex(Path.Combine(root, folder), ramBufferMb: 128))
        {
            foreach (var chunk in ids.Chunk(Batch))
            {
                foreach (var doc in await SearchDocuments.LoadAsync(db, chunk, ct)) index.Upsert(doc);
                done += chunk.Length;
                progress?.Report((done, ids.Count));
            }
            index.Commit(from);
        }
        WriteCurrent(root, folder);
        return ids.Count;
    }

    /// <summary>Reads the committed index that CURRENT names (none yet: empty), beside a site that may hold its writer.</summary>
    public Task<SearchContents> ContentsAsync(CancellationToken ct)
    {
        var folder = ReadCurrent(Root);
        var path = folder is null ? null : Path.Combine(Root, folder);
        if (path is null || !Directory.Exists(path)) return Task.FromResult(new SearchContents(new HashSet<long>(), 0));
        var (ids, watermark) = LuceneIndex.ReadCommitted(path);
        return Task.FromResult(new SearchContents(ids, watermark));
    }

    private async Task<int> ApplyOutboxAsync(LuceneIndex index, CancellationToken ct)
    {
        var total = 0;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        while (true)
        {
            var from = index.Watermark;
            var changes = await db.SearchChanges.AsNoTracking().Where(c => c.Seq > from).OrderBy(c => c.Seq).Take(Batch)
                .Select(c => new { c.Seq, c.DocumentId, c.CountsOnly }).ToListAsync(ct);
            if (changes.Count == 0) break;
            var ids = changes.Where(c => !c.CountsOnly).Select(c => c.DocumentId).Distinct().ToList();
            // A download or a sale changed only the count: its doc value is updated, the document is not read again.
            var counted = await SearchDocuments.DownloadCountsAsync(db, changes.Where(c => c.CountsOnly).Select(c => c.DocumentId).Except(ids).ToList(), ct);
            foreach (var (id, downloads) in counted.Counts)
                if (!index.UpdateDownloads(id, downloads)) ids.Add(id);
            var docs = await SearchDocuments.LoadAsync(db, ids, ct);
            foreach (var doc in docs) index.Upsert(doc);
            foreach (var gone in ids.Except(docs.Select(d => d.Id)).Concat(counted.NotReady)) index.Delete(gone);
            await OnBeforeCommitAsync(ct);
            index.Commit(changes[^1].Seq);
            total += ids.Count + counted.Counts.Count + counted.NotReady.Count;
        }
        if (total > 0)
        {
            // Entries older than a day are kept a while: a rebuild running meanwhile replays from where it started.
            var applied = index.Watermark;
            var before = time.GetUtcNow().UtcDateTime - OutboxKeep;
            await db.SearchChanges.Where(c => c.Seq <= applied && c.At < before).ExecuteDeleteAsync(ct);
        }
        return total;
    }

    /// <summary>Test hook: stops between the database write and the index commit, and says so, to be killed there.</summary>
    private async Task OnBeforeCommitAsync(CancellationToken ct)
    {
        if (options.Value.SearchCommitPauseFile is not { Length: > 0 } pauseFile) return;
        await File.WriteAllTextAsync(pauseFile, "applied, not committed", ct);
        await Task.Delay(Timeout.Infinite, ct);
    }

    private LuceneIndex Index()
    {
        if (_index is { } open) return open;
        lock (_openLock)
        {
            if (_index is not null) return _index;
            Directory.CreateDirectory(Root);
            var folder = ReadCurrent(Root);
            if (folder is not null && LuceneIndex.HoldsOtherFormat(Path.Combine(Root, folder)))
            {
                // An index written by an older version in another layout: a new one is filled from the database by
                // the verification the site runs at start (searches find documents again as they are added back).
                log.LogWarning("Search index {Folder} has an older layout than format {Format}; rebuilding it from the database", folder, LuceneIndex.FormatVersion);
                folder = null;
            }
            if (folder is null)
            {
                folder = "index-" + time.GetUtcNow().UtcDateTime.ToString("yyyyMMddHHmmssfff", System.Globalization.CultureInfo.InvariantCulture);
                if (Directory.Exists(Path.Combine(Root, folder))) folder += "-" + Guid.NewGuid().ToString("N")[..6];
                WriteCurrent(Root, folder);
            }
            _index = OpenOrReplace(folder);
            _folder = folder;
            RemoveStaleFolders();
            return _index;
        }
    }

    /// <summary>Opens an index folder; one that cannot be read is moved aside and started afresh (verify refills it).</summary>
    private LuceneIndex OpenOrReplace(string folder)
    {
        var path = Path.Combine(Root, folder);
        try
        {
            return new LuceneIndex(path);
        }
        catch (Exception e) when (e is CorruptIndexException or IndexFormatTooOldException or IndexFormatTooNewException or EndOfStreamException or FileNotFoundException)
        {
            var aside = Path.Combine(Root, "broken-" + folder + "-" + Guid.NewGuid().ToString("N")[..8]);
            log.LogError(e, "Search index {Path} cannot be read; moved to {Aside} and rebuilt from the database", path, aside);
            Directory.Move(path, aside);
            return new LuceneIndex(path);
        }
    }

    private void SwitchIfRebuilt()
    {
        var current = ReadCurrent(Root);
        if (current is null || current == _folder || _index is null) return;
        var fresh = OpenOrReplace(current);
        LuceneIndex old;
        lock (_openLock)
        {
            old = _index;
            _index = fresh;
            _folder = current;
        }
        log.LogInformation("Search switched to the rebuilt index {Folder}", current);
        // Searches that acquired the old one finish first: SearcherManager keeps readers alive until released.
        _ = Task.Run(async () =>
        {
            await Task.Delay(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
            old.Dispose();
            lock (_openLock) RemoveStaleFolders();
        });
    }

    private void RemoveStaleFolders()
    {
        foreach (var dir in Directory.EnumerateDirectories(Root, "index-*"))
        {
            if (Path.GetFileName(dir) == _folder) continue;
            if (File.Exists(Path.Combine(dir, "write.lock")) && IsLocked(dir)) continue; // a rebuild in progress
            try { Directory.Delete(dir, recursive: true); }
            catch (IOException e) { log.LogWarning(e, "Could not remove old search index {Dir}", dir); }
        }
    }

    private static bool IsLocked(string dir)
    {
        try
        {
            using var probe = LuceneIndex.OpenDirectory(dir);
            return IndexWriter.IsLocked(probe);
        }
        catch (IOException) { return true; }
    }

    private static string? ReadCurrent(string root)
    {
        var file = Path.Combine(root, "CURRENT");
        if (!File.Exists(file)) return null;
        var name = File.ReadAllText(file).Trim();
        // The pointer names a folder of ours; anything else is ignored rather than followed.
        return name.StartsWith("index-", StringComparison.Ordinal) && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '-') ? name : null;
    }

    private static void WriteCurrent(string root, string folder)
    {
        var tmp = Path.Combine(root, "CURRENT.tmp");
        File.WriteAllText(tmp, folder);
        File.Move(tmp, Path.Combine(root, "CURRENT"), overwrite: true);
    }

    public void Dispose()
    {
        lock (_openLock)
        {
            _index?.Dispose();
            _index = null;
        }
        _writeGate.Dispose();
    }
}

/// <summary>Reads what search may see of documents from the database.</summary>
public static class SearchDocuments
{
    /// <summary>
    /// The download counts of those of <paramref name="ids"/> that are ready, and the others (no longer searchable: a
    /// change of status has its own outbox row too, this only keeps an index from showing them meanwhile).
    /// </summary>
    public static async Task<(Dictionary<long, long> Counts, List<long> NotReady)> DownloadCountsAsync(WenkuDb db, IReadOnlyCollection<long> ids, CancellationToken ct)
    {
        if (ids.Count == 0) return ([], []);
        var counts = await db.Documents.AsNoTracking().Where(d => ids.Contains(d.Id) && d.Status == DocumentStatus.Ready)
            .Select(d => new { d.Id, d.Downloads }).ToDictionaryAsync(d => d.Id, d => d.Downloads, ct);
        return (counts, ids.Where(id => !counts.ContainsKey(id)).ToList());
    }

    /// <summary>The searchable form of those of <paramref name="ids"/> that are ready; the others are absent.</summary>
    public static async Task<List<SearchDocument>> LoadAsync(WenkuDb db, IReadOnlyCollection<long> ids, CancellationToken ct)
    {
        var docs = await db.Documents.AsNoTracking()
            .Where(d => ids.Contains(d.Id) && d.Status == DocumentStatus.Ready)
            .Select(d => new
            {
                d.Id, d.Title, d.Description, d.Tags, Category = d.Category.Slug, d.Format, d.Price, d.PageCount,
                d.Downloads, d.CreatedAt, Uploader = d.Uploader.DisplayName,
            })
            .ToListAsync(ct);
        var readyIds = docs.Select(d => d.Id).ToList();
        // Only the pages within the preview limit: anything indexed can be read out through snippets and phrases.
        var pages = await (from p in db.DocumentPages.AsNoTracking()
                           join d in db.Documents on p.DocumentId equals d.Id
                           where readyIds.Contains(p.DocumentId) && p.Number <= d.PreviewPages
                           orderby p.DocumentId, p.Number
                           select new { p.DocumentId, p.Text })
            .ToListAsync(ct);
        var byDoc = pages.GroupBy(p => p.DocumentId).ToDictionary(g => g.Key, g => g.Select(p => p.Text).ToList());
        return docs.Select(d => new SearchDocument(d.Id, d.Title, d.Description, d.Tags, d.Category, d.Format, d.Price,
            d.PageCount, d.Downloads, d.CreatedAt, d.Uploader, byDoc.GetValueOrDefault(d.Id) ?? [])).ToList();
    }
}
