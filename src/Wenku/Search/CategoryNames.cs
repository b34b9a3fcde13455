using Microsoft.EntityFrameworkCore;
using Wenku.Data;

namespace Wenku.Search;

/// <summary>
/// Category names by slug, as search shows them beside hits and facets: read from the database at most every
/// <see cref="MaxAge"/> instead of on every search (the few categories change rarely; nothing on the site edits them
/// while it runs). Memory: one small dictionary, replaced as a whole.
/// </summary>
public sealed class CategoryNames(TimeProvider time)
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(30);

    private sealed record Snapshot(IReadOnlyDictionary<string, string> BySlug, DateTimeOffset ReadAt);

    private Snapshot? _snapshot;

    public async ValueTask<IReadOnlyDictionary<string, string>> BySlugAsync(WenkuDb db, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (_snapshot is { } s && now - s.ReadAt < MaxAge && now >= s.ReadAt) return s.BySlug;
        var names = await db.Categories.AsNoTracking().ToDictionaryAsync(c => c.Slug, c => c.Name, ct);
        // Two requests may both read: the last one's snapshot stays, either is right.
        _snapshot = new Snapshot(names, now);
        return names;
    }
}
