using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.OutputCaching;
using Microsoft.EntityFrameworkCore;
using Wenku.Accounts;
using Wenku.Data;
using Wenku.Documents;
using Wenku.Storage;

namespace Wenku.Duplicates;

/// <summary>The moderators' duplicates queue: held near duplicates beside the documents they match; release or reject.</summary>
[Authorize(Policy = Roles.StaffPolicy)]
public sealed class QueueModel(WenkuDb db, IFileStore store, IOutputCacheStore cache, DuplicateDetector detector, ILogger<QueueModel> log) : PageModel
{
    public sealed record HeldView(long Id, string Title, string Uploader, DateTime CreatedAt, long? MatchId, string? MatchTitle, double? Score);

    public IReadOnlyList<HeldView> Held { get; private set; } = [];
    public string? Message { get; private set; }

    public async Task OnGetAsync(CancellationToken ct) => await LoadAsync(ct);

    /// <summary>Releases (publishes) or rejects a held document.</summary>
    public async Task<IActionResult> OnPostAsync(long id, string decision, CancellationToken ct)
    {
        var doc = await db.Documents.SingleOrDefaultAsync(d => d.Id == id, ct);
        if (doc is null || doc.Status != DocumentStatus.Held) return NotFound();
        switch (decision)
        {
            case "release":
                doc.Status = DocumentStatus.Ready;
                await db.SaveChangesAsync(ct);
                Message = $"已发布 /d/{id}。Released /d/{id}.";
                break;
            case "reject":
                doc.Status = DocumentStatus.Failed;
                doc.Error = $"版主认定为 /d/{doc.NearDuplicateOfId} 的重复文档，未予发布。A moderator rejected this document as a near duplicate of /d/{doc.NearDuplicateOfId}.";
                await db.SaveChangesAsync(ct);
                await detector.ForgetAsync(db, id, ct);
                await foreach (var file in store.ListAsync(Document.PagePrefix(id), ct))
                    await store.DeleteAsync(file.Key, ct);
                Message = $"已拒绝 /d/{id}。Rejected /d/{id}.";
                break;
            default:
                return BadRequest();
        }
        log.LogInformation("Held document {DocumentId}: {Decision} by {UserId}", id, decision, User.UserId());
        await DocumentPageCache.EvictAsync(cache, id, ct);
        await LoadAsync(ct);
        return Page();
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        var held = await db.Documents.AsNoTracking().Where(d => d.Status == DocumentStatus.Held)
            .OrderBy(d => d.CreatedAt).ThenBy(d => d.Id).Take(200)
            .Select(d => new { d.Id, d.Title, Uploader = d.Uploader.DisplayName, d.CreatedAt, d.NearDuplicateOfId, d.NearDuplicateScore })
            .ToListAsync(ct);
        var matchIds = held.Where(h => h.NearDuplicateOfId is not null).Select(h => h.NearDuplicateOfId!.Value).Distinct().ToList();
        var titles = await db.Documents.AsNoTracking().Where(d => matchIds.Contains(d.Id)).ToDictionaryAsync(d => d.Id, d => d.Title, ct);
        Held = held.Select(h => new HeldView(h.Id, h.Title, h.Uploader, h.CreatedAt, h.NearDuplicateOfId,
            h.NearDuplicateOfId is { } m && titles.TryGetValue(m, out var t) ? t : null, h.NearDuplicateScore)).ToList();
    }
}
