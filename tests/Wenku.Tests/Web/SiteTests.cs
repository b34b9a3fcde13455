using Xunit;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Wenku.Tests.Infrastructure;

namespace Wenku.Tests.Web;

[Trait(WenkuFactory.Suite, WenkuFactory.OnBothStacks)]
public sealed class SiteTests(WenkuNoWorkerFactory site) : IClassFixture<WenkuNoWorkerFactory>
{
    [Fact]
    public async Task Health_endpoints_answer()
    {
        var client = site.CreateClient();
        (await client.GetAsync("/health/live")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await client.GetAsync("/health/ready")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task OpenApi_document_describes_the_api_and_the_browsable_ui_is_served()
    {
        var client = site.CreateClient();
        var doc = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var paths = doc.GetProperty("paths");
        foreach (var path in new[] { "/api/v1/documents", "/api/v1/documents/{id}", "/api/v1/documents/{id}/pages/{n}", "/api/v1/documents/{id}/text", "/api/v1/search" })
            paths.TryGetProperty(path, out _).ShouldBeTrue(path);
        // Site-only endpoints are not part of the API description.
        paths.TryGetProperty("/d/{id}/download", out _).ShouldBeFalse();
        var document = doc.GetProperty("components").GetProperty("schemas").GetProperty("DocumentDto").GetProperty("properties");
        foreach (var field in new[] { "status", "error", "ocrPages", "entryCount", "entries", "drawing" })
            document.TryGetProperty(field, out _).ShouldBeTrue(field);
        doc.GetProperty("components").GetProperty("securitySchemes").GetProperty("Bearer").GetProperty("scheme").GetString().ShouldBe("bearer");
        (await client.GetAsync("/api/docs")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Stylesheet_and_script_are_served()
    {
        var client = site.CreateClient();
        (await client.GetAsync("/site.css")).Content.Headers.ContentType!.MediaType.ShouldBe("text/css");
        (await client.GetStringAsync("/site.js")).ShouldContain("data-counter");
    }

    [Fact]
    public async Task Pages_answer_only_get_and_post()
    {
        var response = await site.CreateClient().PutAsync("/", new StringContent(""));
        response.StatusCode.ShouldBe(HttpStatusCode.MethodNotAllowed);
    }

    [Fact]
    public async Task Unknown_page_shows_a_readable_not_found_page()
    {
        var response = await site.CreateClient().GetAsync("/no/such/page");
        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await response.Content.ReadAsStringAsync()).ShouldContain("找不到页面");
    }

    [Fact]
    public async Task Chinese_text_is_sent_as_text_not_entities()
    {
        var html = await site.CreateClient().GetStringAsync("/");
        html.ShouldContain("最新文档");
        html.ShouldNotContain("&#x6700;");
    }
}
