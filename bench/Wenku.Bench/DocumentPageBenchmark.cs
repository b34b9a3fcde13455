using System.Globalization;
using System.Net.Http.Json;

namespace Wenku.Bench;

public sealed record PageResult(
    long DocumentId, int HtmlBytes, WrkResult Ours, WrkResult Nginx, long ViewsCounted,
    IReadOnlyList<(string Name, WrkResult Result)> Endpoints)
{
    /// <summary>ours / nginx requests per second, target at least 0.3.</summary>
    public double Ratio => Ours.RequestsPerSecond / Nginx.RequestsPerSecond;
}

/// <summary>
/// The document page <c>/d/{id}</c> of a ready document, read anonymously under load, against nginx serving the same
/// HTML as a static file. Anonymous pages come from the site's output cache and each GET counts a view (in memory,
/// written in batches); both are part of what is measured.
/// </summary>
public static class DocumentPageBenchmark
{
    private sealed record DocumentAnswer(long Id, long Views);

    public static async Task<PageResult> RunAsync(WenkuSite site, long documentId, BenchSettings settings)
    {
        var path = $"/d/{documentId}";
        byte[] html = [];
        for (var i = 0; i < 200; i++)
        {
            using var response = await site.Anonymous.GetAsync(path);
            response.EnsureSuccessStatusCode();
            html = await response.Content.ReadAsByteArrayAsync();
        }

        long viewsBefore = 0;
        var ours = await LoadAsync(new Uri(site.BaseAddress, path), settings, settings.WrkSeconds, "wenku " + path,
            async () => viewsBefore = await ViewsAsync(site, documentId));
        var viewsCounted = await ViewsAsync(site, documentId) - viewsBefore;

        WrkResult nginx;
        await using (var server = await LoopbackNginx.StaticAsync(settings.WorkDir, html))
            nginx = await LoadAsync(new Uri(server.BaseAddress, path), settings, settings.WrkSeconds, "nginx, same HTML as a static file");

        // Where the time goes: the same page without concurrency, lighter endpoints of the same site under the
        // same load.
        var endpoints = new List<(string, WrkResult)>();
        if (settings.DiagnosticSeconds > 0)
        {
            Console.WriteLine($"\n  diagnostics, Wenku only ({settings.DiagnosticSeconds}s each):");
            endpoints.Add(("/d/{id}, 1 connection (no concurrency)",
                await LoadAsync(new Uri(site.BaseAddress, path), settings with { WrkThreads = 1, WrkConnections = 1 }, settings.DiagnosticSeconds, path + ", 1 connection")));
            foreach (var (name, p) in new[]
            {
                ("/api/v1/documents/{id} (DB read, JSON, no write)", $"/api/v1/documents/{documentId}"),
                ("/c/other (Razor page + DB reads, no write)", "/c/other"),
                ("/health/live (pipeline only, no DB)", "/health/live"),
            })
                endpoints.Add((name, await LoadAsync(new Uri(site.BaseAddress, p), settings, settings.DiagnosticSeconds, p)));
        }
        return new PageResult(documentId, html.Length, ours, nginx, viewsCounted, endpoints);
    }

    internal static async Task<WrkResult> LoadAsync(Uri url, BenchSettings s, int seconds, string label, Func<Task>? beforeMeasuring = null)
    {
        // The compared runs get the full warm-up; the diagnostic ones (shorter) one second, the site being warm by then.
        var warmup = seconds == s.WrkSeconds ? s.WrkWarmupSeconds : Math.Min(1, s.WrkWarmupSeconds);
        if (warmup > 0) await Wrk.RunAsync(url, s.WrkThreads, s.WrkConnections, warmup, s.WorkDir);
        if (beforeMeasuring is not null) await beforeMeasuring();
        var result = await Wrk.RunAsync(url, s.WrkThreads, s.WrkConnections, seconds, s.WorkDir);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {label,-50} {result.RequestsPerSecond,9:0} req/s   p50 {Stats.Ms(result.P50Ms),9}   p90 {Stats.Ms(result.P90Ms),9}   p99 {Stats.Ms(result.P99Ms),9}   p99.9 {Stats.Ms(result.P999Ms),9}   ≥150 ms {result.ShareOver150Ms,4:0.0}%{result.Errors}"));
        return result;
    }

    private static async Task<long> ViewsAsync(WenkuSite site, long id) =>
        (await site.Anonymous.GetFromJsonAsync<DocumentAnswer>($"/api/v1/documents/{id}"))!.Views;
}
