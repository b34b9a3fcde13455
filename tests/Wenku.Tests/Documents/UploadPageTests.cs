using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Wenku.Documents;
using Wenku.Tests.Infrastructure;

namespace Wenku.Tests.Documents;

/// <summary>
/// /upload with many files (the script's JSON door and the plain form), /me in words, and the live progress stream
/// (/me/progress), on a site without a worker: the tests move the documents through their states themselves.
/// </summary>
[Trait(WenkuFactory.Suite, WenkuFactory.OnBothStacks)]
public sealed class UploadPageTests(WenkuNoWorkerFactory site) : IClassFixture<WenkuNoWorkerFactory>
{
    private static async Task<HttpResponseMessage> PostJsonUploadAsync(HttpClient browser, string token, byte[] file, string fileName, Dictionary<string, string> fields)
    {
        var content = new MultipartFormDataContent { { new ByteArrayContent(file), "file", fileName }, { new StringContent(token), "__RequestVerificationToken" } };
        foreach (var (k, v) in fields) content.Add(new StringContent(v), k);
        return await browser.PostAsync("/upload?handler=Json", content);
    }

    [Fact]
    public async Task Two_files_through_the_script_door_each_get_their_own_answer_and_a_refused_one_names_its_field()
    {
        var (browser, userId) = await site.SignedInBrowserAsync($"json-{Guid.NewGuid():N}@test.local");
        var token = await browser.AntiforgeryTokenAsync("/upload");

        var first = await PostJsonUploadAsync(browser, token, TestPdfs.MultiPage(1, salt: "json-1"), "第一章.pdf",
            new() { ["Title"] = "第一章", ["Category"] = "education", ["Tags"] = "数学", ["Price"] = "0", ["PreviewPages"] = "2" });
        first.StatusCode.ShouldBe(HttpStatusCode.OK);
        var accepted = await first.Content.ReadFromJsonAsync<JsonElement>();
        accepted.GetProperty("ok").GetBoolean().ShouldBeTrue();
        var id = accepted.GetProperty("id").GetInt64();
        accepted.GetProperty("url").GetString().ShouldBe($"/d/{id}");
        accepted.GetProperty("text").GetString().ShouldBe("排队中");

        var second = await PostJsonUploadAsync(browser, token, TestPdfs.MultiPage(1, salt: "json-2"), "第二章.pdf",
            new() { ["Title"] = "第二章", ["Category"] = "education", ["Price"] = "-5", ["PreviewPages"] = "2" });
        second.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var refused = await second.Content.ReadFromJsonAsync<JsonElement>();
        refused.GetProperty("ok").GetBoolean().ShouldBeFalse();
        refused.GetProperty("errors").GetProperty("price").GetString().ShouldNotBeNullOrWhiteSpace();
        refused.GetProperty("errors").TryGetProperty("title", out _).ShouldBeFalse();

        // The same file again: 409 with a link to the existing document.
        var again = await PostJsonUploadAsync(browser, token, TestPdfs.MultiPage(1, salt: "json-1"), "copy.pdf", new() { ["Category"] = "other" });
        again.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("duplicateUrl").GetString().ShouldBe($"/d/{id}");

        var mine = await site.WithDbAsync(db => db.Documents.AsNoTracking().Where(d => d.UploaderId == userId).ToListAsync());
        mine.Select(d => d.Title).ShouldBe(["第一章"]);
        mine[0].Tags.ShouldBe("数学");
    }

