using Xunit;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Wenku.Accounts;
using Wenku.Documents;
using Wenku.Moderation;
using Wenku.Tests.Infrastructure;

namespace Wenku.Tests.Moderation;

/// <summary>
/// The sensitive-word list end to end: block words refuse uploads, edits and comments naming the word (spaced,
/// full-width and traditional variants too); review words send comments and converted documents to review; staff
/// edit the list at /admin/words; a change reaches the screen without a restart.
/// </summary>
[Trait(WenkuFactory.Suite, WenkuFactory.OnBothStacks)]
public sealed class SensitiveWordTests(WenkuFactory site) : IClassFixture<WenkuFactory>
{
    private async Task AddAsync(string word, WordAction action)
    {
        using var scope = site.Services.CreateScope();
        var staff = await site.CreateUserAsync($"words-staff-{Guid.NewGuid():N}@test.local", Roles.Moderator);
        (await scope.ServiceProvider.GetRequiredService<WordList>().AddAsync(word, action, "测试 test", staff, CancellationToken.None)).ShouldBeNull();
    }

    private async Task<long> ReadyDocAsync(HttpClient api)
    {
        var r = await api.PostAsync("/api/v1/documents", TestPdfs.Upload(TestPdfs.MultiPage(1)));
        var id = (await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        (await site.WaitForDocumentAsync(id)).Status.ShouldBe(DocumentStatus.Ready);
        return id;
    }

    [Fact]
    public async Task Block_word_in_the_upload_form_is_refused_naming_it_and_the_typed_text_stays()
    {
        await AddAsync("违禁甲", WordAction.Block);
        var (browser, userId) = await site.SignedInBrowserAsync($"words-form-{Guid.NewGuid():N}@test.local");
        var token = await browser.AntiforgeryTokenAsync("/upload");
        var form = new MultipartFormDataContent
        {
            { new ByteArrayContent(TestPdfs.MultiPage(1)), "file", "a.pdf" },
            { new StringContent(token), "__RequestVerificationToken" },
            { new StringContent("我的讲义"), "Title" },
            { new StringContent("内容含有違 禁 甲，请看"), "Description" }, // traditional and spaced
            { new StringContent("数学,讲义"), "Tags" },
            { new StringContent("other"), "Category" },
        };
        var response = await browser.PostAsync("/upload", form);
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var page = Html.Parse(await response.Content.ReadAsStringAsync());
        page.One("#Description + .error").Text().ShouldContain("含有敏感词“违禁甲”");
        page.One("#Description").TextContent.ShouldBe("内容含有違 禁 甲，请看");
        page.One("#Title").GetAttribute("value").ShouldBe("我的讲义");
        (await site.WithDbAsync(db => db.Documents.AnyAsync(d => d.UploaderId == userId))).ShouldBeFalse();
    }

    [Fact]
    public async Task Block_word_in_an_api_upload_or_edit_is_refused_naming_it()
    {
        await AddAsync("违禁乙", WordAction.Block);
        var (api, _) = await site.ApiClientAsync($"words-api-{Guid.NewGuid():N}@test.local");
        var upload = await api.PostAsync("/api/v1/documents", TestPdfs.Upload(TestPdfs.MultiPage(1), title: "标题 違*禁*乙"));
        upload.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var problem = await upload.Content.ReadFromJsonAsync<JsonElement>();
        problem.GetProperty("title").GetString().ShouldBe("含有敏感词“违禁乙”，请修改。");
        problem.GetProperty("errors").GetProperty("title")[0].GetString().ShouldBe("含有敏感词“违禁乙”，请修改。");

        var id = await ReadyDocAsync(api);
        var edit = await api.PatchAsJsonAsync($"/api/v1/documents/{id}", new { tags = "好书,违禁乙" });
        edit.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await edit.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").GetProperty("tags")[0].GetString()!.ShouldContain("违禁乙");
        (await site.WithDbAsync(db => db.Documents.SingleAsync(d => d.Id == id))).Tags.ShouldNotContain("违禁乙");
    }

    [Fact]
    public async Task Full_width_and_mixed_case_latin_block_words_are_refused()
    {
        await AddAsync("BadWord", WordAction.Block);
        var (api, _) = await site.ApiClientAsync($"words-latin-{Guid.NewGuid():N}@test.local");
        var upload = await api.PostAsync("/api/v1/documents", TestPdfs.Upload(TestPdfs.MultiPage(1), title: "about ＢＡＤ ｗｏｒｄ here"));
        upload.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await upload.Content.ReadAsStringAsync()).ShouldContain("BadWord");
        // Inside a longer latin word it is another word.
        (await api.PostAsync("/api/v1/documents", TestPdfs.Upload(TestPdfs.MultiPage(1), title: "notbadwords at all"))).StatusCode.ShouldBe(HttpStatusCode.Accepted);
    }

