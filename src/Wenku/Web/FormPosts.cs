using Microsoft.AspNetCore.Antiforgery;

namespace Wenku.Web;

public static class FormPosts
{
    /// <summary>
    /// Refuses (400) a form post to this endpoint without a valid antiforgery token. Marking the endpoint alone is not
    /// enough: the antiforgery middleware only records its verdict, and minimal APIs act on it only when they bind form
    /// fields, so a handler that reads none (download, delete, sign out) would run for a cross-site post.
    /// </summary>
    public static TBuilder RequireAntiforgeryToken<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        builder.WithMetadata(new RequireAntiforgeryTokenAttribute());
        builder.AddEndpointFilter(async (context, next) =>
            context.HttpContext.Features.Get<IAntiforgeryValidationFeature>() is { IsValid: true }
                ? await next(context)
                : Results.StatusCode(StatusCodes.Status400BadRequest)); // no body: the status-code pages explain it
        return builder;
    }
}