    [Fact]
    public async Task Without_script_the_form_takes_several_files_each_titled_by_its_name_and_goes_to_my_documents()
    {
        var (browser, userId) = await site.SignedInBrowserAsync($"plain-{Guid.NewGuid():N}@test.local");
        var page = await browser.GetDocumentAsync("/upload");
        page.One("input#file[type=file][name=file]").HasAttribute("multiple").ShouldBeTrue();
        var token = await browser.AntiforgeryTokenAsync("/upload");
        var content = new MultipartFormDataContent
        {
            { new ByteArrayContent(TestPdfs.MultiPage(1, salt: "plain-a")), "file", "甲.pdf" },
            { new ByteArrayContent(TestPdfs.MultiPage(1, salt: "plain-b")), "file", "乙.pdf" },
            { new StringContent(token), "__RequestVerificationToken" },
            { new StringContent("other"), "Category" },
        };
        var response = await browser.PostAsync("/upload", content);
        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        response.Headers.Location!.OriginalString.ShouldBe("/me?uploaded=2");
        var me = await browser.GetDocumentAsync("/me?uploaded=2");
        me.One("#mine-notice").Text().ShouldContain("已上传 2 个文件");
        me.QuerySelectorAll("td.mine-title a").Select(a => a.Text()).ShouldBe(["乙", "甲"], ignoreOrder: true);
        (await site.WithDbAsync(db => db.Documents.CountAsync(d => d.UploaderId == userId))).ShouldBe(2);
    }

