using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Wenku.Accounts;
using Wenku.Tests.Infrastructure;

namespace Wenku.Tests.Accounts;

/// <summary>Password guessing is slowed per address and per account, without ever locking the owner out.</summary>
[Trait(WenkuFactory.Suite, WenkuFactory.OnBothStacks)]
public sealed class SignInThrottleTests(AccountsSite site) : IClassFixture<AccountsSite>
{
    [Fact]
    public async Task Many_wrong_passwords_keep_out_the_guesser_but_not_the_owner_nor_the_owners_token_and_the_owner_is_told()
    {
        const string email = "guessed@test.local";
        var (api, _) = await site.ApiClientAsync(email);

        var attacker = site.BrowserFrom("203.0.113.7");
        var answers = new List<HttpStatusCode>();
        for (var i = 0; i < 12; i++) answers.Add((await site.SignInAsync(attacker, email, $"guess number {i}")).StatusCode);
        answers.Take(5).ShouldAllBe(s => s == HttpStatusCode.BadRequest);
        answers.Skip(5).ShouldAllBe(s => s == HttpStatusCode.TooManyRequests);
        // Even the right password is not tried any more from the guesser's address.
        (await site.SignInAsync(attacker, email, TestUsers.Password)).StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);

        // The account's API token goes on working …
        (await api.PostAsync("/api/v1/documents", new MultipartFormDataContent { { new StringContent("无文件 no file"), "title" } }))
            .StatusCode.ShouldBe(HttpStatusCode.BadRequest);

        // … and the owner signs in from their own address, and is told.
        var owner = site.BrowserFrom("198.51.100.2");
        var signedIn = await site.SignInAsync(owner, email, TestUsers.Password);
        signedIn.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var me = await AccountsSite.HtmlAsync(await owner.GetAsync("/me"));
        var notice = me.QuerySelector("#failed-sign-ins").ShouldNotBeNull();
        notice.TextContent.ShouldContain("有 13 次用错误密码登录你的账号的尝试");

        (await owner.PostFormAsync("/me", "/me?handler=DismissSignInNotice", [])).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        (await AccountsSite.HtmlAsync(await owner.GetAsync("/me"))).QuerySelector("#failed-sign-ins").ShouldBeNull();

        // After the window the guesser's address may try again (and is refused by the password alone).
        site.Clock.Advance(TimeSpan.FromMinutes(16));
        (await site.SignInAsync(attacker, email, "one more guess")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task An_address_that_fails_on_many_accounts_is_slowed_but_not_refused_so_others_behind_it_still_sign_in()
    {
        await site.CreateUserAsync("sprayed@test.local");
        var shared = IPAddress.Parse("203.0.113.99"); // a NAT: the guesser and the owner share it
        var sprayer = site.BrowserFrom(shared.ToString());
        for (var i = 0; i < 20; i++)
            (await site.SignInAsync(sprayer, $"someone{i}@test.local", "password spraying")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);

        var throttle = site.Services.GetRequiredService<SignInThrottle>();
        throttle.DelayFor("anyone@test.local", shared).ShouldBeGreaterThan(TimeSpan.Zero);
        throttle.DelayFor("anyone@test.local", IPAddress.Parse("198.51.100.50")).ShouldBe(TimeSpan.Zero);
        (await site.SignInAsync(site.BrowserFrom(shared.ToString()), "sprayed@test.local", TestUsers.Password)).StatusCode.ShouldBe(HttpStatusCode.Redirect);
    }

    [Fact]
    public void An_account_attacked_from_many_addresses_answers_later_but_within_a_bound_and_never_refuses_a_new_address()
    {
        var options = new AccountOptions();
        var throttle = new SignInThrottle(new ManualClock(DateTimeOffset.UnixEpoch), Options.Create(options));
        throttle.DelayFor("target@test.local", null).ShouldBe(TimeSpan.Zero);
        for (var i = 0; i < 1000; i++) throttle.RecordFailure("target@test.local", IPAddress.Parse($"10.{i / 250}.{i % 250}.1"));

        var fresh = IPAddress.Parse("192.0.2.1");
        throttle.DelayFor("target@test.local", fresh).ShouldBeGreaterThan(TimeSpan.Zero);
        throttle.DelayFor("target@test.local", fresh).ShouldBeLessThanOrEqualTo(TimeSpan.FromMilliseconds(options.MaxDelayMs));
        throttle.DelayFor("someone-else@test.local", fresh).ShouldBe(TimeSpan.Zero);
        throttle.IsRefused("target@test.local", IPAddress.Parse("192.0.2.1")).ShouldBeFalse();
    }
}
