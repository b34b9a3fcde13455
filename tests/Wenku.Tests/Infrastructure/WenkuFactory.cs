using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Wenku.Accounts;
using Wenku.Data;
using Wenku.Documents;

namespace Wenku.Tests.Infrastructure;

/// <summary>
/// The real site on a real SQLite file in a fresh data folder, with real worker processes (poppler conversions) when
/// <see cref="Workers"/> is above zero. With <c>WENKU_TEST_STACK=scaleout</c> the same site runs on PostgreSQL and
/// s3rver instead (a database and a bucket of its own), so the same tests can prove both stacks.
/// </summary>
public class WenkuFactory : WebApplicationFactory<Program>
{
    /// <summary>
    /// The trait of site test classes that run on both stacks: <c>scripts/test.sh</c> runs every test on the embedded
    /// default, then the classes with this trait again on PostgreSQL + s3rver + PostgreSQL search. Every class whose
    /// fixture follows the test stack (<see cref="FollowsTestStack"/>) should carry it.
    /// </summary>
    public const string Suite = "Suite", OnBothStacks = "both-stacks";

    /// <summary>True when the site tests run on PostgreSQL + s3rver (<c>WENKU_TEST_STACK=scaleout</c>).</summary>
    public static bool OnScaleOutStack => Environment.GetEnvironmentVariable("WENKU_TEST_STACK") == "scaleout";

    private (string Postgres, S3StorageOptions S3)? _scaleOut;

    /// <summary>Whether this site follows <see cref="OnScaleOutStack"/> (false for sites that choose their own stack).</summary>
    protected virtual bool FollowsTestStack => true;

    static WenkuFactory()
    {
        // Many sites share this process, and ASP.NET takes its buffering folder once per process: one that outlives them all.
        var aspnetTemp = TestPaths.NewTempDir("aspnet");
        Environment.SetEnvironmentVariable("ASPNETCORE_TEMP", aspnetTemp);
    }

    public string DataDir { get; } = TestPaths.NewTempDir("site");
    protected virtual int Workers => 1;
    protected virtual IDictionary<string, string?> Settings => new Dictionary<string, string?>();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("Wenku:DataDir", DataDir);
        builder.UseSetting("Wenku:Workers", Workers.ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Wenku:Demo", "false");
        builder.UseSetting("Wenku:CommentsPerMinute", "1000");
        builder.UseSetting("Wenku:SignInsPerMinute", "1000");
        // Suites try wrong passwords on purpose from one (test) address; the throttle has tests of its own.
        builder.UseSetting("Wenku:Accounts:FailuresPerAccountAndAddress", "10000");
        builder.UseSetting("Wenku:Accounts:FailuresPerAddress", "100000");
        builder.UseSetting("Wenku:SearchesPerMinute", "100000");
        builder.UseSetting("Wenku:UploadsPerHour", "10000");
        builder.UseSetting("Wenku:Conversion:LeaseSeconds", "10");
        if (OnScaleOutStack && FollowsTestStack)
        {
            if (_scaleOut is null)
            {
                _scaleOut = (ScaleOutServices.NewPostgresDatabase("suite"), ScaleOutServices.NewBucket("suite"));
                ScaleOutServices.CreateBucketAsync(_scaleOut.Value.S3).GetAwaiter().GetResult();
            }
            foreach (var (key, value) in ScaleOutServices.SiteSettings(_scaleOut.Value.Postgres, _scaleOut.Value.S3)) builder.UseSetting(key, value);
        }
        foreach (var (key, value) in Settings) builder.UseSetting(key, value);
    }

