using Xunit;
using System.Net;
using Wenku.Accounts;
using Wenku.Tests.Infrastructure;

namespace Wenku.Tests.Accounts;

[Trait(WenkuFactory.Suite, WenkuFactory.OnBothStacks)]
public sealed class AccountTests(WenkuNoWorkerFactory site) : IClassFixture<WenkuNoWorkerFactory>
{
    [Fact]
    public async Task Reader_registers_signs_in_and_signs_out()
    {
        var browser = site.Browser();
        var response = await browser.PostFormAsync("/account/register", "/account/register", new()
        {
            ["Email"] = "new-reader@test.local", ["DisplayName"] = "新读者", ["Password"] = "long enough password",
        });
        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        response.Headers.Location!.OriginalString.ShouldBe("/account/login?registered=true");
        (await browser.PostFormAsync("/account/login", "/account/login", new() { ["Email"] = "new-reader@test.local", ["Password"] = "long enough password" }))
            .StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var home = await browser.GetDocumentAsync("/");
        home.One("#user-menu form[action='/account/logout'] button").Text().ShouldBe("退出");
        home.One("header nav a[href='/upload']").Text().ShouldBe("上传");

        (await browser.PostFormAsync("/", "/account/logout", [])).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        (await browser.GetDocumentAsync("/")).One("header nav a[href='/account/login']").Text().ShouldBe("登录");
        (await browser.GetAsync("/upload")).StatusCode.ShouldBe(HttpStatusCode.Redirect);
    }

    [Fact]
    public async Task Registration_refuses_a_short_password()
    {
        var browser = site.Browser();
        var weak = await browser.PostFormAsync("/account/register", "/account/register", new()
        {
            ["Email"] = "weak@test.local", ["DisplayName"] = "弱", ["Password"] = "short",
        });
        weak.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await weak.Content.ReadAsStringAsync()).ShouldContain("至少 8 位");
    }

    [Fact]
    public async Task Wrong_password_is_refused_with_a_message()
    {
        await site.CreateUserAsync("wrong-pass@test.local");
        var browser = site.Browser();
        var response = await browser.PostFormAsync("/account/login", "/account/login", new() { ["Email"] = "wrong-pass@test.local", ["Password"] = "not the password" });
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).ShouldContain("邮箱或密码错误");
    }

    [Fact]
    public async Task Sign_in_redirects_back_only_to_local_urls()
    {
        await site.CreateUserAsync("return@test.local");
        var browser = site.Browser();
        var local = await browser.PostFormAsync("/account/login", "/account/login?returnUrl=%2Fme", new() { ["Email"] = "return@test.local", ["Password"] = TestUsers.Password });
        local.Headers.Location!.ToString().ShouldBe("/me");
        var evil = await site.Browser().PostFormAsync("/account/login", "/account/login?returnUrl=https%3A%2F%2Fevil.example", new() { ["Email"] = "return@test.local", ["Password"] = TestUsers.Password });
        evil.Headers.Location!.ToString().ShouldBe("/");
    }

    [Fact]
    public async Task Only_admins_edit_site_settings_and_notices_appear_on_document_pages()
    {
        var (user, _) = await site.SignedInBrowserAsync("settings-user@test.local");
        var denied = await user.GetAsync("/admin/settings");
        denied.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await denied.Content.ReadAsStringAsync()).ShouldContain("没有权限");

        var (admin, _) = await site.SignedInBrowserAsync("settings-admin@test.local", Roles.Admin);
        var saved = await admin.PostFormAsync("/admin/settings", "/admin/settings", new() { ["DefaultPreviewPages"] = "7", ["UploaderSharePercent"] = "70", ["PointsPerYuan"] = "10", ["MinimumWithdrawal"] = "1000", ["Notices"] = "第一条提示\n第二条提示" });
        saved.StatusCode.ShouldBe(HttpStatusCode.OK);
        var settings = await site.WithDbAsync(db => Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.SingleAsync(db.SiteSettings));
        settings.DefaultPreviewPages.ShouldBe(7);
        (await admin.GetStringAsync("/upload")).ShouldContain("value=\"7\"");

        var invalid = await admin.PostFormAsync("/admin/settings", "/admin/settings", new() { ["DefaultPreviewPages"] = "0", ["Notices"] = "x" });
        invalid.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }
}

public sealed class SignInRateLimitTests : IDisposable
{
    private sealed class StrictFactory : WenkuFactory
    {
        protected override int Workers => 0;
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Wenku:SignInsPerMinute"] = "5" };
    }

    private readonly StrictFactory _site = new();

    [Fact]
    public async Task Repeated_sign_in_attempts_from_one_address_are_throttled()
    {
        var browser = _site.Browser();
        var token = await browser.AntiforgeryTokenAsync("/account/login");
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 6; i++)
        {
            var r = await browser.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["Email"] = "nobody@test.local", ["Password"] = "guess " + i, ["__RequestVerificationToken"] = token,
            }));
            statuses.Add(r.StatusCode);
        }
        statuses.ShouldContain(HttpStatusCode.TooManyRequests);
    }

    [Fact]
    public async Task Opening_the_sign_in_and_register_forms_never_counts_only_attempts_do_and_the_refusal_is_a_site_page()
    {
        var browser = _site.Browser();
        for (var i = 0; i < 20; i++)
        {
            (await browser.GetAsync("/account/login")).StatusCode.ShouldBe(HttpStatusCode.OK, $"GET /account/login #{i + 1}");
            (await browser.GetAsync("/account/register")).StatusCode.ShouldBe(HttpStatusCode.OK, $"GET /account/register #{i + 1}");
        }

        var token = await browser.AntiforgeryTokenAsync("/account/login");
        HttpResponseMessage last = null!;
        for (var i = 0; i < 6; i++)
            last = await browser.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["Email"] = "nobody@test.local", ["Password"] = "guess " + i, ["__RequestVerificationToken"] = token,
            }));
        last.StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
        last.Content.Headers.ContentType!.MediaType.ShouldBe("text/html");
        var page = Html.Parse(await last.Content.ReadAsStringAsync());
        page.One("main h1").Text().ShouldBe("操作太频繁");
        page.One("#ways a[href='/']").Text().ShouldBe("返回首页");
        page.One("header .brand").ShouldNotBeNull(); // the site's own layout, not a bare answer
        // The form itself still opens while attempts are refused.
        (await browser.GetAsync("/account/login")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    public void Dispose() => _site.Dispose();
}
