using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Wenku.Accounts;
using Wenku.Data;
using Wenku.Documents;
using Wenku.Duplicates;
using Wenku.Tests.Infrastructure;
using Wenku.Tests.Search;

namespace Wenku.Tests.Duplicates;

/// <summary>
/// Near-duplicate detection on PostgreSQL, where several workers write fingerprints at once and a row can commit
/// after one with a higher id: a worker's in-memory index must still pick it up.
/// </summary>
public sealed class PostgresDuplicateCatchUpTests : IDisposable
{
    private readonly PostgresSearchDatabase _pg = new();

    private static string Essay() => File.ReadAllText(TestPaths.Shared("corpus", "seed", "chuangxian-zhengyou-spun.txt")
        ?? throw new InvalidOperationException("The test needs ../shared/corpus/seed."));

    [Fact]
    public async Task A_fingerprint_that_commits_after_a_later_one_is_still_found_as_a_match()
    {
        var essay = Essay();
        await using var db = await _pg.Db.CreateDbContextAsync();
        var user = new WenkuUser { UserName = "dup@test.local", Email = "dup@test.local", DisplayName = "查重" };
        var category = new Category { Slug = "essays", Name = "文章" };
        db.Users.Add(user);
        db.Categories.Add(category);
        await db.SaveChangesAsync();
        var original = await AddReadyAsync(db, user, category, "创新与争优", essay);
        var other = await AddReadyAsync(db, user, category, "高速铁路", string.Concat(Enumerable.Repeat("高速铁路网络不断延伸，沿线城市联系日益紧密，旅客出行更加便捷。", 20)));
        var reupload = await AddReadyAsync(db, user, category, "创新与争优（再传）", FingerprintTests.RestoredEssay(essay));

        var detector = new DuplicateDetector(NullLogger<DuplicateDetector>.Instance);

        // Worker A takes the lower fingerprint id but commits last; worker B's higher id commits first.
        await using var a = await _pg.Db.CreateDbContextAsync();
        await a.Database.CreateExecutionStrategy().ExecuteAsync(async () =>
        {
            await using var aTx = await a.Database.BeginTransactionAsync();
            await a.Database.ExecuteSqlRawAsync("SELECT pg_current_xact_id()"); // as the detector's writers do
            var early = FingerprintRow(original.Id, essay);
            a.DocumentFingerprints.Add(early);
            await a.SaveChangesAsync();

            await using (var b = await _pg.Db.CreateDbContextAsync())
            {
                var late = FingerprintRow(other.Id, other.Title);
                b.DocumentFingerprints.Add(late);
                await b.SaveChangesAsync();
                late.Id.ShouldBeGreaterThan(early.Id);
            }

            // This worker looks (more than once) while A is still open: it sees B's row only.
            await detector.CatchUpAsync(db, CancellationToken.None);
            await detector.CatchUpAsync(db, CancellationToken.None);
            await aTx.CommitAsync();
        });

        var check = await detector.CheckAsync(db, reupload.Id, FingerprintTests.RestoredEssay(essay), CancellationToken.None);
        check.BestMatchId.ShouldBe(original.Id);
        check.BestScore.ShouldBeGreaterThanOrEqualTo(NearDuplicates.DefaultThreshold);
    }

    [Fact]
    public async Task Rows_seen_once_are_not_added_twice_and_later_rows_keep_arriving()
    {
        var essay = Essay();
        await using var db = await _pg.Db.CreateDbContextAsync();
        var user = new WenkuUser { UserName = "dup2@test.local", Email = "dup2@test.local", DisplayName = "查重" };
        var category = new Category { Slug = "essays", Name = "文章" };
        db.Users.Add(user);
        db.Categories.Add(category);
        await db.SaveChangesAsync();
        var detector = new DuplicateDetector(NullLogger<DuplicateDetector>.Instance);
        var original = await AddReadyAsync(db, user, category, "创新与争优", essay);
        (await detector.CheckAsync(db, original.Id, essay, CancellationToken.None)).BestMatchId.ShouldBeNull();
        for (var i = 0; i < 3; i++) await detector.CatchUpAsync(db, CancellationToken.None);

        var reupload = await AddReadyAsync(db, user, category, "创新与争优（再传）", FingerprintTests.RestoredEssay(essay));
        var check = await detector.CheckAsync(db, reupload.Id, FingerprintTests.RestoredEssay(essay), CancellationToken.None);
        check.BestMatchId.ShouldBe(original.Id);
        check.Matches.ShouldBe(1);
    }

    private static DocumentFingerprint FingerprintRow(long documentId, string text)
    {
        var fingerprint = Fingerprint.OfShingles(Fingerprint.Shingles(DuplicateText.Normalize(text)));
        return new DocumentFingerprint { DocumentId = documentId, Signature = fingerprint.ToBytes(), ShingleCount = fingerprint.ShingleCount };
    }

    private static async Task<Document> AddReadyAsync(WenkuDb db, WenkuUser user, Category category, string title, string text)
    {
        var doc = new Document
        {
            Title = title, CategoryId = category.Id, UploaderId = user.Id, OriginalFileName = "a.pdf", Format = "pdf",
            Sha256 = Guid.NewGuid().ToString("N"), StorageKey = "k/" + Guid.NewGuid().ToString("N"), PreviewPages = 1, PageCount = 1,
            Status = DocumentStatus.Ready,
        };
        db.Documents.Add(doc);
        await db.SaveChangesAsync();
        db.DocumentPages.Add(new DocumentPage { DocumentId = doc.Id, Number = 1, Text = text });
        await db.SaveChangesAsync();
        return doc;
    }

    public void Dispose() => _pg.Dispose();
}
