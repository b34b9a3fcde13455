using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Xml.Linq;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Wenku.Accounts;
using Wenku.Data;
using Wenku.Documents;
using Wenku.Tests.Infrastructure;
using Xunit;

namespace Wenku.Tests.Documents;

/// <summary>A site without workers whose documents are written straight to the database, and the component test page.</summary>
public sealed class LibrarySite : WenkuFactory
{
    protected override int Workers => 0;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(s => s.AddSingleton<Microsoft.AspNetCore.Hosting.IStartupFilter, ComponentPage>());
    }

    /// <summary>A published document of <paramref name="uploaderId"/>, with no files (lists and forms need none).</summary>
    public Task<long> DocumentAsync(string uploaderId, string title, string format = "pdf", int price = 0, int previewVersion = 0,
        DocumentStatus status = DocumentStatus.Ready, int ratingCount = 0, int ratingSum = 0, DateTime? createdAt = null) =>
        WithDbAsync(async db =>
        {
            var doc = new Document
            {
                Title = title, UploaderId = uploaderId, CategoryId = await db.Categories.Where(c => c.Slug == "other").Select(c => c.Id).SingleAsync(),
                OriginalFileName = "a." + format, Format = format, Sha256 = Guid.NewGuid().ToString("N"), StorageKey = $"originals/{Guid.NewGuid():N}",
                Status = status, PageCount = 12, PreviewPages = 3, Price = price, PreviewVersion = previewVersion,
                RatingCount = ratingCount, RatingSum = ratingSum, CreatedAt = createdAt ?? DateTime.UtcNow,
            };
            db.Documents.Add(doc);
            await db.SaveChangesAsync();
            return doc.Id;
        });

    /// <summary>Users straight into the database (no password, no slug): many of them, fast.</summary>
    public Task<List<string>> BareUsersAsync(int count, string prefix) => WithDbAsync(async db =>
    {
        var users = Enumerable.Range(0, count).Select(i => new WenkuUser
        {
            UserName = $"{prefix}{i}@test.local", NormalizedUserName = $"{prefix}{i}@TEST.LOCAL".ToUpperInvariant(),
            Email = $"{prefix}{i}@test.local", NormalizedEmail = $"{prefix}{i}@TEST.LOCAL".ToUpperInvariant(), DisplayName = $"读者{i}",
        }).ToList();
        db.Users.AddRange(users);
        await db.SaveChangesAsync();
        return users.Select(u => u.Id).ToList();
    });
}

