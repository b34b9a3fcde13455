using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Wenku.Tests.Commerce;

/// <summary>
/// A money site with Alipay on, pointed at the stand-in gateway (the site's test key pair, the stand-in's key as
/// Alipay's). The site runs in memory, so Alipay's servers (the stand-in) reach its notify URL through a relay on
/// 127.0.0.1 that hands each request to the site: <c>Wenku:Alipay:PublicUrl</c> is the relay's address, as a real site's
/// is its public address. The reconciliation job does not run by itself here: tests call one round.
/// </summary>
public sealed class RechargeSite : CommerceSite, IAsyncLifetime
{
    public const int OrdersPerHour = 5;

    private WebApplication? relay;
    private HttpClient? toSite;

    public AlipayStandIn Gateway { get; private set; } = null!;
    public string RelayUrl { get; private set; } = "";

    protected override IDictionary<string, string?> Settings
    {
        get
        {
            var o = Gateway.SiteOptions();
            return new Dictionary<string, string?>
            {
                ["Wenku:Alipay:Enabled"] = "true",
                ["Wenku:Alipay:GatewayUrl"] = o.GatewayUrl,
                ["Wenku:Alipay:AppId"] = o.AppId,
                ["Wenku:Alipay:SellerId"] = o.SellerId,
                ["Wenku:Alipay:PrivateKey"] = o.PrivateKey,
                ["Wenku:Alipay:AlipayPublicKey"] = o.AlipayPublicKey,
                ["Wenku:Alipay:PublicUrl"] = RelayUrl,
                ["Wenku:Alipay:ReconcileEverySeconds"] = "86400",
                ["Wenku:Alipay:OrdersPerHour"] = OrdersPerHour.ToString(System.Globalization.CultureInfo.InvariantCulture),
            };
        }
    }

    public async Task InitializeAsync()
    {
        Gateway = await AlipayStandIn.StartAsync();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        relay = builder.Build();
        relay.Run(RelayAsync);
        await relay.StartAsync();
        RelayUrl = relay.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        toSite = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
    }

    private async Task RelayAsync(HttpContext context)
    {
        using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), context.Request.Path + context.Request.QueryString);
        if (context.Request.ContentType is { } type)
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            request.Content = new ByteArrayContent(body.ToArray());
            request.Content.Headers.TryAddWithoutValidation("Content-Type", type);
        }
        using var response = await toSite!.SendAsync(request);
        context.Response.StatusCode = (int)response.StatusCode;
        if (response.Content.Headers.ContentType is { } answerType) context.Response.ContentType = answerType.ToString();
        await context.Response.Body.WriteAsync(await response.Content.ReadAsByteArrayAsync());
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        toSite?.Dispose();
        if (relay is not null) await relay.DisposeAsync();
        await Gateway.DisposeAsync();
    }
}
