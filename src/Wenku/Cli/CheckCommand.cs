using System.CommandLine;
using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Spectre.Console;
using Wenku.Data;
using Wenku.Documents;
using Wenku.Duplicates;
using Wenku.Jobs;
using Wenku.Search;
using Wenku.Storage;

namespace Wenku.Cli;

/// <summary>What <c>wenku admin check</c> looks at; each finding belongs to one.</summary>
public enum CheckArea { Originals, Pages, Search, Fingerprints, Orphans }

/// <summary>One thing wrong: what, where, and whether <c>--repair</c> fixed it.</summary>
public sealed record CheckFinding(CheckArea Area, long? DocumentId, string Key, string Problem)
{
    public bool Repaired { get; set; }
}

/// <summary>
/// <c>wenku admin check --data DIR [--repair]</c>: verifies that storage, search and the fingerprints agree with the
/// database, on either stack (it reads the settings <c>serve</c> reads). Exits 1 while anything is wrong.
/// </summary>
public static class CheckCommand
{
    public static Command Build(Option<string?> data)
    {
        var repair = new Option<bool>("--repair")
        {
            Description = "Fix what can be fixed: convert documents with missing page images again, rebuild search, "
                + "recompute missing fingerprints, remove orphan files. A missing or damaged original is only reported.",
        };
        var command = new Command("check",
            "Verify every document's original and page images in storage, the search index and the near-duplicate fingerprints.") { data, repair };
        command.SetAction((p, ct) => RunAsync(p.GetValue(data), p.GetValue(repair), ct));
        return command;
    }

    private static async Task<int> RunAsync(string? dataDir, bool repair, CancellationToken ct)
    {
        var config = CliServices.Configuration(dataDir);
        var database = config.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>() ?? new DatabaseOptions();
        var wenku = config.GetSection(WenkuOptions.Section).Get<WenkuOptions>() ?? new WenkuOptions();
        if (database.Provider == DatabaseProvider.Sqlite && !File.Exists(wenku.DatabasePath))
        {
            Console.Error.WriteLine($"No embedded database at {Path.GetFullPath(wenku.DatabasePath)}: pass --data DIR, the data folder of the install.");
            return 1;
        }
        await using var services = CliServices.Build(config);
        var check = new LibraryCheck(services);
        var findings = await check.FindAsync(ct);
        if (repair && findings.Count > 0) await check.RepairAsync(findings, ct);

        var table = new Table().AddColumns("check", "problems");
        if (repair) table.AddColumn("repaired");
        foreach (var area in Enum.GetValues<CheckArea>())
        {
            var of = findings.Where(f => f.Area == area).ToList();
            string[] row = [area.ToString().ToLowerInvariant(), of.Count == 0 ? "[green]ok[/]" : $"[red]{of.Count}[/]"];
            table.AddRow(repair ? [.. row, of.Count(f => f.Repaired).ToString(System.Globalization.CultureInfo.InvariantCulture)] : row);
        }
        AnsiConsole.Write(table);
        // Plain lines, one per finding: greppable, and never wrapped by the console's width.
        foreach (var f in findings)
            Console.WriteLine($"{(f.Repaired ? "repaired" : "PROBLEM")}  {f.Area.ToString().ToLowerInvariant()}  {(f.DocumentId is { } id ? $"document {id}  " : "")}{f.Key}  {f.Problem}");

        var left = findings.Count(f => !f.Repaired);
        if (left == 0)
        {
            Console.WriteLine(findings.Count == 0 ? "Everything is consistent." : $"All {findings.Count} problems were repaired.");
            return 0;
        }
        Console.WriteLine(repair
            ? $"{left} problems cannot be repaired here (see above): restore those files from a backup, or delete their documents."
            : $"{left} problems found. `wenku admin check --repair` fixes what can be fixed.");
        return 1;
    }
}

/// <summary>Compares the database with the file store, the search index and the fingerprints, and repairs what it can.</summary>
public sealed partial class LibraryCheck(IServiceProvider services)
{
    private readonly IDbContextFactory<WenkuDb> _dbFactory = services.GetRequiredService<IDbContextFactory<WenkuDb>>();
    private readonly IFileStore _store = services.GetRequiredService<IFileStore>();
    private readonly ISearchIndex _search = services.GetRequiredService<ISearchIndex>();
    private readonly TimeProvider _time = services.GetRequiredService<TimeProvider>();
    private readonly WenkuOptions _options = services.GetRequiredService<IOptions<WenkuOptions>>().Value;

