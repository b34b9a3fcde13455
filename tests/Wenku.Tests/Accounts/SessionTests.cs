using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Wenku.Accounts;
using Wenku.Tests.Infrastructure;

namespace Wenku.Tests.Accounts;

/// <summary>A session ends on the server: signing out, a demotion and a password change all reach a copied cookie.</summary>
[Trait(WenkuFactory.Suite, WenkuFactory.OnBothStacks)]
public sealed partial class SessionTests(AccountsSite site) : IClassFixture<AccountsSite>
{
    [Fact]
    public async Task A_cookie_replayed_after_sign_out_is_anonymous()
    {
        await site.CreateUserAsync("signs-out@test.local");
        var cookie = await site.SignInCookieAsync("signs-out@test.local");
        (await GetWithCookieAsync("/me", cookie)).StatusCode.ShouldBe(HttpStatusCode.OK);

        // Sign out in the browser that has the cookie …
        var me = await GetWithCookieAsync("/me", cookie);
        var antiforgery = me.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]).Single(c => c.StartsWith("wenku.af=", StringComparison.Ordinal));
        var token = WebUtility.HtmlDecode(Token().Match(await me.Content.ReadAsStringAsync()).Groups[1].Value);
        using var logout = new HttpRequestMessage(HttpMethod.Post, "/account/logout")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }),
        };
        logout.Headers.Add("Cookie", $"{cookie}; {antiforgery}");
        (await Client().SendAsync(logout)).StatusCode.ShouldBe(HttpStatusCode.Redirect);

        // … and a copy of the cookie taken before is worth nothing.
        var replayed = await GetWithCookieAsync("/me", cookie);
        replayed.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        ToSignIn(replayed).ShouldBeTrue();
    }

    [Fact]
    public async Task A_signed_in_page_view_does_not_send_the_sign_in_cookie_again()
    {
        // The stamp is checked on every request; re-issuing the cookie each time would also make every answer no-store.
        await site.CreateUserAsync("stays@test.local");
        var cookie = await site.SignInCookieAsync("stays@test.local");
        var page = await GetWithCookieAsync("/me", cookie);
        page.StatusCode.ShouldBe(HttpStatusCode.OK);
        (page.Headers.TryGetValues("Set-Cookie", out var set) ? set : []).ShouldNotContain(c => c.StartsWith("wenku.auth=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_demoted_moderators_old_cookie_cannot_reach_a_moderator_route()
    {
        await site.CreateUserAsync("demoted@test.local", Roles.Moderator);
        var cookie = await site.SignInCookieAsync("demoted@test.local");
        (await GetWithCookieAsync("/admin/review", cookie)).StatusCode.ShouldBe(HttpStatusCode.OK);
        var stamp = await StampAsync("demoted@test.local");

        await site.CreateUserAsync("demoted@test.local", Roles.User);

        (await StampAsync("demoted@test.local")).ShouldNotBe(stamp);
        var old = await GetWithCookieAsync("/admin/review", cookie);
        ToSignIn(old).ShouldBeTrue();
        (await GetWithCookieAsync("/admin/review", await site.SignInCookieAsync("demoted@test.local"))).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task After_a_password_change_an_old_cookie_is_signed_out_and_the_changing_browser_stays_signed_in()
    {
        var (browser, _) = await site.SignedInBrowserAsync("changes-password@test.local");
        var elsewhere = await site.SignInCookieAsync("changes-password@test.local");
        (await GetWithCookieAsync("/me", elsewhere)).StatusCode.ShouldBe(HttpStatusCode.OK);

        var changed = await browser.PostFormAsync("/me/password", "/me/password", new()
        {
            ["CurrentPassword"] = TestUsers.Password, ["NewPassword"] = "a brand new passphrase",
        });
        changed.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await AccountsSite.HtmlAsync(changed)).QuerySelector("#changed").ShouldNotBeNull();

        (await browser.GetAsync("/me")).StatusCode.ShouldBe(HttpStatusCode.OK);
        ToSignIn(await GetWithCookieAsync("/me", elsewhere)).ShouldBeTrue();
        (await site.SignInAsync(site.Browser(), "changes-password@test.local", "a brand new passphrase")).StatusCode.ShouldBe(HttpStatusCode.Redirect);
    }

    [Fact]
    public async Task A_wrong_current_password_changes_nothing()
    {
        var (browser, _) = await site.SignedInBrowserAsync("wrong-current@test.local");
        var answer = await browser.PostFormAsync("/me/password", "/me/password", new()
        {
            ["CurrentPassword"] = "not my password", ["NewPassword"] = "a brand new passphrase",
        });
        answer.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await AccountsSite.HtmlAsync(answer)).QuerySelector("p.error[role=alert]").ShouldNotBeNull().TextContent.ShouldContain("当前密码不正确");
        (await site.SignInAsync(site.Browser(), "wrong-current@test.local", TestUsers.Password)).StatusCode.ShouldBe(HttpStatusCode.Redirect);
    }

    /// <summary>The answer sends the browser to the sign-in form: the cookie was anonymous.</summary>
    private static bool ToSignIn(HttpResponseMessage response) =>
        response.StatusCode == HttpStatusCode.Redirect && new Uri(new Uri("http://localhost"), response.Headers.Location!).AbsolutePath == "/account/login";

    private HttpClient Client() => site.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });

    private async Task<HttpResponseMessage> GetWithCookieAsync(string url, string cookie)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Add("Cookie", cookie);
        return await Client().SendAsync(request);
    }

    private Task<string?> StampAsync(string email) =>
        site.WithDbAsync(db => db.Users.Where(u => u.Email == email).Select(u => u.SecurityStamp).SingleAsync());

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex Token();
}
