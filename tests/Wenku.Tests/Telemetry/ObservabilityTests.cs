using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Wenku.Documents;
using Wenku.Telemetry;
using Wenku.Tests.Infrastructure;

namespace Wenku.Tests.Telemetry;

/// <summary>
/// Metrics, traces and logs of a running site with a real worker process: one upload, sent with a known trace, is
/// converted once for the whole class; each test reads what an operator would see of it.
/// </summary>
[Trait(WenkuFactory.Suite, WenkuFactory.OnBothStacks)]
public sealed partial class ObservabilityTests(MetricsSite site) : IClassFixture<MetricsSite>
{
    [Fact]
    public async Task Metrics_list_http_conversion_queue_search_and_duplicate_series_after_an_upload_converts()
    {
        (await site.Api.GetAsync("/api/v1/search?q=Paragraph")).StatusCode.ShouldBe(HttpStatusCode.OK);

        var response = await site.CreateClient().GetAsync("/metrics");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var series = Parse(await response.Content.ReadAsStringAsync());
        series.ShouldContain(s => s.Name == "wenku_conversion_duration_seconds_count" && s.Labels["format"] == "pdf" && s.Labels["outcome"] == "ready" && s.Value >= 1);
        series.ShouldContain(s => s.Name == "wenku_conversion_duration_seconds_bucket" && s.Labels.ContainsKey("le"));
        series.ShouldContain(s => s.Name == "wenku_duplicate_checks_total" && s.Labels["outcome"] == "passed" && s.Value >= 1);
        series.ShouldContain(s => s.Name == "wenku_search_duration_seconds_count" && s.Labels.ContainsKey("backend") && s.Value >= 1);
        series.ShouldContain(s => s.Name == "wenku_queue_depth");
        series.ShouldContain(s => s.Name == "wenku_queue_oldest_age_seconds");
        series.ShouldContain(s => s.Name == "http_server_request_duration_seconds_count" && s.Labels.GetValueOrDefault("http_route") == "/api/v1/documents/"
            && s.Labels.GetValueOrDefault("http_response_status_code") == "202");
    }

    [Fact]
    public async Task Metrics_are_refused_to_a_client_outside_the_allowed_networks()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Add(TestClientAddress.Header, "203.0.113.9");

        var response = await site.CreateClient().SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_forwarded_address_from_a_client_that_is_not_a_trusted_proxy_does_not_open_the_metrics()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Add(TestClientAddress.Header, "203.0.113.9");
        request.Headers.Add("X-Forwarded-For", "127.0.0.1");

        var response = await site.CreateClient().SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task The_job_row_holds_the_trace_of_the_upload_request()
    {
        var traceParent = await site.WithDbAsync(db => db.Jobs.Where(j => j.DocumentId == site.DocumentId).Select(j => j.TraceParent).SingleAsync());

        traceParent.ShouldNotBeNull();
        ActivityContext.Parse(traceParent, null).TraceId.ToHexString().ShouldBe(site.TraceId);
    }

    [Fact]
    public void Worker_log_events_reach_the_site_log_as_structured_events_with_the_document_and_the_trace()
    {
        // The worker's own event "Document {DocumentId} {Status}: {Pages} pages", logged again by the site.
        var ready = site.Logs.Events.SingleOrDefault(e => e.Category == "Wenku.Conversion.ConvertDocumentJob"
            && e.Find("{OriginalFormat}") is "Document {DocumentId} {Status}: {Pages} pages" && Equals(e.Find("DocumentId"), site.DocumentId));

        ready.ShouldNotBeNull(string.Join("\n", site.Logs.Events.Select(e => $"{e.Category} {e.Level} {e.Message}")));
        ready.Level.ShouldBe(LogLevel.Information);
        ready.Properties["Status"].ShouldBe("Ready");
        ready.Properties["Pages"].ShouldBe(2L);
        ready.Find("WorkerPid").ShouldBeOfType<int>().ShouldNotBe(Environment.ProcessId); // relayed from the worker process
        ready.Find("JobId").ShouldNotBeNull(); // the job's scope, opened in the worker
        ready.Find("TraceId").ShouldBe(site.TraceId); // the worker's activity continues the upload's trace
    }

    private sealed record Series(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

    /// <summary>Prometheus' text format: <c>name{label="value",…} number</c> per line, comments start with <c>#</c>.</summary>
    private static List<Series> Parse(string text) =>
        [.. text.Split('\n').Where(l => l.Length > 0 && l[0] != '#').Select(line =>
        {
            var m = SeriesLine().Match(line);
            m.Success.ShouldBeTrue(line);
            var labels = LabelPair().Matches(m.Groups["labels"].Value).ToDictionary(p => p.Groups[1].Value, p => p.Groups[2].Value);
            return new Series(m.Groups["name"].Value, labels, double.Parse(m.Groups["value"].Value, System.Globalization.CultureInfo.InvariantCulture));
        })];

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})? (?<value>\S+)( \d+)?$")]
    private static partial Regex SeriesLine();

    [GeneratedRegex("""([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)" """ + "?")]
    private static partial Regex LabelPair();
}

/// <summary>Metrics on, requests from this machine (127.0.0.1) unless a test says otherwise, and the site's log kept.</summary>
public sealed class MetricsSite : WenkuFactory, IAsyncLifetime
{
    public CapturedLogs Logs { get; } = new();
    public HttpClient Api { get; private set; } = null!;
    public long DocumentId { get; private set; }
    public string TraceId { get; } = ActivityTraceId.CreateRandom().ToHexString();

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Wenku:Metrics:Enabled"] = "true" };

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(s =>
        {
            s.AddSingleton<Microsoft.AspNetCore.Hosting.IStartupFilter, TestClientAddress>();
            s.AddSingleton<ILoggerProvider>(Logs);
        });
    }

    public async Task InitializeAsync()
    {
        (Api, _) = await ApiClientAsync("metrics@observe.test");
        var upload = new HttpRequestMessage(HttpMethod.Post, "/api/v1/documents") { Content = TestPdfs.Upload(TestPdfs.MultiPage(2, salt: TraceId)) };
        upload.Headers.Add("traceparent", $"00-{TraceId}-{ActivitySpanId.CreateRandom().ToHexString()}-01");
        var response = await Api.SendAsync(upload);
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        DocumentId = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        var doc = await WaitForDocumentAsync(DocumentId);
        doc.Status.ShouldBe(DocumentStatus.Ready, doc.Error);
        var until = DateTime.UtcNow.AddSeconds(10);
        // The document is ready a moment before its job row is finished, and conversions are counted from finished job
        // rows: a scrape in between (a busy machine) would not see this one yet.
        while (!await WithDbAsync(db => db.Jobs.AnyAsync(j => j.DocumentId == DocumentId && j.FinishedAt != null)) && DateTime.UtcNow < until)
            await Task.Delay(100);
        // The worker's log reaches the site through a pipe: give its last lines a moment.
        while (!Logs.Events.Any(e => e.Category == "Wenku.Conversion.ConvertDocumentJob") && DateTime.UtcNow < until) await Task.Delay(100);
    }

    Task IAsyncLifetime.DisposeAsync() => Task.CompletedTask;
}
