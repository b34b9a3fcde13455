using System.Globalization;
using Microsoft.Extensions.Localization;

namespace Wenku.Web.Localization;

/// <summary>
/// The site's localizer (<c>T</c>): the resource files' text, with English's singular and plural. Chinese needs no
/// plural (<c>找到 1 篇文档</c>, <c>找到 2 篇文档</c>); English does (<c>1 document found</c>, <c>2 documents found</c>), so
/// an English value may hold both forms as <c>one|other</c>, and the first argument, when it is a whole number,
/// chooses: 1 takes the first form, any other number the second.
/// </summary>
public sealed class PluralLocalizer(IStringLocalizerFactory factory) : IStringLocalizer<SharedResource>
{
    private readonly IStringLocalizer _inner = factory.Create(typeof(SharedResource));

    public LocalizedString this[string name] => _inner[name];

    public LocalizedString this[string name, params object[] arguments]
    {
        get
        {
            var raw = _inner[name];
            var format = Form(raw.Value, arguments);
            return new LocalizedString(name, string.Format(CultureInfo.CurrentCulture, format, arguments), raw.ResourceNotFound, raw.SearchedLocation);
        }
    }

    public IEnumerable<LocalizedString> GetAllStrings(bool includeParentCultures) => _inner.GetAllStrings(includeParentCultures);

    /// <summary>The form of <paramref name="value"/> (<c>one|other</c>, or a single form) that suits the first argument.</summary>
    public static string Form(string value, IReadOnlyList<object?> arguments)
    {
        var bar = value.IndexOf('|', StringComparison.Ordinal);
        if (bar < 0 || arguments.Count == 0 || Count(arguments[0]) is not { } count) return value;
        return count == 1 ? value[..bar] : value[(bar + 1)..];
    }

    private static long? Count(object? argument) => argument switch
    {
        int i => i, long l => l, short s => s, byte b => b, uint u => u,
        // Stored messages keep their arguments as text.
        string t when long.TryParse(t, System.Globalization.NumberStyles.None, CultureInfo.InvariantCulture, out var n) => n,
        _ => null,
    };
}
