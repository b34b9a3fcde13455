using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Wenku.Data;
using Wenku.Telemetry;

namespace Wenku.Search;

[Microsoft.AspNetCore.RateLimiting.EnableRateLimiting(Web.RateLimits.Search)]
public sealed class SearchModel(ISearchIndex index, WenkuDb db, CategoryNames categories, WenkuMetrics metrics, TimeProvider clock) : PageModel
{
    public SearchQuery Query { get; private set; } = new("");
    public SearchResults? Results { get; private set; }
    public IReadOnlyDictionary<string, string> CategoryLabels { get; private set; } = new Dictionary<string, string>();

    /// <summary>Which preview files each hit has (its cover exists from version 1), read with the hits: no broken covers.</summary>
    public IReadOnlyDictionary<long, int> PreviewVersionOf { get; private set; } = new Dictionary<long, int>();

    public async Task OnGetAsync(string? q, [FromQuery(Name = "page")] int? page, string? category, string? format,
        string? price, string? pages, string? sort, CancellationToken ct)
    {
        // A signed-in reader may just have changed a document: their searches see it (a replica behind is skipped).
        Query = SearchApi.ToQuery(q, page, category, format, price, pages, sort) with { Fresh = User.Identity?.IsAuthenticated == true };
        CategoryLabels = await categories.BySlugAsync(db, ct);
        if (SearchApi.IsBlank(Query)) return;
        // One database query whatever the number of hits: their status and their preview files together.
        (Results, PreviewVersionOf) = await SearchListing.OnlyReadyWithPreviewsAsync(db,
            await metrics.TimeSearchAsync(index, clock, () => index.SearchAsync(Query, ct)), ct);
    }

    /// <summary>This search's address with some parameters changed (null removes one); a filter change starts at page 1.</summary>
    public string Link(string? category = "\0", string? format = "\0", string? price = "\0", string? pages = "\0", string? sort = "\0", int page = 1)
    {
        var parts = new List<string>();
        void Add(string name, string? value, string? current)
        {
            var v = value == "\0" ? current : value;
            if (!string.IsNullOrEmpty(v)) parts.Add(name + "=" + Uri.EscapeDataString(v));
        }
        Add("q", Query.Text, null);
        Add("category", category, Query.Category);
        Add("format", format, Query.Format);
        Add("price", price, Query.Price);
        Add("pages", pages, Query.Pages);
        Add("sort", sort, Query.Sort == SearchSort.Relevance ? null : Query.Sort.ToString().ToLowerInvariant());
        if (page > 1) parts.Add("page=" + page);
        return "/search?" + string.Join("&", parts);
    }
}