    public async Task<List<CheckFinding>> FindAsync(CancellationToken ct)
    {
        var findings = new List<CheckFinding>();
        await using var db = await _dbFactory.CreateDbContextAsync(ct);
        // On a running site the files are listed first, then the rows read: an upload finishing in between can look
        // missing for one run, but a file is called an orphan only when it is older than OrphanMinAgeSeconds as well.
        var stored = new Dictionary<string, StoredFile>(StringComparer.Ordinal);
        await foreach (var file in _store.ListAsync("", ct)) stored[file.Key] = file;
        var documents = await db.Documents.AsNoTracking().OrderBy(d => d.Id)
            .Select(d => new
            {
                d.Id, d.StorageKey, d.SizeBytes, d.Sha256, d.PageCount, d.Status, d.PreviewVersion,
                // Removed past the retention period: its files were deleted on purpose.
                FilesDeleted = d.Status == DocumentStatus.Removed && db.DocumentRemovals.Any(r => r.Id == d.RemovalId && r.FilesDeletedAt != null),
            }).ToListAsync(ct);

        foreach (var d in documents.Where(d => d.Status != DocumentStatus.Failed && !d.FilesDeleted))
        {
            if (!stored.TryGetValue(d.StorageKey, out var original))
                findings.Add(new(CheckArea.Originals, d.Id, d.StorageKey, "the original is missing from storage"));
            else if (original.Size != d.SizeBytes)
                findings.Add(new(CheckArea.Originals, d.Id, d.StorageKey, $"the original has {original.Size} bytes, {d.SizeBytes} were uploaded"));
            else if (await HashAsync(d.StorageKey, ct) is { } hash && !string.Equals(hash, d.Sha256, StringComparison.OrdinalIgnoreCase))
                findings.Add(new(CheckArea.Originals, d.Id, d.StorageKey, "the original's SHA-256 differs from the upload's"));
        }

        // Page images of converted documents (ready, or held by the near-duplicate check): one per page, of the size
        // stored at conversion (pages converted before sizes were recorded: not empty).
        var recorded = (await db.DocumentPages.AsNoTracking().Where(p => p.ImageBytes > 0).Select(p => new { p.DocumentId, p.Number, p.ImageBytes }).ToListAsync(ct))
            .ToDictionary(p => (p.DocumentId, p.Number), p => p.ImageBytes);
        foreach (var d in documents.Where(d => d.Status is DocumentStatus.Ready or DocumentStatus.Held))
            for (var n = 1; n <= d.PageCount; n++)
            {
                var key = Document.PageKey(d.Id, n);
                if (!stored.TryGetValue(key, out var page)) findings.Add(new(CheckArea.Pages, d.Id, key, $"page {n} of {d.PageCount} has no image"));
                else if (page.Size == 0) findings.Add(new(CheckArea.Pages, d.Id, key, $"page {n} of {d.PageCount} has an empty image"));
                else if (recorded.TryGetValue((d.Id, n), out var size) && size != page.Size)
                    findings.Add(new(CheckArea.Pages, d.Id, key, $"page {n} of {d.PageCount} has {page.Size} bytes, {size} were stored at conversion"));
            }
        // The other sizes and formats of version-1 previews, and the cover: present and not empty.
        foreach (var d in documents.Where(d => d.Status is DocumentStatus.Ready or DocumentStatus.Held && d.PreviewVersion >= PreviewVersions.Sized))
            foreach (var key in DocumentFiles.PreviewKeys(d.Id, d.PageCount, d.PreviewVersion)
                .Except(Enumerable.Range(1, d.PageCount).Select(n => Document.PageKey(d.Id, n))))
            {
                if (!stored.TryGetValue(key, out var file)) findings.Add(new(CheckArea.Pages, d.Id, key, "a preview file is missing"));
                else if (file.Size == 0) findings.Add(new(CheckArea.Pages, d.Id, key, "a preview file is empty"));
            }

        // Search holds exactly the ready documents, but for those whose changes it has not applied yet.
        var contents = await _search.ContentsAsync(ct);
        var pending = (await db.SearchChanges.AsNoTracking().Where(c => c.Seq > contents.AppliedThrough).Select(c => c.DocumentId).ToListAsync(ct)).ToHashSet();
        var ready = documents.Where(d => d.Status == DocumentStatus.Ready).Select(d => d.Id).ToHashSet();
        foreach (var id in ready.Where(id => !contents.DocumentIds.Contains(id) && !pending.Contains(id)))
            findings.Add(new(CheckArea.Search, id, "search", "a ready document is missing from search"));
        foreach (var id in contents.DocumentIds.Where(id => !ready.Contains(id) && !pending.Contains(id)).Order())
            findings.Add(new(CheckArea.Search, id, "search", "search holds a document that is not ready (or no longer exists)"));

        var fingerprinted = (await db.DocumentFingerprints.AsNoTracking().Select(f => f.DocumentId).ToListAsync(ct)).ToHashSet();
        foreach (var id in ready.Where(id => !fingerprinted.Contains(id)))
            findings.Add(new(CheckArea.Fingerprints, id, "fingerprint", "a ready document has no near-duplicate fingerprint"));

        // Files no document names. Young ones may be an upload or a conversion in flight.
        var cutoff = _time.GetUtcNow().UtcDateTime - TimeSpan.FromSeconds(_options.OrphanMinAgeSeconds);
        var byId = documents.ToDictionary(d => d.Id);
        var originals = documents.Select(d => d.StorageKey).ToHashSet(StringComparer.Ordinal);
        // A document's files come one after the other in key order: its expected keys are listed once.
        (long Id, HashSet<string> Keys) named = (0, []);
        bool Names(long id, int pages, int version, string key)
        {
            if (named.Id != id) named = (id, DocumentFiles.PreviewKeys(id, pages, version).ToHashSet(StringComparer.Ordinal));
            return named.Keys.Contains(key);
        }
        foreach (var file in stored.Values.Where(f => f.LastModifiedUtc < cutoff).OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            var orphan = file.Key.Split('/') switch
            {
                ["originals", ..] => !originals.Contains(file.Key),
                ["pages", var folder, var name] when long.TryParse(folder, out var id) && PreviewName().IsMatch(name) =>
                    !byId.TryGetValue(id, out var d) || d.Status == DocumentStatus.Failed
                    // A converted document names exactly its version's files: a page past its count, a cover of none,
                    // the desktop WebP a version-1 document had before it was converted again are not among them.
                    || (d.Status is DocumentStatus.Ready or DocumentStatus.Held
                        && !Names(id, d.PageCount, d.PreviewVersion, file.Key)),
                ["pages", ..] => true,
                _ => false, // not ours to judge (another site's prefix, a health probe)
            };
            if (orphan) findings.Add(new(CheckArea.Orphans, null, file.Key, "no document names this file"));
        }
        return findings;
    }

