using System.ComponentModel.DataAnnotations;
using System.Net;

namespace Wenku.Telemetry;

/// <summary>The Prometheus endpoint, bound from <c>Wenku:Metrics</c>.</summary>
public sealed class MetricsOptions : IValidatableObject
{
    public const string Section = "Wenku:Metrics";

    /// <summary>Serve metrics for Prometheus at <c>/metrics</c> (off by default: then <c>/metrics</c> is 404).</summary>
    public bool Enabled { get; set; }

    /// <summary>
    /// Client addresses <c>/metrics</c> answers, comma-separated addresses or networks (default: this machine). Behind a
    /// proxy (<c>Wenku:BehindProxy</c>) the client is the address the trusted proxy forwarded, never the proxy itself.
    /// </summary>
    public string AllowedNetworks { get; set; } = "127.0.0.0/8, ::1";

    /// <summary>The networks of <see cref="AllowedNetworks"/>; null for an entry that is neither an address nor a network.</summary>
    public IEnumerable<(string Entry, IPNetwork? Network)> Networks() =>
        AllowedNetworks.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(entry => (entry, IPAddress.TryParse(entry, out var address) ? new IPNetwork(address, address.GetAddressBytes().Length * 8)
                : IPNetwork.TryParse(entry, out var network) ? network : (IPNetwork?)null));

    /// <summary>Whether a client address may read the metrics (an IPv4 address mapped into IPv6 counts as itself).</summary>
    public bool Allows(IPAddress? client)
    {
        if (client is null) return false;
        if (client.IsIPv4MappedToIPv6) client = client.MapToIPv4();
        return Networks().Any(n => n.Network is { } network && network.Contains(client));
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) =>
        Networks().Where(n => n.Network is null).Select(n => new ValidationResult(
            $"Wenku:Metrics:AllowedNetworks: '{n.Entry}' is neither an address nor a network (127.0.0.1, 10.0.0.0/8).", [nameof(AllowedNetworks)]));
}

/// <summary>Trace export, bound from <c>Wenku:Tracing</c>. Traces are always kept in the process (log events carry their ids).</summary>
public sealed class TracingOptions
{
    public const string Section = "Wenku:Tracing";

    /// <summary>An OTLP collector (e.g. <c>http://127.0.0.1:4317</c>) that receives the traces; unset: none are exported.</summary>
    [Url]
    public string? OtlpEndpoint { get; set; }
}

/// <summary>Log output, bound from <c>Wenku:Logging</c>.</summary>
public sealed class LoggingOptions
{
    public const string Section = "Wenku:Logging";

    /// <summary>
    /// Write the console log as one JSON object per line, with scopes (document id, trace id) — the same as
    /// <c>Logging:Console:FormatterName=json</c>.
    /// </summary>
    public bool Json { get; set; }
}
