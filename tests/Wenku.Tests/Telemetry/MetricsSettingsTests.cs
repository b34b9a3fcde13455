using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Wenku.Telemetry;
using Wenku.Tests.Infrastructure;

namespace Wenku.Tests.Telemetry;

/// <summary>The settings around metrics and logs: off by default, behind a proxy, JSON lines.</summary>
public sealed class MetricsSettingsTests
{
    [Fact]
    public async Task Metrics_are_not_served_when_not_enabled()
    {
        using var site = new LocalClientSite(new Dictionary<string, string?>());

        var response = await site.CreateClient().GetAsync("/metrics");

        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Behind_a_proxy_the_forwarded_client_address_decides_who_reads_the_metrics()
    {
        using var site = new LocalClientSite(new Dictionary<string, string?> { ["Wenku:Metrics:Enabled"] = "true", ["Wenku:BehindProxy"] = "true" });
        var client = site.CreateClient();

        // The proxy on this machine passes on a reader from outside: the reader is refused, though the proxy is local.
        var outside = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        outside.Headers.Add("X-Forwarded-For", "203.0.113.9");
        (await client.SendAsync(outside)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        // Prometheus on this machine, through the proxy.
        var local = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        local.Headers.Add("X-Forwarded-For", "127.0.0.1");
        (await client.SendAsync(local)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Allowed_networks_open_the_metrics_to_the_listed_network_only()
    {
        using var site = new LocalClientSite(new Dictionary<string, string?> { ["Wenku:Metrics:Enabled"] = "true", ["Wenku:Metrics:AllowedNetworks"] = "10.1.0.0/16" });
        var client = site.CreateClient();

        var inside = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        inside.Headers.Add(TestClientAddress.Header, "10.1.2.3");
        (await client.SendAsync(inside)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await client.GetAsync("/metrics")).StatusCode.ShouldBe(HttpStatusCode.Forbidden); // 127.0.0.1 is not listed now
    }

    [Fact]
    public void An_allowed_network_that_is_not_a_network_stops_the_site_at_start()
    {
        using var site = new LocalClientSite(new Dictionary<string, string?> { ["Wenku:Metrics:Enabled"] = "true", ["Wenku:Metrics:AllowedNetworks"] = "127.0.0.1, prometheus.lan" });

        var error = Should.Throw<Microsoft.Extensions.Options.OptionsValidationException>(() => site.CreateClient());

        error.Message.ShouldContain("prometheus.lan");
    }

    [Fact]
    public void The_console_log_is_json_lines_when_configured()
    {
        using var json = new LocalClientSite(new Dictionary<string, string?> { ["Wenku:Logging:Json"] = "true" });
        using var plain = new LocalClientSite(new Dictionary<string, string?>());

        TelemetrySetup.ConsoleFormatter(json.Services).ShouldBe("json");
        TelemetrySetup.ConsoleFormatter(plain.Services).ShouldNotBe("json");
    }

    /// <summary>A site without workers whose requests come from 127.0.0.1 (or a test's address).</summary>
    private sealed class LocalClientSite(IDictionary<string, string?> settings) : WenkuFactory
    {
        protected override int Workers => 0;
        protected override bool FollowsTestStack => false;
        protected override IDictionary<string, string?> Settings => settings;

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureServices(s => s.AddSingleton<IStartupFilter, TestClientAddress>());
        }
    }
}
