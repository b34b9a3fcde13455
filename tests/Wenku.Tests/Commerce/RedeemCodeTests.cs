using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Wenku.Accounts;
using Wenku.Commerce;
using Wenku.Tests.Infrastructure;

namespace Wenku.Tests.Commerce;

/// <summary>A money site whose clock the test moves (code expiry, the redeem throttle's hour).</summary>
public class ClockedCommerceSite : CommerceSite
{
    public ManualClock Clock { get; } = new(TimeProvider.System.GetUtcNow());

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(Clock));
    }

    public async Task<RedeemBatch> BatchAsync(string adminId, int count, long points, TimeSpan? validFor = null)
    {
        await using var scope = Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<RedeemCodes>().GenerateAsync(count, points,
            Clock.GetUtcNow().UtcDateTime + (validFor ?? TimeSpan.FromDays(30)), "测试 test", adminId, null, CancellationToken.None);
    }

    public async Task<T> WithCodesAsync<T>(Func<RedeemCodes, Task<T>> action)
    {
        await using var scope = Services.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<RedeemCodes>());
    }

    public Task<List<string>> CodesOfAsync(long batchId) =>
        WithDbAsync(db => db.RedeemCodes.Where(c => c.BatchId == batchId).OrderBy(c => c.Id).Select(c => c.Code).ToListAsync());

    public Task<List<(AccountKind Kind, long Amount)>> PostingsAsync(TransactionKind kind, string reference) => WithDbAsync(async db =>
        (await db.LedgerTransactions.Where(t => t.Kind == kind && t.Reference == reference)
            .SelectMany(t => t.Postings).Select(p => new { p.Account.Kind, p.Amount }).ToListAsync())
        .Select(p => (p.Kind, p.Amount)).OrderBy(p => p.Kind).ToList());
}

[Trait(WenkuFactory.Suite, WenkuFactory.OnBothStacks)]
public sealed partial class RedeemCodeTests(ClockedCommerceSite site) : IClassFixture<ClockedCommerceSite>
{
    private static string Email(string who) => $"{who}-{Guid.NewGuid():N}@codes.test";

    [Fact]
    public async Task An_admin_generates_a_batch_of_unambiguous_unique_codes_paid_for_by_one_grants_transaction()
    {
        var (admin, _) = await site.SignedInBrowserAsync(Email("admin"), Roles.Admin);
        var response = await admin.PostFormAsync("/admin/finance/codes", "/admin/finance/codes", new()
        {
            ["Count"] = "300", ["Points"] = "25", ["ExpiresOn"] = site.Clock.GetUtcNow().AddDays(10).ToString("yyyy-MM-dd"),
            ["Memo"] = "新年活动 New year", ["FormKey"] = Guid.NewGuid().ToString("N"),
        });
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var page = Html.Parse(await response.Content.ReadAsStringAsync());
        page.One("#created").Text().ShouldContain("300");
        var batchId = long.Parse(page.QuerySelector("#batches tbody tr")!.GetAttribute("data-batch")!); // newest first
        page.One($"tr[data-batch='{batchId}'] .count").Text().ShouldBe("300");

        var codes = await site.CodesOfAsync(batchId);
        codes.Count.ShouldBe(300);
        codes.Distinct().Count().ShouldBe(300);
        codes.ShouldAllBe(c => CodeShape().IsMatch(c));
        (await site.PostingsAsync(TransactionKind.RedeemCodesIssued, $"batch:{batchId}"))
            .ShouldBe([(AccountKind.Grants, -7500L), (AccountKind.RedeemCodesOutstanding, 7500L)]);
    }