    [Fact]
    public async Task Edit_adding_a_review_word_sends_a_published_document_back_to_review()
    {
        await AddAsync("待审丙", WordAction.Review);
        var (api, _) = await site.ApiClientAsync($"words-edit-{Guid.NewGuid():N}@test.local");
        var id = await ReadyDocAsync(api);
        var edit = await api.PatchAsJsonAsync($"/api/v1/documents/{id}", new { description = "新的简介：待·审·丙" });
        edit.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await edit.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString().ShouldBe("held");
        var doc = await site.WithDbAsync(db => db.Documents.AsNoTracking().SingleAsync(d => d.Id == id));
        (doc.Status, doc.HoldReason).ShouldBe((DocumentStatus.Held, HoldReason.SensitiveWords));
        doc.HoldDetails.ShouldBe("敏感词：待审丙（简介）");
        (await site.CreateClient().GetAsync($"/d/{id}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Block_word_in_a_comment_is_refused_naming_it_and_the_draft_comes_back()
    {
        await AddAsync("违禁丁", WordAction.Block);
        var (api, _) = await site.ApiClientAsync($"words-c-owner-{Guid.NewGuid():N}@test.local");
        var id = await ReadyDocAsync(api);
        var (reader, userId) = await site.SignedInBrowserAsync($"words-commenter-{Guid.NewGuid():N}@test.local");
        var response = await reader.PostFormAsync($"/d/{id}", $"/d/{id}/comments", new() { ["body"] = "写得好 违 禁 丁！" });
        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var page = await reader.GetDocumentAsync(response.Headers.Location!.ToString());
        page.One("#comments .error").Text().ShouldContain("含有敏感词“违禁丁”");
        page.One("#comments textarea[name=body]").TextContent.ShouldBe("写得好 违 禁 丁！");
        (await site.WithDbAsync(db => db.Comments.AnyAsync(c => c.UserId == userId))).ShouldBeFalse();
    }

    [Fact]
    public async Task Review_word_in_a_comment_saves_it_pending_with_the_words()
    {
        await AddAsync("待审戊", WordAction.Review);
        var (api, _) = await site.ApiClientAsync($"words-p-owner-{Guid.NewGuid():N}@test.local");
        var id = await ReadyDocAsync(api);
        var (reader, userId) = await site.SignedInBrowserAsync($"words-pending-{Guid.NewGuid():N}@test.local");
        var response = await reader.PostFormAsync($"/d/{id}", $"/d/{id}/comments", new() { ["body"] = "请问待審戊是什么" });
        response.Headers.Location!.ToString().ShouldBe($"/d/{id}?comment=pending#comments");
        var comment = await site.WithDbAsync(db => db.Comments.AsNoTracking().SingleAsync(c => c.UserId == userId));
        (comment.State, comment.ReviewWords, comment.Body).ShouldBe((CommentState.Pending, "待审戊", "请问待審戊是什么"));
        (await reader.GetDocumentAsync($"/d/{id}?comment=pending")).One("#comment-notice").Text().ShouldContain("审核后显示");
    }

    [Fact]
    public async Task Converted_document_with_review_words_is_held_with_the_words_and_pages()
    {
        var salt = Guid.NewGuid().ToString("N");
        await AddAsync($"Paragraph 1 of {salt}", WordAction.Review);
        await AddAsync($"Paragraph 3 of {salt}", WordAction.Review);
        await AddAsync("待审己", WordAction.Review);
        var (api, _) = await site.ApiClientAsync($"words-held-{Guid.NewGuid():N}@test.local");
        var r = await api.PostAsync("/api/v1/documents", TestPdfs.Upload(TestPdfs.MultiPage(3, salt: salt), title: "讲义 待审己"));
        r.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var id = (await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        var doc = await site.WaitForDocumentAsync(id);
        (doc.Status, doc.HoldReason).ShouldBe((DocumentStatus.Held, HoldReason.SensitiveWords));
        doc.HoldDetails!.ShouldContain("待审己（标题）");
        doc.HoldDetails!.ShouldContain($"Paragraph 1 of {salt}（第 1 页）");
        doc.HoldDetails!.ShouldContain($"Paragraph 3 of {salt}（第 3 页）");
        (await site.CreateClient().GetAsync($"/d/{id}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_word_added_by_another_process_reaches_the_screen_without_a_restart()
    {
        var (api, _) = await site.ApiClientAsync($"words-live-{Guid.NewGuid():N}@test.local");
        var screen = site.Services.GetRequiredService<SensitiveWordScreen>();
        (await screen.CheckAsync("说到违禁庚", CancellationToken.None)).IsClean.ShouldBeTrue(); // the list is compiled and cached now
        // Straight into the database, as a second serve or the CLI would: this process is not told.
        await site.WithDbAsync(async db =>
        {
            db.SensitiveWords.Add(new SensitiveWord { Pattern = "违禁庚", Folded = WordMatcher.Key("违禁庚"), Action = WordAction.Block });
            return await db.SaveChangesAsync();
        });
        var deadline = DateTime.UtcNow + SensitiveWordScreen.RecheckInterval + TimeSpan.FromSeconds(5);
        while ((await screen.CheckAsync("说到违禁庚", CancellationToken.None)).Block is null && DateTime.UtcNow < deadline) await Task.Delay(200);
        (await screen.CheckAsync("说到违禁庚", CancellationToken.None)).Block.ShouldNotBeNull().Word.ShouldBe("违禁庚");
        var upload = await api.PostAsync("/api/v1/documents", TestPdfs.Upload(TestPdfs.MultiPage(1), title: "说到违禁庚"));
        upload.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Staff_import_export_round_trips_and_reports_what_was_added_merged_and_skipped()
    {
        var (moderator, _) = await site.SignedInBrowserAsync($"words-mod-{Guid.NewGuid():N}@test.local", Roles.Moderator);
        var tag = Guid.NewGuid().ToString("N")[..6];
        var file = $"# 示例 example\n导入甲{tag}\n导入乙{tag}\treview\n導入甲{tag}\tblock\n导入丙{tag}\tmaybe\n{new string('长', SensitiveWord.MaxLength + 1)}\n***\n\n";
        var page = Html.Parse(await (await ImportAsync(moderator, file, "review")).Content.ReadAsStringAsync());
        var report = page.One("#words-import").Text();
        report.ShouldContain("新增 2");
        report.ShouldContain("文件内合并 1");
        report.ShouldContain("跳过 3");
        report.ShouldContain("第 5 行：动作须为 block 或 review");
        report.ShouldContain("第 6 行：敏感词最多 100 个字符");

        var export = await moderator.GetStringAsync("/admin/words/export");
        export.ShouldContain($"导入甲{tag}\tblock\n"); // merged: block wins over the default review
        export.ShouldContain($"导入乙{tag}\treview\n");

        // The export imports back as it is: nothing added or changed.
        var again = Html.Parse(await (await ImportAsync(moderator, export, "block")).Content.ReadAsStringAsync()).One("#words-import").Text();
        again.ShouldContain("新增 0，修改动作 0");

        var search = await moderator.GetDocumentAsync($"/admin/words?q={Uri.EscapeDataString($"導 入 乙{tag}")}");
        search.QuerySelectorAll("#words td.word").Select(td => td.TextContent).ShouldBe([$"导入乙{tag}"]);

        var audit = await site.WithDbAsync(db => db.AuditEntries.AsNoTracking().Where(a => a.Kind == AuditKinds.WordsChange && a.ObjectId == "import").OrderBy(a => a.Id).ToListAsync());
        audit.Count.ShouldBe(1); // the second import changed nothing
        audit[0].Reason.ShouldBe("导入 import");
    }

    [Fact]
    public async Task Staff_add_and_delete_words_with_a_reason_and_bounds_are_refused_readably()
    {
        var (admin, _) = await site.SignedInBrowserAsync($"words-admin-{Guid.NewGuid():N}@test.local", Roles.Admin);
        var word = $"添加{Guid.NewGuid():N}"[..10];
        var added = await admin.PostFormAsync("/admin/words", "/admin/words?handler=add", new() { ["Word"] = word, ["Action"] = "review", ["Reason"] = "测试 test" });
        added.StatusCode.ShouldBe(HttpStatusCode.OK);
        var row = Html.Parse(await added.Content.ReadAsStringAsync()).QuerySelectorAll("#words tr").Single(tr => tr.QuerySelector("td.word")?.TextContent == word);
        row.One("td.action").Text().ShouldBe("审核（review）");

        var twice = await admin.PostFormAsync("/admin/words", "/admin/words?handler=add", new() { ["Word"] = word.Replace("添加", "添 加"), ["Action"] = "block", ["Reason"] = "测试 test" });
        twice.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        Html.Parse(await twice.Content.ReadAsStringAsync()).One("#words-error").Text().ShouldContain($"已在列表中：“{word}”");

        var tooLong = await admin.PostFormAsync("/admin/words", "/admin/words?handler=add", new() { ["Word"] = new string('长', 101), ["Action"] = "block", ["Reason"] = "测试" });
        tooLong.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var tooLongPage = Html.Parse(await tooLong.Content.ReadAsStringAsync());
        tooLongPage.One("#words-error").Text().ShouldContain("敏感词最多 100 个字符");
        tooLongPage.One("#Word").GetAttribute("value").ShouldBe(new string('长', 101));

        var noReason = await admin.PostFormAsync("/admin/words", "/admin/words?handler=add", new() { ["Word"] = "无理由", ["Action"] = "block", ["Reason"] = " " });
        noReason.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        Html.Parse(await noReason.Content.ReadAsStringAsync()).One("#words-error").Text().ShouldContain("请填写理由");

        var big = await ImportAsync(admin, new string('字', WordList.MaxImportBytes / 3 + 10), "block");
        big.StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
        Html.Parse(await big.Content.ReadAsStringAsync()).One("#words-error").Text().ShouldContain("文件超过");

        var id = row.Id!["word-".Length..];
        var deleted = await admin.PostFormAsync("/admin/words", $"/admin/words?handler=delete&id={id}", new() { ["Reason"] = "删掉 remove" });
        deleted.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await site.WithDbAsync(db => db.SensitiveWords.AnyAsync(w => w.Pattern == word))).ShouldBeFalse();
        var entries = await site.WithDbAsync(db => db.AuditEntries.AsNoTracking().Where(a => a.Kind == AuditKinds.WordsChange && (a.ObjectId == "add" || a.ObjectId == "delete")).OrderBy(a => a.Id).ToListAsync());
        entries.ShouldContain(a => a.ObjectId == "delete" && a.Reason == "删掉 remove" && a.Before!.Contains(word));
    }

    private static async Task<HttpResponseMessage> ImportAsync(HttpClient browser, string file, string defaultAction)
    {
        var token = await browser.AntiforgeryTokenAsync("/admin/words");
        var form = new MultipartFormDataContent
        {
            { new ByteArrayContent(Encoding.UTF8.GetBytes(file)), "file", "words.txt" },
            { new StringContent(token), "__RequestVerificationToken" },
            { new StringContent(defaultAction), "defaultAction" },
            { new StringContent("导入 import"), "Reason" },
        };
        return await browser.PostAsync("/admin/words?handler=import", form);
    }
}