    public HttpClient Browser() => CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    public async Task<T> WithDbAsync<T>(Func<WenkuDb, Task<T>> action)
    {
        await using var scope = Services.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<WenkuDb>());
    }

    /// <summary>Creates a user with a role and returns its id.</summary>
    public async Task<string> CreateUserAsync(string email, string role = Roles.User, string password = TestUsers.Password)
    {
        await using var scope = Services.CreateAsyncScope();
        var (user, errors) = await scope.ServiceProvider.GetRequiredService<AccountService>().CreateOrUpdateAsync(email, password, role);
        return user?.Id ?? throw new InvalidOperationException(string.Join("; ", errors));
    }

    /// <summary>An API client authenticated with a new personal token of a new user.</summary>
    public async Task<(HttpClient Client, string UserId)> ApiClientAsync(string email, string role = Roles.User)
    {
        var id = await CreateUserAsync(email, role);
        await using var scope = Services.CreateAsyncScope();
        var token = await scope.ServiceProvider.GetRequiredService<ApiTokens>().CreateAsync(id, "test", CancellationToken.None);
        var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return (client, id);
    }

    /// <summary>A browser signed in through the real sign-in form.</summary>
    public async Task<(HttpClient Browser, string UserId)> SignedInBrowserAsync(string email, string role = Roles.User)
    {
        var id = await CreateUserAsync(email, role);
        var browser = Browser();
        var response = await browser.PostFormAsync("/account/login", "/account/login",
            new() { ["Email"] = email, ["Password"] = TestUsers.Password });
        if (response.StatusCode != HttpStatusCode.Redirect) throw new InvalidOperationException($"sign-in failed: {response.StatusCode}");
        return (browser, id);
    }

    /// <summary>Uploads through the API and waits until the document is converted (or failed, or held).</summary>
    public async Task<Document> UploadAndWaitAsync(HttpClient api, MultipartFormDataContent content, TimeSpan? timeout = null) =>
        await WaitForDocumentAsync(await api.UploadAsync(content), timeout);

    public async Task<Document> WaitForDocumentAsync(long id, TimeSpan? timeout = null)
    {
        var until = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(90));
        while (true)
        {
            var doc = await WithDbAsync(db => db.Documents.AsNoTracking().SingleAsync(d => d.Id == id));
            if (doc.Status is DocumentStatus.Ready or DocumentStatus.Failed or DocumentStatus.Held)
            {
                // The site indexes within a second; tests that search right after "ready" should not race it.
                await Services.GetRequiredService<Wenku.Search.ISearchIndex>().SyncAsync(CancellationToken.None);
                return doc;
            }
            if (DateTime.UtcNow > until) throw new TimeoutException($"document {id} still {doc.Status}");
            await Task.Delay(200);
        }
    }

    /// <summary>
    /// Runs a <c>wenku</c> command (e.g. <c>admin reindex</c>) beside the running site, on the site's data folder and
    /// — on the scale-out stack — its database and object store, as an operator on that machine would.
    /// </summary>
    public Task<string> RunCliAsync(params string[] args)
    {
        var env = new Dictionary<string, string>();
        var settings = new Dictionary<string, string?>(Settings);
        if (OnScaleOutStack && FollowsTestStack && _scaleOut is { } stack)
            foreach (var (key, value) in ScaleOutServices.SiteSettings(stack.Postgres, stack.S3)) settings.TryAdd(key, value);
        foreach (var (key, value) in settings)
            if (value is not null) env[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        return WenkuProcess.RunAsync(env, [.. args, "--data", DataDir]);
    }

    /// <summary>Signs in through the real form, cookies by hand, and returns the <c>wenku.auth</c> cookie as <c>name=value</c>.</summary>
    public async Task<string> SignInCookieAsync(string email)
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        var form = await client.GetAsync("/account/login");
        var antiforgery = Cookie(form, "wenku.af");
        var token = Regex.Match(await form.Content.ReadAsStringAsync(), "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value;
        using var post = new HttpRequestMessage(HttpMethod.Post, "/account/login")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["Email"] = email, ["Password"] = TestUsers.Password, ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token),
            }),
        };
        post.Headers.Add("Cookie", antiforgery);
        var response = await client.SendAsync(post);
        if (response.StatusCode != HttpStatusCode.Redirect) throw new InvalidOperationException($"sign-in failed: {response.StatusCode}");
        return Cookie(response, "wenku.auth");
    }

    private static string Cookie(HttpResponseMessage response, string name) =>
        response.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]).Single(c => c.StartsWith(name + "=", StringComparison.Ordinal));

    private bool _keepData;

    /// <summary>Stops the site (and its workers) but keeps its data folder, to hand it to a command; the caller deletes it.</summary>
    public void StopKeepingData()
    {
        _keepData = true;
        Dispose();
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (!disposing) return;
        if (!_keepData) TestPaths.TryDelete(DataDir);
        if (_scaleOut is { } stack)
        {
            ScaleOutServices.DeleteBucketAsync(stack.S3).GetAwaiter().GetResult();
            ScaleOutServices.DropPostgresDatabaseAsync(stack.Postgres).GetAwaiter().GetResult();
        }
    }
}

/// <summary>A site without workers: for tests that need no conversion.</summary>
public sealed class WenkuNoWorkerFactory : WenkuFactory
{
    protected override int Workers => 0;
}

public static class TestUsers
{
    public const string Password = "correct horse battery";
}

public static partial class FormExtensions
{
    /// <summary>Loads <paramref name="pageUrl"/>, takes its antiforgery token, and posts the form to <paramref name="action"/>.</summary>
    public static async Task<HttpResponseMessage> PostFormAsync(this HttpClient client, string pageUrl, string action, Dictionary<string, string> fields)
    {
        var page = await client.GetStringAsync(pageUrl);
        var token = Token().Match(page);
        if (!token.Success) throw new InvalidOperationException($"no antiforgery token on {pageUrl}");
        var form = new Dictionary<string, string>(fields) { ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token.Groups[1].Value) };
        return await client.PostAsync(action, new FormUrlEncodedContent(form));
    }

    public static async Task<string> AntiforgeryTokenAsync(this HttpClient client, string pageUrl)
    {
        var page = await client.GetStringAsync(pageUrl);
        return WebUtility.HtmlDecode(Token().Match(page).Groups[1].Value);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex Token();
}
