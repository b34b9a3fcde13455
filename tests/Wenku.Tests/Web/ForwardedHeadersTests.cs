using System.ComponentModel.DataAnnotations;
using System.Net;
using Wenku.Web;

namespace Wenku.Tests.Web;

/// <summary>Behind nginx (<c>Wenku:BehindProxy</c>): whose forwarded client addresses the site believes.</summary>
public sealed class ForwardedHeadersTests
{
    [Fact]
    public void A_proxy_on_this_machine_and_the_trusted_proxies_are_believed_and_nobody_else()
    {
        var forwarded = SiteHost.ForwardedHeadersFor(new WenkuOptions { BehindProxy = true, TrustedProxies = "10.0.0.2, 10.0.1.0/24" });
        bool Believed(string address) =>
            forwarded.KnownProxies.Contains(IPAddress.Parse(address)) || forwarded.KnownIPNetworks.Any(n => n.Contains(IPAddress.Parse(address)));

        Believed("127.0.0.1").ShouldBeTrue();
        Believed("10.0.0.2").ShouldBeTrue();
        Believed("10.0.1.77").ShouldBeTrue();
        Believed("10.0.0.3").ShouldBeFalse();
        Believed("203.0.113.9").ShouldBeFalse();
    }

    [Fact]
    public void A_trusted_proxy_that_is_not_an_address_is_refused_at_start_with_its_name()
    {
        var options = new WenkuOptions { TrustedProxies = "10.0.0.2, nginx.internal" };
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true).ShouldBeFalse();
        results.Single().ErrorMessage!.ShouldContain("'nginx.internal' is neither an address nor a network");
    }
}
