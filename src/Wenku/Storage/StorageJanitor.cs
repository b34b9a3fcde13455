using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Wenku.Data;
using Wenku.Documents;
using Wenku.Jobs;

namespace Wenku.Storage;

/// <summary>
/// After a crash (even <c>kill -9</c>) nothing is left behind: at start, unfinished uploads in the temp folder,
/// originals that no document row points to, claim evidence that no claim names, and page previews of documents that no
/// longer exist are removed.
/// </summary>
public sealed class StorageJanitor(IServiceProvider services, IFileStore store, IOptions<WenkuOptions> options, TimeProvider time, ILogger<StorageJanitor> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await SweepAsync(TimeSpan.FromSeconds(options.Value.OrphanMinAgeSeconds), stoppingToken);
        }
        catch (OperationCanceledException) { }
        catch (Exception e)
        {
            log.LogError(e, "Storage sweep failed");
        }
    }

    /// <summary>Removes orphans older than <paramref name="minAge"/> (younger ones may belong to an upload in flight).</summary>
    public async Task<int> SweepAsync(TimeSpan minAge, CancellationToken ct)
    {
        var removed = 0;
        var cutoff = time.GetUtcNow().UtcDateTime - minAge;
        var temp = options.Value.TempDir;
        if (Directory.Exists(temp))
        {
            IEnumerable<string> FilesIn(string folder) =>
                Directory.Exists(Path.Combine(temp, folder)) ? Directory.EnumerateFiles(Path.Combine(temp, folder)) : [];
            // Unfinished uploads, ASP.NET's buffered form files outside a process folder, demo PDFs being written.
            foreach (var file in Directory.EnumerateFiles(temp, "upload-*.part").Concat(FilesIn("aspnet")).Concat(FilesIn("demo")))
                if (File.GetLastWriteTimeUtc(file) < cutoff) { File.Delete(file); removed++; }
            // Form files of serve processes that are gone (killed mid-upload), however young.
            removed += FormBufferFolders.RemoveOfDeadProcesses(temp);
            // Work folders of workers that are gone (killed mid-job).
            removed += WorkFolders.RemoveOfDeadWorkers(temp);
        }

        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WenkuDb>();
        var keys = (await db.Documents.Select(d => d.StorageKey).ToListAsync(ct)).ToHashSet(StringComparer.Ordinal);
        var orphans = new List<string>();
        await foreach (var file in store.ListAsync("originals/", ct))
            if (!keys.Contains(file.Key) && file.LastModifiedUtc < cutoff) orphans.Add(file.Key);
        // Re-check against the database: an upload may have committed since the first read.
        var stillOrphans = orphans.Count == 0 ? [] : orphans.Except(await db.Documents.Where(d => orphans.Contains(d.StorageKey)).Select(d => d.StorageKey).ToListAsync(ct)).ToList();
        foreach (var key in stillOrphans)
        {
            await store.DeleteAsync(key, ct);
            removed++;
        }

        // Claim evidence stored before its claim row committed (a crash, a lost race): no claim names it.
        var evidence = (await db.Claims.Where(c => c.EvidenceKey != null).Select(c => c.EvidenceKey!).ToListAsync(ct)).ToHashSet(StringComparer.Ordinal);
        var orphanEvidence = new List<string>();
        await foreach (var file in store.ListAsync("claims/", ct))
            if (!evidence.Contains(file.Key) && file.LastModifiedUtc < cutoff) orphanEvidence.Add(file.Key);
        if (orphanEvidence.Count > 0)
            foreach (var key in orphanEvidence.Except(await db.Claims.Where(c => orphanEvidence.Contains(c.EvidenceKey!)).Select(c => c.EvidenceKey!).ToListAsync(ct)))
            {
                await store.DeleteAsync(key, ct);
                removed++;
            }

        var ids = (await db.Documents.Select(d => d.Id).ToListAsync(ct)).ToHashSet();
        var orphanPages = new List<(long Id, string Key)>();
        await foreach (var file in store.ListAsync("pages/", ct))
        {
            var parts = file.Key.Split('/');
            // Whatever their age: a page is only ever written for a document that exists, so one written just now
            // for a missing document comes from a conversion that outlived its deletion.
            if (parts.Length == 3 && long.TryParse(parts[1], out var id) && !ids.Contains(id))
                orphanPages.Add((id, file.Key));
        }
        // Re-check: a document created since the first read may have converted meanwhile.
        var candidates = orphanPages.Select(p => p.Id).Distinct().ToList();
        var existing = candidates.Count == 0 ? [] : (await db.Documents.Where(d => candidates.Contains(d.Id)).Select(d => d.Id).ToListAsync(ct)).ToHashSet();
        foreach (var (id, key) in orphanPages.Where(p => !existing.Contains(p.Id)))
        {
            await store.DeleteAsync(key, ct);
            removed++;
        }
        if (removed > 0) log.LogInformation("Storage sweep removed {Count} orphaned files", removed);
        return removed;
    }
}

public sealed class FileStoreHealthCheck(IFileStore store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        await store.IsWritableAsync(cancellationToken) ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("file store is not writable");
}
