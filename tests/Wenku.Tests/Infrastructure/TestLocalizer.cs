using System.Globalization;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Wenku.Tests.Infrastructure;

/// <summary>The site's localizer outside a request, in a chosen language (for code that takes a <c>T</c>).</summary>
public static class TestLocalizer
{
    public static IStringLocalizer Localizer { get; } = new ResourceManagerStringLocalizerFactory(
            Options.Create(new LocalizationOptions { ResourcesPath = "Resources" }), NullLoggerFactory.Instance)
        .Create(typeof(SharedResource));

    /// <summary>Runs <paramref name="render"/> with the UI culture set to <paramref name="culture"/>.</summary>
    public static string In(string culture, Func<IStringLocalizer, string> render)
    {
        var before = CultureInfo.CurrentUICulture;
        CultureInfo.CurrentUICulture = new CultureInfo(culture);
        try { return render(Localizer); }
        finally { CultureInfo.CurrentUICulture = before; }
    }

    public static string English(Func<IStringLocalizer, string> render) => In("en", render);
    public static string Chinese(Func<IStringLocalizer, string> render) => In("zh-CN", render);
}
