using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Wenku.Commerce;
using Wenku.Moderation;
using Wenku.Tests.Commerce;
using Wenku.Tests.Infrastructure;
using Xunit;

namespace Wenku.Tests.Moderation;

/// <summary><c>wenku admin audit verify</c> beside a running site: 0 on an intact chain, 1 naming the entry after a row is changed or deleted.</summary>
[Trait(WenkuFactory.Suite, WenkuFactory.OnBothStacks)]
public sealed class AuditVerifyTests(CommerceSite site) : IClassFixture<CommerceSite>
{
    /// <summary>The command's output when it exits 0, or its error (what <c>WenkuProcess</c> reports for a non-zero exit).</summary>
    private async Task<(bool Intact, string Text)> VerifyAsync()
    {
        try
        {
            return (true, await site.RunCliAsync("admin", "audit", "verify"));
        }
        catch (InvalidOperationException e) when (e.Message.Contains("Audit log verify failed", StringComparison.Ordinal))
        {
            return (false, e.Message);
        }
    }

    [Fact]
    public async Task Verify_passes_on_an_intact_chain_and_names_the_entry_after_a_changed_reason_or_a_deleted_row()
    {
        var user = await site.CreateUserAsync($"verify-{Guid.NewGuid():N}@audit.test");
        for (var i = 1; i <= 4; i++) await site.GrantAsync(user, i, $"第 {i} 次 grant {i}");
        var ids = await site.WithDbAsync(db => db.AuditEntries.OrderBy(a => a.Id).Select(a => a.Id).ToListAsync());
        ids.Count.ShouldBe(4);

        var intact = await VerifyAsync();
        intact.Intact.ShouldBeTrue(intact.Text);
        intact.Text.ShouldBe("Audit log verified: 4 entries, the chain is intact.");

        // Someone with database access rewrites why a grant was made.
        var changed = ids[1];
        var original = await site.WithDbAsync(db => db.AuditEntries.Where(a => a.Id == changed).Select(a => a.Reason).SingleAsync());
        await site.WithDbAsync(db => db.AuditEntries.Where(a => a.Id == changed).ExecuteUpdateAsync(s => s.SetProperty(a => a.Reason, "无事发生 nothing happened")));
        var broken = await VerifyAsync();
        broken.Intact.ShouldBeFalse();
        broken.Text.ShouldContain($"first broken entry {changed}: entry {changed} was changed after it was written");

        await site.WithDbAsync(db => db.AuditEntries.Where(a => a.Id == changed).ExecuteUpdateAsync(s => s.SetProperty(a => a.Reason, original)));
        (await VerifyAsync()).Intact.ShouldBeTrue();

        // Someone deletes a row in the middle: the next one no longer follows its predecessor.
        await site.WithDbAsync(db => db.AuditEntries.Where(a => a.Id == ids[2]).ExecuteDeleteAsync());
        var deleted = await VerifyAsync();
        deleted.Intact.ShouldBeFalse();
        deleted.Text.ShouldContain($"first broken entry {ids[3]}: entry {ids[3]} does not follow entry {ids[1]}");
    }
}