    [Fact]
    public async Task My_documents_show_every_status_in_words_never_the_raw_status()
    {
        var (browser, userId) = await site.SignedInBrowserAsync($"words-{Guid.NewGuid():N}@test.local");
        var token = await browser.AntiforgeryTokenAsync("/upload");
        var ids = new List<long>();
        foreach (var name in new[] { "queued", "converting", "held", "failed", "ready" })
        {
            var r = await PostJsonUploadAsync(browser, token, TestPdfs.MultiPage(1, salt: "words-" + name + userId), name + ".pdf", new() { ["Category"] = "other" });
            ids.Add((await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64());
        }
        await site.WithDbAsync(async db =>
        {
            await db.Documents.Where(d => d.Id == ids[1]).ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, DocumentStatus.Processing)
                .SetProperty(d => d.ConvertedPages, 3).SetProperty(d => d.PageCount, 10));
            await db.Documents.Where(d => d.Id == ids[2]).ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, DocumentStatus.Held));
            await db.Documents.Where(d => d.Id == ids[3]).ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, DocumentStatus.Failed)
                .SetProperty(d => d.Error, "文件已损坏。"));
            return await db.Documents.Where(d => d.Id == ids[4]).ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, DocumentStatus.Ready).SetProperty(d => d.PageCount, 1));
        });

        var me = await browser.GetDocumentAsync("/me");
        string StatusOf(long id) => me.One($"[data-status-for='{id}']").Text();
        StatusOf(ids[0]).ShouldBe("排队中");
        StatusOf(ids[1]).ShouldBe("转换中（第 3/10 页）");
        StatusOf(ids[2]).ShouldBe("待审核");
        StatusOf(ids[3]).ShouldBe("转换失败：文件已损坏。");
        StatusOf(ids[4]).ShouldBe("已发布");
        var statusCells = me.QuerySelectorAll("td.mine-status").Select(td => td.Text()).ToList();
        statusCells.ShouldAllBe(t => !t.Contains("queued") && !t.Contains("held") && !t.Contains("processing") && !t.Contains("failed"));
        // Every document has its edit and delete; the converting ones are followed live (no meta refresh).
        me.QuerySelectorAll("a[data-edit]").Length.ShouldBe(5);
        me.QuerySelectorAll("a[data-delete]").Length.ShouldBe(5);
        me.QuerySelector("meta[http-equiv=refresh]").ShouldBeNull();
        me.One("table[data-converting]").GetAttribute("data-converting")!.Split(',').Select(long.Parse).ShouldBe([ids[0], ids[1]], ignoreOrder: true);

        // And in English when the reader asks for it.
        var english = new HttpRequestMessage(HttpMethod.Get, "/me");
        english.Headers.AcceptLanguage.ParseAdd("en");
        var en = Html.Parse(await (await browser.SendAsync(english)).Content.ReadAsStringAsync());
        en.One($"[data-status-for='{ids[1]}']").Text().ShouldBe("Converting (page 3 of 10)");
        en.One($"[data-status-for='{ids[2]}']").Text().ShouldBe("Awaiting review");
    }

    [Fact]
    public async Task Progress_stream_pushes_page_progress_of_the_uploaders_documents_only_and_ends_at_the_final_state()
    {
        var (browser, _) = await site.SignedInBrowserAsync($"sse-{Guid.NewGuid():N}@test.local");
        var token = await browser.AntiforgeryTokenAsync("/upload");
        var r = await PostJsonUploadAsync(browser, token, TestPdfs.MultiPage(1, salt: "sse-" + Guid.NewGuid()), "流.pdf", new() { ["Category"] = "other" });
        var id = (await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();

        // Someone else asking for it hears nothing about it: the stream ends at once.
        var (other, _) = await site.SignedInBrowserAsync($"sse-other-{Guid.NewGuid():N}@test.local");
        var stranger = await ReadEventsAsync(other, $"/me/progress?ids={id}", TimeSpan.FromSeconds(10), _ => Task.CompletedTask);
        stranger.ShouldBe([("done", "{}")]);

        var events = await ReadEventsAsync(browser, $"/me/progress?ids={id}", TimeSpan.FromSeconds(30), async seen =>
        {
            // Each step once the stream has told the one before: converting page 1 of 3, 2 of 3, then ready.
            var statuses = seen.Where(e => e.Event == "status").Select(e => JsonDocument.Parse(e.Data).RootElement.GetProperty("text").GetString()).ToList();
            if (statuses.LastOrDefault() == "排队中") await SetAsync(id, DocumentStatus.Processing, 1, 3);
            else if (statuses.LastOrDefault() == "转换中（第 1/3 页）") await SetAsync(id, DocumentStatus.Processing, 2, 3);
            else if (statuses.LastOrDefault() == "转换中（第 2/3 页）") await SetAsync(id, DocumentStatus.Ready, 3, 3);
        });
        var texts = events.Where(e => e.Event == "status").Select(e => JsonDocument.Parse(e.Data).RootElement).ToList();
        texts.Select(t => t.GetProperty("text").GetString()).ShouldBe(["排队中", "转换中（第 1/3 页）", "转换中（第 2/3 页）", "已发布"]);
        texts.Last().GetProperty("final").GetBoolean().ShouldBeTrue();
        texts.Last().GetProperty("status").GetString().ShouldBe("ready");
        events.Last().Event.ShouldBe("done");
    }

    [Fact]
    public async Task Progress_stream_is_an_uncompressed_event_stream_and_refuses_too_many_ids()
    {
        var (browser, _) = await site.SignedInBrowserAsync($"sse-h-{Guid.NewGuid():N}@test.local");
        var request = new HttpRequestMessage(HttpMethod.Get, "/me/progress?ids=999999");
        request.Headers.AcceptEncoding.ParseAdd("gzip, br");
        using var response = await browser.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/event-stream");
        response.Content.Headers.ContentEncoding.ShouldBeEmpty();
        response.Headers.CacheControl!.NoCache.ShouldBeTrue();
        var tooMany = string.Join(",", Enumerable.Range(1, UploadProgress.MaxIds + 1));
        (await browser.GetAsync($"/me/progress?ids={tooMany}")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    private Task<int> SetAsync(long id, DocumentStatus status, int converted, int pages) =>
        site.WithDbAsync(db => db.Documents.Where(d => d.Id == id).ExecuteUpdateAsync(s => s
            .SetProperty(d => d.Status, status).SetProperty(d => d.ConvertedPages, converted).SetProperty(d => d.PageCount, pages)));

    /// <summary>Reads a server-sent event stream to its end, calling <paramref name="onEvent"/> with all events so far after each one.</summary>
    internal static async Task<List<(string Event, string Data)>> ReadEventsAsync(HttpClient client, string url, TimeSpan timeout,
        Func<List<(string Event, string Data)>, Task> onEvent)
    {
        using var cts = new CancellationTokenSource(timeout);
        using var response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cts.Token);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cts.Token));
        var events = new List<(string, string)>();
        string? name = null, data = null;
        while (await reader.ReadLineAsync(cts.Token) is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal)) name = line[7..];
            else if (line.StartsWith("data: ", StringComparison.Ordinal)) data = line[6..];
            else if (line.Length == 0 && name is not null)
            {
                events.Add((name, data ?? ""));
                (name, data) = (null, null);
                await onEvent(events);
            }
        }
        return events;
    }
}
