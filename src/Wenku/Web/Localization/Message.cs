using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Localization;

namespace Wenku.Web.Localization;

/// <summary>
/// A message that is stored and shown later, in whatever language its reader has then (a conversion failure, a
/// refusal): a stable <see cref="Code"/> (what is stored, with the arguments) and its Chinese <see cref="Template"/>,
/// which is also its localizer key (the English is in the resource file like every other text).
/// Define one as a static field: <c>public static readonly Message PdfEncrypted = new("pdf.encrypted", "此 PDF 受密码保护，无法转换。");</c>
/// (<c>TranslationTests</c> finds such definitions and checks their English).
/// </summary>
public sealed record Message(string Code, string Template)
{
    /// <summary>Every message the program defines: the static <see cref="Message"/> fields of its types, found once.</summary>
    public static IReadOnlyDictionary<string, Message> All => AllMessages.Value;

    private static readonly Lazy<Dictionary<string, Message>> AllMessages = new(() =>
        typeof(Message).Assembly.GetTypes()
            .SelectMany(t => t.GetFields(System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic))
            .Where(f => f.FieldType == typeof(Message) && !f.DeclaringType!.ContainsGenericParameters)
            .Select(f => (Message)f.GetValue(null)!)
            .ToDictionary(m => m.Code, StringComparer.Ordinal));

    /// <summary>The message of a stored code, or null when the code no longer exists.</summary>
    public static Message? Find(string code) => All.GetValueOrDefault(code);

    /// <summary>The arguments as they are stored: a JSON array of strings (invariant culture).</summary>
    public static string StoreArgs(IEnumerable<object?> args) =>
        JsonSerializer.Serialize(args.Select(a => Convert.ToString(a, CultureInfo.InvariantCulture) ?? "").ToArray());

    /// <summary>The text in Chinese (for logs and the technical <c>Error</c> column).</summary>
    public string Format(params object?[] args) => string.Format(CultureInfo.InvariantCulture, Template, args);
}

/// <summary>Renders stored messages in the reader's language.</summary>
public static class StoredMessages
{
    /// <summary>
    /// The text of a stored <paramref name="code"/> and its JSON <paramref name="args"/> in the current language;
    /// <paramref name="fallback"/> (the stored text) when there is no code or the code is unknown.
    /// </summary>
    public static string? Render(IStringLocalizer T, string? code, string? args, string? fallback)
    {
        if (code is null) return fallback;
        var message = Message.Find(code);
        if (message is null) return fallback;
        object[] values;
        try { values = args is null ? [] : JsonSerializer.Deserialize<string[]>(args) ?? []; }
        catch (JsonException) { values = []; }
        return T[message.Template, values].Value;
    }
}
