using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Wenku.Accounts;
using Wenku.Tests.Commerce;

namespace Wenku.Tests.Infrastructure;

/// <summary>A width a page is checked at: the desktop, and a phone (touch, twice the pixels).</summary>
public sealed record BrowserViewport(string Name, int Width, int Height, bool IsPhone)
{
    public static readonly BrowserViewport Desktop = new("desktop", 1280, 800, false);
    public static readonly BrowserViewport Phone = new("phone", 390, 844, true);
    public static readonly BrowserViewport[] Both = [Desktop, Phone];

    public override string ToString() => Name;
}

/// <summary>
/// The real site listening on a real port of 127.0.0.1 (Kestrel, not the in-memory test server), with money on
/// (Alipay pointed at the stand-in gateway) and one headless Chromium for the whole class: Debian's <c>chromium</c>,
/// driven by Playwright's driver from the NuGet package. Playwright never downloads a browser here.
/// </summary>
public class BrowserSite : CommerceSite, IAsyncLifetime
{
    /// <summary>The browser binary Debian's <c>chromium</c> package installs (<c>/usr/bin/chromium</c> is a shell wrapper around it).</summary>
    public const string ChromiumPath = "/usr/lib/chromium/chromium";

    private IPlaywright? playwright;
    private AlipayStandIn? gateway;

    public IBrowser Chromium { get; private set; } = null!;
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Where full-page screenshots go: <c>.artifacts/screenshots/</c> of the repository (gitignored).</summary>
    public static string ScreenshotDir { get; } = Path.Combine(RepositoryRoot(), ".artifacts", "screenshots");

    public BrowserSite() => UseKestrel(0);

    protected override IDictionary<string, string?> Settings
    {
        get
        {
            if (gateway is null) return new Dictionary<string, string?>();
            var o = gateway.SiteOptions();
            return new Dictionary<string, string?>
            {
                ["Wenku:Alipay:Enabled"] = "true",
                ["Wenku:Alipay:GatewayUrl"] = o.GatewayUrl,
                ["Wenku:Alipay:AppId"] = o.AppId,
                ["Wenku:Alipay:SellerId"] = o.SellerId,
                ["Wenku:Alipay:PrivateKey"] = o.PrivateKey,
                ["Wenku:Alipay:AlipayPublicKey"] = o.AlipayPublicKey,
                ["Wenku:Alipay:ReconcileEverySeconds"] = "86400",
            };
        }
    }

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
            throw new InvalidOperationException($"{ChromiumPath} is missing: run scripts/setup.sh (it installs Debian's chromium).");
        gateway = await AlipayStandIn.StartAsync();
        StartServer();
        var address = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseAddress = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("localhost", "127.0.0.1", StringComparison.Ordinal));
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        playwright = await Playwright.CreateAsync();
        Chromium = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            // Containers give no user namespaces for the sandbox, and /dev/shm is small.
            Args = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
        });
        Directory.CreateDirectory(ScreenshotDir);
    }

    /// <summary>A fresh browser context at <paramref name="viewport"/>, nobody signed in (a phone at twice the pixels unless <paramref name="deviceScaleFactor"/> says otherwise).</summary>
    public Task<IBrowserContext> ContextAsync(BrowserViewport viewport, float? deviceScaleFactor = null) => Chromium.NewContextAsync(new BrowserNewContextOptions
    {
        BaseURL = BaseAddress.ToString().TrimEnd('/'),
        ViewportSize = new ViewportSize { Width = viewport.Width, Height = viewport.Height },
        IsMobile = viewport.IsPhone,
        HasTouch = viewport.IsPhone,
        DeviceScaleFactor = deviceScaleFactor ?? (viewport.IsPhone ? 2 : 1),
        Locale = "zh-CN",
        AcceptDownloads = true,
    });

    /// <summary>A browser context of <paramref name="email"/> (created with <paramref name="role"/> if new), signed in through the real form.</summary>
    public async Task<IBrowserContext> SignedInContextAsync(string email, BrowserViewport viewport, string role = Roles.User)
    {
        await EnsureUserAsync(email, role);
        var context = await ContextAsync(viewport);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/account/login");
        await page.FillAsync("#Email", email);
        await page.FillAsync("#Password", TestUsers.Password);
        try
        {
            // Listening before the click: a wait begun after it can miss a redirect that was already committed.
            var left = page.WaitForURLAsync(url => !url.Contains("/account/login", StringComparison.Ordinal), new PageWaitForURLOptions { Timeout = 30_000, WaitUntil = WaitUntilState.Commit });
            await page.ClickAsync("main form button[type=submit]");
            await left;
        }
        catch (TimeoutException) when (page.Url.Contains("/account/login", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"sign-in of {email} failed: still on {page.Url}");
        }
        catch (TimeoutException)
        {
            // Left the sign-in page without the event reaching us: the cookie below says whether it worked.
        }
        if (!(await context.CookiesAsync()).Any(c => c.Name == "wenku.auth"))
            throw new InvalidOperationException($"sign-in of {email} kept no session cookie (now on {page.Url})");
        await page.CloseAsync();
        return context;
    }

    private readonly Dictionary<(string, string), Task<IBrowserContext>> contexts = [];
    private readonly Dictionary<string, Task<object>> once = new(StringComparer.Ordinal);

    /// <summary>The one signed-in context of <paramref name="email"/> at <paramref name="viewport"/>, kept for the whole class.</summary>
    public Task<IBrowserContext> ContextOfAsync(string email, BrowserViewport viewport, string role = Roles.User)
    {
        lock (contexts)
        {
            if (!contexts.TryGetValue((email, viewport.Name), out var context))
                contexts[(email, viewport.Name)] = context = SignedInContextAsync(email, viewport, role);
            return context;
        }
    }

    /// <summary>
    /// Builds something (the shop the tests look at) once for the whole class. Bounded: a build that stalls fails each
    /// test that waits for it, naming it, instead of hanging the run until the runner's hang timeout aborts it all.
    /// </summary>
    public async Task<T> OnceAsync<T>(string name, Func<Task<T>> build) where T : class
    {
        Task<object> task;
        lock (once)
        {
            if (!once.TryGetValue(name, out task!)) once[name] = task = Box(build);
        }
        try
        {
            return (T)await task.WaitAsync(TimeSpan.FromMinutes(3));
        }
        catch (TimeoutException) when (!task.IsCompleted)
        {
            throw new TimeoutException($"building \"{name}\" for the browser tests took over 3 minutes");
        }

        static async Task<object> Box(Func<Task<T>> build) => await build();
    }

    private readonly Dictionary<string, string> users = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim usersLock = new(1, 1);

    /// <summary>The id of <paramref name="email"/>, creating the user the first time.</summary>
    public async Task<string> EnsureUserAsync(string email, string role = Roles.User)
    {
        await usersLock.WaitAsync();
        try
        {
            if (!users.TryGetValue(email, out var id)) users[email] = id = await CreateUserAsync(email, role);
            return id;
        }
        finally
        {
            usersLock.Release();
        }
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        if (Chromium is not null) await Chromium.CloseAsync();
        playwright?.Dispose();
        if (gateway is not null) await gateway.DisposeAsync();
    }

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Wenku.slnx"))) return dir.FullName;
        return AppContext.BaseDirectory;
    }
}
