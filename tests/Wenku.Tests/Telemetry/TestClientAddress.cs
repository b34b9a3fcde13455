using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;

namespace Wenku.Tests.Telemetry;

/// <summary>
/// The in-memory test server has no network connection, so no client address: this gives each request the address of
/// its <see cref="Header"/> (the machine itself, 127.0.0.1, without one), before any of the site's own middleware runs.
/// </summary>
public sealed class TestClientAddress : IStartupFilter
{
    public const string Header = "X-Test-Connection-Address";

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use((context, nextStep) =>
        {
            context.Connection.RemoteIpAddress = context.Request.Headers.TryGetValue(Header, out var address)
                ? IPAddress.Parse(address.ToString()) : IPAddress.Loopback;
            context.Request.Headers.Remove(Header);
            return nextStep(context);
        });
        next(app);
    };
}
