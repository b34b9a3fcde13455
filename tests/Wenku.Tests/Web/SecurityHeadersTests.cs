using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Mvc.Testing;
using Wenku.Documents;
using Wenku.Tests.Infrastructure;
using Wenku.Web;

namespace Wenku.Tests.Web;

/// <summary>Every answer — a page, the API, an error page, a page image — carries the security headers.</summary>
[Trait(WenkuFactory.Suite, WenkuFactory.OnBothStacks)]
public sealed class SecurityHeadersTests(WenkuFactory site) : IClassFixture<WenkuFactory>
{
    private static void ShouldCarrySecurityHeaders(HttpResponseMessage response, string what)
    {
        string Header(string name) => response.Headers.TryGetValues(name, out var v) ? string.Join(", ", v)
            : response.Content.Headers.TryGetValues(name, out var c) ? string.Join(", ", c) : "";
        var csp = Header("Content-Security-Policy");
        csp.ShouldContain("frame-ancestors 'none'", customMessage: what);
        csp.ShouldContain("script-src 'self'", customMessage: what);
        csp.ShouldNotContain("unsafe-inline", customMessage: what);
        csp.ShouldContain("object-src 'none'", customMessage: what);
        Header("X-Frame-Options").ShouldBe("DENY", what);
        Header("Referrer-Policy").ShouldBe("strict-origin-when-cross-origin", what);
        Header("X-Content-Type-Options").ShouldBe("nosniff", what);
    }

    [Fact]
    public async Task Page_api_error_page_and_page_image_carry_the_security_headers()
    {
        var (api, _) = await site.ApiClientAsync("headers@test.local");
        var doc = await site.UploadAndWaitAsync(api, TestPdfs.Upload(TestPdfs.MultiPage(1), title: "安全头测试"));
        doc.Status.ShouldBe(DocumentStatus.Ready, doc.Error);
        var client = site.CreateClient();

        foreach (var (url, status) in new[]
        {
            ("/", HttpStatusCode.OK),
            ($"/d/{doc.Id}", HttpStatusCode.OK),
            ("/api/v1/search?q=test", HttpStatusCode.OK),
            ($"/api/v1/documents/{doc.Id}", HttpStatusCode.OK),
            ("/d/999999", HttpStatusCode.NotFound),
            ("/api/v1/documents/999999", HttpStatusCode.NotFound),
            ($"/d/{doc.Id}/page/1.jpg", HttpStatusCode.OK),
            ($"/api/v1/documents/{doc.Id}/pages/1", HttpStatusCode.OK),
            ("/site.css", HttpStatusCode.OK),
        })
        {
            var response = await client.GetAsync(url);
            response.StatusCode.ShouldBe(status, url);
            ShouldCarrySecurityHeaders(response, url);
        }
        // A thrown error re-executed into the error page too (a POST without its token ends as the 400 page).
        var (browser, _) = await site.SignedInBrowserAsync("headers-browser@test.local");
        var refused = await browser.PostAsync("/upload", new FormUrlEncodedContent([]));
        refused.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        ShouldCarrySecurityHeaders(refused, "the 400 page");
    }

    [Fact]
    public async Task Pages_run_no_inline_script_or_style_so_the_policy_needs_no_unsafe_inline()
    {
        var (api, _) = await site.ApiClientAsync("inline@test.local");
        var doc = await site.UploadAndWaitAsync(api, TestPdfs.Upload(TestPdfs.MultiPage(1), title: "内联测试"));
        var (browser, _) = await site.SignedInBrowserAsync("inline-admin@test.local", Wenku.Accounts.Roles.Admin);
        foreach (var url in new[] { "/", $"/d/{doc.Id}", "/upload", "/me", "/admin/settings", "/account/login", "/search?q=测试", "/d/999999" })
        {
            var page = Html.Parse(await (await browser.GetAsync(url)).Content.ReadAsStringAsync()); // the 404 page too
            // JSON-LD and the upload page's texts are data blocks (never run), so the policy needs nothing for them.
            page.QuerySelectorAll("script:not([type='application/ld+json']):not([type='application/json'])").ShouldAllBe(s => s.HasAttribute("src") && s.TextContent.Trim().Length == 0, url);
            page.QuerySelectorAll("style").ShouldBeEmpty(url);
            page.QuerySelectorAll("[style]").ShouldBeEmpty(url);
            page.All.SelectMany(e => e.Attributes).Select(a => a.Name).Where(n => n.StartsWith("on", StringComparison.Ordinal)).ShouldBeEmpty(url);
            page.QuerySelectorAll("a[href^='javascript:']").ShouldBeEmpty(url);
        }
    }