    [Fact]
    public async Task Sending_the_generate_form_twice_makes_one_batch_and_bad_fields_are_refused()
    {
        var (admin, _) = await site.SignedInBrowserAsync(Email("admin"), Roles.Admin);
        var memo = $"twice {Guid.NewGuid():N}";
        var form = new Dictionary<string, string>
        {
            ["Count"] = "3", ["Points"] = "7", ["ExpiresOn"] = site.Clock.GetUtcNow().AddDays(3).ToString("yyyy-MM-dd"), ["Memo"] = memo,
            ["FormKey"] = Guid.NewGuid().ToString("N"),
        };
        (await admin.PostFormAsync("/admin/finance/codes", "/admin/finance/codes", form)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await admin.PostFormAsync("/admin/finance/codes", "/admin/finance/codes", form)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await site.WithDbAsync(db => db.RedeemBatches.CountAsync(b => b.Memo == memo))).ShouldBe(1);

        foreach (var (field, value) in new[] { ("Count", "0"), ("Count", "10001"), ("Points", "0"), ("Points", "1000001"), ("ExpiresOn", site.Clock.GetUtcNow().AddDays(-2).ToString("yyyy-MM-dd")), ("Memo", new string('m', 401)) })
        {
            var bad = new Dictionary<string, string>(form) { [field] = value, ["FormKey"] = Guid.NewGuid().ToString("N") };
            var refused = await admin.PostFormAsync("/admin/finance/codes", "/admin/finance/codes", bad);
            refused.StatusCode.ShouldBe(HttpStatusCode.BadRequest, $"{field}={value}");
            Html.Parse(await refused.Content.ReadAsStringAsync()).One("#codes-error").Text().ShouldNotBeEmpty();
        }
        (await site.WithDbAsync(db => db.RedeemBatches.CountAsync(b => b.Memo == memo))).ShouldBe(1);
    }

    [Fact]
    public async Task A_reader_redeems_a_code_once_however_it_is_typed_and_nobody_else_can()
    {
        var adminId = await site.CreateUserAsync(Email("admin"), Roles.Admin);
        var batch = await site.BatchAsync(adminId, 2, 40);
        var code = (await site.CodesOfAsync(batch.Id))[0];
        var (reader, readerId) = await site.SignedInBrowserAsync(Email("reader"));

        // Lower case, spaces instead of dashes, full-width letters and digits (a Chinese input method's way).
        var typed = " " + ToFullWidth(code[..4].ToLowerInvariant()) + " " + code[5..9].ToLowerInvariant() + "－" + code[10..].Replace("-", " ") + " ";
        var first = await reader.PostFormAsync("/me/wallet/redeem", "/me/wallet/redeem", new() { ["Code"] = typed });
        first.StatusCode.ShouldBe(HttpStatusCode.OK);
        Html.Parse(await first.Content.ReadAsStringAsync()).One("#spendable").Text().ShouldBe("40");

        var again = await reader.PostFormAsync("/me/wallet/redeem", "/me/wallet/redeem", new() { ["Code"] = code });
        again.StatusCode.ShouldBe(HttpStatusCode.OK);
        Html.Parse(await again.Content.ReadAsStringAsync()).One("#redeemed").Text().ShouldContain("你已兑换过");
        (await site.BalanceAsync(readerId)).Spendable.ShouldBe(40);

        var (other, otherId) = await site.SignedInBrowserAsync(Email("other"));
        var taken = await other.PostFormAsync("/me/wallet/redeem", "/me/wallet/redeem", new() { ["Code"] = code });
        taken.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        Html.Parse(await taken.Content.ReadAsStringAsync()).One("#redeem-error").Text().ShouldContain("已被兑换");
        (await site.BalanceAsync(otherId)).Spendable.ShouldBe(0);

        var codeId = await site.WithDbAsync(db => db.RedeemCodes.Where(c => c.Code == code).Select(c => c.Id).SingleAsync());
        (await site.PostingsAsync(TransactionKind.Redeem, $"code:{codeId}")).ShouldBe([(AccountKind.Spendable, 40L), (AccountKind.RedeemCodesOutstanding, -40L)]);
    }

    [Fact]
    public async Task Readers_redeeming_one_code_at_the_same_moment_get_it_exactly_once()
    {
        var adminId = await site.CreateUserAsync(Email("admin"), Roles.Admin);
        for (var round = 0; round < 3; round++)
        {
            var batch = await site.BatchAsync(adminId, 1, 100);
            var code = (await site.CodesOfAsync(batch.Id)).Single();
            var readers = new List<string>();
            for (var i = 0; i < 8; i++) readers.Add(await site.CreateUserAsync(Email($"race{i}")));
            var outcomes = await Task.WhenAll(readers.Select(r => Task.Run(() => site.WithCodesAsync(c => c.RedeemAsync(r, code, CancellationToken.None)))));

            outcomes.Count(o => o is RedeemOutcome.Redeemed).ShouldBe(1);
            outcomes.Count(o => o is RedeemOutcome.Used).ShouldBe(7);
            var balances = await Task.WhenAll(readers.Select(site.BalanceAsync));
            balances.Sum(b => b.Spendable).ShouldBe(100);
            var codeId = await site.WithDbAsync(db => db.RedeemCodes.Where(c => c.BatchId == batch.Id).Select(c => c.Id).SingleAsync());
            (await site.WithDbAsync(db => db.LedgerTransactions.CountAsync(t => t.Kind == TransactionKind.Redeem && t.Reference == $"code:{codeId}"))).ShouldBe(1);
        }
    }

