using System.CommandLine;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Wenku.Data;
using Wenku.Moderation;

namespace Wenku.Cli;

/// <summary><c>wenku admin audit verify</c>: walks the audit log's hash chain.</summary>
public static class AuditCommand
{
    public static Command Build(Option<string?> data)
    {
        var audit = new Command("audit", "The audit log of staff actions.");
        var verify = new Command("verify",
            "Walk the audit log's hash chain: exit 0 with the number of entries when intact, 1 naming the first entry that was changed, or that follows a deleted one.") { data };
        verify.SetAction(async (p, ct) =>
        {
            await using var services = CliServices.Build(p.GetValue(data));
            await DatabaseSetup.InitializeAsync(services, ct);
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<WenkuDb>();
            var broken = await scope.ServiceProvider.GetRequiredService<AuditLog>().VerifyAsync(ct);
            if (broken is not null)
            {
                Console.Error.WriteLine($"Audit log verify failed: first broken entry {broken.EntryId}: {broken.Reason}");
                return 1;
            }
            var count = await db.AuditEntries.CountAsync(ct);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Audit log verified: {count} entries, the chain is intact."));
            return 0;
        });
        audit.Subcommands.Add(verify);
        return audit;
    }
}
