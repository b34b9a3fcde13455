using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Wenku.Telemetry;

/// <summary>
/// The site's own instruments, on the meter <c>Wenku</c> (Prometheus names in the README's "Operating" section). A new
/// kind of measurement (ledger movements, say) is one more instrument and one more method here, next to these.
/// </summary>
public sealed class WenkuMetrics
{
    /// <summary>The name of the meter and of the activity source.</summary>
    public const string Name = "Wenku";

    /// <summary>Activities of jobs (a conversion continues the trace of the upload that queued it).</summary>
    public static readonly ActivitySource Activities = new(Name);

    private readonly Histogram<double> _conversion;
    private readonly Histogram<double> _search;
    private readonly Counter<long> _duplicateChecks;

    public WenkuMetrics(IMeterFactory meters)
    {
        Meter = meters.Create(Name);
        _conversion = Meter.CreateHistogram("wenku.conversion.duration", "s",
            "How long one conversion took, by detected format and outcome (ready, held, failed).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800] });
        _search = Meter.CreateHistogram("wenku.search.duration", "s", "How long one search took, by backend (lucene, postgres).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] });
        _duplicateChecks = Meter.CreateCounter<long>("wenku.duplicate.checks", "{check}",
            "Near-duplicate checks of converted documents, by outcome (passed, held).");
    }

    /// <summary>The meter, for instruments observed elsewhere (the queue's gauges).</summary>
    public Meter Meter { get; }

    public void ConversionFinished(string format, string outcome, TimeSpan duration) =>
        _conversion.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("format", format), new KeyValuePair<string, object?>("outcome", outcome));

    public void DuplicateChecked(string outcome) => _duplicateChecks.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void Searched(string backend, TimeSpan duration) => _search.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("backend", backend));

    /// <summary>Runs a search and records how long it took, under the backend's name.</summary>
    public async Task<T> TimeSearchAsync<T>(Search.ISearchIndex index, TimeProvider clock, Func<Task<T>> search)
    {
        var started = clock.GetTimestamp();
        var result = await search();
        Searched(index is Search.PostgresSearchIndex ? "postgres" : "lucene", clock.GetElapsedTime(started));
        return result;
    }
}
