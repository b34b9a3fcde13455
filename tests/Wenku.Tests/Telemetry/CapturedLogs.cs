using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Wenku.Tests.Telemetry;

/// <summary>One log event as a structured logger sees it: its properties and those of every scope around it.</summary>
public sealed record CapturedEvent(string Category, LogLevel Level, string Message, Exception? Exception,
    IReadOnlyDictionary<string, object?> Properties, IReadOnlyList<IReadOnlyDictionary<string, object?>> Scopes)
{
    /// <summary>A property of the event, or else of the innermost scope that has it.</summary>
    public object? Find(string name) =>
        Properties.TryGetValue(name, out var value) ? value
        : Scopes.Reverse().FirstOrDefault(s => s.ContainsKey(name)) is { } scope ? scope[name] : null;
}

/// <summary>A logger provider that keeps every event (with scopes), for tests that read what reached the site's log.</summary>
public sealed class CapturedLogs : ILoggerProvider, ISupportExternalScope
{
    private readonly ConcurrentQueue<CapturedEvent> _events = new();
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public IReadOnlyList<CapturedEvent> Events => [.. _events];

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose() { }

    private static Dictionary<string, object?> PropertiesOf(object? state)
    {
        var properties = new Dictionary<string, object?>();
        if (state is IEnumerable<KeyValuePair<string, object?>> pairs)
            foreach (var (key, value) in pairs) properties[key] = value;
        return properties;
    }

    private sealed class Logger(CapturedLogs owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => owner._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var scopes = new List<IReadOnlyDictionary<string, object?>>();
            owner._scopes.ForEachScope((scope, list) => list.Add(PropertiesOf(scope)), scopes);
            owner._events.Enqueue(new CapturedEvent(category, logLevel, formatter(state, exception), exception, PropertiesOf(state), scopes));
        }
    }
}
