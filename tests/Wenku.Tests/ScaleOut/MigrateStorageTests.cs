using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Wenku.Cli;
using Wenku.Data;
using Wenku.Documents;
using Wenku.Jobs;
using Wenku.Storage;
using Wenku.Tests.Infrastructure;

namespace Wenku.Tests.ScaleOut;

/// <summary>
/// <c>wenku admin migrate-storage</c> as an operator runs it: a real embedded site (SQLite, local disk) is used and
/// stopped, the real program moves it, and the real site starts on the PostgreSQL database and s3rver bucket.
/// </summary>
public sealed class MigrateStorageTests : IDisposable
{
    /// <summary>The data folder of a small embedded install, for the tests that need no site.</summary>
    private readonly string _source = TestPaths.NewTempDir("move-src");

    /// <summary>The embedded default, whatever stack the other site tests run on.</summary>
    private sealed class EmbeddedSite : WenkuFactory
    {
        protected override bool FollowsTestStack => false;
    }

    [Fact]
    public async Task An_embedded_site_moves_to_postgres_and_s3_with_everything_it_had()
    {
        using var embedded = new EmbeddedSite(); // stopped midway (StopKeepingData); the using is for a failure before that
        var dataDir = embedded.DataDir;
        try
        {
            var (api, _) = await embedded.ApiClientAsync("move-uploader@test.local");
            var token = api.DefaultRequestHeaders.Authorization!.Parameter!;
            var first = await embedded.UploadAndWaitAsync(api, TestPdfs.Upload(TestPdfs.MultiPage(3, salt: "move-1"), previewPages: 2, title: "迁移之前一"));
            var second = await embedded.UploadAndWaitAsync(api, TestPdfs.Upload(TestPdfs.MultiPage(2, salt: "move-2"), title: "迁移之前二"));
            first.Status.ShouldBe(DocumentStatus.Ready, first.Error);
            second.Status.ShouldBe(DocumentStatus.Ready, second.Error);
            // Facts kept as JSON in the document's row (an owned type, as drawings have) move with the row.
            await embedded.WithDbAsync(async db =>
            {
                var doc = await db.Documents.SingleAsync(d => d.Id == first.Id);
                doc.Drawing = new DrawingFacts { Kind = "DXF", Version = "AC1015", Entities = 12, Skipped = 1, SkippedKinds = ["HATCH"] };
                return await db.SaveChangesAsync();
            });
            var (reader, _) = await embedded.SignedInBrowserAsync("move-reader@test.local");
            (await reader.PostFormAsync($"/d/{first.Id}", $"/d/{first.Id}/comments", new() { ["body"] = "迁移前的评论 before the move" }))
                .StatusCode.ShouldBe(HttpStatusCode.Redirect);
            var cookie = await embedded.SignInCookieAsync("move-reader@test.local");
            var library = await embedded.WithDbAsync(LibraryAsync);
            var files = Directory.EnumerateFiles(Path.Combine(dataDir, "files"), "*", SearchOption.AllDirectories)
                .ToDictionary(f => Path.GetRelativePath(Path.Combine(dataDir, "files"), f).Replace('\\', '/'), File.ReadAllBytes);
            // Five pages, each in three files (desktop JPEG, phone JPEG and WebP: preview version 2), and a cover in two for each of the two documents.
            files.Keys.Count(k => k.StartsWith("pages/", StringComparison.Ordinal)).ShouldBe(5 * 3 + 2 * 2);
            embedded.StopKeepingData();

            // The scale-out site, not started yet: its database does not exist, its bucket is empty.
            using var site = new ScaleOutSite();
            var settings = TargetSettingsFile(site, dataDir, json: true);
            var output = await WenkuProcess.RunAsync("admin", "migrate-storage", "--data", dataDir, "--to", settings);
            output.ShouldContain("Migration complete");
            output.ShouldContain($"{files.Count} files");
            // Again, as after a crash in the files phase (one page had not arrived): the rows are copied again, only the
            // missing file is.
            using (var bucket = new S3FileStore(site.S3)) await bucket.DeleteAsync(Document.PageKey(second.Id, 2), CancellationToken.None);
            output = await WenkuProcess.RunAsync("admin", "migrate-storage", "--data", dataDir, "--to", settings, "--replace-target");
            output.ShouldContain($"1 copied, {files.Count - 1} already there");

            (await site.WithDbAsync(LibraryAsync)).ShouldBe(library);
            using (var bucket = new S3FileStore(site.S3))
                foreach (var (key, bytes) in files)
                {
                    await using var stored = (await bucket.OpenReadAsync(key, CancellationToken.None)).ShouldNotBeNull();
                    using var copy = new MemoryStream();
                    await stored.CopyToAsync(copy);
                    copy.ToArray().ShouldBe(bytes, key);
                }
            (await site.CreateClient().GetByteArrayAsync($"/d/{first.Id}/page/2.jpg")).ShouldBe(files[Document.PageKey(first.Id, 2)]);
            (await site.CreateClient().GetAsync($"/d/{first.Id}")).StatusCode.ShouldBe(HttpStatusCode.OK);

            // The old password signs in; the old cookie and the old API token still work (the keys moved with the rows).
            var browser = site.Browser();
            (await browser.PostFormAsync("/account/login", "/account/login", new() { ["Email"] = "move-reader@test.local", ["Password"] = TestUsers.Password }))
                .StatusCode.ShouldBe(HttpStatusCode.Redirect);
            (await browser.GetAsync("/me")).StatusCode.ShouldBe(HttpStatusCode.OK);
            var returning = site.CreateClient(new() { AllowAutoRedirect = false, HandleCookies = false });
            returning.DefaultRequestHeaders.Add("Cookie", cookie);
            (await returning.GetAsync("/me")).StatusCode.ShouldBe(HttpStatusCode.OK);
            var tokenClient = site.CreateClient(new() { AllowAutoRedirect = false, HandleCookies = false });
            tokenClient.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            (await tokenClient.GetAsync($"/api/v1/documents/{second.Id}")).StatusCode.ShouldBe(HttpStatusCode.OK);

            // New rows continue after the old ids: an upload (document, job, pages, fingerprint) and a comment.
            var third = await site.UploadAndWaitAsync(tokenClient, TestPdfs.Upload(TestPdfs.MultiPage(2, salt: "move-3"), title: "迁移之后"));
            third.Status.ShouldBe(DocumentStatus.Ready, third.Error);
            third.Id.ShouldBeGreaterThan(second.Id);
            (await browser.PostFormAsync($"/d/{third.Id}", $"/d/{third.Id}/comments", new() { ["body"] = "迁移后的评论" })).StatusCode.ShouldBe(HttpStatusCode.Redirect);
            (await site.WithDbAsync(db => db.Comments.Select(c => c.Body).ToListAsync())).ShouldBe(["迁移前的评论 before the move", "迁移后的评论"], ignoreOrder: true);
        }
        finally
        {
            TestPaths.TryDelete(dataDir);
        }
    }

