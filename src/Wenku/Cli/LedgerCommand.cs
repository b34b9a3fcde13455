using System.CommandLine;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Spectre.Console;
using Wenku.Commerce;
using Wenku.Data;

namespace Wenku.Cli;

/// <summary><c>wenku admin ledger verify | report [--from DATE --to DATE]</c>.</summary>
public static class LedgerCommand
{
    public static Command Build(Option<string?> data)
    {
        var ledger = new Command("ledger", "The points ledger: check its invariants, report its figures.");

        var verify = new Command("verify",
            "Check every invariant of the ledger (transactions sum to zero, cached balances, no negative balance, purchases and "
            + "entitlements, recharge orders, withdrawals); exit 1 naming the first violation.") { data };
        verify.SetAction(async (p, ct) =>
        {
            await using var services = CliServices.Build(p.GetValue(data));
            await DatabaseSetup.InitializeAsync(services, ct);
            var result = await new LedgerVerifier(services.GetRequiredService<IDbContextFactory<WenkuDb>>()).VerifyAsync(ct);
            if (result.Holds)
            {
                Console.WriteLine(result.Summary);
                return 0;
            }
            // Errors on stderr, one per line (greppable); the first one is what to look at.
            Console.Error.WriteLine($"Ledger verify failed: first violation: {result.Violations[0]}");
            foreach (var v in result.Violations) Console.Error.WriteLine($"VIOLATION  {v}");
            if (result.Violations.Count >= LedgerVerifier.MaxViolations)
                Console.Error.WriteLine($"(stopped after {LedgerVerifier.MaxViolations} violations)");
            return 1;
        });

        var from = new Option<DateOnly?>("--from") { Description = "First day of the period (UTC, yyyy-MM-dd; default: the beginning)." };
        var to = new Option<DateOnly?>("--to") { Description = "Last day of the period, included (UTC, yyyy-MM-dd; default: now)." };
        var report = new Command("report", "Revenue, sales, recharges, grants, payouts, refunds, losses, and the balances per account type.") { data, from, to };
        report.Validators.Add(r =>
        {
            if (r.GetValue(from) is { } f && r.GetValue(to) is { } t && t < f) r.AddError("--to must not be before --from.");
        });
        report.SetAction(async (p, ct) =>
        {
            await using var services = CliServices.Build(p.GetValue(data));
            await DatabaseSetup.InitializeAsync(services, ct);
            DateTime? start = p.GetValue(from)?.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
            DateTime? end = p.GetValue(to) is { } t && t < DateOnly.MaxValue ? t.AddDays(1).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc) : null;
            var f = await new LedgerReport(services.GetRequiredService<IDbContextFactory<WenkuDb>>()).FiguresAsync(start, end, ct);
            Write(f, p.GetValue(from), p.GetValue(to));
            return 0;
        });

        ledger.Subcommands.Add(verify);
        ledger.Subcommands.Add(report);
        return ledger;
    }

    private static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    private static void Write(LedgerFigures f, DateOnly? from, DateOnly? to)
    {
        var period = $"{from?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "beginning"} … {to?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "now"}";
        var flows = new Table().Title($"Ledger {Markup.Escape(period)} (points)").AddColumn("figure").AddColumn(new TableColumn("points").RightAligned());
        flows.AddRow("sales (prices paid)", $"{N(f.Sales)} in {N(f.SalesCount)} purchases");
        flows.AddRow("revenue (platform share, net of refunds)", N(f.Revenue));
        flows.AddRow("uploader earnings", N(f.UploaderEarnings));
        flows.AddRow("recharges", N(f.Recharges));
        flows.AddRow("grants (net)", N(f.Grants));
        flows.AddRow("payouts", N(f.Payouts));
        flows.AddRow("refunds", N(f.Refunds));
        flows.AddRow("losses (borne by the platform)", N(f.Losses));
        AnsiConsole.Write(flows);

        var balances = new Table().Title($"Balances at {Markup.Escape(to?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "now")}")
            .AddColumn("account type").AddColumn(new TableColumn("accounts").RightAligned()).AddColumn(new TableColumn("balance").RightAligned());
        foreach (var (kind, accounts, balance) in f.Outstanding) balances.AddRow(kind.ToString(), N(accounts), N(balance));
        AnsiConsole.Write(balances);
    }
}
