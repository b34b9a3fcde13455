using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Wenku.Search;

[Microsoft.AspNetCore.RateLimiting.EnableRateLimiting(Web.RateLimits.Search)]
public sealed class SearchModel(ISearchIndex index) : PageModel
{
    public string Query { get; private set; } = "";
    public IReadOnlyList<string> Terms { get; private set; } = [];
    public SearchResults? Results { get; private set; }

    public async Task OnGetAsync(string? q, [FromQuery(Name = "page")] int? page, CancellationToken ct)
    {
        Query = (q ?? "").Trim();
        Terms = QueryTerms.Parse(Query);
        if (Terms.Count > 0) Results = await index.SearchAsync(new SearchQuery(Query, page ?? 1), ct);
    }
}
