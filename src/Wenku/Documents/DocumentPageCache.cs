using Microsoft.AspNetCore.OutputCaching;

namespace Wenku.Documents;

/// <summary>
/// Anonymous readers get the document page from the output cache for a few seconds: the page is the hot path of a
/// 文库 and is the same for every anonymous reader. Signed-in readers (whose pages carry their forms and tokens)
/// are never served from the cache. A change readers must see at once evicts one document's page (a comment) or
/// all of them (site settings).
/// </summary>
public static class DocumentPageCache
{
    public const string Policy = "document-page";
    private const string AllTag = "document-pages";

    public static IServiceCollection AddDocumentPageCache(this IServiceCollection services, WenkuOptions options) =>
        services.AddOutputCache(o => o.AddPolicy(Policy, b => (options.DocumentPageCacheSeconds > 0 ? b : b.NoCache())
            .Expire(TimeSpan.FromSeconds(Math.Max(1, options.DocumentPageCacheSeconds)))
            .SetVaryByQuery("comment", "lang")
            // One cached copy per language (the language comes from ?lang=, the cookie or Accept-Language).
            .VaryByValue(_ => new KeyValuePair<string, string>("culture", System.Globalization.CultureInfo.CurrentUICulture.Name))
            .Tag(AllTag)
            .AddPolicy<TagByDocument>()));

    public static Task EvictAsync(IOutputCacheStore cache, long documentId, CancellationToken ct) =>
        cache.EvictByTagAsync(DocumentTag(documentId), ct).AsTask();

    public static Task EvictAllAsync(IOutputCacheStore cache, CancellationToken ct) =>
        cache.EvictByTagAsync(AllTag, ct).AsTask();

    private static string DocumentTag(long id) => $"document-{id}";

    /// <summary>Tags a cached page with its document, so that one document's page can be evicted alone.</summary>
    private sealed class TagByDocument : IOutputCachePolicy
    {
        public ValueTask CacheRequestAsync(OutputCacheContext context, CancellationToken cancellation)
        {
            if (ViewCounter.DocumentId(context.HttpContext.Request.Path) is { } id) context.Tags.Add(DocumentTag(id));
            return ValueTask.CompletedTask;
        }

        public ValueTask ServeFromCacheAsync(OutputCacheContext context, CancellationToken cancellation) => ValueTask.CompletedTask;

        public ValueTask ServeResponseAsync(OutputCacheContext context, CancellationToken cancellation) => ValueTask.CompletedTask;
    }
}
