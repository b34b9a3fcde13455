using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Wenku.Accounts;
using Wenku.Commerce;
using Wenku.Documents;
using Wenku.Moderation;
using Wenku.Search;
using Wenku.Storage;
using Wenku.Tests.Infrastructure;
using Xunit;

namespace Wenku.Tests.Moderation;

/// <summary>A site with converted documents and a clock the retention test moves.</summary>
public sealed class TakedownSite : WenkuFactory, IAsyncLifetime
{
    public ManualClock Clock { get; } = new(TimeProvider.System.GetUtcNow());

    public HttpClient OwnerApi { get; private set; } = null!;
    public HttpClient OwnerBrowser { get; private set; } = null!;
    public string OwnerId { get; private set; } = "";
    public HttpClient Remover { get; private set; } = null!;
    public string RemoverId { get; private set; } = "";
    public HttpClient RemoverApi { get; private set; } = null!;
    public HttpClient OtherModeratorApi { get; private set; } = null!;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(Clock));
    }

    public async Task InitializeAsync()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        (OwnerBrowser, OwnerId) = await SignedInBrowserAsync($"owner-{tag}@takedown.test");
        await using (var scope = Services.CreateAsyncScope())
        {
            var token = await scope.ServiceProvider.GetRequiredService<ApiTokens>().CreateAsync(OwnerId, "test", CancellationToken.None);
            OwnerApi = CreateClient(new() { AllowAutoRedirect = false, HandleCookies = false });
            OwnerApi.DefaultRequestHeaders.Authorization = new("Bearer", token);
        }
        (Remover, RemoverId) = await SignedInBrowserAsync($"remover-{tag}@takedown.test", Roles.Moderator);
        await using (var scope = Services.CreateAsyncScope())
        {
            var token = await scope.ServiceProvider.GetRequiredService<ApiTokens>().CreateAsync(RemoverId, "test", CancellationToken.None);
            RemoverApi = CreateClient(new() { AllowAutoRedirect = false, HandleCookies = false });
            RemoverApi.DefaultRequestHeaders.Authorization = new("Bearer", token);
        }
        (OtherModeratorApi, _) = await ApiClientAsync($"judge-{tag}@takedown.test", Roles.Moderator);
    }

    Task IAsyncLifetime.DisposeAsync() => Task.CompletedTask;

    /// <summary>A converted free document of the owner, three pages, two in the preview, findable by its salt.</summary>
    public async Task<(long Id, string Salt)> ReadyDocAsync()
    {
        var salt = $"takedown{Guid.NewGuid():N}"[..20];
        var doc = await UploadAndWaitAsync(OwnerApi, TestPdfs.Upload(TestPdfs.MultiPage(3, salt: salt), previewPages: 2, title: $"下架测试 {salt}"));
        doc.Status.ShouldBe(DocumentStatus.Ready, doc.Error);
        return (doc.Id, salt);
    }

    public async Task<T> WithAsync<T>(Func<IServiceProvider, Task<T>> action)
    {
        await using var scope = Services.CreateAsyncScope();
        return await action(scope.ServiceProvider);
    }

    public Task<RemovalOutcome> RemoveAsync(long id, RemovalCategory category, string reason = "测试下架 test removal") =>
        WithAsync(sp => sp.GetRequiredService<DocumentRemovals>().RemoveAsync(id, category, reason, RemoverId, CancellationToken.None));

    public Task<WalletBalance> BalanceAsync(string userId) => WithAsync(sp => sp.GetRequiredService<Ledger>().BalanceAsync(userId, CancellationToken.None));
}

