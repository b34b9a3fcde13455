using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Wenku.Accounts;
using Wenku.Tests.Infrastructure;

namespace Wenku.Tests.Accounts;

/// <summary>The most common passwords are refused wherever a password is set.</summary>
[Trait(WenkuFactory.Suite, WenkuFactory.OnBothStacks)]
public sealed class CommonPasswordTests(AccountsSite site) : IClassFixture<AccountsSite>
{
    [Theory]
    [InlineData("12345678")]
    [InlineData("password1")]
    [InlineData("Password")]
    [InlineData("iloveyou")]
    public void The_bundled_list_holds_the_most_common_passwords_whatever_their_case(string password) =>
        CommonPasswords.Contains(password).ShouldBeTrue();

    [Fact]
    public void A_long_uncommon_password_is_not_on_the_list() => CommonPasswords.Contains(TestUsers.Password).ShouldBeFalse();

    [Fact]
    public async Task Registration_refuses_a_common_password()
    {
        var answer = await site.Browser().PostFormAsync("/account/register", "/account/register", new()
        {
            ["Email"] = "common@test.local", ["DisplayName"] = "常见", ["Password"] = "12345678",
        });
        answer.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await AccountsSite.HtmlAsync(answer)).QuerySelector("p.error[role=alert]").ShouldNotBeNull().TextContent.ShouldContain("这个密码太常见");
        (await site.SignInAsync(site.Browser(), "common@test.local", "12345678")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Password_change_refuses_a_common_password_and_keeps_the_old_one()
    {
        var (browser, _) = await site.SignedInBrowserAsync("change-common@test.local");
        var answer = await browser.PostFormAsync("/me/password", "/me/password", new() { ["CurrentPassword"] = TestUsers.Password, ["NewPassword"] = "qwertyuiop" });
        answer.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await AccountsSite.HtmlAsync(answer)).QuerySelector("p.error[role=alert]").ShouldNotBeNull().TextContent.ShouldContain("太常见");
        (await site.SignInAsync(site.Browser(), "change-common@test.local", TestUsers.Password)).StatusCode.ShouldBe(HttpStatusCode.Redirect);
    }

    [Fact]
    public async Task Admin_create_user_refuses_a_common_password_for_a_new_and_an_existing_user()
    {
        await using var scope = site.Services.CreateAsyncScope();
        var accounts = scope.ServiceProvider.GetRequiredService<AccountService>();
        var (created, errors) = await accounts.CreateOrUpdateAsync("cli-common@test.local", "12345678", Roles.Admin);
        created.ShouldBeNull();
        errors.ShouldContain(e => e.Contains("most common"));

        await site.CreateUserAsync("cli-existing@test.local");
        (await accounts.CreateOrUpdateAsync("cli-existing@test.local", "password1", Roles.User)).User.ShouldBeNull();
        (await site.SignInAsync(site.Browser(), "cli-existing@test.local", TestUsers.Password)).StatusCode.ShouldBe(HttpStatusCode.Redirect);
    }

    [Fact]
    public async Task The_create_user_command_refuses_a_common_password_with_the_reason()
    {
        var refused = await Should.ThrowAsync<InvalidOperationException>(() =>
            site.RunCliAsync("admin", "create-user", "--email", "cli-process@test.local", "--password", "12345678", "--role", "admin"));
        refused.Message.ShouldContain("most common");
        (await site.SignInAsync(site.Browser(), "cli-process@test.local", "12345678")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }
}
