using System.Globalization;
using Microsoft.AspNetCore.Localization;
using Microsoft.Extensions.Localization;

// Resource names start with the root namespace, not the assembly name (wenku.dll).
[assembly: RootNamespace("Wenku")]

namespace Wenku.Web.Localization;

/// <summary>
/// The site's two languages, one at a time: zh-CN (the default) and English. A reader's choice is the language cookie
/// set by <c>/lang/{culture}</c>; without one, <c>Accept-Language</c> decides; without that, zh-CN. The API answers in
/// the request's language the same way.
/// </summary>
/// <remarks>
/// Text is written in Chinese in the markup and the code (<c>@T["上传文档"]</c>) and that Chinese text is the key: zh-CN
/// needs no resource file, <c>Resources/SharedResource.en.resx</c> holds the English of every key, and
/// <c>TranslationTests</c> fails when a key lacks its English or a page prints Chinese outside <c>T[…]</c>.
/// </remarks>
public static class SiteCultures
{
    public const string Chinese = "zh-CN";
    public const string English = "en";
    public static readonly string[] All = [Chinese, English];

    /// <summary>The cookie that holds the reader's choice (ASP.NET's own format: <c>c=en|uic=en</c>).</summary>
    public static readonly string CookieName = CookieRequestCultureProvider.DefaultCookieName;

    /// <summary>
    /// T for every host (site, CLI, workers): the resource files' text, with English's singular and plural
    /// (<see cref="PluralLocalizer"/>, registered before the open generic <c>StringLocalizer&lt;T&gt;</c> would serve it).
    /// </summary>
    public static IServiceCollection AddWenkuText(this IServiceCollection services)
    {
        services.AddLocalization(o => o.ResourcesPath = "Resources");
        services.AddSingleton<IStringLocalizer<SharedResource>, PluralLocalizer>();
        return services;
    }

    public static IServiceCollection AddSiteLocalization(this IServiceCollection services)
    {
        // The localizer itself comes with AddWenkuCore (the CLI and workers speak too); here only how a request chooses.
        services.Configure<RequestLocalizationOptions>(o =>
        {
            var cultures = All.Select(c => new CultureInfo(c)).ToList();
            o.DefaultRequestCulture = new RequestCulture(Chinese);
            o.SupportedCultures = cultures;
            o.SupportedUICultures = cultures;
            o.FallBackToParentCultures = true;
            o.FallBackToParentUICultures = true;
            // ?lang= first (the URL of each hreflang alternate, for search engines and shared links), then the reader's
            // cookie, then the browser's languages. The embedded viewer and oEmbed skip the cookie (EmbedCultureProvider).
            o.RequestCultureProviders =
            [
                new QueryStringRequestCultureProvider { QueryStringKey = "lang", UIQueryStringKey = "lang" },
                new EmbedCultureProvider(),
                new CookieRequestCultureProvider(),
                new AcceptLanguageHeaderRequestCultureProvider(),
            ];
        });
        return services;
    }

    /// <summary>True when the request is answered in English.</summary>
    public static bool IsEnglish => CultureInfo.CurrentUICulture.TwoLetterISOLanguageName == "en";

    /// <summary>The <c>lang</c> attribute of the page being rendered: <c>zh-CN</c> or <c>en</c>.</summary>
    public static string HtmlLang => IsEnglish ? English : Chinese;

    /// <summary>A language's name in that language, for the switch in the header.</summary>
    public static string NativeName(string culture) => culture == English ? "English" : "\u4e2d\u6587";

    /// <summary>
    /// The URL of <paramref name="request"/>'s page in <paramref name="culture"/> (<c>?lang=</c> added or replaced), for
    /// <c>&lt;link rel="alternate" hreflang&gt;</c>.
    /// </summary>
    public static string AlternateUrl(HttpRequest request, string culture)
    {
        var query = request.Query.Where(q => !string.Equals(q.Key, "lang", StringComparison.OrdinalIgnoreCase))
            .SelectMany(q => q.Value.Select(v => new KeyValuePair<string, string?>(q.Key, v)))
            .Append(new("lang", culture));
        return $"{request.Scheme}://{request.Host}{request.PathBase}{request.Path}{QueryString.Create(query)}";
    }

