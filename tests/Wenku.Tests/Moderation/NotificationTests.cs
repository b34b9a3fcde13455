using System.Net;
using System.Net.Http.Json;
using System.Reflection;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Wenku.Accounts;
using Wenku.Data;
using Wenku.Moderation;
using Wenku.Tests.Commerce;
using Wenku.Tests.Infrastructure;
using Xunit;

namespace Wenku.Tests.Moderation;

/// <summary>Notifications (站内信): the bell's count, <c>/me/notifications</c> and the API, each reader seeing only their own.</summary>
[Trait(WenkuFactory.Suite, WenkuFactory.OnBothStacks)]
public sealed class NotificationTests(CommerceSite site) : IClassFixture<CommerceSite>
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private Task<int> AddAsync(string userId, string kind, object args, string? link = null) => site.WithDbAsync(async db =>
    {
        Notifications.Add(db, userId, kind, args, link);
        return await db.SaveChangesAsync();
    });

    [Fact]
    public void Every_notification_kind_has_words()
    {
        var kinds = typeof(NotificationKinds).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f is { IsLiteral: true, FieldType.Name: nameof(String) }).Select(f => (string)f.GetRawConstantValue()!).ToList();
        kinds.Count.ShouldBeGreaterThan(10);
        foreach (var kind in kinds)
        {
            NotificationText.Knows(kind).ShouldBeTrue($"{kind} has no text");
            const string args = """{"title":"T","reason":"R","points":12,"category":"Spam","outcome":"dismissed"}""";
            var chinese = TestLocalizer.In("zh-CN", T => NotificationText.For(T, kind, args));
            chinese.ShouldNotStartWith("通知：");
            chinese.ShouldMatch(@"\p{IsCJKUnifiedIdeographs}", $"{kind}: zh-CN");
            var english = TestLocalizer.In("en", T => NotificationText.For(T, kind, args));
            english.ShouldNotStartWith("Notification:");
            english.ShouldNotMatch(@"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]", $"{kind}: English only");
        }
    }

    [Fact]
    public async Task The_bell_counts_unread_notifications_and_the_page_shows_them_newest_first_encoded_then_marks_them_read()
    {
        var (browser, me) = await site.SignedInBrowserAsync($"reader-{Guid.NewGuid():N}@notify.test");
        var otherId = await site.CreateUserAsync($"other-{Guid.NewGuid():N}@notify.test");
        (await browser.GetDocumentAsync("/me")).One("#bell").QuerySelector("#unread").ShouldBeNull();

        await AddAsync(me, NotificationKinds.WithdrawalPaid, new { points = 1000, reason = "ALI-1" }, "/me/wallet/withdraw");
        await AddAsync(me, NotificationKinds.DocumentRemoved, new { title = "<script>alert(1)</script>", category = "Infringement", reason = "版权方通知 notice" }, "/d/1");
        await AddAsync(otherId, NotificationKinds.AccountBanned, new { reason = "别人的 someone else's" });

        (await browser.GetDocumentAsync("/me")).One("#bell #unread").Text().ShouldBe("2");

        var page = await browser.GetDocumentAsync("/me/notifications");
        var items = page.QuerySelectorAll("#notifications li");
        items.Select(i => i.GetAttribute("data-kind")).ShouldBe([NotificationKinds.DocumentRemoved, NotificationKinds.WithdrawalPaid]);
        items.ShouldAllBe(i => i.ClassList.Contains("unread"));
        items[0].QuerySelector(".text")!.Text().ShouldContain("你的文档《<script>alert(1)</script>》已被下架（侵权）");
        page.QuerySelectorAll("#notifications script").ShouldBeEmpty();
        items[0].QuerySelector("a.link")!.GetAttribute("href").ShouldBe("/d/1");
        items[1].QuerySelector(".text")!.Text().ShouldContain("你的 1000 积分提现已付款，凭证号 ALI-1。");
        page.QuerySelectorAll("[data-kind='account.banned']").ShouldBeEmpty();

        // Opened: read. The bell is empty, and the next visit shows them as read.
        (await browser.GetDocumentAsync("/me")).One("#bell").QuerySelector("#unread").ShouldBeNull();
        (await browser.GetDocumentAsync("/me/notifications")).QuerySelectorAll("#notifications li.read").Length.ShouldBe(2);
        (await site.WithDbAsync(db => db.Notifications.CountAsync(n => n.UserId == otherId && n.ReadAt == null))).ShouldBe(1);
    }

    [Fact]
    public async Task Anonymous_readers_get_no_bell_and_cannot_open_notifications()
    {
        var anonymous = site.Browser();
        (await anonymous.GetDocumentAsync("/")).QuerySelector("#bell").ShouldBeNull();
        var page = await anonymous.GetAsync("/me/notifications");
        page.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        page.Headers.Location!.OriginalString.ShouldContain("/account/login");
        (await site.CreateClient().GetAsync("/api/v1/notifications")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task The_api_lists_the_callers_notifications_and_marks_the_ones_named_or_all_read()
    {
        var (api, me) = await site.ApiClientAsync($"api-{Guid.NewGuid():N}@notify.test");
        var (otherApi, otherId) = await site.ApiClientAsync($"other-{Guid.NewGuid():N}@notify.test");
        await AddAsync(me, NotificationKinds.PurchaseRefunded, new { title = "高数笔记", points = 5 }, "/d/7");
        await AddAsync(me, NotificationKinds.ReportDecided, new { title = "某文档", outcome = "dismissed", reason = "未发现问题 nothing found" });
        await AddAsync(me, NotificationKinds.AccountUnbanned, new { reason = "申诉成功 appeal" });
        await AddAsync(otherId, NotificationKinds.AccountBanned, new { reason = "spam" });

        var list = (await api.GetFromJsonAsync<JsonElement>("/api/v1/notifications", Json))!;
        list.GetProperty("unread").GetInt32().ShouldBe(3);
        var items = list.GetProperty("items").EnumerateArray().ToList();
        items.Select(i => i.GetProperty("kind").GetString()).ShouldBe([NotificationKinds.AccountUnbanned, NotificationKinds.ReportDecided, NotificationKinds.PurchaseRefunded]);
        items[2].GetProperty("text").GetString().ShouldBe("你购买的《高数笔记》已退款 5 积分。");
        items[2].GetProperty("link").GetString().ShouldBe("/d/7");
        items[2].GetProperty("read").GetBoolean().ShouldBeFalse();
        items[1].GetProperty("text").GetString()!.ShouldContain("的举报未被采纳：未发现问题 nothing found");
        items[0].TryGetProperty("createdAt", out _).ShouldBeTrue();

        // Marking by id: another reader's id is ignored.
        var otherNotice = await site.WithDbAsync(db => db.Notifications.Where(n => n.UserId == otherId).Select(n => n.Id).SingleAsync());
        var marked = await api.PostAsJsonAsync("/api/v1/notifications/read", new { ids = new[] { items[2].GetProperty("id").GetInt64(), otherNotice } });
        marked.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await marked.Content.ReadFromJsonAsync<JsonElement>(Json)).GetProperty("unread").GetInt32().ShouldBe(2);
        (await otherApi.GetFromJsonAsync<JsonElement>("/api/v1/notifications", Json)).GetProperty("unread").GetInt32().ShouldBe(1);

        var unread = await api.GetFromJsonAsync<JsonElement>("/api/v1/notifications?unread=true", Json);
        unread.GetProperty("items").GetArrayLength().ShouldBe(2);

        // No ids: all of the caller's.
        var all = await api.PostAsync("/api/v1/notifications/read", null);
        all.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await all.Content.ReadFromJsonAsync<JsonElement>(Json)).GetProperty("unread").GetInt32().ShouldBe(0);
        (await otherApi.GetFromJsonAsync<JsonElement>("/api/v1/notifications", Json)).GetProperty("unread").GetInt32().ShouldBe(1);
        (await api.PostAsync("/api/v1/notifications/read", new StringContent("{ids:", System.Text.Encoding.UTF8, "application/json"))).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }
}
