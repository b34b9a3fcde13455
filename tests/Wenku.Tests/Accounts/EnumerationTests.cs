using System.Net;
using Wenku.Tests.Infrastructure;

namespace Wenku.Tests.Accounts;

/// <summary>Neither sign-in nor registration tells whether an email has an account.</summary>
[Trait(WenkuFactory.Suite, WenkuFactory.OnBothStacks)]
public sealed class EnumerationTests(AccountsSite site) : IClassFixture<AccountsSite>
{
    [Fact]
    public async Task Sign_in_with_an_unknown_email_checks_a_password_and_answers_like_a_wrong_password()
    {
        await site.CreateUserAsync("known@test.local");

        var before = site.Hasher.Verifications;
        var known = await site.SignInAsync(site.BrowserFrom("198.51.100.10"), "known@test.local", "not the password");
        site.Hasher.Verifications.ShouldBe(before + 1);

        before = site.Hasher.Verifications;
        var unknown = await site.SignInAsync(site.BrowserFrom("198.51.100.11"), "unknown@test.local", "not the password");
        site.Hasher.Verifications.ShouldBe(before + 1, "an unknown email costs one password check too");

        unknown.StatusCode.ShouldBe(known.StatusCode);
        var knownError = (await AccountsSite.HtmlAsync(known)).QuerySelector("p.error[role=alert]").ShouldNotBeNull().TextContent;
        (await AccountsSite.HtmlAsync(unknown)).QuerySelector("p.error[role=alert]").ShouldNotBeNull().TextContent.ShouldBe(knownError);
    }

    [Fact]
    public async Task Registering_a_taken_email_answers_exactly_like_a_new_registration_and_changes_nothing()
    {
        await site.CreateUserAsync("taken-reg@test.local");

        Task<HttpResponseMessage> Register(string email) => site.Browser().PostFormAsync("/account/register", "/account/register", new()
        {
            ["Email"] = email, ["DisplayName"] = "某人", ["Password"] = "another long passphrase",
        });
        var fresh = await Register("fresh-reg@test.local");
        var taken = await Register("taken-reg@test.local");

        foreach (var answer in new[] { fresh, taken })
        {
            answer.StatusCode.ShouldBe(HttpStatusCode.Redirect);
            answer.Headers.Location!.OriginalString.ShouldBe("/account/login?registered=true");
            (answer.Headers.TryGetValues("Set-Cookie", out var cookies) ? cookies : []).ShouldNotContain(c => c.StartsWith("wenku.auth="));
            (await answer.Content.ReadAsStringAsync()).ShouldBe(await fresh.Content.ReadAsStringAsync());
        }

        // The new account signs in with its password; the old one keeps its own.
        (await site.SignInAsync(site.Browser(), "fresh-reg@test.local", "another long passphrase")).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        (await site.SignInAsync(site.Browser(), "taken-reg@test.local", "another long passphrase")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await site.SignInAsync(site.Browser(), "taken-reg@test.local", TestUsers.Password)).StatusCode.ShouldBe(HttpStatusCode.Redirect);

        var page = await AccountsSite.HtmlAsync(await site.Browser().GetAsync("/account/login?registered=true"));
        page.QuerySelector("#registered").ShouldNotBeNull();
    }

    [Fact]
    public async Task A_common_password_is_refused_in_the_same_words_for_a_taken_and_a_free_email()
    {
        await site.CreateUserAsync("taken-common@test.local");
        var answers = new List<HttpResponseMessage>();
        foreach (var email in new[] { "free-common@test.local", "taken-common@test.local" })
            answers.Add(await site.Browser().PostFormAsync("/account/register", "/account/register", new()
            {
                ["Email"] = email, ["DisplayName"] = "某人", ["Password"] = "12345678",
            }));
        answers.ShouldAllBe(a => a.StatusCode == HttpStatusCode.BadRequest);
        var errors = new List<string>();
        foreach (var a in answers)
            errors.Add(string.Join("|", (await AccountsSite.HtmlAsync(a)).QuerySelectorAll("p.error").Select(e => e.TextContent)));
        errors[0].ShouldContain("太常见");
        errors[1].ShouldBe(errors[0]);
    }
}
