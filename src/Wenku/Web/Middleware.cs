using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Wenku.Documents;

namespace Wenku.Web;

/// <summary>The site's own small steps in the request pipeline.</summary>
public static class Middleware
{
    /// <summary>Razor pages answer GET (and HEAD) and POST only; any other method would render a page whose handler never ran.</summary>
    public static IApplicationBuilder UsePageMethodGuard(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var method = context.Request.Method;
        // An API PATCH or DELETE that ends in an error status (or an exception) is re-executed into the error page
        // with its own method; the error page answers it as it answers a GET (problem details for the API).
        if (!HttpMethods.IsGet(method) && !HttpMethods.IsHead(method) && !HttpMethods.IsPost(method)
            && (context.Features.Get<Microsoft.AspNetCore.Diagnostics.IStatusCodeReExecuteFeature>() is not null
                || context.Features.Get<Microsoft.AspNetCore.Diagnostics.IExceptionHandlerFeature>() is not null))
        {
            context.Request.Method = HttpMethods.Get;
            method = HttpMethods.Get;
        }
        if (context.GetEndpoint()?.Metadata.GetMetadata<PageActionDescriptor>() is not null
            && !HttpMethods.IsGet(method) && !HttpMethods.IsHead(method) && !HttpMethods.IsPost(method))
        {
            context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            return;
        }
        await next();
    });

    /// <summary>
    /// The antiforgery middleware only records a failed check, and endpoints that read no form would go on: every
    /// request to an endpoint that requires the token and failed the check stops here, before any handler runs.
    /// (The verdict stays on the request when it is re-executed into the error page, which requires no token.)
    /// </summary>
    public static IApplicationBuilder UseAntiforgeryEnforcement(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (context.Features.Get<IAntiforgeryValidationFeature>() is { IsValid: false }
            && context.GetEndpoint()?.Metadata.GetMetadata<IAntiforgeryMetadata>() is { RequiresValidation: true })
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }
        await next();
    });

    /// <summary>Counts document page views, also of pages served from the output cache (so it comes before it).</summary>
    public static IApplicationBuilder UseDocumentViewCounting(this IApplicationBuilder app)
    {
        var views = app.ApplicationServices.GetRequiredService<ViewCounter>();
        return app.Use((context, next) => views.CountPageViewsAsync(context, () => next(context)));
    }
}
