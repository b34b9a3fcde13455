using System.Net;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Wenku.Accounts;
using Wenku.Tests.Infrastructure;

namespace Wenku.Tests.Accounts;

/// <summary>
/// The site without workers, with a clock the test moves, a password hasher that counts its calls (around the real
/// one), and the client's address taken from an <c>X-Test-Client</c> header, as if requests came from several machines.
/// </summary>
public sealed class AccountsSite : WenkuFactory
{
    public const string ClientHeader = "X-Test-Client";

    protected override int Workers => 0;

    /// <summary>The throttle as shipped (other suites relax it).</summary>
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Wenku:Accounts:FailuresPerAccountAndAddress"] = new AccountOptions().FailuresPerAccountAndAddress.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Wenku:Accounts:FailuresPerAddress"] = new AccountOptions().FailuresPerAddress.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    // Half a second past a whole second: cookies note their issue time to the second, and the stamp check runs when
    // the clock has moved past it.
    public ManualClock Clock { get; } = new(DateTimeOffset.FromUnixTimeSeconds(TimeProvider.System.GetUtcNow().ToUnixTimeSeconds()).AddMilliseconds(500));
    public CountingHasher Hasher { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton<TimeProvider>(Clock);
            services.AddSingleton<IPasswordHasher<WenkuUser>>(Hasher);
            services.AddSingleton<IStartupFilter, ClientAddressFromHeader>();
        });
    }

    /// <summary>A browser whose requests come from <paramref name="address"/>.</summary>
    public HttpClient BrowserFrom(string address)
    {
        var browser = Browser();
        browser.DefaultRequestHeaders.Add(ClientHeader, address);
        return browser;
    }

    public Task<HttpResponseMessage> SignInAsync(HttpClient browser, string email, string password) =>
        browser.PostFormAsync("/account/login", "/account/login", new() { ["Email"] = email, ["Password"] = password });

    public static async Task<IDocument> HtmlAsync(HttpResponseMessage response) =>
        await new HtmlParser().ParseDocumentAsync(await response.Content.ReadAsStringAsync());

    private sealed class ClientAddressFromHeader : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                if (context.Request.Headers[ClientHeader] is [{ } address]) context.Connection.RemoteIpAddress = IPAddress.Parse(address);
                return nextMiddleware(context);
            });
            next(app);
        };
    }
}

/// <summary>A clock that moves only when the test moves it.</summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}

/// <summary>The real password hasher, counting how often a password is checked.</summary>
public sealed class CountingHasher : IPasswordHasher<WenkuUser>
{
    private readonly PasswordHasher<WenkuUser> _real = new();
    private int _verifications;

    public int Verifications => Volatile.Read(ref _verifications);

    public string HashPassword(WenkuUser user, string password) => _real.HashPassword(user, password);

    public PasswordVerificationResult VerifyHashedPassword(WenkuUser user, string hashedPassword, string providedPassword)
    {
        Interlocked.Increment(ref _verifications);
        return _real.VerifyHashedPassword(user, hashedPassword, providedPassword);
    }
}