    /// <summary>
    /// <c>GET /lang/{culture}</c>: remembers the reader's language for a year and goes back to the page they were on
    /// (a local path only; anything else goes home).
    /// </summary>
    public static void MapLanguageSwitch(this IEndpointRouteBuilder app) =>
        app.MapGet("/lang/{culture}", (string culture, string? returnUrl, HttpContext http) =>
        {
            var chosen = All.FirstOrDefault(c => string.Equals(c, culture, StringComparison.OrdinalIgnoreCase));
            if (chosen is null) return Results.NotFound();
            http.Response.Cookies.Append(CookieName, CookieRequestCultureProvider.MakeCookieValue(new RequestCulture(chosen)),
                new CookieOptions
                {
                    Expires = DateTimeOffset.UtcNow.AddYears(1),
                    IsEssential = true,
                    HttpOnly = true,
                    SameSite = SameSiteMode.Lax,
                    Secure = http.Request.IsHttps,
                    Path = "/",
                });
            http.Response.Headers.CacheControl = "no-store";
            return Results.LocalRedirect(IsLocal(returnUrl) ? WithoutLanguageParameter(returnUrl!) : "/");
        }).AllowAnonymous().ExcludeFromDescription();

    /// <summary>A path on this site: starts with one <c>/</c> (not <c>//</c> or <c>/\</c>, which browsers read as another
    /// host) and holds no control character anywhere (a tab or newline is dropped by browsers, making <c>/\t/evil</c>
    /// into <c>//evil</c>).</summary>
    internal static bool IsLocal(string? url) =>
        !string.IsNullOrEmpty(url) && url.Length <= 2000 && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\'))
        && !url.Any(char.IsControl);

    /// <summary>The address without <c>lang=</c>: the query string outranks the cookie just set, so keeping it would undo the switch.</summary>
    internal static string WithoutLanguageParameter(string url)
    {
        var q = url.IndexOf('?');
        if (q < 0) return url;
        var hash = url.IndexOf('#', q);
        var query = hash < 0 ? url[(q + 1)..] : url[(q + 1)..hash];
        var kept = query.Split('&').Where(p => p.Length > 0 && !p.StartsWith("lang=", StringComparison.OrdinalIgnoreCase) && !p.Equals("lang", StringComparison.OrdinalIgnoreCase));
        var rest = string.Join('&', kept);
        return url[..q] + (rest.Length > 0 ? "?" + rest : "") + (hash < 0 ? "" : url[hash..]);
    }
}

/// <summary>
/// <c>/embed/{id}</c> sits in another site's page and <c>/oembed</c> is asked by another site's server: they speak the
/// language that site chose — the <c>lang</c> parameter the embed snippet carries (the provider before this one) — else
/// the browser's <c>Accept-Language</c>, else zh-CN; never this site's language cookie, which is a choice made for
/// reading here, not for someone else's page.
/// </summary>
public sealed class EmbedCultureProvider : RequestCultureProvider
{
    private readonly AcceptLanguageHeaderRequestCultureProvider _browser = new();

    public override async Task<ProviderCultureResult?> DetermineProviderCultureResult(HttpContext httpContext)
    {
        var path = httpContext.Request.Path;
        if (!path.StartsWithSegments("/embed") && !path.StartsWithSegments("/oembed")) return null;
        _browser.Options ??= Options;
        // The middleware takes the first of these the site speaks (parent cultures too, as for every provider); zh-CN
        // last, so a browser asking only for French gets the default here instead of falling through to the cookie.
        var asked = await _browser.DetermineProviderCultureResult(httpContext);
        return new ProviderCultureResult([.. asked?.Cultures ?? [], SiteCultures.Chinese], [.. asked?.UICultures ?? [], SiteCultures.Chinese]);
    }
}

/// <summary>Text in the reader's language, for code that is not a page (services, endpoints, problem details).</summary>
public static class LocalizerExtensions
{
    /// <summary>The text of <paramref name="key"/> with its arguments, in the current language.</summary>
    public static string Text(this IStringLocalizer localizer, string key, params object[] args) => localizer[key, args].Value;
}
