using Microsoft.EntityFrameworkCore;
using Shouldly;
using Wenku.Comments;
using Wenku.Documents;
using Wenku.Jobs;
using Wenku.Tests.Accounts;
using Wenku.Tests.Infrastructure;

namespace Wenku.Tests.Data;

/// <summary>Rows take the time of their insert from the site's <see cref="TimeProvider"/>, not from the machine's clock.</summary>
[Trait(WenkuFactory.Suite, WenkuFactory.OnBothStacks)]
public sealed class InsertTimesTests(AccountsSite site) : IClassFixture<AccountsSite>
{
    [Fact]
    public async Task Rows_take_their_insert_time_from_the_sites_clock_and_keep_a_time_already_set()
    {
        site.Clock.Advance(TimeSpan.FromDays(400)); // far from the machine's clock, whatever it says
        var now = site.Clock.GetUtcNow().UtcDateTime;
        var chosen = new DateTime(2020, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        var userId = await site.CreateUserAsync($"{Guid.NewGuid():N}@times.local");

        var (fresh, copied) = await site.WithDbAsync(async db =>
        {
            Document New(DateTime createdAt = default) => new()
            {
                Title = "t", UploaderId = userId, CategoryId = 1, OriginalFileName = "t.pdf", Format = "pdf",
                Sha256 = Guid.NewGuid().ToString("N"), StorageKey = $"originals/{Guid.NewGuid():N}.pdf", CreatedAt = createdAt,
            };
            var a = New();
            var b = New(chosen); // a row copied with its time (migrate-storage, restore)
            db.Documents.AddRange(a, b);
            db.Jobs.Add(Job.Convert(a, 3));
            await db.SaveChangesAsync();
            db.Comments.Add(new Comment { DocumentId = a.Id, UserId = userId, Body = "好" });
            await db.SaveChangesAsync();
            return (a.Id, b.Id);
        });

        await site.WithDbAsync(async db =>
        {
            (await db.Users.Where(u => u.Id == userId).Select(u => u.CreatedAt).SingleAsync()).ShouldBe(now, TimeSpan.FromMilliseconds(1));
            (await db.Documents.Where(d => d.Id == fresh).Select(d => d.CreatedAt).SingleAsync()).ShouldBe(now, TimeSpan.FromMilliseconds(1));
            (await db.Documents.Where(d => d.Id == copied).Select(d => d.CreatedAt).SingleAsync()).ShouldBe(chosen, TimeSpan.FromMilliseconds(1));
            (await db.Jobs.Where(j => j.DocumentId == fresh).Select(j => j.CreatedAt).SingleAsync()).ShouldBe(now, TimeSpan.FromMilliseconds(1));
            (await db.Comments.Where(c => c.DocumentId == fresh).Select(c => c.CreatedAt).SingleAsync()).ShouldBe(now, TimeSpan.FromMilliseconds(1));
            return 0;
        });
    }
}