    [Fact]
    public async Task A_target_database_that_holds_a_site_already_is_refused()
    {
        await WenkuProcess.RunAsync("admin", "create-user", "--data", _source, "--email", "move-admin@test.local", "--password", TestUsers.Password, "--role", "admin");
        using var site = new ScaleOutSite();
        await site.CreateUserAsync("already-here@test.local");

        var e = await Should.ThrowAsync<InvalidOperationException>(() =>
            WenkuProcess.RunAsync("admin", "migrate-storage", "--data", _source, "--to", TargetSettingsFile(site, _source, json: false)));
        e.Message.ShouldContain("is not empty (");
        e.Message.ShouldContain("AspNetUsers: 1");
        e.Message.ShouldContain("--replace-target");
        (await site.WithDbAsync(db => db.Users.Select(u => u.Email).ToListAsync())).ShouldBe(["already-here@test.local"]);
    }

    [Fact]
    public async Task An_install_whose_worker_is_still_converting_is_not_moved()
    {
        await using (var services = CliServices.Build(_source))
        {
            await DatabaseSetup.InitializeAsync(services);
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<WenkuDb>();
            db.Jobs.Add(new Job
            {
                Kind = Job.Kinds.Convert, State = JobState.Running, LeaseOwner = "worker-1",
                LeaseUntil = DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeMilliseconds(),
            });
            await db.SaveChangesAsync();
        }
        using var site = new ScaleOutSite();

        var e = await Should.ThrowAsync<InvalidOperationException>(() =>
            WenkuProcess.RunAsync("admin", "migrate-storage", "--data", _source, "--to", TargetSettingsFile(site, _source, json: true)));
        e.Message.ShouldContain("A worker is converting");
        e.Message.ShouldContain("stop `wenku serve` and every `wenku worker` first");
    }

