using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Wenku.Commerce;
using Wenku.Data;
using Wenku.Documents;
using Wenku.Storage;

namespace Wenku.Moderation;

/// <summary>An evidence file as received: its content, its size and the name it was sent under (kept for staff only).</summary>
public sealed record EvidenceUpload(Stream Content, long Length, string? FileName);

public abstract record ClaimFilingOutcome
{
    public sealed record Done(Claim Claim) : ClaimFilingOutcome;
    /// <summary>No such document, or not a published one.</summary>
    public sealed record NotFound : ClaimFilingOutcome;
    /// <summary>The claimant is the document's uploader.</summary>
    public sealed record OwnDocument : ClaimFilingOutcome;
    /// <summary>No statement, or one longer than <see cref="Claim.MaxStatement"/>.</summary>
    public sealed record BadStatement : ClaimFilingOutcome;
    public sealed record EvidenceTooLarge : ClaimFilingOutcome;
    /// <summary>The evidence is not a PDF, JPEG, PNG, DOCX or plain text file: <paramref name="What"/> it is instead.</summary>
    public sealed record EvidenceRefused(string What) : ClaimFilingOutcome;
    /// <summary>The claimant has an open claim on this document already.</summary>
    public sealed record AlreadyOpen(long ClaimId) : ClaimFilingOutcome;
}

/// <summary>
/// Filing a claim (认领): "this is my work", with a statement and optionally an evidence file. The evidence's format is
/// told from its content (<see cref="FileSniffer"/>; the name is kept for staff but decides nothing), and it is stored
/// under a key Wenku makes (<c>claims/{random}/evidence</c>), served only to staff. One open claim per claimant and
/// document (a unique index; a parallel twin loses there and its evidence is deleted).
/// </summary>
public sealed class ClaimFiling(WenkuDb db, IFileStore store, IOptions<WenkuOptions> options, ILogger<ClaimFiling> log)
{
    /// <summary>The largest evidence file accepted (10 MB).</summary>
    public const long MaxEvidenceBytes = 10L * 1024 * 1024;

    /// <summary>The evidence formats accepted, as <see cref="FileSniffer"/> names them.</summary>
    public static readonly IReadOnlySet<string> EvidenceFormats = new HashSet<string> { "pdf", "jpg", "png", "docx", "txt" };

    /// <summary>The document if it may be claimed (published: a document others can see), else null.</summary>
    public async Task<Document?> ClaimableAsync(long documentId, CancellationToken ct) =>
        await db.Documents.AsNoTracking().SingleOrDefaultAsync(d => d.Id == documentId && d.Status == DocumentStatus.Ready, ct);

    public async Task<ClaimFilingOutcome> FileAsync(long documentId, string claimantId, string? statement, bool wantsRemoval,
        EvidenceUpload? evidence, CancellationToken ct)
    {
        var doc = await ClaimableAsync(documentId, ct);
        if (doc is null) return new ClaimFilingOutcome.NotFound();
        if (doc.UploaderId == claimantId) return new ClaimFilingOutcome.OwnDocument();
        var text = Text.SafeText.MultiLine(statement);
        if (text.Length == 0 || text.Length > Claim.MaxStatement) return new ClaimFilingOutcome.BadStatement();
        if (await OpenClaimOfAsync(documentId, claimantId, ct) is { } open) return new ClaimFilingOutcome.AlreadyOpen(open);
        if (evidence is { Length: > MaxEvidenceBytes }) return new ClaimFilingOutcome.EvidenceTooLarge();

        var claim = new Claim { DocumentId = documentId, ClaimantId = claimantId, Statement = text, WantsRemoval = wantsRemoval };
        if (evidence is { Length: > 0 })
        {
            var (refused, key, format, bytes) = await StoreEvidenceAsync(evidence, ct);
            if (refused is not null) return refused;
            (claim.EvidenceKey, claim.EvidenceFormat, claim.EvidenceBytes) = (key, format, bytes);
            claim.EvidenceFileName = CleanName(evidence.FileName, claim.EvidenceFormat);
        }
        db.Claims.Add(claim);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (Ledger.IsLostRace(e) || Ledger.IsForeignKeyViolation(e))
        {
            // A parallel twin took the open slot (or the document was deleted meanwhile): this claim's evidence goes.
            db.ChangeTracker.Clear();
            if (claim.EvidenceKey is { } key) await store.DeleteAsync(key, ct);
            if (Ledger.IsForeignKeyViolation(e)) return new ClaimFilingOutcome.NotFound();
            return await OpenClaimOfAsync(documentId, claimantId, ct) is { } twin
                ? new ClaimFilingOutcome.AlreadyOpen(twin) : throw new InvalidOperationException("The claim's unique index refused it, but no open claim exists.", e);
        }
        log.LogInformation("Claim {ClaimId} on document {DocumentId} filed by {UserId} (removal: {WantsRemoval}, evidence: {EvidenceBytes} bytes)",
            claim.Id, documentId, claimantId, wantsRemoval, claim.EvidenceBytes);
        return new ClaimFilingOutcome.Done(claim);
    }

    private Task<long?> OpenClaimOfAsync(long documentId, string claimantId, CancellationToken ct) =>
        db.Claims.Where(c => c.DocumentId == documentId && c.ClaimantId == claimantId && c.State == ClaimState.Open)
            .Select(c => (long?)c.Id).FirstOrDefaultAsync(ct);

    /// <summary>Copies the evidence to a temporary file (bounded), sniffs it, and stores it: (key, format, bytes) or a refusal.</summary>
    private async Task<(ClaimFilingOutcome? Refused, string Key, string Format, long Bytes)> StoreEvidenceAsync(EvidenceUpload evidence, CancellationToken ct)
    {
        Directory.CreateDirectory(options.Value.TempDir);
        var temp = Path.Combine(options.Value.TempDir, $"upload-{Guid.NewGuid():N}.part"); // the storage janitor sweeps these after a crash
        try
        {
            long bytes;
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true))
            {
                var buffer = new byte[81920];
                bytes = 0;
                int read;
                while ((read = await evidence.Content.ReadAsync(buffer, ct)) > 0)
                {
                    bytes += read;
                    if (bytes > MaxEvidenceBytes) return (new ClaimFilingOutcome.EvidenceTooLarge(), "", "", 0);
                    await file.WriteAsync(buffer.AsMemory(0, read), ct);
                }
            }
            if (bytes == 0) return (new ClaimFilingOutcome.EvidenceRefused("an empty file"), "", "", 0);
            // The content decides, never the name (no name: text is plain text whatever it was called).
            var sniffed = FileSniffer.SniffFile(temp, fileName: "");
            if (sniffed.Format is not { } format || !EvidenceFormats.Contains(format))
                return (new ClaimFilingOutcome.EvidenceRefused(sniffed.Format is { } other ? FileSniffer.Formats[other] : sniffed.What), "", "", 0);
            var key = $"claims/{Guid.NewGuid():N}/evidence";
            await store.PutFileAsync(key, temp, ct);
            return (null, key, format, bytes);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>The name staff see: the sent name without folders and control characters, cut to the column, or one made up.</summary>
    private static string CleanName(string? name, string format)
    {
        var clean = Text.SafeText.OneLine(Path.GetFileName((name ?? "").Replace('\\', '/')));
        if (clean.Length == 0) clean = $"evidence.{format}";
        return clean.Length <= 200 ? clean : clean[..200];
    }
}
