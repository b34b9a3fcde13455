using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Wenku.Tests.Infrastructure;

namespace Wenku.Tests.Documents;

/// <summary>A site whose uploaders may upload 4 files an hour (and make 8 upload requests: the form's views count too).</summary>
public sealed class SmallUploadLimitSite : WenkuFactory
{
    protected override int Workers => 0;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Wenku:UploadsPerHour", "4");
    }
}

/// <summary>The hourly upload limit counts files, whatever door they come through: one form may carry twenty.</summary>
[Trait(WenkuFactory.Suite, WenkuFactory.OnBothStacks)]
public sealed class UploadLimitTests(SmallUploadLimitSite site) : IClassFixture<SmallUploadLimitSite>
{
    [Fact]
    public async Task A_form_of_many_files_uploads_up_to_the_hourly_limit_and_refuses_the_rest_by_name()
    {
        var (browser, userId) = await site.SignedInBrowserAsync($"limit-{Guid.NewGuid():N}@test.local");
        var token = await browser.AntiforgeryTokenAsync("/upload");
        var content = new MultipartFormDataContent { { new StringContent(token), "__RequestVerificationToken" }, { new StringContent("other"), "Category" } };
        for (var i = 0; i < 6; i++)
            content.Add(new ByteArrayContent(TestPdfs.MultiPage(1, salt: $"limit-{i}-{userId}")), "file", $"第{i}份.pdf");
        var response = await browser.PostAsync("/upload", content);
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var page = Html.Parse(await response.Content.ReadAsStringAsync());
        page.Body!.TextContent.ShouldContain("4 个文件已上传，2 个被拒绝。");
        page.Body.TextContent.ShouldContain("一小时内最多上传 4 个文件，请稍后再试。");
        (await site.WithDbAsync(db => db.Documents.CountAsync(d => d.UploaderId == userId))).ShouldBe(4);

        // The API door counts files the same way: the fifth of the hour is refused with 429 and problem details.
        // (Four documents of the last hour written directly: four API requests would spend the request limiter's permits.)
        var (api, apiUser) = await site.ApiClientAsync($"limit-api-{Guid.NewGuid():N}@test.local");
        for (var i = 0; i < 4; i++) await site.AddAsync(apiUser, title: $"本小时第{i}份");
        var fifth = await api.PostAsync("/api/v1/documents", TestPdfs.Upload(TestPdfs.MultiPage(1, salt: $"api-5-{Guid.NewGuid()}")));
        fifth.StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
        (await fifth.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString().ShouldBe("一小时内最多上传 4 个文件，请稍后再试。");
    }
}
