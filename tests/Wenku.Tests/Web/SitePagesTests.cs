using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Wenku.Accounts;
using Wenku.Tests.Infrastructure;
using Xunit;

namespace Wenku.Tests.Web;

/// <summary>
/// The site's frame as a reader meets it: the header (who is signed in, their menu, the language switch), the home
/// page, error pages with a way back (the API keeps problem details), the empty search, in both languages.
/// </summary>
[Trait(WenkuFactory.Suite, WenkuFactory.OnBothStacks)]
public sealed class SitePagesTests(WenkuNoWorkerFactory site) : IClassFixture<WenkuNoWorkerFactory>
{
    [Fact]
    public async Task Home_has_one_h1_a_skip_link_to_main_and_loads_the_site_script()
    {
        var home = await site.CreateClient().GetDocumentAsync("/");
        home.QuerySelectorAll("h1").Length.ShouldBe(1);
        home.One("a.skip-link").GetAttribute("href").ShouldBe("#main");
        home.One("main#main").ShouldNotBeNull();
        home.One("script[src^='/site.js']").HasAttribute("defer").ShouldBeTrue();
        home.QuerySelectorAll(".home-grid > section").Length.ShouldBe(3);
    }

    [Fact]
    public async Task Every_page_names_its_other_language_with_hreflang_and_the_switch_returns_to_the_same_page()
    {
        var page = await site.CreateClient().GetDocumentAsync("/search?q=%E6%95%B0%E5%AD%A6");
        page.One("link[hreflang='en']").GetAttribute("href")!.ShouldEndWith("/search?q=%E6%95%B0%E5%AD%A6&lang=en");
        page.One("link[hreflang='zh-CN']").GetAttribute("href")!.ShouldEndWith("lang=zh-CN");
        page.One("link[hreflang='x-default']").ShouldNotBeNull();
        var english = page.One("#lang-menu a[hreflang='en']");
        english.Text().ShouldBe("English");
        english.GetAttribute("href").ShouldBe("/lang/en?returnUrl=" + Uri.EscapeDataString("/search?q=%E6%95%B0%E5%AD%A6"));
        page.One("#lang-menu a[aria-current='true']").GetAttribute("hreflang").ShouldBe("zh-CN");
    }

    [Fact]
    public async Task The_language_switch_changes_html_lang_and_the_headers_words()
    {
        var browser = site.Browser();
        var chinese = await browser.GetDocumentAsync("/");
        chinese.DocumentElement.GetAttribute("lang").ShouldBe("zh-CN");
        chinese.One("header nav a[href='/account/login']").Text().ShouldBe("登录");
        chinese.One("header form.search button").Text().ShouldBe("搜索");

        var switched = await browser.GetAsync("/lang/en?returnUrl=%2F");
        switched.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var english = await browser.GetDocumentAsync("/");
        english.DocumentElement.GetAttribute("lang").ShouldBe("en");
        english.One("header nav a[href='/account/login']").Text().ShouldBe("Sign in");
        english.One("header form.search button").Text().ShouldBe("Search");
        english.One("#lang-menu a[aria-current='true']").GetAttribute("hreflang").ShouldBe("en");
        english.One("footer").Text().ShouldContain("Documents are uploaded by users");
    }

    [Fact]
    public async Task The_header_shows_the_signed_in_users_name_with_their_menu_and_staff_links_in_one_manage_menu()
    {
        var (reader, _) = await site.SignedInBrowserAsync($"menu-reader-{Guid.NewGuid():N}@test.local");
        var page = await reader.GetDocumentAsync("/");
        var menu = page.One("header details#user-menu");
        menu.One("summary #signed-in-as").Text().ShouldNotBeNullOrWhiteSpace();
        var links = menu.QuerySelectorAll("a").Select(a => a.GetAttribute("href")).ToList();
        links.ShouldBe(["/me", "/me/library", "/me/wallet", "/me/earnings", "/me/notifications", "/me/reports", "/me/claims", "/me/tokens", "/me/password"]);
        menu.One("form[action='/account/logout'] button").Text().ShouldBe("退出");
        page.QuerySelector("#staff-menu").ShouldBeNull();
        page.One("#bell").ShouldNotBeNull();

        var (admin, _) = await site.SignedInBrowserAsync($"menu-admin-{Guid.NewGuid():N}@test.local", Roles.Admin);
        var staff = (await admin.GetDocumentAsync("/")).One("header details#staff-menu");
        staff.One("summary").Text().ShouldStartWith("管理");
        staff.QuerySelectorAll("a").Select(a => a.GetAttribute("href")).ShouldBe(
            ["/admin/review", "/admin/words", "/admin/users", "/admin/finance", "/admin/settings", "/admin/audit"]);
    }

    [Fact]
    public async Task The_display_name_is_shown_not_the_email()
    {
        var email = $"named-{Guid.NewGuid():N}@test.local";
        var browser = site.Browser();
        var registered = await browser.PostFormAsync("/account/register", "/account/register", new()
        {
            ["Email"] = email, ["DisplayName"] = "读书人小王", ["Password"] = "long enough password",
        });
        registered.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        (await browser.PostFormAsync("/account/login", "/account/login", new() { ["Email"] = email, ["Password"] = "long enough password" }))
            .StatusCode.ShouldBe(HttpStatusCode.Redirect);
        (await browser.GetDocumentAsync("/")).One("#signed-in-as").Text().ShouldBe("读书人小王");
    }

