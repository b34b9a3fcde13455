using Wenku.Data;
using Wenku.Documents;
using Wenku.Web.Localization;

namespace Wenku.Moderation;

/// <summary>Why a converted document waits for a moderator instead of being published.</summary>
public sealed record Hold(HoldReason Reason, StoredText? Details)
{
    /// <summary>Writes the hold onto the document: status, reason, and the details (code, arguments, Chinese text).</summary>
    public void ApplyTo(Document doc)
    {
        (doc.Status, doc.HoldReason) = (DocumentStatus.Held, Reason);
        SetDetails(doc, this);
    }

    /// <summary>The document's hold columns from <paramref name="hold"/>, or cleared when it is null.</summary>
    public static void SetDetails(Document doc, Hold? hold)
    {
        doc.HoldReason = hold?.Reason;
        doc.HoldDetails = hold?.Details is { } d ? Cut(d.Format()) : null;
        doc.HoldDetailsCode = hold?.Details?.Message.Code;
        doc.HoldDetailsArgs = hold?.Details?.StoreArgs();
    }

    private static string Cut(string text) => text.Length > 2000 ? text[..1999] + "…" : text;
}

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
