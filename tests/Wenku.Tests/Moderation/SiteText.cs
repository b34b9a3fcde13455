using System.Globalization;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Wenku.Tests.Moderation;

/// <summary>The site's localizer outside a request, and a way to read it in one language (for code that renders text).</summary>
internal static class SiteText
{
    public static IStringLocalizer Localizer { get; } =
        new ResourceManagerStringLocalizerFactory(Options.Create(new LocalizationOptions { ResourcesPath = "Resources" }), NullLoggerFactory.Instance)
            .Create(typeof(SharedResource));

    /// <summary>Runs <paramref name="render"/> with <paramref name="culture"/> as the UI culture.</summary>
    public static string In(string culture, Func<IStringLocalizer, string> render)
    {
        var before = CultureInfo.CurrentUICulture;
        CultureInfo.CurrentUICulture = new CultureInfo(culture);
        try { return render(Localizer); }
        finally { CultureInfo.CurrentUICulture = before; }
    }
}
