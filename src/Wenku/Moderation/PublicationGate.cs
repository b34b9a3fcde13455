using Wenku.Data;
using Wenku.Documents;

namespace Wenku.Moderation;

/// <summary>Why a converted document waits for a moderator instead of being published.</summary>
public sealed record Hold(HoldReason Reason, string? Details);

/// <summary>
/// Decides, after a document's first conversion, whether it is published at once or held for review: sensitive words
/// marked <c>review</c> in its title, description, tags or text (<see cref="SensitiveWordScreen"/>), else
/// pre-publication review of new uploads (<see cref="NewUploadReview"/>). Near duplicates are held before this is asked.
/// </summary>
public sealed class PublicationGate(SensitiveWordScreen words, NewUploadReview newUploads)
{
    /// <param name="pageTexts">The text of each page, in order (page 1 first).</param>
    public async Task<Hold?> CheckAsync(WenkuDb db, Document doc, IReadOnlyList<string> pageTexts, SiteSettings settings, CancellationToken ct) =>
        await words.CheckDocumentAsync(doc, pageTexts, ct) ?? await newUploads.CheckAsync(db, doc, settings, ct);
}
