using Wenku.Documents;

namespace Wenku.Moderation;

/// <summary>
/// The sensitive-word list applied to what users write and upload. One compiled matcher for the whole list, run on the
/// folded text. (The sensitive-words slice implements it; until then nothing matches.)
/// </summary>
public sealed class SensitiveWordScreen
{
    /// <summary>A converted document: a hold (with the words and the pages they are on) when a <c>review</c> word occurs.</summary>
    public Task<Hold?> CheckDocumentAsync(Document doc, IReadOnlyList<string> pageTexts, CancellationToken ct) => Task.FromResult<Hold?>(null);
}
