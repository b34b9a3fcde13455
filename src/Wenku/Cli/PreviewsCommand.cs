using System.CommandLine;
using Microsoft.EntityFrameworkCore;
using Wenku.Conversion;
using Wenku.Data;
using Wenku.Documents;
using Wenku.Jobs;
using Wenku.Storage;

namespace Wenku.Cli;

/// <summary>
/// <c>wenku admin previews [--missing | --all]</c>: gives documents converted before there were sizes and covers
/// (<see cref="Document.PreviewVersion"/> 0) the files of <see cref="PreviewVersions.Current"/> — the phone size in JPEG
/// and WebP, the cover — from the desktop JPEG each page already has (decoded once; the watermark is in it), with no new
/// conversion; that JPEG stays the desktop image. One document at a time, in batches by id; each gets its new version
/// only when all its files are stored, so an
/// interrupted run resumes where it stopped and a second run finds nothing to do. Safe beside a running site.
/// </summary>
public static class PreviewsCommand
{
    private const int Batch = 100;

    public static Command Build(Option<string?> data)
    {
        var missing = new Option<bool>("--missing") { Description = "Only documents without version-1 previews (the default)." };
        var all = new Option<bool>("--all") { Description = "Every converted document, also those that have them (after changing the preview quality)." };
        var command = new Command("previews",
            "Make the phone size, WebP and cover of existing documents from their stored page images (no new conversion).") { data, missing, all };
        command.Validators.Add(r =>
        {
            if (r.GetValue(missing) && r.GetValue(all)) r.AddError("Give --missing or --all, not both.");
        });
        command.SetAction(async (p, ct) =>
        {
            await using var services = CliServices.Build(p.GetValue(data));
            await DatabaseSetup.InitializeAsync(services, ct);
            var outcome = await RunAsync(services, p.GetValue(all), Console.Out, ct);
            Console.WriteLine($"Previews: {outcome.Upgraded} document(s) given sized previews, {outcome.Skipped} skipped (a page image is missing: run `wenku admin check --repair`).");
            return outcome.Skipped > 0 ? 1 : 0;
        });
        return command;
    }

    /// <summary>The documents done, and those skipped because a stored page image is missing or unreadable.</summary>
    public sealed record Outcome(int Upgraded, int Skipped);

    public static async Task<Outcome> RunAsync(IServiceProvider services, bool all, TextWriter log, CancellationToken ct)
    {
        var dbFactory = services.GetRequiredService<IDbContextFactory<WenkuDb>>();
        var store = services.GetRequiredService<IFileStore>();
        var encoder = services.GetRequiredService<PreviewEncoder>();
        var temp = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<WenkuOptions>>().Value.TempDir;
        var (upgraded, skipped, after) = (0, 0, 0L);
        while (true)
        {
            List<(long Id, int Pages)> batch;
            await using (var db = await dbFactory.CreateDbContextAsync(ct))
                batch = (await db.Documents.AsNoTracking()
                    .Where(d => d.Id > after && d.PageCount > 0
                        && (all || d.PreviewVersion < PreviewVersions.Sized)
                        // Converted, with files: not queued or converting (conversion makes version 1), not failed,
                        // not removed past retention (its files are gone on purpose).
                        && (d.Status == DocumentStatus.Ready || d.Status == DocumentStatus.Held
                            || (d.Status == DocumentStatus.Removed && !db.DocumentRemovals.Any(r => r.Id == d.RemovalId && r.FilesDeletedAt != null))))
                    .OrderBy(d => d.Id).Take(Batch).Select(d => new { d.Id, d.PageCount }).ToListAsync(ct))
                    .Select(d => (d.Id, d.PageCount)).ToList();
            if (batch.Count == 0) break;
            foreach (var (id, pages) in batch)
            {
                if (await UpgradeAsync(id, pages, store, encoder, temp, ct) is { } problem)
                {
                    skipped++;
                    await log.WriteLineAsync($"Document {id}: skipped, {problem}.");
                    continue;
                }
                await using var db = await dbFactory.CreateDbContextAsync(ct);
                // A version-1 document (with --all) keeps its desktop WebP files and the markup that offers them.
                await db.Documents.Where(d => d.Id == id).ExecuteUpdateAsync(s => s.SetProperty(d => d.PreviewVersion,
                    d => d.PreviewVersion >= PreviewVersions.Sized ? d.PreviewVersion : PreviewVersions.Current), ct);
                upgraded++;
            }
            after = batch[^1].Id;
            await log.WriteLineAsync($"… {upgraded} done, {skipped} skipped (through document {after})");
        }
        return new Outcome(upgraded, skipped);
    }

    /// <summary>Makes and stores the version-1 files of one document; why not, when a page image is missing or unreadable.</summary>
    private static async Task<string?> UpgradeAsync(long id, int pages, IFileStore store, PreviewEncoder encoder, string tempDir, CancellationToken ct)
    {
        var work = WorkFolders.NewFor(tempDir, id);
        Directory.CreateDirectory(work);
        try
        {
            var problem = (string?)null;
            await Parallel.ForEachAsync(Enumerable.Range(1, pages),
                new ParallelOptions { MaxDegreeOfParallelism = Math.Max(2, Environment.ProcessorCount), CancellationToken = ct },
                async (n, token) =>
                {
                    var jpeg = Path.Combine(work, $"page-{n}.jpg");
                    await using (var stored = await store.OpenReadAsync(Document.PageKey(id, n), token))
                    {
                        if (stored is null) { problem = $"page {n} has no image"; return; }
                        await using var file = File.Create(jpeg);
                        await stored.CopyToAsync(file, token);
                    }
                    try { encoder.WriteMissing(jpeg); }
                    catch (ConversionException) { problem = $"the image of page {n} cannot be decoded"; return; }
                    foreach (var (path, size, webp) in PreviewFiles.Of(jpeg).Written.Where(f => f.Size == PreviewVersions.Size.Phone))
                        await store.PutFileAsync(PreviewVersions.PageKey(id, n, size, webp), path, token);
                });
            if (problem is not null) return problem;
            var cover = (Jpeg: Path.Combine(work, "cover.jpg"), Webp: Path.Combine(work, "cover.webp"));
            // The phone JPEG of page 1 was moved into the store: the desktop one is still here.
            encoder.WriteCover(Path.Combine(work, "page-1.jpg"), cover.Jpeg, cover.Webp);
            await store.PutFileAsync(PreviewVersions.CoverKey(id, webp: false), cover.Jpeg, ct);
            await store.PutFileAsync(PreviewVersions.CoverKey(id, webp: true), cover.Webp, ct);
            return null;
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { }
        }
    }
}