    /// <summary>
    /// Fixes what can be fixed: documents with missing page images are converted again (their original is intact),
    /// search is rebuilt, missing fingerprints are computed, orphan files are removed. Originals cannot be made again.
    /// </summary>
    public async Task RepairAsync(IReadOnlyList<CheckFinding> findings, CancellationToken ct)
    {
        await using var db = await _dbFactory.CreateDbContextAsync(ct);
        var brokenOriginals = findings.Where(f => f.Area == CheckArea.Originals).Select(f => f.DocumentId).ToHashSet();

        foreach (var f in findings.Where(f => f.Area == CheckArea.Orphans))
        {
            await _store.DeleteAsync(f.Key, ct);
            f.Repaired = true;
        }

        var reconvert = findings.Where(f => f.Area == CheckArea.Pages && !brokenOriginals.Contains(f.DocumentId)).GroupBy(f => f.DocumentId!.Value).ToList();
        var maxAttempts = services.GetRequiredService<IOptions<ConversionOptions>>().Value.MaxAttempts;
        foreach (var group in reconvert)
        {
            var doc = await db.Documents.SingleOrDefaultAsync(d => d.Id == group.Key, ct);
            // Only a published document is converted again (it stays published: see ConvertDocumentJob). A held one
            // waits for its moderator, whose release or rejection must not be made for them; it stays reported.
            if (doc is null || doc.Status != DocumentStatus.Ready) continue;
            // Queued again: the document leaves search until its pages are back (the outbox follows the status).
            doc.Status = DocumentStatus.Queued;
            db.Jobs.Add(Job.Convert(doc, maxAttempts));
            await db.SaveChangesAsync(ct);
            foreach (var f in group) f.Repaired = true;
        }
        var requeued = reconvert.Select(g => g.Key).ToHashSet();

        var detector = services.GetRequiredService<DuplicateDetector>();
        foreach (var f in findings.Where(f => f.Area == CheckArea.Fingerprints))
        {
            if (!requeued.Contains(f.DocumentId!.Value)) // conversion fingerprints those again
                await detector.CheckAsync(db, f.DocumentId.Value, await DuplicateDetector.TextOfAsync(db, f.DocumentId.Value, ct), ct);
            db.ChangeTracker.Clear();
            f.Repaired = true;
        }

        var search = findings.Where(f => f.Area == CheckArea.Search).ToList();
        if (search.Count > 0)
        {
            // A new index beside the live one (a running site switches to it); on PostgreSQL, the search rows rewritten.
            await _search.RebuildAsync(null, ct);
            foreach (var f in search) f.Repaired = true;
        }
    }

    private async Task<string?> HashAsync(string key, CancellationToken ct)
    {
        await using var stream = await _store.OpenReadAsync(key, ct);
        return stream is null ? null : Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, ct));
    }

    /// <summary>The name of a stored preview file: a page's image in either size and format, or the cover.</summary>
    [System.Text.RegularExpressions.GeneratedRegex(@"^(?:(?<n>\d+)(?:\.m)?\.(?:jpg|webp)|cover\.(?:jpg|webp))$")]
    private static partial System.Text.RegularExpressions.Regex PreviewName();
}
