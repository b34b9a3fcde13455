using System.Collections;
using System.Text.Json;

namespace Wenku.Jobs;

/// <summary>
/// Passes a worker's log on to the site's own log. A supervised worker writes each event as one JSON line (the JSON
/// console formatter, scopes included); each is logged again here under its own category and level, with its
/// message template, properties and scopes (document id, trace id), plus the worker it came from — structured, as if the
/// site had logged it. A line that is not such an event (a crash message, a runtime's own output) is passed on as text.
/// </summary>
public sealed class WorkerLogRelay(ILoggerFactory loggers)
{
    private readonly ILogger _fallback = loggers.CreateLogger<WorkerSupervisor>();

    /// <summary>Relays one line of a worker's standard output (<paramref name="stderr"/> false) or error.</summary>
    public void Relay(int slot, int pid, string line, bool stderr)
    {
        var worker = new Scope([new("WorkerSlot", slot), new("WorkerPid", pid)], $"worker {slot} (process {pid})");
        if (TryRead(line) is not { } e)
        {
            using (_fallback.BeginScope(worker))
                _fallback.Log(stderr ? LogLevel.Warning : WorkerSupervisor.LevelOf(line), "worker {Slot}: {Line}", slot, line);
            return;
        }
        var logger = loggers.CreateLogger(e.Category);
        if (!logger.IsEnabled(e.Level)) return;
        var scopes = new List<IDisposable?> { logger.BeginScope(worker) };
        try
        {
            foreach (var scope in e.Scopes) scopes.Add(logger.BeginScope(scope));
            logger.Log(e.Level, new EventId(e.EventId), e.State, e.Exception is null ? null : new WorkerException(e.Exception), static (s, _) => s.ToString());
        }
        finally
        {
            for (var i = scopes.Count - 1; i >= 0; i--) scopes[i]?.Dispose();
        }
    }

    private sealed record Event(string Category, LogLevel Level, int EventId, Scope State, string? Exception, List<Scope> Scopes);

    /// <summary>Reads a line of the JSON console formatter, or null when the line is not one.</summary>
    private static Event? TryRead(string line)
    {
        if (!line.StartsWith('{')) return null;
        try
        {
            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            if (!root.TryGetProperty("Category", out var category) || !root.TryGetProperty("LogLevel", out var levelText)
                || !Enum.TryParse<LogLevel>(levelText.GetString(), out var level))
                return null;
            var message = root.TryGetProperty("Message", out var m) ? m.GetString() ?? "" : "";
            var state = root.TryGetProperty("State", out var s) && s.ValueKind == JsonValueKind.Object ? ScopeOf(s, message) : new Scope([], message);
            var scopes = root.TryGetProperty("Scopes", out var list) && list.ValueKind == JsonValueKind.Array
                ? list.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.Object
                    ? ScopeOf(x, x.TryGetProperty("Message", out var sm) ? sm.GetString() ?? "" : "")
                    : new Scope([], x.ToString())).ToList()
                : [];
            return new Event(category.GetString() ?? "Wenku.Worker", level,
                root.TryGetProperty("EventId", out var id) && id.TryGetInt32(out var n) ? n : 0,
                state, root.TryGetProperty("Exception", out var ex) ? ex.GetString() : null, scopes);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>An object's properties (but its <c>Message</c>, which is the text) with JSON numbers and booleans as such.</summary>
    private static Scope ScopeOf(JsonElement element, string message) => new(
        [.. element.EnumerateObject().Where(p => p.Name != "Message").Select(p => new KeyValuePair<string, object?>(p.Name, ValueOf(p.Value)))],
        message);

    private static object? ValueOf(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Number => value.TryGetInt64(out var l) ? l : (object)value.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Null => null,
        JsonValueKind.String => value.GetString(),
        _ => value.GetRawText(),
    };

    /// <summary>A relayed state or scope: its properties for structured loggers, its text for the others.</summary>
    private sealed class Scope(IReadOnlyList<KeyValuePair<string, object?>> properties, string text) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        public KeyValuePair<string, object?> this[int index] => properties[index];
        public int Count => properties.Count;
        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => properties.GetEnumerator();
        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
        public override string ToString() => text;
    }
}

/// <summary>An exception a worker logged, as the worker wrote it (type, message and stack trace).</summary>
public sealed class WorkerException(string text) : Exception(text.Split('\n', 2)[0])
{
    public override string ToString() => text;

    public override string? StackTrace => null;
}