    [Fact]
    public async Task Unknown_used_and_expired_codes_are_refused_and_move_nothing()
    {
        var adminId = await site.CreateUserAsync(Email("admin"), Roles.Admin);
        var soon = await site.BatchAsync(adminId, 2, 10, validFor: TimeSpan.FromHours(1));
        var codes = await site.CodesOfAsync(soon.Id);
        var (reader, readerId) = await site.SignedInBrowserAsync(Email("reader"));

        foreach (var nonsense in new[] { "2345-6789-ABCD-EFGH", "0000-1111-OOOO-IIII", "short", "" })
        {
            var refused = await reader.PostFormAsync("/me/wallet/redeem", "/me/wallet/redeem", new() { ["Code"] = nonsense });
            refused.StatusCode.ShouldBe(HttpStatusCode.BadRequest, nonsense);
            Html.Parse(await refused.Content.ReadAsStringAsync()).One("#redeem-error").Text().ShouldContain("没有这张充值卡");
        }

        site.Clock.Advance(TimeSpan.FromHours(2));
        var expired = await reader.PostFormAsync("/me/wallet/redeem", "/me/wallet/redeem", new() { ["Code"] = codes[0] });
        expired.StatusCode.ShouldBe(HttpStatusCode.Gone);
        Html.Parse(await expired.Content.ReadAsStringAsync()).One("#redeem-error").Text().ShouldContain("过期");
        (await site.BalanceAsync(readerId)).Spendable.ShouldBe(0);
        (await site.WithDbAsync(db => db.RedeemCodes.CountAsync(c => c.BatchId == soon.Id && c.RedeemedById != null))).ShouldBe(0);
    }

    [Fact]
    public async Task Too_many_wrong_codes_make_a_reader_wait_an_hour_while_others_redeem_freely()
    {
        var adminId = await site.CreateUserAsync(Email("admin"), Roles.Admin);
        var batch = await site.BatchAsync(adminId, 2, 5, validFor: TimeSpan.FromDays(30));
        var codes = await site.CodesOfAsync(batch.Id);
        var (guesser, guesserId) = await site.SignedInBrowserAsync(Email("guesser"));
        for (var i = 0; i < 10; i++)
            (await guesser.PostFormAsync("/me/wallet/redeem", "/me/wallet/redeem", new() { ["Code"] = $"2222-2222-2222-{i + 2}{i + 2}{i + 2}{i + 2}".Replace("1", "A").Replace("0", "B") }))
                .StatusCode.ShouldBe(HttpStatusCode.BadRequest);

        var throttled = await guesser.PostFormAsync("/me/wallet/redeem", "/me/wallet/redeem", new() { ["Code"] = codes[0] });
        throttled.StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
        Html.Parse(await throttled.Content.ReadAsStringAsync()).One("#redeem-error").Text().ShouldContain("错误次数过多");
        (await site.BalanceAsync(guesserId)).Spendable.ShouldBe(0);

        var (honest, honestId) = await site.SignedInBrowserAsync(Email("honest"));
        (await honest.PostFormAsync("/me/wallet/redeem", "/me/wallet/redeem", new() { ["Code"] = codes[1] })).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await site.BalanceAsync(honestId)).Spendable.ShouldBe(5);