[Trait(WenkuFactory.Suite, WenkuFactory.OnBothStacks)]
public sealed class TakedownTests(TakedownSite site) : IClassFixture<TakedownSite>
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private static HttpRequestMessage Decide(long appeal, string action, string reason) =>
        new(HttpMethod.Post, $"/api/v1/moderation/appeals/{appeal}/decision") { Content = JsonContent.Create(new { action, reason }) };

    private async Task<bool> SearchFindsAsync(HttpClient client, string salt, long id)
    {
        var result = await client.GetFromJsonAsync<JsonElement>($"/api/v1/search?q={salt}", Json);
        return result.GetProperty("hits").EnumerateArray().Any(h => h.GetProperty("id").GetInt64() == id);
    }

    [Fact]
    public async Task A_removed_document_is_gone_at_once_from_its_page_api_images_original_search_and_lists()
    {
        var (id, salt) = await site.ReadyDocAsync();
        var anonymous = site.Browser();
        var api = site.CreateClient();
        (await SearchFindsAsync(api, salt, id)).ShouldBeTrue();
        (await anonymous.GetAsync($"/d/{id}")).StatusCode.ShouldBe(HttpStatusCode.OK); // and in the anonymous page cache

        // A moderator removes it from its page.
        var page = await site.Remover.GetDocumentAsync($"/d/{id}");
        page.One("#takedown form").GetAttribute("action").ShouldBe($"/d/{id}/remove");
        var noReason = await site.Remover.PostFormAsync($"/d/{id}", $"/d/{id}/remove", new() { ["category"] = "infringement", ["reason"] = " " });
        noReason.Headers.Location!.OriginalString.ShouldBe($"/d/{id}?takedown=reason#takedown");
        var removed = await site.Remover.PostFormAsync($"/d/{id}", $"/d/{id}/remove", new() { ["category"] = "infringement", ["reason"] = "盗版教材 pirated textbook" });
        removed.StatusCode.ShouldBe(HttpStatusCode.Redirect);

        // The public: 410 with the category, never the moderator's note nor the title.
        var gone = await anonymous.GetAsync($"/d/{id}");
        gone.StatusCode.ShouldBe(HttpStatusCode.Gone);
        var html = Html.Parse(await gone.Content.ReadAsStringAsync());
        html.One("#removed h1").Text().ShouldBe("该文档已被下架");
        html.One("#removal-category").Text().ShouldContain("侵权");
        html.QuerySelector("#moderator-reason").ShouldBeNull();
        html.Body!.TextContent.ShouldNotContain("pirated textbook");
        html.Body.TextContent.ShouldNotContain(salt);
        html.QuerySelectorAll("img").Where(i => i.GetAttribute("src")?.Contains($"/d/{id}/page/") == true).ShouldBeEmpty();

        var problem = await api.GetAsync($"/api/v1/documents/{id}");
        problem.StatusCode.ShouldBe(HttpStatusCode.Gone);
        var body = await problem.Content.ReadFromJsonAsync<JsonElement>(Json);
        body.GetProperty("category").GetString().ShouldBe("infringement");
        body.TryGetProperty("reason", out _).ShouldBeFalse();

        var (reader, _) = await site.ApiClientAsync($"reader-{Guid.NewGuid():N}@takedown.test");
        foreach (var url in new[] { $"/d/{id}/page/1.jpg", $"/api/v1/documents/{id}/pages/1", $"/api/v1/documents/{id}/text", $"/api/v1/documents/{id}/similar" })
        {
            (await anonymous.GetAsync(url)).StatusCode.ShouldBe(HttpStatusCode.Gone, url);
            (await reader.GetAsync(url)).StatusCode.ShouldBe(HttpStatusCode.Gone, url);
        }
        (await reader.GetAsync($"/api/v1/documents/{id}/original")).StatusCode.ShouldBe(HttpStatusCode.Gone);
        (await site.OwnerApi.GetAsync($"/api/v1/documents/{id}/original")).StatusCode.ShouldBe(HttpStatusCode.Gone);
        (await site.OwnerApi.DeleteAsync($"/api/v1/documents/{id}")).StatusCode.ShouldBe(HttpStatusCode.Gone);
        // Staff keep the page images (the review of an appeal shows them).
        var staffImage = await site.Remover.GetAsync($"/d/{id}/page/3.jpg");
        staffImage.StatusCode.ShouldBe(HttpStatusCode.OK);
        staffImage.Headers.CacheControl!.NoStore.ShouldBeTrue();

        // Search (site and API), suggestions and lists, without waiting for the index.
        (await SearchFindsAsync(api, salt, id)).ShouldBeFalse();
        var searchPage = await anonymous.GetDocumentAsync($"/search?q={salt}");
        searchPage.QuerySelectorAll($"a[href^='/d/{id}']").ShouldBeEmpty();
        var suggestions = await api.GetFromJsonAsync<JsonElement>($"/api/v1/search/suggest?q={Uri.EscapeDataString("下架测试 " + salt)}", Json);
        suggestions.EnumerateArray().Select(s => s.GetProperty("id").GetInt64()).ShouldNotContain(id);
        // The uploader's page at its readable address (/u/{id} answers 301 there).
        var uploaderPage = (await anonymous.GetAsync($"/u/{site.OwnerId}")) is { StatusCode: HttpStatusCode.MovedPermanently } moved
            ? moved.Headers.Location!.OriginalString : $"/u/{site.OwnerId}";
        foreach (var list in new[] { "/", "/c/other", uploaderPage })
            (await anonymous.GetDocumentAsync(list)).QuerySelectorAll($"a[href='/d/{id}']").ShouldBeEmpty(list);

        // The uploader: the moderator's note and the appeal form; /me says removed, in words, with a link to appeal.
        var own = await site.OwnerBrowser.GetAsync($"/d/{id}");
        own.StatusCode.ShouldBe(HttpStatusCode.Gone);
        var ownPage = Html.Parse(await own.Content.ReadAsStringAsync());
        ownPage.One("#moderator-reason").Text().ShouldBe("盗版教材 pirated textbook");
        ownPage.One("#appeal-form form").GetAttribute("action").ShouldBe($"/d/{id}/appeal");
        ownPage.QuerySelector("#restore-form").ShouldBeNull();
        var mine = (await site.OwnerBrowser.GetDocumentAsync("/me")).One($"tr[data-document='{id}']");
        mine.Text().ShouldContain("已下架");
        mine.Text().ShouldNotContain("removed", Case.Sensitive);
        mine.One("[data-appeal-link]").GetAttribute("href").ShouldBe($"/d/{id}#appeal-form");

        // The owner's API view carries the reason; staff see the restore form on the page.
        var ownProblem = await site.OwnerApi.GetAsync($"/api/v1/documents/{id}");
        ownProblem.StatusCode.ShouldBe(HttpStatusCode.Gone);
        (await ownProblem.Content.ReadFromJsonAsync<JsonElement>(Json)).GetProperty("reason").GetString().ShouldBe("盗版教材 pirated textbook");
        var staffPage = Html.Parse(await (await site.Remover.GetAsync($"/d/{id}")).Content.ReadAsStringAsync());
        staffPage.One("#restore-form form").GetAttribute("action").ShouldBe($"/d/{id}/restore");
    }

    [Fact]
    public async Task The_uploader_appeals_once_and_another_moderator_upholds_it_bringing_the_page_and_search_back()
    {
        var (id, salt) = await site.ReadyDocAsync();
        (await site.RemoveAsync(id, RemovalCategory.Spam)).ShouldBeOfType<RemovalOutcome.Done>();

        var empty = await site.OwnerBrowser.PostFormAsync("/me", $"/d/{id}/appeal", new() { ["statement"] = "  " });
        empty.Headers.Location!.OriginalString.ShouldBe($"/d/{id}?takedown=statement#appeal-form");
        var filed = await site.OwnerBrowser.PostFormAsync("/me", $"/d/{id}/appeal", new() { ["statement"] = "这是我自己的讲义 These are my own lecture notes" });
        filed.Headers.Location!.OriginalString.ShouldBe($"/d/{id}?takedown=appealed#appeal");
        var again = await site.OwnerBrowser.PostFormAsync("/me", $"/d/{id}/appeal", new() { ["statement"] = "再申诉 again" });
        again.Headers.Location!.OriginalString.ShouldBe($"/d/{id}?takedown=already#appeal");
        var appeal = await site.WithDbAsync(db => db.Appeals.SingleAsync(a => a.DocumentId == id));
        appeal.State.ShouldBe(AppealState.Open);
        appeal.Statement.ShouldBe("这是我自己的讲义 These are my own lecture notes");

        // Someone else cannot appeal it.
        var (stranger, _) = await site.SignedInBrowserAsync($"stranger-{Guid.NewGuid():N}@takedown.test");
        (await stranger.PostFormAsync("/me", $"/d/{id}/appeal", new() { ["statement"] = "不是我的 not mine" })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        var pending = Html.Parse(await (await site.OwnerBrowser.GetAsync($"/d/{id}")).Content.ReadAsStringAsync());
        pending.One("#appeal").GetAttribute("data-state").ShouldBe("open");
        pending.QuerySelector("#appeal-form").ShouldBeNull();
        (await site.OwnerBrowser.GetDocumentAsync("/me")).One($"tr[data-document='{id}'] [data-appeal]").GetAttribute("data-appeal").ShouldBe("open");

        // The moderator who removed it may not decide; a reader may not either.
        var own = await site.RemoverApi.SendAsync(Decide(appeal.Id, "uphold", "我改主意了 changed my mind"));
        own.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await own.Content.ReadFromJsonAsync<JsonElement>(Json)).GetProperty("title").GetString()!.ShouldContain("不能裁决");
        // The same refusal in the language the client asks for.
        var inEnglish = Decide(appeal.Id, "uphold", "changed my mind");
        inEnglish.Headers.AcceptLanguage.ParseAdd("en");
        var english = await site.RemoverApi.SendAsync(inEnglish);
        english.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        var englishTitle = (await english.Content.ReadFromJsonAsync<JsonElement>(Json)).GetProperty("title").GetString()!;
        englishTitle.ShouldBe("The moderator who removed the document may not decide its appeal.");
        englishTitle.ShouldNotMatch(@"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]");
        (await site.OwnerApi.SendAsync(Decide(appeal.Id, "uphold", "自己批准 self-approved"))).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await site.OtherModeratorApi.SendAsync(Decide(appeal.Id, "maybe", "理由 why"))).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await site.OtherModeratorApi.SendAsync(Decide(appeal.Id, "uphold", ""))).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await site.WithDbAsync(db => db.Appeals.SingleAsync(a => a.Id == appeal.Id))).State.ShouldBe(AppealState.Open);

        var upheld = await site.OtherModeratorApi.SendAsync(Decide(appeal.Id, "uphold", "确为原创 original work"));
        upheld.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await site.OtherModeratorApi.SendAsync(Decide(appeal.Id, "reject", "迟了 too late"))).StatusCode.ShouldBe(HttpStatusCode.Conflict);

        (await site.Browser().GetAsync($"/d/{id}")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await site.CreateClient().GetAsync($"/d/{id}/page/1.jpg")).StatusCode.ShouldBe(HttpStatusCode.OK);
        await site.Services.GetRequiredService<ISearchIndex>().SyncAsync(CancellationToken.None);
        (await SearchFindsAsync(site.CreateClient(), salt, id)).ShouldBeTrue();

        appeal = await site.WithDbAsync(db => db.Appeals.SingleAsync(a => a.Id == appeal.Id));
        appeal.State.ShouldBe(AppealState.Upheld);
        appeal.DecisionReason.ShouldBe("确为原创 original work");
        var removal = await site.WithDbAsync(db => db.DocumentRemovals.SingleAsync(r => r.Id == appeal.RemovalId));
        removal.RestoredAt.ShouldNotBeNull();
        (await site.WithDbAsync(db => db.Notifications.AnyAsync(n => n.UserId == site.OwnerId && n.Kind == NotificationKinds.AppealUpheld && n.Link == $"/d/{id}"))).ShouldBeTrue();
        var kinds = await site.WithDbAsync(db => db.AuditEntries.Where(a => (a.ObjectType == "appeal" && a.ObjectId == appeal.Id.ToString()) || (a.ObjectType == "document" && a.ObjectId == id.ToString()))
            .OrderBy(a => a.Id).Select(a => a.Kind).ToListAsync());
        kinds.ShouldBe([AuditKinds.DocumentRemove, AuditKinds.AppealUphold, AuditKinds.DocumentRestore]);
        (await site.WithAsync(sp => sp.GetRequiredService<AuditLog>().VerifyAsync(CancellationToken.None))).ShouldBeNull();
    }

    [Fact]
    public async Task A_rejected_appeal_keeps_the_document_removed_and_tells_the_uploader()
    {
        var (id, _) = await site.ReadyDocAsync();
        (await site.RemoveAsync(id, RemovalCategory.Pornography)).ShouldBeOfType<RemovalOutcome.Done>();
        var appeal = await site.WithAsync(sp => sp.GetRequiredService<Appeals>().FileAsync(id, "误判 a mistake", site.OwnerId, CancellationToken.None));
        var appealId = appeal.ShouldBeOfType<AppealOutcome.Done>().Appeal.Id;

        (await site.OtherModeratorApi.SendAsync(Decide(appealId, "reject", "图片违规 explicit images"))).StatusCode.ShouldBe(HttpStatusCode.OK);

        (await site.Browser().GetAsync($"/d/{id}")).StatusCode.ShouldBe(HttpStatusCode.Gone);
        var page = Html.Parse(await (await site.OwnerBrowser.GetAsync($"/d/{id}")).Content.ReadAsStringAsync());
        page.One("#appeal").GetAttribute("data-state").ShouldBe("rejected");
        page.One("#appeal-state").Text().ShouldContain("图片违规 explicit images");
        page.QuerySelector("#appeal-form").ShouldBeNull();
        (await site.OwnerBrowser.GetDocumentAsync("/me")).One($"tr[data-document='{id}'] [data-appeal]").GetAttribute("data-appeal").ShouldBe("rejected");
        (await site.WithDbAsync(db => db.Notifications.AnyAsync(n => n.UserId == site.OwnerId && n.Kind == NotificationKinds.AppealRejected))).ShouldBeTrue();
        (await site.WithDbAsync(db => db.AuditEntries.AnyAsync(a => a.Kind == AuditKinds.AppealReject && a.ObjectId == appealId.ToString()))).ShouldBeTrue();
    }

    [Fact]
    public async Task Staff_restore_through_the_api_answers_409_for_a_document_not_removed_and_forbids_readers()
    {
        var (id, _) = await site.ReadyDocAsync();
        var restore = () => new HttpRequestMessage(HttpMethod.Post, $"/api/v1/documents/{id}/restore") { Content = JsonContent.Create(new { reason = "恢复 restore" }) };
        (await site.OtherModeratorApi.SendAsync(restore())).StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await site.RemoveAsync(id, RemovalCategory.Other)).ShouldBeOfType<RemovalOutcome.Done>();
        (await site.OwnerApi.SendAsync(restore())).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        var done = await site.OtherModeratorApi.SendAsync(restore());
        done.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await done.Content.ReadFromJsonAsync<JsonElement>(Json)).GetProperty("status").GetString().ShouldBe("ready");
        (await site.Browser().GetAsync($"/d/{id}")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task An_infringement_removal_refunds_the_buyers_who_keep_their_record_and_the_ledger_verifies()
    {
        var (buyer, buyerId) = await site.SignedInBrowserAsync($"buyer-{Guid.NewGuid():N}@takedown.test");
        var grant = () => site.WithAsync(sp => sp.GetRequiredService<PointGrants>().GrantAsync(buyerId, 20, "测试 test", null, CancellationToken.None));
        await grant();
        var paid = await PaidDocAsync();
        var otherPaid = await PaidDocAsync();
        foreach (var doc in new[] { paid, otherPaid })
            (await site.WithAsync(sp => sp.GetRequiredService<Purchases>().BuyAsync(doc, buyerId, false, 10, null, CancellationToken.None)))
                .ShouldBeOfType<PurchaseOutcome.Done>();
        (await site.BalanceAsync(buyerId)).Spendable.ShouldBe(0);
        var uploaderEarned = (await site.BalanceAsync(site.OwnerId)).Earned;

        var removed = (await site.RemoveAsync(paid, RemovalCategory.Infringement)).ShouldBeOfType<RemovalOutcome.Done>();
        removed.Refunded.ShouldBe(1);
        (await site.BalanceAsync(buyerId)).Spendable.ShouldBe(10);
        (await site.BalanceAsync(site.OwnerId)).Earned.ShouldBe(uploaderEarned - 7);

        // Off: a removal for infringement refunds nothing; the buyer keeps the purchase (and its record).
        await SetRefundAsync(false);
        try
        {
            (await site.RemoveAsync(otherPaid, RemovalCategory.Infringement)).ShouldBeOfType<RemovalOutcome.Done>().Refunded.ShouldBe(0);
            (await site.WithAsync(sp => sp.GetRequiredService<RemovedFilesRetention>().SweepAsync(CancellationToken.None))).Refunded.ShouldBe(0);
        }
        finally
        {
            await SetRefundAsync(true);
        }
        (await site.BalanceAsync(buyerId)).Spendable.ShouldBe(10);
        (await site.WithDbAsync(db => db.Purchases.SingleAsync(p => p.DocumentId == otherPaid))).RefundedAt.ShouldBeNull();

        // The buyer sees the document removed, and the wallet's history still names both.
        (await buyer.GetAsync($"/d/{otherPaid}")).StatusCode.ShouldBe(HttpStatusCode.Gone);
        var wallet = await buyer.GetDocumentAsync("/me/wallet");
        foreach (var doc in new[] { paid, otherPaid })
            wallet.QuerySelectorAll($"a[href='/d/{doc}']").ShouldNotBeEmpty($"the wallet names document {doc}");

        var verification = await site.WithAsync(sp => ActivatorUtilities.CreateInstance<LedgerVerifier>(sp).VerifyAsync(CancellationToken.None));
        verification.Violations.ShouldBeEmpty();
    }

    [Fact]
    public async Task The_retention_sweep_deletes_the_files_after_the_period_and_a_restore_then_answers_files_deleted()
    {
        var (id, _) = await site.ReadyDocAsync();
        (await site.RemoveAsync(id, RemovalCategory.Illegal)).ShouldBeOfType<RemovalOutcome.Done>();
        var doc = await site.WithDbAsync(db => db.Documents.AsNoTracking().SingleAsync(d => d.Id == id));
        var store = site.Services.GetRequiredService<IFileStore>();
        var sweep = () => site.WithAsync(sp => sp.GetRequiredService<RemovedFilesRetention>().SweepAsync(CancellationToken.None));

        await sweep();
        (await store.ExistsAsync(doc.StorageKey, CancellationToken.None)).ShouldBeTrue("kept within the retention period");

        var start = site.Clock.Now;
        site.Clock.Advance(TimeSpan.FromDays(31));
        try
        {
            (await sweep()).FilesDeleted.ShouldBeGreaterThanOrEqualTo(1);
            (await sweep()).FilesDeleted.ShouldBe(0);
        }
        finally
        {
            site.Clock.Now = start;
        }
        (await store.ExistsAsync(doc.StorageKey, CancellationToken.None)).ShouldBeFalse();
        (await store.ExistsAsync(Document.PageKey(id, 1), CancellationToken.None)).ShouldBeFalse();
        var removal = await site.WithDbAsync(db => db.DocumentRemovals.SingleAsync(r => r.Id == doc.RemovalId));
        removal.FilesDeletedAt.ShouldNotBeNull();
        var audit = await site.WithDbAsync(db => db.AuditEntries.Where(a => a.Kind == AuditKinds.DocumentFilesDeleted && a.ObjectId == id.ToString()).ToListAsync());
        audit.Count.ShouldBe(1);
        audit[0].ActorId.ShouldBe(AuditLog.SystemActor);

        var restore = await site.OtherModeratorApi.SendAsync(new HttpRequestMessage(HttpMethod.Post, $"/api/v1/documents/{id}/restore") { Content = JsonContent.Create(new { reason = "恢复 restore" }) });
        restore.StatusCode.ShouldBe(HttpStatusCode.Gone);
        (await restore.Content.ReadFromJsonAsync<JsonElement>(Json)).GetProperty("filesDeleted").GetBoolean().ShouldBeTrue();
        var appeal = await site.OwnerBrowser.PostFormAsync("/me", $"/d/{id}/appeal", new() { ["statement"] = "太迟了 too late" });
        appeal.Headers.Location!.OriginalString.ShouldBe($"/d/{id}?takedown=filesgone");
        var page = Html.Parse(await (await site.OwnerBrowser.GetAsync($"/d/{id}?takedown=filesgone")).Content.ReadAsStringAsync());
        page.One("[data-fact='files-deleted']").ShouldNotBeNull();
        page.QuerySelector("#appeal-form").ShouldBeNull();
        (await site.Browser().GetAsync($"/d/{id}")).StatusCode.ShouldBe(HttpStatusCode.Gone);
    }

    private Task<int> SetRefundAsync(bool on) => site.WithDbAsync(db => db.SiteSettings.ExecuteUpdateAsync(s => s.SetProperty(x => x.RefundOnInfringementRemoval, on)));

    /// <summary>A ready paid document of the owner at 10 points (a row without files: buying needs none).</summary>
    private Task<long> PaidDocAsync() => site.WithDbAsync(async db =>
    {
        var doc = new Document
        {
            Title = $"付费侵权 paid {Guid.NewGuid():N}"[..30], CategoryId = await db.Categories.Where(c => c.Slug == "other").Select(c => c.Id).SingleAsync(),
            UploaderId = site.OwnerId, OriginalFileName = "paid.pdf", Format = "pdf", SizeBytes = 1,
            Sha256 = Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N"), StorageKey = $"originals/test/{Guid.NewGuid():N}.pdf",
            PreviewPages = 1, PageCount = 3, Price = 10, Status = DocumentStatus.Ready,
        };
        db.Documents.Add(doc);
        await db.SaveChangesAsync();
        return doc.Id;
    });
}