    [Fact]
    public void Every_table_of_the_model_is_copied_and_can_be()
    {
        using var db = new DesignTimeDbFactory().CreateDbContext([]);
        ScaleOutMigration.Unsupported(db.Model).ShouldBeEmpty();
        var tables = ScaleOutMigration.TablesInCopyOrder(db.Model).Select(t => t.GetTableName()).ToList();
        // Owned types kept as JSON live in their owner's table (a document's drawing facts in Documents).
        tables.ShouldBe(db.Model.GetEntityTypes().Where(t => !t.IsOwned()).Select(t => t.GetTableName()).Where(t => t != "SearchChanges"), ignoreOrder: true);
        tables.IndexOf("AspNetUsers").ShouldBeLessThan(tables.IndexOf("Documents"));
        tables.IndexOf("Documents").ShouldBeLessThan(tables.IndexOf("DocumentPages"));
    }

    /// <summary>
    /// Everything a reader or operator would miss, as text: users, roles, tokens, documents, pages, comments, settings.
    /// Times to the microsecond, PostgreSQL's precision (SQLite keeps 100 ns).
    /// </summary>
    private static async Task<string> LibraryAsync(WenkuDb db) => string.Join('\n', [
        .. await db.Users.OrderBy(u => u.Id).Select(u => $"user {u.Id} {u.Email} {u.PasswordHash} {u.CreatedAt:yyyy-MM-dd HH:mm:ss.ffffff}").ToListAsync(),
        .. await db.UserRoles.OrderBy(r => r.UserId).Select(r => $"role {r.UserId} {r.RoleId}").ToListAsync(),
        .. await db.ApiTokens.OrderBy(t => t.Id).Select(t => $"token {t.Id} {t.UserId} {t.Hash}").ToListAsync(),
        .. await db.Documents.AsNoTracking().OrderBy(d => d.Id).Select(d => $"document {d.Id} {d.Title} {d.Status} {d.PageCount} {d.StorageKey} {d.CreatedAt:yyyy-MM-dd HH:mm:ss.ffffff} {(d.Drawing == null ? "" : d.Drawing.Version)}").ToListAsync(),
        .. await db.DocumentPages.OrderBy(p => p.DocumentId).ThenBy(p => p.Number).Select(p => $"page {p.DocumentId} {p.Number} {p.Text}").ToListAsync(),
        .. await db.DocumentFingerprints.OrderBy(f => f.Id).Select(f => $"fingerprint {f.Id} {f.DocumentId}").ToListAsync(),
        .. await db.Comments.OrderBy(c => c.Id).Select(c => $"comment {c.Id} {c.DocumentId} {c.UserId} {c.Body}").ToListAsync(),
        .. await db.Jobs.OrderBy(j => j.Id).Select(j => $"job {j.Id} {j.DocumentId} {j.State}").ToListAsync(),
        .. await db.Categories.OrderBy(c => c.Id).Select(c => $"category {c.Id} {c.Slug}").ToListAsync(),
        $"settings {await db.SiteSettings.CountAsync()}",
    ]);

    /// <summary>
    /// The scale-out site's settings as an operator writes them for <c>--to</c>: in appsettings.json's layout, or as the
    /// environment file (<c>Wenku__…=value</c>) that the systemd units of the README read.
    /// </summary>
    private static string TargetSettingsFile(ScaleOutSite site, string folder, bool json)
    {
        var settings = ScaleOutServices.SiteSettings(site.Postgres, site.S3);
        if (!json)
        {
            var path = Path.Combine(folder, "wenku.env");
            File.WriteAllLines(path, ["# the scale-out site", .. settings.Select(s => $"{s.Key.Replace(":", "__", StringComparison.Ordinal)}=\"{s.Value}\"")]);
            return path;
        }
        var file = Path.Combine(folder, "scaleout.json");
        File.WriteAllText(file, JsonSerializer.Serialize(new
        {
            Wenku = new
            {
                Database = new { Provider = "postgres", ConnectionString = site.Postgres },
                Storage = new { Provider = "s3", S3 = new { site.S3.ServiceUrl, site.S3.Bucket, site.S3.AccessKey, site.S3.SecretKey, ForcePathStyle = true } },
            },
        }));
        return file;
    }

    public void Dispose() => TestPaths.TryDelete(_source);
}
