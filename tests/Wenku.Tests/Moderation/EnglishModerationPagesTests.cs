using Microsoft.EntityFrameworkCore;
using Shouldly;
using Wenku.Accounts;
using Wenku.Data;
using Wenku.Documents;
using Wenku.Moderation;
using Wenku.Tests.Commerce;
using Wenku.Tests.Infrastructure;
using Wenku.Web.Localization;
using Xunit;

namespace Wenku.Tests.Moderation;

/// <summary>The review queue and the notifications page in English (<c>Accept-Language: en</c>), no Chinese left.</summary>
public sealed class EnglishModerationPagesTests(CommerceSite site) : IClassFixture<CommerceSite>
{
    private static string NewEmail(string who) => $"{who}-{Guid.NewGuid():N}@english.test";

    [Fact]
    public async Task The_review_queue_speaks_english_when_the_browser_asks_for_it()
    {
        var held = await site.ReadyDocAsync(await site.CreateUserAsync(NewEmail("up")), 0, DocumentStatus.Held);
        await site.WithDbAsync(db => db.Documents.Where(d => d.Id == held)
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.Title, "Calculus notes").SetProperty(d => d.HoldReason, HoldReason.NewUpload)));
        var (moderator, _) = await site.SignedInBrowserAsync(NewEmail("mod"), Roles.Moderator);
        moderator.DefaultRequestHeaders.AcceptLanguage.ParseAdd("en");

        var page = await moderator.GetDocumentAsync("/admin/review?kind=held");
        page.One("main h1").Text().ShouldBe("Review queue");
        var item = page.One($"#held-{held}");
        item.One("h2").Text().ShouldStartWith("Held");
        item.One("[data-hold-reason]").Text().ShouldBe("New-upload review");
        item.QuerySelectorAll("button[name=decision]").Select(b => b.Text()).ShouldBe(["Release", "Reject"]);
        item.One("label").Text().ShouldBe("Reason (required)");
        page.One("main").ShouldHaveNoChinese("/admin/review?kind=held");

        // A refused decision answers in English on the same page.
        var refused = await moderator.PostFormAsync("/admin/review?kind=held", "/admin/review?kind=held",
            new() { ["type"] = "held", ["id"] = held.ToString(System.Globalization.CultureInfo.InvariantCulture), ["decision"] = "release", ["reason"] = "" });
        var again = Html.Parse(await refused.Content.ReadAsStringAsync());
        again.One("#error").Text().ShouldBe("A reason is required (at most 500 characters).");
        again.One("main").ShouldHaveNoChinese("the refused decision");
    }

    [Fact]
    public async Task Sensitive_word_hold_details_are_stored_as_a_message_and_read_in_each_staff_language()
    {
        var held = await site.ReadyDocAsync(await site.CreateUserAsync(NewEmail("up")), 0, DocumentStatus.Held);
        var details = SensitiveWordScreen.Describe(
            new() { ["待审甲"] = [SensitiveWordScreen.FieldTitle, SensitiveWordScreen.FieldTags], ["待审乙"] = [] },
            new() { ["待审甲"] = [1, 3], ["待审乙"] = [2] });
        await site.WithDbAsync(async db =>
        {
            var doc = await db.Documents.SingleAsync(d => d.Id == held);
            new Hold(HoldReason.SensitiveWords, details).ApplyTo(doc);
            return await db.SaveChangesAsync();
        });
        var stored = await site.WithDbAsync(db => db.Documents.AsNoTracking().SingleAsync(d => d.Id == held));
        (stored.HoldDetailsCode, stored.HoldDetails).ShouldBe(("hold.words", "敏感词：待审甲（标题; 标签; 第 1, 3 页）, 待审乙（第 2 页）"));

        var (moderator, _) = await site.SignedInBrowserAsync(NewEmail("mod"), Roles.Moderator);
        (await moderator.GetDocumentAsync("/admin/review?kind=held")).One($"#held-{held} [data-hold-details]").Text()
            .ShouldBe("敏感词：待审甲（标题; 标签; 第 1, 3 页）, 待审乙（第 2 页）");
        moderator.DefaultRequestHeaders.AcceptLanguage.ParseAdd("en");
        (await moderator.GetDocumentAsync("/admin/review?kind=held")).One($"#held-{held} [data-hold-details]").Text()
            .ShouldBe("Sensitive words: 待审甲 (Title; Tags; page 1, 3), 待审乙 (page 2)");
        (await moderator.GetDocumentAsync($"/d/{held}")).One("[data-hold-details]").Text()
            .ShouldBe("Sensitive words: 待审甲 (Title; Tags; page 1, 3), 待审乙 (page 2)");
    }

    [Fact]
    public void Stored_messages_nest_and_survive_unknown_codes_and_broken_arguments()
    {
        var text = SensitiveWordScreen.Words.With(new StoredList(", ", [SensitiveWordScreen.Place.With("词", new StoredList("; ", [SensitiveWordScreen.FieldTitle.With()]))]));
        TestLocalizer.In("en", T => text.Render(T)).ShouldBe("Sensitive words: 词 (Title)");
        TestLocalizer.In("zh-CN", T => text.Render(T)).ShouldBe("敏感词：词（标题）");
        // A nested code that no longer exists shows its raw JSON rather than failing; broken JSON shows the stored text.
        TestLocalizer.In("en", T => StoredMessages.Render(T, "hold.words", "[{\"code\":\"gone\",\"args\":[]}]", "fallback")!)
            .ShouldBe("Sensitive words: {\"code\":\"gone\",\"args\":[]}");
        TestLocalizer.In("en", T => StoredMessages.Render(T, "hold.words", "not json", "fallback")!).ShouldBe("fallback");
        TestLocalizer.In("en", T => StoredMessages.Render(T, "no.such.code", "[]", "fallback")!).ShouldBe("fallback");
        // Nesting deeper than the renderer follows is not followed (no stack overflow from a hostile row): the stored text.
        var deep = string.Concat(Enumerable.Repeat("{\"code\":\"hold.words\",\"args\":[", 50)) + "\"x\"" + string.Concat(Enumerable.Repeat("]}", 50));
        TestLocalizer.In("en", T => StoredMessages.Render(T, "hold.words", $"[{deep}]", "stored text")!).ShouldBe("stored text");
        var nine = string.Concat(Enumerable.Repeat("{\"code\":\"hold.words\",\"args\":[", 9)) + "\"x\"" + string.Concat(Enumerable.Repeat("]}", 9));
        TestLocalizer.In("en", T => StoredMessages.Render(T, "hold.words", $"[{nine}]", "stored text")!)
            .ShouldBe(string.Concat(Enumerable.Repeat("Sensitive words: ", 9)) + "{\"code\":\"hold.words\",\"args\":[\"x\"]}");
    }

    [Fact]
    public async Task Notifications_are_rendered_in_the_readers_language()
    {
        var (reader, me) = await site.SignedInBrowserAsync(NewEmail("reader"));
        await site.WithDbAsync(db =>
        {
            Notifications.Add(db, me, NotificationKinds.DocumentRemoved, new { title = "Old notes", category = "Infringement", reason = "publisher's notice" }, "/d/1");
            Notifications.Add(db, me, NotificationKinds.WithdrawalPaid, new { points = 1000, reason = "ALI-1" }, "/me/wallet/withdraw");
            return db.SaveChangesAsync();
        });

        reader.DefaultRequestHeaders.AcceptLanguage.ParseAdd("en");
        var page = await reader.GetDocumentAsync("/me/notifications");
        page.One("main h1").Text().ShouldBe("Notifications");
        var texts = page.QuerySelectorAll("main .text").Select(t => t.Text()).ToList();
        texts.ShouldContain("Your withdrawal of 1000 points was paid, reference ALI-1.");
        texts.ShouldContain("Your document “Old notes” was removed (Infringement): publisher's notice");
        page.One("main").ShouldHaveNoChinese("/me/notifications");

        // The same stored notifications, in Chinese for a reader without a preference.
        reader.DefaultRequestHeaders.AcceptLanguage.Clear();
        var chinese = (await reader.GetDocumentAsync("/me/notifications")).QuerySelectorAll("main .text").Select(t => t.Text()).ToList();
        chinese.ShouldContain("你的 1000 积分提现已付款，凭证号 ALI-1。");
        chinese.ShouldContain("你的文档《Old notes》已被下架（侵权）：publisher's notice");
    }
}
