using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.Mvc.Rendering;
using Microsoft.AspNetCore.Mvc.ViewEngines;
using Microsoft.AspNetCore.Mvc.ViewFeatures;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Wenku.Data;

namespace Wenku.Tests.Infrastructure;

/// <summary>
/// A bare test page that hosts the document view components before a page of the site does:
/// <c>/test/component/{ReaderActions|MoreFromUploader}?document={id}</c> renders the component for that document, as
/// the signed-in reader, in the request's language, with the site's stylesheet. Add it to a test site with
/// <c>services.AddSingleton&lt;IStartupFilter, ComponentPage&gt;()</c>.
/// </summary>
public sealed class ComponentPage : IStartupFilter
{
    public const string Path = "/test/component";

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Map(Path, branch =>
        {
            branch.UseRequestLocalization();
            branch.UseAuthentication();
            branch.Run(RenderAsync);
        });
        next(app);
    };

    private static async Task RenderAsync(HttpContext http)
    {
        var name = http.Request.Path.Value!.Trim('/');
        http.Request.PathBase = PathString.Empty; // the component's links are the site's, not under the test path
        var id = long.Parse(http.Request.Query["document"]!, System.Globalization.CultureInfo.InvariantCulture);
        var services = http.RequestServices;
        var document = await services.GetRequiredService<WenkuDb>().Documents.AsNoTracking().SingleAsync(d => d.Id == id);
        await using var writer = new StringWriter();
        var actionContext = new ActionContext(http, new RouteData(), new ActionDescriptor());
        var viewContext = new ViewContext(actionContext, NoView.Instance,
            new ViewDataDictionary(new EmptyModelMetadataProvider(), new ModelStateDictionary()),
            services.GetRequiredService<ITempDataDictionaryFactory>().GetTempData(http), writer, new HtmlHelperOptions());
        var components = services.GetRequiredService<IViewComponentHelper>();
        ((IViewContextAware)components).Contextualize(viewContext);
        var content = await components.InvokeAsync(name, new { document });
        content.WriteTo(writer, HtmlEncoder.Default);
        http.Response.ContentType = "text/html; charset=utf-8";
        await http.Response.WriteAsync($"""
            <!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <link rel="stylesheet" href="/site.css"><link rel="icon" href="/favicon.svg" type="image/svg+xml"><title>{name}</title></head><body><main><h1>{name}</h1><section class="panel">{writer}</section></main></body></html>
            """);
    }

    private sealed class NoView : IView
    {
        public static readonly NoView Instance = new();
        public string Path => "";
        public Task RenderAsync(ViewContext context) => Task.CompletedTask;
    }
}
