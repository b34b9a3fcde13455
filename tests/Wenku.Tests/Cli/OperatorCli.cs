using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Wenku.Tests.Infrastructure;

namespace Wenku.Tests.Cli;

/// <summary>A one-shot <c>wenku</c> command as an operator runs it, with its exit code (which <c>WenkuProcess.RunAsync</c> turns into an exception).</summary>
public static partial class OperatorCli
{
    public sealed record Outcome(int ExitCode, string Output, string Error)
    {
        public override string ToString() => $"exit {ExitCode}{Environment.NewLine}{Output}{Environment.NewLine}{Error}";
    }

    public static Task<Outcome> RunAsync(params string[] args) => RunAsync(null, args);

    /// <summary>Runs with settings in the environment; orphans count at any age (<c>Wenku__OrphanMinAgeSeconds=0</c>) unless they say otherwise.</summary>
    public static async Task<Outcome> RunAsync(IDictionary<string, string>? env, params string[] args)
    {
        var settings = new Dictionary<string, string> { ["Wenku__OrphanMinAgeSeconds"] = "0" };
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) settings[k] = v;
        var psi = WenkuProcess.Command(args, settings);
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
        return new Outcome(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Signs in through a real site's form and returns its <c>wenku.auth</c> cookie as <c>name=value</c>.</summary>
    public static async Task<string> SignInCookieAsync(Uri site, string email, string password)
    {
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = site };
        var form = await client.GetAsync("/account/login");
        var antiforgery = Cookie(form, "wenku.af");
        var token = VerificationToken().Match(await form.Content.ReadAsStringAsync()).Groups[1].Value;
        using var post = new HttpRequestMessage(HttpMethod.Post, "/account/login")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["Email"] = email, ["Password"] = password, ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token),
            }),
        };
        post.Headers.Add("Cookie", antiforgery);
        var response = await client.SendAsync(post);
        response.StatusCode.ShouldBe(HttpStatusCode.Redirect, "sign-in failed");
        return Cookie(response, "wenku.auth");
    }

    public static HttpClient ApiClient(Uri baseAddress, string token)
    {
        var client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public static async Task<string?> StatusAsync(HttpClient api, long id)
    {
        var response = await api.GetAsync($"/api/v1/documents/{id}");
        response.StatusCode.ShouldBe(HttpStatusCode.OK, $"document {id}");
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString();
    }

    public static async Task WaitForStatusAsync(HttpClient api, long id, string status)
    {
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (true)
        {
            var now = await StatusAsync(api, id);
            if (now == status || (status == "processing" && now == "ready")) return;
            now.ShouldNotBe("failed", $"document {id}");
            DateTime.UtcNow.ShouldBeLessThan(deadline, $"document {id} is {now}, not {status}");
            await Task.Delay(200);
        }
    }

    public static async Task WaitForHitAsync(HttpClient api, string query, long id)
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (true)
        {
            var hits = (await api.GetFromJsonAsync<JsonElement>($"/api/v1/search?q={Uri.EscapeDataString(query)}")).GetProperty("hits")
                .EnumerateArray().Select(h => h.GetProperty("id").GetInt64()).ToList();
            if (hits.Contains(id)) return;
            DateTime.UtcNow.ShouldBeLessThan(deadline, $"search for {query} does not find document {id}");
            await Task.Delay(250);
        }
    }

    private static string Cookie(HttpResponseMessage response, string name) =>
        response.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]).Single(c => c.StartsWith(name + "=", StringComparison.Ordinal));

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex VerificationToken();
}
