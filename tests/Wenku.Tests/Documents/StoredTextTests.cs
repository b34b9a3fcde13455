using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Wenku.Tests.Infrastructure;

namespace Wenku.Tests.Documents;

/// <summary>
/// Direction overrides, isolates, marks, NUL, ESC and other control characters never reach the database, from any
/// door: the API, the upload form, comments, registration, the site settings.
/// </summary>
[Trait(WenkuFactory.Suite, WenkuFactory.OnBothStacks)]
public sealed class StoredTextTests(WenkuNoWorkerFactory site) : IClassFixture<WenkuNoWorkerFactory>
{
    private const string Hostile = "\u202E\u2066\u2067\u2068\u2069\u200E\u200F\u202A\u202B\u202C\u202D\0\u001B\u0007\u0085";

    /// <summary>The same without NUL, which ASP.NET itself refuses in a URL-encoded form (a 400 before any of our code).</summary>
    private const string HostileUrlEncoded = "\u202E\u2066\u2067\u2068\u2069\u200E\u200F\u202A\u202B\u202C\u202D\u001B\u0007\u0085";

    private static void ShouldBeClean(string? stored, string what)
    {
        stored.ShouldNotBeNull(what);
        stored.ShouldNotContain(c => c != '\n' && c != '\t' && (char.IsControl(c) || Wenku.Text.SafeText.IsDirectionMark(c)), what);
    }

    [Fact]
    public async Task Api_upload_and_edit_store_no_direction_or_control_characters()
    {
        var (api, _) = await site.ApiClientAsync("text-api@test.local");
        var upload = TestPdfs.Upload(TestPdfs.MultiPage(1, salt: Guid.NewGuid().ToString("N")), fileName: $"报告{Hostile}fdp.exe.pdf", title: $"标题{Hostile}gpj.exe");
        upload.Add(new StringContent($"第一行{Hostile}\n第二行\t缩进"), "description");
        upload.Add(new StringContent($"标签{Hostile}一,二{Hostile}"), "tags");
        var id = await api.UploadAsync(upload);

        var json = await api.GetFromJsonAsync<JsonElement>($"/api/v1/documents/{id}");
        json.GetProperty("title").GetString().ShouldBe("标题gpj.exe");
        json.GetProperty("description").GetString().ShouldBe("第一行\n第二行\t缩进");
        json.GetProperty("tags").EnumerateArray().Select(t => t.GetString()).ShouldBe(["标签一", "二"]);
        var doc = await site.WithDbAsync(db => db.Documents.AsNoTracking().SingleAsync(d => d.Id == id));
        ShouldBeClean(doc.OriginalFileName, "file name");
        doc.OriginalFileName.ShouldBe("报告fdp.exe.pdf");

        var edit = await api.PatchAsJsonAsync($"/api/v1/documents/{id}", new { description = $"改{Hostile}过", title = $"{Hostile}新标题", tags = $"a{Hostile}b" });
        edit.StatusCode.ShouldBe(HttpStatusCode.OK, await edit.Content.ReadAsStringAsync());
        doc = await site.WithDbAsync(db => db.Documents.AsNoTracking().SingleAsync(d => d.Id == id));
        (doc.Title, doc.Description, doc.Tags).ShouldBe(("新标题", "改过", "ab"));
    }

    [Fact]
    public async Task Upload_form_comments_names_and_notices_store_no_direction_or_control_characters()
    {
        var (browser, userId) = await site.SignedInBrowserAsync("text-form@test.local");
        var token = await browser.AntiforgeryTokenAsync("/upload");
        var form = new MultipartFormDataContent
        {
            { new ByteArrayContent(TestPdfs.MultiPage(1, salt: Guid.NewGuid().ToString("N"))), "file", "a.pdf" },
            { new StringContent(token), "__RequestVerificationToken" },
            { new StringContent($"表单{Hostile}标题"), "Title" },
            { new StringContent($"简介{Hostile}\r\n下一行"), "Description" },
            { new StringContent($"甲{Hostile},乙"), "Tags" },
            { new StringContent("other"), "Category" },
        };
        (await browser.PostAsync("/upload", form)).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var doc = await site.WithDbAsync(db => db.Documents.AsNoTracking().SingleAsync(d => d.UploaderId == userId));
        (doc.Title, doc.Description, doc.Tags).ShouldBe(("表单标题", "简介\n下一行", "甲,乙"));

        // A comment (on a published document), a registered name, the site's notices.
        await site.WithDbAsync(db => db.Documents.Where(d => d.Id == doc.Id).ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, Wenku.Documents.DocumentStatus.Ready)));
        (await browser.PostFormAsync($"/d/{doc.Id}", $"/d/{doc.Id}/comments", new() { ["body"] = $"评论{HostileUrlEncoded}\n第二行" })).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        (await site.WithDbAsync(db => db.Comments.Where(c => c.DocumentId == doc.Id).Select(c => c.Body).SingleAsync())).ShouldBe("评论\n第二行");

        var newcomer = site.Browser();
        (await newcomer.PostFormAsync("/account/register", "/account/register", new()
        {
            ["Email"] = "text-register@test.local", ["DisplayName"] = $"{HostileUrlEncoded}读者\u202Enimda", ["Password"] = TestUsers.Password,
        })).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        (await site.WithDbAsync(db => db.Users.Where(u => u.Email == "text-register@test.local").Select(u => u.DisplayName).SingleAsync())).ShouldBe("读者nimda");

        var (admin, _) = await site.SignedInBrowserAsync("text-admin@test.local", Wenku.Accounts.Roles.Admin);
        (await admin.PostFormAsync("/admin/settings", "/admin/settings", new() { ["DefaultPreviewPages"] = "5", ["UploaderSharePercent"] = "70", ["PointsPerYuan"] = "10", ["MinimumWithdrawal"] = "1000", ["Notices"] = $"通知{HostileUrlEncoded}一\r\n通知二" }))
            .StatusCode.ShouldBe(HttpStatusCode.OK);
        (await site.WithDbAsync(db => db.SiteSettings.Select(s => s.Notices).SingleAsync())).ShouldBe("通知一\n通知二");
    }
}