    [Theory]
    [InlineData(null)]
    [InlineData("gzip")]
    [InlineData("br")] // what browsers send: the policy must be computed from the page before compression
    public async Task Api_reference_may_run_its_own_inline_script_by_hash_and_no_other(string? encoding)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/docs/");
        if (encoding is not null) request.Headers.AcceptEncoding.ParseAdd(encoding);
        var response = await site.CreateClient().SendAsync(request);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentEncoding.SingleOrDefault().ShouldBe(encoding);
        await using var raw = await response.Content.ReadAsStreamAsync();
        await using Stream body = encoding switch
        {
            "gzip" => new System.IO.Compression.GZipStream(raw, System.IO.Compression.CompressionMode.Decompress),
            "br" => new System.IO.Compression.BrotliStream(raw, System.IO.Compression.CompressionMode.Decompress),
            _ => raw,
        };
        var html = await new StreamReader(body).ReadToEndAsync();
        var inline = Html.Parse(html).QuerySelectorAll("script:not([src])").Select(s => s.TextContent).ToList();
        inline.ShouldNotBeEmpty();
        var scriptSrc = response.Headers.GetValues("Content-Security-Policy").Single().Split(';').Select(d => d.Trim()).Single(d => d.StartsWith("script-src ", StringComparison.Ordinal));
        scriptSrc.ShouldNotContain("unsafe-inline");
        foreach (var script in inline)
            scriptSrc.ShouldContain($"'sha256-{Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(script)))}'");
        response.Headers.GetValues("Content-Security-Policy").Single().ShouldContain("frame-ancestors 'none'");
    }

    [Fact]
    public async Task Over_https_the_site_sends_hsts_and_secure_cookies_and_over_http_neither()
    {
        var https = site.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://localhost"), AllowAutoRedirect = false });
        var secure = await https.GetAsync("/account/login");
        secure.Headers.GetValues("Strict-Transport-Security").Single().ShouldBe(SecurityHeaders.HstsValue);
        var antiforgery = secure.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("wenku.af=", StringComparison.Ordinal));
        antiforgery.Split(';').Select(p => p.Trim().ToLowerInvariant()).ShouldContain("secure");

        await site.CreateUserAsync("https@test.local");
        var token = await https.AntiforgeryTokenAsync("/account/login");
        var login = new HttpRequestMessage(HttpMethod.Post, "/account/login")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["Email"] = "https@test.local", ["Password"] = TestUsers.Password, ["__RequestVerificationToken"] = token,
            }),
        };
        var signedIn = await https.SendAsync(login);
        signedIn.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var auth = signedIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("wenku.auth=", StringComparison.Ordinal));
        auth.Split(';').Select(p => p.Trim().ToLowerInvariant()).ShouldContain("secure");

        var plain = await site.CreateClient().GetAsync("/account/login");
        plain.Headers.Contains("Strict-Transport-Security").ShouldBeFalse();
        plain.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("wenku.af=", StringComparison.Ordinal))
            .Split(';').Select(p => p.Trim().ToLowerInvariant()).ShouldNotContain("secure");
    }
}

/// <summary>The hook a future <c>/embed/{id}</c> route uses: it declares who may frame it; every other route stays unframeable.</summary>
public sealed class FramingHookTests
{
    [Fact]
    public async Task A_route_that_allows_framing_gets_its_own_frame_ancestors_and_no_x_frame_options()
    {
        var builder = Microsoft.AspNetCore.Builder.WebApplication.CreateBuilder();
        Microsoft.AspNetCore.TestHost.WebHostBuilderExtensions.UseTestServer(builder.WebHost);
        await using var app = builder.Build();
        app.UseSecurityHeaders();
        app.MapGet("/embed/{id}", () => "embedded").AllowFraming("*");
        app.MapGet("/d/{id}", () => "page");
        await app.StartAsync();
        var client = Microsoft.AspNetCore.TestHost.HostBuilderTestServerExtensions.GetTestClient(app);

        var embed = await client.GetAsync("/embed/1");
        embed.Headers.GetValues("Content-Security-Policy").Single().ShouldEndWith("frame-ancestors *");
        embed.Headers.Contains("X-Frame-Options").ShouldBeFalse();

        var page = await client.GetAsync("/d/1");
        page.Headers.GetValues("Content-Security-Policy").Single().ShouldEndWith("frame-ancestors 'none'");
        page.Headers.GetValues("X-Frame-Options").ShouldBe(["DENY"]);
        await app.StopAsync();
    }
}
