using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Wenku.Telemetry;

/// <summary>Metrics, traces and the log format, for <c>serve</c> (<see cref="AddSiteTelemetry"/>) and <c>worker</c> (<see cref="AddWorkerTelemetry"/>).</summary>
public static class TelemetrySetup
{
    /// <summary>Where Prometheus reads the metrics.</summary>
    public const string MetricsPath = "/metrics";

    /// <summary>
    /// The site: traces of every request and job (exported only to a configured OTLP collector), and — when
    /// <c>Wenku:Metrics:Enabled</c> — ASP.NET Core's HTTP meters and the <c>Wenku</c> meter for Prometheus.
    /// </summary>
    public static IServiceCollection AddSiteTelemetry(this IServiceCollection services, IConfiguration config)
    {
        var otel = services.AddTelemetryCore(config, "serve");
        otel.WithTracing(t => t.AddAspNetCoreInstrumentation());
        var metrics = config.GetSection(MetricsOptions.Section).Get<MetricsOptions>() ?? new MetricsOptions();
        if (metrics.Enabled)
        {
            services.AddSingleton<JobMetrics>();
            otel.WithMetrics(m => m.AddMeter(WenkuMetrics.Name).AddAspNetCoreInstrumentation().AddPrometheusExporter());
        }
        return services;
    }

    /// <summary>A worker: the activity of each job, continuing the trace stored on the job row.</summary>
    public static IServiceCollection AddWorkerTelemetry(this IServiceCollection services, IConfiguration config)
    {
        services.AddTelemetryCore(config, "worker");
        return services;
    }

    private static OpenTelemetry.OpenTelemetryBuilder AddTelemetryCore(this IServiceCollection services, IConfiguration config, string role)
    {
        services.AddOptions<MetricsOptions>().Bind(config.GetSection(MetricsOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<TracingOptions>().Bind(config.GetSection(TracingOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<WenkuMetrics>();
        var tracing = config.GetSection(TracingOptions.Section).Get<TracingOptions>() ?? new TracingOptions();
        return services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("wenku", serviceInstanceId: $"{Environment.MachineName}:{role}:{Environment.ProcessId}"))
            .WithTracing(t =>
            {
                t.AddSource(WenkuMetrics.Name);
                if (!string.IsNullOrWhiteSpace(tracing.OtlpEndpoint)) t.AddOtlpExporter(o => o.Endpoint = new Uri(tracing.OtlpEndpoint));
            });
    }

    /// <summary>
    /// Maps <c>/metrics</c> when metrics are enabled (otherwise the path stays a 404). It answers only clients on
    /// <c>Wenku:Metrics:AllowedNetworks</c>: the connection's address, or behind a trusted proxy the address it forwarded
    /// (the forwarded-headers step runs first), so a reader cannot claim to be the machine itself.
    /// </summary>
    public static void MapWenkuMetrics(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<MetricsOptions>>().Value;
        if (!options.Enabled) return;
        var jobs = app.Services.GetRequiredService<JobMetrics>();
        app.MapPrometheusScrapingEndpoint(MetricsPath, meterProvider: null, configureBranchedPipeline: branch => branch.Use(async (context, next) =>
        {
            if (!options.Allows(context.Connection.RemoteIpAddress))
            {
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                return;
            }
            await jobs.RefreshAsync(context.RequestAborted);
            await next(context);
        }), optionsName: null).AllowAnonymous();
    }

    /// <summary>
    /// The console log as JSON lines (with scopes: document id, trace id) when <c>Wenku:Logging:Json</c> is set;
    /// <c>Logging:Console:FormatterName=json</c> does the same through the standard setting.
    /// </summary>
    public static ILoggingBuilder AddWenkuConsoleFormat(this ILoggingBuilder logging, IConfiguration config)
    {
        var options = config.GetSection(LoggingOptions.Section).Get<LoggingOptions>() ?? new LoggingOptions();
        if (options.Json) logging.AddJsonLines();
        return logging;
    }

    /// <summary>One JSON object per line, scopes included, UTC timestamps.</summary>
    public static ILoggingBuilder AddJsonLines(this ILoggingBuilder logging) => logging.AddJsonConsole(o =>
    {
        o.IncludeScopes = true;
        o.UseUtcTimestamp = true;
        o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
        // Chinese stays readable in the log; the writer still escapes what JSON needs escaped.
        o.JsonWriterOptions = new System.Text.Json.JsonWriterOptions { Indented = false, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    });

    /// <summary>The name of the console formatter in use (for tests and diagnostics).</summary>
    public static string? ConsoleFormatter(IServiceProvider services) =>
        services.GetService<IOptionsMonitor<ConsoleLoggerOptions>>()?.CurrentValue.FormatterName;
}