        site.Clock.Advance(TimeSpan.FromMinutes(61));
        (await guesser.PostFormAsync("/me/wallet/redeem", "/me/wallet/redeem", new() { ["Code"] = codes[0] })).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await site.BalanceAsync(guesserId)).Spendable.ShouldBe(5);
    }

    [Fact]
    public async Task The_csv_of_a_batch_lists_every_code_with_who_redeemed_it()
    {
        var (admin, adminId) = await site.SignedInBrowserAsync(Email("admin"), Roles.Admin);
        var batch = await site.BatchAsync(adminId, 25, 3);
        var codes = await site.CodesOfAsync(batch.Id);
        var readerEmail = Email("csv");
        var readerId = await site.CreateUserAsync(readerEmail);
        (await site.WithCodesAsync(c => c.RedeemAsync(readerId, codes[4], CancellationToken.None))).ShouldBeOfType<RedeemOutcome.Redeemed>();

        var response = await admin.GetAsync($"/admin/finance/codes/{batch.Id}/csv");
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/csv");
        var lines = (await response.Content.ReadAsStringAsync()).TrimStart('\uFEFF').Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        lines[0].ShouldBe("code,points,expires,redeemed_by,redeemed_at");
        var rows = lines[1..].Select(l => l.Split(',')).ToList();
        rows.Select(r => r[0]).ShouldBe(codes);
        rows.ShouldAllBe(r => r[1] == "3" && r[2] == batch.ExpiresAt.ToString("yyyy-MM-ddTHH:mm:ssZ"));
        rows[4][3].ShouldBe(readerEmail);
        rows[4][4].ShouldNotBeEmpty();
        rows.Where((_, i) => i != 4).ShouldAllBe(r => r[3] == "" && r[4] == "");
    }

    [Fact]
    public async Task The_expiry_sweep_returns_the_unredeemed_points_once_however_often_it_runs()
    {
        var (admin, adminId) = await site.SignedInBrowserAsync(Email("admin"), Roles.Admin);
        var batch = await site.BatchAsync(adminId, 5, 10, validFor: TimeSpan.FromHours(3));
        var codes = await site.CodesOfAsync(batch.Id);
        foreach (var code in codes.Take(2))
            (await site.WithCodesAsync(async c => await c.RedeemAsync(await site.CreateUserAsync(Email("early")), code, CancellationToken.None))).ShouldBeOfType<RedeemOutcome.Redeemed>();

        (await site.WithCodesAsync(c => c.SweepExpiredAsync(CancellationToken.None))).ShouldBe(0);
        site.Clock.Advance(TimeSpan.FromHours(4));
        await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Task.Run(() => site.WithCodesAsync(c => c.SweepExpiredAsync(CancellationToken.None)))));
        (await site.WithCodesAsync(c => c.SweepExpiredAsync(CancellationToken.None))).ShouldBe(0);
        (await admin.GetAsync("/admin/finance")).StatusCode.ShouldBe(HttpStatusCode.OK); // the page sweeps too

        (await site.PostingsAsync(TransactionKind.RedeemCodesExpired, $"batch:{batch.Id}"))
            .ShouldBe([(AccountKind.Grants, 30L), (AccountKind.RedeemCodesOutstanding, -30L)]);
        var page = await admin.GetDocumentAsync("/admin/finance/codes");
        page.One($"tr[data-batch='{batch.Id}'] .redeemed").Text().ShouldBe("2");
        page.One($"tr[data-batch='{batch.Id}']").Text().ShouldContain("已过期");
    }

    [Fact]
    public void Normalising_folds_case_width_spaces_and_dashes_and_refuses_what_cannot_be_a_code()
    {
        RedeemCodes.Normalize("abcd efgh-jkmn　ｐｑｒｓ").ShouldBe("ABCD-EFGH-JKMN-PQRS");
        RedeemCodes.Normalize("ABCDEFGHJKMNPQRS").ShouldBe("ABCD-EFGH-JKMN-PQRS");
        RedeemCodes.Normalize("ABCD-EFGH-JKMN-PQR").ShouldBeNull();
        RedeemCodes.Normalize("ABCD-EFGH-JKMN-PQRO").ShouldBeNull(); // O is not in the alphabet
        RedeemCodes.Normalize(null).ShouldBeNull();
        RedeemCodes.Alphabet.ShouldNotContain('0');
        RedeemCodes.Alphabet.ShouldNotContain('O');
        RedeemCodes.Alphabet.ShouldNotContain('1');
        RedeemCodes.Alphabet.ShouldNotContain('I');
    }

    private static string ToFullWidth(string s) => new(s.Select(c => c is >= '!' and <= '~' ? (char)(c + 0xFEE0) : c).ToArray());

    [GeneratedRegex("^[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$")]
    private static partial Regex CodeShape();
}