    [Fact]
    public async Task A_method_a_page_does_not_take_is_a_405_site_page_while_the_api_answers_problem_details()
    {
        var response = await site.CreateClient().PutAsync("/", new StringContent(""));
        response.StatusCode.ShouldBe(HttpStatusCode.MethodNotAllowed);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/html");
        var page = Html.Parse(await response.Content.ReadAsStringAsync());
        page.One("main h1").Text().ShouldBe("不支持的请求方式");
        page.One("#ways a[href='/']").ShouldNotBeNull();
        page.One("header .brand").ShouldNotBeNull();

        var api = await site.CreateClient().PutAsync("/api/v1/search", new StringContent(""));
        api.StatusCode.ShouldBe(HttpStatusCode.MethodNotAllowed);
        api.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        (await api.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetInt32().ShouldBe(405);
    }

    [Fact]
    public async Task A_refused_page_is_a_403_site_page_with_a_way_back_while_the_api_answers_problem_details()
    {
        var (reader, _) = await site.SignedInBrowserAsync($"not-staff-{Guid.NewGuid():N}@test.local");
        var refused = await reader.GetAsync("/admin/users");
        refused.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        var page = Html.Parse(await refused.Content.ReadAsStringAsync());
        page.One("main h1").Text().ShouldBe("没有权限");
        page.One("#ways a[href='/']").Text().ShouldBe("返回首页");

        var (api, _) = await site.ApiClientAsync($"not-staff-api-{Guid.NewGuid():N}@test.local");
        var problem = await api.GetAsync("/api/v1/moderation/queue");
        problem.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        problem.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
    }

    [Fact]
    public async Task An_unknown_page_in_english_is_the_english_404_page()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/no/such/page");
        request.Headers.AcceptLanguage.Add(new StringWithQualityHeaderValue("en"));
        var response = await site.CreateClient().SendAsync(request);
        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var page = Html.Parse(await response.Content.ReadAsStringAsync());
        page.One("main h1").Text().ShouldBe("Not found");
        page.One("#ways a[href='/']").Text().ShouldBe("Back to the home page");
    }

    [Fact]
    public async Task An_empty_search_gives_hints_and_no_bare_facet_headings()
    {
        var page = await site.CreateClient().GetDocumentAsync("/search?q=" + Uri.EscapeDataString("没有这样的文档" + Guid.NewGuid().ToString("N")));
        page.One("main h1").Text().ShouldStartWith("“没有这样的文档");
        var hint = page.One("#no-results");
        hint.Text().ShouldContain("检查错别字");
        hint.Text().ShouldContain("减少关键词");
        hint.QuerySelectorAll("a[href^='/c/']").Length.ShouldBeGreaterThan(0);
        page.QuerySelector(".facets").ShouldBeNull();
        page.QuerySelectorAll("h2").ShouldBeEmpty();
    }

    [Fact]
    public async Task The_api_answers_a_validation_error_in_the_requests_language()
    {
        var (api, _) = await site.ApiClientAsync($"api-language-{Guid.NewGuid():N}@test.local");
        async Task<JsonElement> RefusedAsync(string? language)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/documents") { Content = new MultipartFormDataContent { { new StringContent("x"), "title" } } };
            if (language is not null) request.Headers.AcceptLanguage.Add(new StringWithQualityHeaderValue(language));
            var response = await api.SendAsync(request);
            response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
            return await response.Content.ReadFromJsonAsync<JsonElement>();
        }

        var chinese = await RefusedAsync(null);
        chinese.GetProperty("title").GetString().ShouldBe("上传信息有误。");
        chinese.GetProperty("errors").GetProperty("file")[0].GetString()!.ShouldStartWith("请选择文件");

        var english = await RefusedAsync("en");
        english.GetProperty("title").GetString().ShouldBe("Some fields need attention.");
        english.GetProperty("errors").GetProperty("file")[0].GetString()!.ShouldStartWith("A file is required");
    }
}

/// <summary>Rate limits seen by a reader (the site's 429 page) and by an API client (problem details).</summary>
public sealed class SiteRateLimitPageTests : IDisposable
{
    private sealed class StrictSearchFactory : WenkuFactory
    {
        protected override int Workers => 0;
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Wenku:SearchesPerMinute"] = "2" };
    }

    private readonly StrictSearchFactory _site = new();

    [Fact]
    public async Task Too_many_searches_is_the_sites_429_page_for_readers_and_problem_details_for_the_api()
    {
        var browser = _site.CreateClient();
        HttpResponseMessage last = null!;
        for (var i = 0; i < 3; i++) last = await browser.GetAsync($"/search?q=a{i}");
        last.StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
        last.Content.Headers.ContentType!.MediaType.ShouldBe("text/html");
        var page = Html.Parse(await last.Content.ReadAsStringAsync());
        page.One("main h1").Text().ShouldBe("操作太频繁");
        page.One("#ways a[href='/']").ShouldNotBeNull();

        var api = _site.CreateClient();
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/search?q=b");
        request.Headers.AcceptLanguage.Add(new StringWithQualityHeaderValue("en"));
        var refused = await api.SendAsync(request);
        refused.StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
        refused.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString().ShouldBe("Too many requests; please wait a minute.");
    }

    public void Dispose() => _site.Dispose();
}
