using Wenku.Data;
using Wenku.Documents;

namespace Wenku.Moderation;

/// <summary>
/// Pre-publication review (<see cref="SiteSettings.ReviewNewUploads"/>): whether a new upload waits for a moderator.
/// (The review-queue slice implements it; until then nothing is held.)
/// </summary>
public sealed class NewUploadReview
{
    public Task<Hold?> CheckAsync(WenkuDb db, Document doc, SiteSettings settings, CancellationToken ct) => Task.FromResult<Hold?>(null);
}
