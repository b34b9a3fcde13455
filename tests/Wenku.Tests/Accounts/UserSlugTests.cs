using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Wenku.Accounts;
using Wenku.Tests.Documents;
using Wenku.Tests.Infrastructure;
using Xunit;

namespace Wenku.Tests.Accounts;

public sealed class UserSlugRulesTests
{
    [Theory]
    [InlineData("Alice-Wang", "alice@example.com", "alice-wang")]
    [InlineData("张三", "zhang.san+wenku@example.com", "u")] // never from the e-mail: the URL is public
    [InlineData("12345678", "12345678@qq.example.com", "12345678")] // a name of digits is still the name the user chose
    [InlineData("王五", "87654321@qq.example.com", "u")]
    [InlineData("Bob Smith", "bob_s@mail.example.org", "bob-smith")]
    [InlineData("--x--", "x@example.com", "u")]
    public void The_slug_comes_from_the_name_else_a_number_never_from_the_email(string name, string email, string expected)
    {
        var slug = UserSlugs.Base(new WenkuUser { DisplayName = name, Email = email, UserName = email });
        if (expected == "u") slug.ShouldMatch("^u[0-9]{6}$");
        else slug.ShouldBe(expected);
        slug.ShouldNotContain("example");
    }
}

[Trait(WenkuFactory.Suite, WenkuFactory.OnBothStacks)]
public sealed class UserSlugTests(LibrarySite site) : IClassFixture<LibrarySite>
{
    [Fact]
    public async Task Registered_users_get_unique_slugs_and_their_id_url_moves_there_for_good()
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        var first = await site.CreateUserAsync($"twin{tag}@one.example");
        var second = await site.CreateUserAsync($"twin{tag}@two.example");
        var slugs = await site.WithDbAsync(db => db.Users.Where(u => u.Id == first || u.Id == second).OrderBy(u => u.CreatedAt).ThenBy(u => u.Slug).Select(u => u.Slug).ToListAsync());
        slugs.ShouldBe([$"twin{tag}", $"twin{tag}-2"]);

        var client = site.Browser();
        var moved = await client.GetAsync($"/u/{first}?page=2");
        moved.StatusCode.ShouldBe(HttpStatusCode.MovedPermanently);
        moved.Headers.Location!.OriginalString.ShouldBe($"/u/twin{tag}?page=2");
        var page = await client.GetDocumentAsync($"/u/twin{tag}");
        page.QuerySelector("h1")!.Text().ShouldBe($"twin{tag}");
        (await client.GetAsync("/u/no-such-user")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Users_from_before_slugs_get_theirs_once_in_batches()
    {
        var prefix = "old" + Guid.NewGuid().ToString("N")[..6];
        var ids = await site.BareUsersAsync(UserSlugBackfill.BatchSize + 5, prefix); // display names 读者{i}: u and a number, never the e-mail
        var scopes = site.Services.GetRequiredService<IServiceScopeFactory>();
        (await UserSlugBackfill.RunAsync(scopes, CancellationToken.None)).ShouldBeGreaterThanOrEqualTo(ids.Count);
        var slugs = await site.WithDbAsync(db => db.Users.Where(u => ids.Contains(u.Id)).Select(u => u.Slug).ToListAsync());
        slugs.ShouldAllBe(s => s != null && System.Text.RegularExpressions.Regex.IsMatch(s, "^u[0-9]{6}(-[0-9]+)?$"));
        slugs.Distinct().Count().ShouldBe(ids.Count);
        (await UserSlugBackfill.RunAsync(scopes, CancellationToken.None)).ShouldBe(0);
        // The id URL of a backfilled user moves to the slug.
        (await site.Browser().GetAsync($"/u/{ids[0]}")).StatusCode.ShouldBe(HttpStatusCode.MovedPermanently);
    }
}
