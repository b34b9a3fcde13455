using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Wenku.Accounts;
using Wenku.Tests.Infrastructure;

namespace Wenku.Tests.Accounts;

/// <summary>API tokens have a name, an expiry and a last-used time, and every door revokes them.</summary>
[Trait(WenkuFactory.Suite, WenkuFactory.OnBothStacks)]
public sealed class ApiTokenTests(AccountsSite site) : IClassFixture<AccountsSite>
{
    [Fact]
    public async Task The_tokens_page_creates_a_named_token_shows_it_once_lists_it_and_revokes_it()
    {
        var (browser, _) = await site.SignedInBrowserAsync("tokens-page@test.local");
        var created = await browser.PostFormAsync("/me/tokens", "/me/tokens", new() { ["Name"] = "backup script", ["ExpiresDays"] = "30" });
        created.StatusCode.ShouldBe(HttpStatusCode.OK);
        created.Headers.CacheControl!.NoStore.ShouldBeTrue();
        var secret = (await AccountsSite.HtmlAsync(created)).QuerySelector("#new-token").ShouldNotBeNull().TextContent;
        secret.ShouldStartWith(ApiTokens.Prefix);
        (await UploadWithoutFileAsync(secret)).ShouldBe(HttpStatusCode.BadRequest, "the new token is accepted");

        var list = await AccountsSite.HtmlAsync(await browser.GetAsync("/me/tokens"));
        list.QuerySelector("#new-token").ShouldBeNull();
        list.Body!.InnerHtml.ShouldNotContain(secret);
        var row = list.QuerySelectorAll("#tokens tbody tr").ShouldHaveSingleItem();
        row.QuerySelector(".name")!.TextContent.ShouldBe("backup script");
        row.QuerySelector(".expires")!.TextContent.ShouldBe(site.Clock.GetUtcNow().UtcDateTime.AddDays(30).ToString("yyyy-MM-dd HH:mm") + " UTC");
        row.QuerySelector(".last-used")!.TextContent.ShouldNotContain("never");

        var id = row.GetAttribute("data-token")!;
        (await browser.PostFormAsync("/me/tokens", "/me/tokens?handler=revoke", new() { ["id"] = id })).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        (await UploadWithoutFileAsync(secret)).ShouldBe(HttpStatusCode.Unauthorized);
        (await AccountsSite.HtmlAsync(await browser.GetAsync("/me/tokens"))).QuerySelectorAll("#tokens tbody tr").ShouldBeEmpty();
    }

