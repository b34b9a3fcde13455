using Microsoft.AspNetCore.OutputCaching;

namespace Wenku.Documents;

/// <summary>
/// Anonymous readers get the document page from the output cache for a few seconds: the page is the hot path of a
/// 文库 and is the same for every anonymous reader. Signed-in readers (whose pages carry their forms and tokens)
/// are never served from the cache; changes that readers must see at once (comments, settings) evict it.
/// </summary>
public static class DocumentPageCache
{
    public const string Policy = "document-page";
    public const string Tag = "document-pages";

    public static IServiceCollection AddDocumentPageCache(this IServiceCollection services) =>
        services.AddOutputCache(o => o.AddPolicy(Policy, b => b
            .Expire(TimeSpan.FromSeconds(10))
            .SetVaryByQuery("comment")
            .Tag(Tag)));

    public static Task EvictAsync(IOutputCacheStore cache, CancellationToken ct) => cache.EvictByTagAsync(Tag, ct).AsTask();
}