[Trait(WenkuFactory.Suite, WenkuFactory.OnBothStacks)]
public sealed class LibraryTests(LibrarySite site) : IClassFixture<LibrarySite>
{
    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];

    [Fact]
    public async Task Registrations_at_the_same_moment_with_one_name_or_one_email_all_get_an_answer()
    {
        var name = "same" + Guid.NewGuid().ToString("N")[..8];
        async Task<(WenkuUser? User, IReadOnlyList<string> Errors)> Register(string email)
        {
            using var scope = site.Services.CreateScope();
            return await scope.ServiceProvider.GetRequiredService<AccountService>().RegisterAsync(email, "Passw0rd!long", name);
        }

        // Same display name: one gets the name as slug, the others the next free ones (the unique index refused the
        // loser of each race, which then took the next slug instead of answering 500).
        var sameName = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => Task.Run(() => Register($"{name}-{i}@test.local"))));
        sameName.ShouldAllBe(r => r.User != null && r.Errors.Count == 0);
        sameName.Select(r => r.User!.Slug).Order().ShouldBe(new[] { name }.Concat(Enumerable.Range(2, 5).Select(n => $"{name}-{n}")).Order());

        // Same e-mail: one account; the others get the answer a taken e-mail gets (no user, no error, no exception).
        var email = $"{name}-twice@test.local";
        var sameEmail = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => Register(email))));
        sameEmail.Count(r => r.User != null).ShouldBe(1);
        sameEmail.ShouldAllBe(r => r.Errors.Count == 0);
        (await site.WithDbAsync(db => db.Users.CountAsync(u => u.Email == email))).ShouldBe(1);
    }

    [Fact]
    public async Task Cards_show_the_cover_or_a_placeholder_with_badge_pages_price_rating_and_the_uploader_by_slug()
    {
        var (_, uploaderId) = await site.SignedInBrowserAsync($"{Unique("cards")}@test.local");
        var slug = await site.WithDbAsync(db => db.Users.Where(u => u.Id == uploaderId).Select(u => u.Slug).SingleAsync());
        slug.ShouldNotBeNullOrEmpty();
        var withCover = await site.DocumentAsync(uploaderId, "有封面的文档", price: 5, previewVersion: PreviewVersions.Sized, ratingCount: 3, ratingSum: 13);
        var old = await site.DocumentAsync(uploaderId, "旧文档没有封面", format: "docx");

        var page = await site.CreateClient().GetDocumentAsync($"/u/{slug}");
        var card = page.One($".doc-card[data-doc='{withCover}']");
        card.One("picture source").GetAttribute("type").ShouldBe("image/webp");
        card.One("picture source").GetAttribute("srcset").ShouldBe($"/d/{withCover}/cover.webp");
        var img = card.One("picture img");
        img.GetAttribute("src").ShouldBe($"/d/{withCover}/cover.jpg");
        (img.GetAttribute("width"), img.GetAttribute("height")).ShouldBe(("240", "320"));
        img.GetAttribute("alt").ShouldBe("");
        card.One(".badge").Text().ShouldBe("PDF");
        card.One(".doc-card-title").Text().ShouldBe("有封面的文档");
        card.One("[data-fact=pages]").Text().ShouldBe("12 页");
        card.One("[data-fact=price]").Text().ShouldBe("5 积分");
        card.One("[data-fact=rating]").Text().ShouldBe("★ 4.3 (3)");
        card.One("[data-fact=uploader]").GetAttribute("href").ShouldBe($"/u/{slug}");
        card.One("time[data-fact=date]").Text().ShouldMatch(@"^\d{4}-\d{2}-\d{2}$");

        var plain = page.One($".doc-card[data-doc='{old}']");
        plain.QuerySelector("picture").ShouldBeNull("a document converted before covers has no cover file: no broken image");
        plain.One(".cover-placeholder").Text().ShouldBe("DOCX");
        plain.One(".badge").Text().ShouldBe("DOCX");
        plain.One("[data-fact=price]").Text().ShouldBe("免费");
        plain.One("[data-fact=rating]").Text().ShouldBe("暂无评分");

        var english = new HttpRequestMessage(HttpMethod.Get, $"/u/{slug}");
        english.Headers.AcceptLanguage.ParseAdd("en");
        var en = Html.Parse(await (await site.CreateClient().SendAsync(english)).Content.ReadAsStringAsync());
        en.One($".doc-card[data-doc='{old}'] [data-fact=price]").Text().ShouldBe("Free");
        en.One($".doc-card[data-doc='{withCover}'] [data-fact=pages]").Text().ShouldBe("12 pages");
    }

    [Fact]
    public async Task A_favourite_is_kept_once_shown_in_the_library_and_taken_out_again()
    {
        var (owner, ownerId) = await site.SignedInBrowserAsync($"{Unique("fav-owner")}@test.local");
        var doc = await site.DocumentAsync(ownerId, "收藏测试文档");
        var (reader, readerId) = await site.SignedInBrowserAsync($"{Unique("fav-reader")}@test.local");
        var widget = $"{ComponentPage.Path}/ReaderActions?document={doc}";

        (await reader.GetDocumentAsync(widget)).One(".favourite-button").GetAttribute("aria-pressed").ShouldBe("false");
        for (var i = 0; i < 2; i++)
        {
            var response = await reader.PostFormAsync(widget, $"/d/{doc}/favourite", new() { ["favourite"] = "true" });
            response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
            response.Headers.Location!.OriginalString.ShouldBe($"/d/{doc}#reader-actions");
        }
        (await site.WithDbAsync(db => db.Favourites.CountAsync(f => f.UserId == readerId && f.DocumentId == doc))).ShouldBe(1);
        (await reader.GetDocumentAsync(widget)).One(".favourite-button").GetAttribute("aria-pressed").ShouldBe("true");

        var library = await reader.GetDocumentAsync("/me/library");
        library.One(".tab.on").GetAttribute("data-tab").ShouldBe("favourites");
        library.One("[data-tab=favourites] .count").Text().ShouldBe("1");
        library.One($".doc-card[data-doc='{doc}'] .doc-card-title").Text().ShouldBe("收藏测试文档");

        // The script's request: JSON with the new state; without a wanted state the button toggles.
        var token = await reader.AntiforgeryTokenAsync(widget);
        using var toggle = new HttpRequestMessage(HttpMethod.Post, $"/d/{doc}/favourite")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }),
        };
        toggle.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        var json = await (await reader.SendAsync(toggle)).Content.ReadFromJsonAsync<JsonElement>();
        json.GetProperty("favourite").GetBoolean().ShouldBeFalse();
        (await reader.GetDocumentAsync("/me/library")).QuerySelector($".doc-card[data-doc='{doc}']").ShouldBeNull();
        (await reader.GetDocumentAsync("/me/library")).One(".empty").Text().ShouldStartWith("还没有收藏");

        // Only published documents.
        var queued = await site.DocumentAsync(ownerId, "还在排队", status: DocumentStatus.Queued);
        (await reader.PostFormAsync(widget, $"/d/{queued}/favourite", new() { ["favourite"] = "true" })).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        // …but a favourite of a document that has since been held or taken down can still be taken out.
        (await reader.PostFormAsync(widget, $"/d/{doc}/favourite", new() { ["favourite"] = "true" })).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var formToken = await reader.AntiforgeryTokenAsync(widget);
        await site.WithDbAsync(db => db.Documents.Where(d => d.Id == doc).ExecuteUpdateAsync(u => u.SetProperty(d => d.Status, DocumentStatus.Held)));
        Task<HttpResponseMessage> Favourite(string want) => reader.PostAsync($"/d/{doc}/favourite",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = formToken, ["favourite"] = want }));
        (await Favourite("false")).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        (await site.WithDbAsync(db => db.Favourites.CountAsync(f => f.UserId == readerId && f.DocumentId == doc))).ShouldBe(0);
        (await Favourite("true")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        _ = owner;
    }

    [Fact]
    public async Task A_second_rating_replaces_the_first_and_the_uploader_cannot_rate()
    {
        var (owner, ownerId) = await site.SignedInBrowserAsync($"{Unique("rate-owner")}@test.local");
        var doc = await site.DocumentAsync(ownerId, "评分测试文档");
        var (reader, readerId) = await site.SignedInBrowserAsync($"{Unique("rater")}@test.local");
        var widget = $"{ComponentPage.Path}/ReaderActions?document={doc}";

        (await reader.PostFormAsync(widget, $"/d/{doc}/rating", new() { ["stars"] = "5" })).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        (await reader.PostFormAsync(widget, $"/d/{doc}/rating", new() { ["stars"] = "2" })).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var counts = await site.WithDbAsync(db => db.Documents.Where(d => d.Id == doc).Select(d => new { d.RatingCount, d.RatingSum }).SingleAsync());
        (counts.RatingCount, counts.RatingSum).ShouldBe((1, 2));
        (await site.WithDbAsync(db => db.Ratings.SingleAsync(r => r.UserId == readerId && r.DocumentId == doc))).Stars.ShouldBe(2);

        // The reader's own rating is checked in the form (no script needed), the average shown.
        var page = await reader.GetDocumentAsync(widget);
        page.One(".stars input:checked").GetAttribute("value").ShouldBe("2");
        page.One(".star-form legend").Text().ShouldBe("你的评分：2 星");
        page.One("[data-average]").Text().ShouldBe("2.0");
        page.One("[data-count]").Text().ShouldBe("1 人评分");

        // Out of range: the form again with the message.
        var invalid = await reader.PostFormAsync(widget, $"/d/{doc}/rating", new() { ["stars"] = "0" });
        invalid.Headers.Location!.OriginalString.ShouldBe($"/d/{doc}?rating=invalid#reader-actions");
        (await reader.GetDocumentAsync(widget + "&rating=invalid")).One(".star-form [role=alert]").Text().ShouldBe("请选择 1 到 5 颗星。");

        // The uploader sees no stars and is refused.
        (await owner.GetDocumentAsync(widget)).QuerySelector(".star-form").ShouldBeNull();
        (await owner.PostFormAsync(widget, $"/d/{doc}/rating", new() { ["stars"] = "5" })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await site.WithDbAsync(db => db.Documents.Where(d => d.Id == doc).Select(d => d.RatingCount).SingleAsync())).ShouldBe(1);
    }

    [Fact]
    public async Task Parallel_ratings_never_lose_a_count()
    {
        var (_, ownerId) = await site.SignedInBrowserAsync($"{Unique("busy-owner")}@test.local");
        var doc = await site.DocumentAsync(ownerId, "热门评分文档");
        var readers = await site.BareUsersAsync(16, Unique("crowd"));

        async Task RateAsync(string userId, int stars)
        {
            await using var scope = site.Services.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<Ratings>().RateAsync(doc, userId, stars, CancellationToken.None);
        }

        // Sixteen readers at once, each rating then changing their mind; one of them changing it eight times at once.
        await Task.WhenAll(readers.Select((r, i) => RateAsync(r, i % 5 + 1)));
        await Task.WhenAll(readers.Select((r, i) => RateAsync(r, (i + 2) % 5 + 1)).Concat(Enumerable.Range(1, 8).Select(n => RateAsync(readers[0], n % 5 + 1))));

        var (count, sum) = await site.WithDbAsync(async db =>
        {
            var d = await db.Documents.AsNoTracking().SingleAsync(x => x.Id == doc);
            return (d.RatingCount, d.RatingSum);
        });
        var rows = await site.WithDbAsync(db => db.Ratings.Where(r => r.DocumentId == doc).Select(r => r.Stars).ToListAsync());
        rows.Count.ShouldBe(16);
        count.ShouldBe(16);
        sum.ShouldBe(rows.Sum());
    }

    [Fact]
    public async Task The_library_lists_purchases_and_recently_read_newest_first()
    {
        var (_, ownerId) = await site.SignedInBrowserAsync($"{Unique("lib-owner")}@test.local");
        var bought = await site.DocumentAsync(ownerId, "买过的文档", price: 3);
        var readEarlier = await site.DocumentAsync(ownerId, "先读的文档");
        var readLater = await site.DocumentAsync(ownerId, "后读的文档");
        var taken = await site.DocumentAsync(ownerId, "已下架的文档", status: DocumentStatus.Removed);
        var (reader, readerId) = await site.SignedInBrowserAsync($"{Unique("lib-reader")}@test.local");
        await site.WithDbAsync(async db =>
        {
            db.Entitlements.Add(new Entitlement { DocumentId = bought, UserId = readerId });
            var now = DateTime.UtcNow;
            db.ReadingProgress.AddRange(
                new ReadingProgress { UserId = readerId, DocumentId = readEarlier, Page = 4, UpdatedAt = now.AddHours(-2) },
                new ReadingProgress { UserId = readerId, DocumentId = readLater, Page = 7, UpdatedAt = now.AddHours(-1) },
                new ReadingProgress { UserId = readerId, DocumentId = taken, Page = 1, UpdatedAt = now });
            return await db.SaveChangesAsync();
        });

        var purchases = await reader.GetDocumentAsync("/me/library?tab=purchases");
        purchases.QuerySelectorAll(".doc-card").Select(c => c.GetAttribute("data-doc")).ShouldBe([bought.ToString()]);

        var recent = await reader.GetDocumentAsync("/me/library?tab=recent");
        recent.One(".tab.on").GetAttribute("data-tab").ShouldBe("recent");
        recent.QuerySelectorAll(".doc-card").Select(c => c.GetAttribute("data-doc")).ShouldBe([readLater.ToString(), readEarlier.ToString()]);
        recent.One($".continue-list a[href='/d/{readLater}#page-7']").ShouldNotBeNull();
        recent.One("[data-tab=recent] .count").Text().ShouldBe("2");

        (await site.Browser().GetAsync("/me/library")).StatusCode.ShouldBe(HttpStatusCode.Redirect);
    }

    [Fact]
    public async Task More_from_the_uploader_shows_up_to_six_other_published_documents()
    {
        var (_, ownerId) = await site.SignedInBrowserAsync($"{Unique("prolific")}@test.local");
        var ids = new List<long>();
        for (var i = 0; i < 8; i++) ids.Add(await site.DocumentAsync(ownerId, $"系列第{i}篇", createdAt: DateTime.UtcNow.AddMinutes(-i)));
        await site.DocumentAsync(ownerId, "未发布", status: DocumentStatus.Failed);
        var page = await site.CreateClient().GetDocumentAsync($"{ComponentPage.Path}/MoreFromUploader?document={ids[0]}");
        page.QuerySelectorAll(".doc-card").Select(c => long.Parse(c.GetAttribute("data-doc")!)).ShouldBe(ids.Skip(1).Take(6));
    }

    [Fact]
    public async Task The_share_link_is_the_canonical_url_and_its_qr_code_decodes_to_it()
    {
        var (_, ownerId) = await site.SignedInBrowserAsync($"{Unique("share")}@test.local");
        var doc = await site.DocumentAsync(ownerId, "分享测试");
        var page = await site.CreateClient().GetDocumentAsync($"{ComponentPage.Path}/ReaderActions?document={doc}");
        var url = page.One("[data-share-url]").GetAttribute("value")!;
        url.ShouldBe($"http://localhost/d/{doc}");
        page.One("a[href^='/account/login']").Text().ShouldBe("登录后收藏");

        // The QR code is an image of its own, the same for every reader, kept by browsers for a month.
        var qr = page.One("img.qr");
        qr.GetAttribute("src").ShouldBe($"/d/{doc}/qr.svg");
        qr.GetAttribute("alt").ShouldBe("本文档链接的二维码");
        using var response = await site.CreateClient().GetAsync(qr.GetAttribute("src"));
        response.StatusCode.ShouldBe(System.Net.HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("image/svg+xml");
        response.Headers.CacheControl!.Public.ShouldBeTrue();
        response.Headers.CacheControl.MaxAge.ShouldBe(TimeSpan.FromSeconds(QrSvg.CacheSeconds));
        var svg = XElement.Parse(await response.Content.ReadAsStringAsync());
        QrCodes.Decode(svg).ShouldBe(url);
    }
}

/// <summary>Reads back a QR code drawn by <see cref="QrSvg"/> (a path of unit squares) with ZXing.</summary>
public static class QrCodes
{
    public static string? Decode(XElement svg)
    {
        var size = int.Parse(svg.Attribute("viewBox")!.Value.Split(' ')[2], System.Globalization.CultureInfo.InvariantCulture);
        var path = svg.Descendants().Single(e => e.Name.LocalName == "path").Attribute("d")!.Value;
        const int scale = 4;
        var pixels = Enumerable.Repeat((byte)255, size * scale * size * scale).ToArray();
        foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(path, @"M(\d+) (\d+)"))
        {
            var (x, y) = (int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));
            for (var dy = 0; dy < scale; dy++)
                for (var dx = 0; dx < scale; dx++)
                    pixels[(y * scale + dy) * size * scale + x * scale + dx] = 0;
        }
        var source = new ZXing.RGBLuminanceSource(pixels, size * scale, size * scale, ZXing.RGBLuminanceSource.BitmapFormat.Gray8);
        return new ZXing.QrCode.QRCodeReader().decode(new ZXing.BinaryBitmap(new ZXing.Common.HybridBinarizer(source)))?.Text;
    }
}