    [Fact]
    public async Task Nobody_revokes_another_users_token()
    {
        var ownerId = await site.CreateUserAsync("token-owner@test.local");
        var secret = await CreateTokenAsync(ownerId, "mine", null);
        var tokenId = await site.WithDbAsync(db => db.ApiTokens.Where(t => t.UserId == ownerId).Select(t => t.Id).SingleAsync());
        var (other, _) = await site.SignedInBrowserAsync("token-thief@test.local", Roles.Admin);
        (await other.PostFormAsync("/me/tokens", "/me/tokens?handler=revoke", new() { ["id"] = tokenId.ToString() })).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await UploadWithoutFileAsync(secret)).ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task An_api_token_cannot_open_the_pages_that_manage_the_account()
    {
        // Else a short-lived token could mint one that never expires, or change what signs in.
        var id = await site.CreateUserAsync("token-only@test.local");
        var secret = await CreateTokenAsync(id, "short-lived", site.Clock.GetUtcNow().UtcDateTime.AddDays(1));
        foreach (var page in new[] { "/me/tokens", "/me/password" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, page);
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", secret);
            var answer = await site.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false }).SendAsync(request);
            answer.StatusCode.ShouldBe(HttpStatusCode.Redirect, page);
            answer.Headers.Location!.AbsolutePath.ShouldBe("/account/login", page);
        }
    }

    [Fact]
    public async Task An_expired_token_is_refused()
    {
        var id = await site.CreateUserAsync("expiring@test.local");
        var secret = await CreateTokenAsync(id, "short-lived", site.Clock.GetUtcNow().UtcDateTime.AddDays(1));
        (await UploadWithoutFileAsync(secret)).ShouldBe(HttpStatusCode.BadRequest);
        site.Clock.Advance(TimeSpan.FromDays(1) + TimeSpan.FromSeconds(1));
        (await UploadWithoutFileAsync(secret)).ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task The_last_use_is_written_at_most_once_a_minute()
    {
        var id = await site.CreateUserAsync("last-used@test.local");
        var secret = await CreateTokenAsync(id, "busy", null);
        Task<DateTime?> LastUsedAsync() => site.WithDbAsync(db => db.ApiTokens.Where(t => t.UserId == id).Select(t => t.LastUsedAt).SingleAsync());
        (await LastUsedAsync()).ShouldBeNull();

        await UploadWithoutFileAsync(secret);
        var first = site.Clock.GetUtcNow().UtcDateTime;
        (await LastUsedAsync()).ShouldBe(first);

        site.Clock.Advance(TimeSpan.FromSeconds(30));
        await UploadWithoutFileAsync(secret);
        (await LastUsedAsync()).ShouldBe(first);

        site.Clock.Advance(TimeSpan.FromSeconds(31));
        await UploadWithoutFileAsync(secret);
        (await LastUsedAsync()).ShouldBe(site.Clock.GetUtcNow().UtcDateTime);
    }

    [Fact]
    public async Task A_password_change_revokes_every_token()
    {
        var (browser, id) = await site.SignedInBrowserAsync("revoked-by-change@test.local");
        var secrets = new[] { await CreateTokenAsync(id, "one", null), await CreateTokenAsync(id, "two", null) };
        (await browser.PostFormAsync("/me/password", "/me/password", new()
        {
            ["CurrentPassword"] = TestUsers.Password, ["NewPassword"] = "a fresh long passphrase",
        })).StatusCode.ShouldBe(HttpStatusCode.OK);
        foreach (var secret in secrets) (await UploadWithoutFileAsync(secret)).ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task The_cli_creates_named_expiring_tokens_and_revokes_one_by_name_or_all()
    {
        await site.CreateUserAsync("cli-tokens@test.local");
        var ci = (await site.RunCliAsync("admin", "create-token", "--email", "cli-tokens@test.local", "--name", "ci", "--expires-days", "7")).Trim();
        var deploy = (await site.RunCliAsync("admin", "create-token", "--email", "cli-tokens@test.local", "--name", "deploy")).Trim();
        var plain = (await site.RunCliAsync("admin", "create-token", "--email", "cli-tokens@test.local")).Trim();
        (await site.WithDbAsync(db => db.ApiTokens.Where(t => t.User.Email == "cli-tokens@test.local").Select(t => t.ExpiresAt).ToListAsync()))
            .Count(e => e != null).ShouldBe(1);
        foreach (var secret in new[] { ci, deploy, plain }) (await UploadWithoutFileAsync(secret)).ShouldBe(HttpStatusCode.BadRequest);

        (await site.RunCliAsync("admin", "revoke-token", "--email", "cli-tokens@test.local", "--name", "ci")).ShouldContain("Revoked 1");
        (await UploadWithoutFileAsync(ci)).ShouldBe(HttpStatusCode.Unauthorized);
        (await UploadWithoutFileAsync(deploy)).ShouldBe(HttpStatusCode.BadRequest);

        (await site.RunCliAsync("admin", "revoke-token", "--email", "cli-tokens@test.local")).ShouldContain("Revoked 2");
        (await UploadWithoutFileAsync(deploy)).ShouldBe(HttpStatusCode.Unauthorized);
        (await UploadWithoutFileAsync(plain)).ShouldBe(HttpStatusCode.Unauthorized);
    }

    private async Task<string> CreateTokenAsync(string userId, string name, DateTime? expires)
    {
        await using var scope = site.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ApiTokens>().CreateAsync(userId, name, CancellationToken.None, expires);
    }

    /// <summary>An API call that needs a token: 400 (no file) when the token is accepted, 401 when it is not.</summary>
    private async Task<HttpStatusCode> UploadWithoutFileAsync(string token)
    {
        var client = site.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return (await client.PostAsync("/api/v1/documents", new MultipartFormDataContent { { new StringContent("无文件 no file"), "title" } })).StatusCode;
    }
}
