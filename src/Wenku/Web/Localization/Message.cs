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

    /// <summary>The arguments as they are stored: a JSON array of strings (invariant culture), nested <see cref="StoredText"/>s and <see cref="StoredList"/>s as objects.</summary>
    public static string StoreArgs(IEnumerable<object?> args) =>
        JsonSerializer.Serialize(args.Select(StoredMessages.ToJson).ToArray(), StoredJson);

    /// <summary>Chinese stays Chinese in stored arguments (one character, not six of <c>\uXXXX</c>): they are data, never
    /// written into HTML or script as they are.</summary>
    internal static readonly JsonSerializerOptions StoredJson = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.Create(System.Text.Unicode.UnicodeRanges.All),
    };

    /// <summary>The text in Chinese (for logs and the technical <c>Error</c> column).</summary>
    public string Format(params object?[] args) => string.Format(CultureInfo.InvariantCulture, Template, args);

    /// <summary>This message with its arguments, to store and render later; an argument may itself be a
    /// <see cref="StoredText"/> or a <see cref="StoredList"/> (rendered in the reader's language too).</summary>
    public StoredText With(params object?[] args) => new(this, args);
}

/// <summary>A message with arguments, stored as a code and a JSON array and rendered in its reader's language.</summary>
public sealed record StoredText(Message Message, IReadOnlyList<object?> Args)
{
    /// <summary>The text in Chinese (the stored fallback, logs).</summary>
    public string Format() => Message.Format(Args.Select(StoredMessages.Chinese).ToArray());

    /// <summary>The arguments as stored: a JSON array whose items are strings, nested messages
    /// (<c>{"code": …, "args": […]}</c>) or lists (<c>{"separator": …, "items": […]}</c>).</summary>
    public string StoreArgs() => Message.StoreArgs(Args);

    /// <summary>The text in the current language.</summary>
    public string Render(IStringLocalizer T) => StoredMessages.Render(T, Message.Code, StoreArgs(), null) ?? Format();
}

/// <summary>Items joined by a separator (a list of places, of pages) inside a <see cref="StoredText"/>.</summary>
public sealed record StoredList(string Separator, IReadOnlyList<object?> Items);

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
        try { values = args is null ? [] : (JsonSerializer.Deserialize<JsonElement[]>(args) ?? []).Select(a => (object)Value(T, a, 0)).ToArray(); }
        catch (JsonException) { values = []; }
        return Format(T, message, values) ?? fallback;
    }

    // Fewer stored arguments than the template has placeholders (a row from an older version, a broken row) must not
    // break the page: null then.
    private static string? Format(IStringLocalizer T, Message message, object[] values)
    {
        try { return T[message.Template, values].Value; }
        catch (FormatException) { return null; }
    }

    private const int MaxDepth = 8;

    // A stored argument: a string, a nested message or a list; anything else (or too deep) is shown as its JSON text.
    private static string Value(IStringLocalizer T, JsonElement e, int depth)
    {
        if (e.ValueKind == JsonValueKind.String) return e.GetString()!;
        if (e.ValueKind != JsonValueKind.Object || depth >= MaxDepth) return e.GetRawText();
        if (e.TryGetProperty("code", out var code) && code.ValueKind == JsonValueKind.String && Message.Find(code.GetString()!) is { } m)
        {
            var args = e.TryGetProperty("args", out var a) && a.ValueKind == JsonValueKind.Array
                ? a.EnumerateArray().Select(x => Value(T, x, depth + 1)).ToArray<object>() : [];
            return Format(T, m, args) ?? e.GetRawText();
        }
        if (e.TryGetProperty("items", out var items) && items.ValueKind == JsonValueKind.Array)
        {
            var separator = e.TryGetProperty("separator", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : ", ";
            return string.Join(separator, items.EnumerateArray().Select(x => Value(T, x, depth + 1)));
        }
        return e.GetRawText();
    }

    internal static object? Chinese(object? arg) => arg switch
    {
        StoredText t => t.Format(),
        StoredList l => string.Join(l.Separator, l.Items.Select(Chinese)),
        _ => Convert.ToString(arg, CultureInfo.InvariantCulture),
    };

    internal static object ToJson(object? arg) => arg switch
    {
        StoredText t => new Dictionary<string, object> { ["code"] = t.Message.Code, ["args"] = t.Args.Select(ToJson).ToArray() },
        StoredList l => new Dictionary<string, object> { ["separator"] = l.Separator, ["items"] = l.Items.Select(ToJson).ToArray() },
        _ => Convert.ToString(arg, CultureInfo.InvariantCulture) ?? "",
    };
}
