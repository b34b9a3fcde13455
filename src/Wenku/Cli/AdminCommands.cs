using System.CommandLine;
using System.Globalization;
using Microsoft.AspNetCore.Identity;
using Spectre.Console;
using Wenku.Accounts;
using Wenku.Commerce;
using Microsoft.EntityFrameworkCore;
using Wenku.Data;
using Wenku.Duplicates;
using Wenku.Search;

namespace Wenku.Cli;

/// <summary><c>wenku admin migrate | migrate-storage | create-user | create-token | revoke-token | reindex | rescan-duplicates | backup | restore | check | grant-points | ledger | audit</c>.</summary>
public static class AdminCommands
{
    public static Command Build(Option<string?> data)
    {
        var admin = new Command("admin", "Administration: database, users, API tokens.");

        var migrate = new Command("migrate", "Create or upgrade the database.") { data };
        migrate.SetAction(async (p, ct) =>
        {
            await using var services = CliServices.Build(p.GetValue(data));
            await DatabaseSetup.InitializeAsync(services, ct);
            Console.WriteLine("Database is up to date.");
            return 0;
        });

        var email = new Option<string>("--email") { Description = "The user's email address.", Required = true };
        var password = new Option<string>("--password") { Description = "The user's password (at least 8 characters).", Required = true };
        var role = new Option<string>("--role") { Description = "admin, moderator or user.", DefaultValueFactory = _ => Roles.User };
        role.AcceptOnlyFromAmong(Roles.All);
        var createUser = new Command("create-user", "Create a user (or reset the password and role of an existing one).") { data, email, password, role };
        createUser.SetAction(async (p, ct) =>
        {
            await using var services = CliServices.Build(p.GetValue(data));
            await DatabaseSetup.InitializeAsync(services, ct);
            await using var scope = services.CreateAsyncScope();
            var accounts = scope.ServiceProvider.GetRequiredService<AccountService>();
            var userManager = scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<WenkuUser>>();
            var before = await userManager.FindByEmailAsync(p.GetValue(email)!) is { } existing ? string.Join(",", await userManager.GetRolesAsync(existing)) : null;
            var (user, errors) = await accounts.CreateOrUpdateAsync(p.GetValue(email)!, p.GetValue(password)!, p.GetValue(role)!);
            if (user is null)
            {
                foreach (var e in errors) Console.Error.WriteLine(e);
                return 1;
            }
            if (before != p.GetValue(role))
            {
                // A role given or changed from the command line is a staff action like one on /admin/users (actor "cli").
                var audit = scope.ServiceProvider.GetRequiredService<Wenku.Moderation.AuditLog>();
                await scope.ServiceProvider.GetRequiredService<Wenku.Commerce.Ledger>().InTransactionAsync(async () =>
                    await audit.RecordAsync(new Wenku.Moderation.AuditRecord(Wenku.Moderation.AuditLog.CliActor, Wenku.Moderation.AuditKinds.UserRole,
                        "user", user.Id, "wenku admin create-user", Before: new { role = before ?? "(new user)" }, After: new { role = p.GetValue(role) }), ct), ct);
            }
            Console.WriteLine($"User {user.Email} ({p.GetValue(role)}) is ready.");
            return 0;
        });

        var tokenEmail = new Option<string>("--email") { Description = "Whose token.", Required = true };
        var tokenName = new Option<string>("--name") { Description = "A name for the token (shown at /me/tokens).", DefaultValueFactory = _ => "cli" };
        var expiresDays = new Option<int?>("--expires-days") { Description = "Days until the token expires (default: never)." };
        expiresDays.Validators.Add(r =>
        {
            if (r.GetValue(expiresDays) is < 1 or > 3650) r.AddError("--expires-days must be between 1 and 3650.");
        });
        var createToken = new Command("create-token", "Create a personal API token and print it (it is shown only once).") { data, tokenEmail, tokenName, expiresDays };
        createToken.SetAction(async (p, ct) =>
        {
            await using var services = CliServices.Build(p.GetValue(data));
            await DatabaseSetup.InitializeAsync(services, ct);
            await using var scope = services.CreateAsyncScope();
            var user = await FindUserAsync(scope, p.GetValue(tokenEmail)!);
            if (user is null) return 1;
            DateTime? expires = p.GetValue(expiresDays) is { } days
                ? scope.ServiceProvider.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime.AddDays(days) : null;
            var token = await scope.ServiceProvider.GetRequiredService<ApiTokens>().CreateAsync(user.Id, p.GetValue(tokenName)!, ct, expires);
            Console.WriteLine(token);
            return 0;
        });

        var revokeEmail = new Option<string>("--email") { Description = "Whose tokens.", Required = true };
        var revokeName = new Option<string>("--name") { Description = "Revoke only the tokens with this name (default: all of the user's tokens)." };
        var revokeToken = new Command("revoke-token", "Revoke a user's API tokens: all of them, or those with --name.") { data, revokeEmail, revokeName };
        revokeToken.SetAction(async (p, ct) =>
        {
            await using var services = CliServices.Build(p.GetValue(data));
            await DatabaseSetup.InitializeAsync(services, ct);
            await using var scope = services.CreateAsyncScope();
            var user = await FindUserAsync(scope, p.GetValue(revokeEmail)!);
            if (user is null) return 1;
            var name = p.GetValue(revokeName);
            var count = await scope.ServiceProvider.GetRequiredService<ApiTokens>().RevokeAllAsync(user.Id, name, ct);
            if (count == 0 && name is not null)
            {
                Console.Error.WriteLine($"{user.Email} has no token named {name}.");
                return 1;
            }
            Console.WriteLine($"Revoked {count} token(s) of {user.Email}.");
            return 0;
        });

        var reindex = new Command("reindex",
            "Rebuild the search index from the database beside the current one; a running site switches to it when it is complete.") { data };
        reindex.SetAction(async (p, ct) =>
        {
            await using var services = CliServices.Build(p.GetValue(data));
            await DatabaseSetup.InitializeAsync(services, ct);
            var index = services.GetRequiredService<ISearchIndex>();
            var count = 0;
            await AnsiConsole.Progress().AutoClear(false).StartAsync(async ctx =>
            {
                var task = ctx.AddTask("Indexing documents");
                count = await index.RebuildAsync(new Progress<(int Done, int Total)>(x =>
                {
                    task.MaxValue = Math.Max(1, x.Total);
                    task.Value = x.Done;
                }), ct);
                task.MaxValue = Math.Max(1, count);
                task.Value = task.MaxValue;
            });
            Console.WriteLine($"Search index rebuilt: {count} documents. A running site uses it within a second.");
            return 0;
        });

        var rescan = new Command("rescan-duplicates",
            "Re-check the whole library for near duplicates (after a threshold change, or an upgrade); statuses are not changed.") { data };
        rescan.SetAction(async (p, ct) =>
        {
            await using var services = CliServices.Build(p.GetValue(data));
            await DatabaseSetup.InitializeAsync(services, ct);
            var job = services.GetRequiredService<DuplicateRescan>();
            var total = await job.CountAsync(ct);
            RescanSummary? summary = null;
            await AnsiConsole.Progress().AutoClear(false).StartAsync(async ctx =>
            {
                var task = ctx.AddTask($"Checking {total} documents", maxValue: Math.Max(1, total));
                summary = await job.RunAsync(() => task.Increment(1), ct);
                task.Value = task.MaxValue;
            });
            AnsiConsole.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{summary!.Documents} documents checked, {summary.NearDuplicates} near duplicates at threshold {summary.Threshold:0.00}, {summary.Matches} similar pairs."));
            return 0;
        });

        var grantEmail = new Option<string>("--email") { Description = "Whose spendable points.", Required = true };
        var grantPoints = new Option<long>("--points") { Description = "Points to grant; negative takes granted points back (never below zero).", Required = true };
        grantPoints.Validators.Add(r =>
        {
            var n = r.GetValue(grantPoints);
            if (n == 0 || Math.Abs(n) > PointGrants.MaxPoints) r.AddError($"--points must be between -{PointGrants.MaxPoints} and {PointGrants.MaxPoints}, and not 0.");
        });
        var grantReason = new Option<string>("--reason") { Description = "Why (recorded in the ledger).", Required = true };
        grantReason.Validators.Add(r =>
        {
            var reason = r.GetValue(grantReason) ?? "";
            if (string.IsNullOrWhiteSpace(reason) || reason.Length > PointGrants.MaxReason) r.AddError($"--reason is required, at most {PointGrants.MaxReason} characters.");
        });
        var grant = new Command("grant-points", "Grant points to a user (a promotion), or take granted points back with a negative number (a correction); prints the new balance.")
            { data, grantEmail, grantPoints, grantReason };
        grant.SetAction(async (p, ct) =>
        {
            await using var services = CliServices.Build(p.GetValue(data));
            await DatabaseSetup.InitializeAsync(services, ct);
            await using var scope = services.CreateAsyncScope();
            var user = await FindUserAsync(scope, p.GetValue(grantEmail)!);
            if (user is null) return 1;
            var points = p.GetValue(grantPoints);
            var reason = $"{Text.SafeText.OneLine(p.GetValue(grantReason))} (wenku admin grant-points)";
            var ledger = scope.ServiceProvider.GetRequiredService<Ledger>();
            try
            {
                await scope.ServiceProvider.GetRequiredService<PointGrants>().GrantAsync(user.Id, points, reason, null, ct);
            }
            catch (InsufficientPointsException)
            {
                var before = await ledger.BalanceAsync(user.Id, ct);
                Console.Error.WriteLine($"{user.Email} has {before.Spendable} spendable points; taking back {-points} would go below zero. Nothing was changed.");
                return 1;
            }
            var balance = await ledger.BalanceAsync(user.Id, ct);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{(points > 0 ? "Granted" : "Took back")} {Math.Abs(points)} points {(points > 0 ? "to" : "from")} {user.Email}. Balance: spendable {balance.Spendable}, earned {balance.Earned}."));
            return 0;
        });

        admin.Subcommands.Add(migrate);
        admin.Subcommands.Add(MigrateStorageCommand.Build(data));
        admin.Subcommands.Add(reindex);
        admin.Subcommands.Add(rescan);
        admin.Subcommands.Add(createUser);
        admin.Subcommands.Add(createToken);
        admin.Subcommands.Add(revokeToken);
        admin.Subcommands.Add(BackupCommand.Backup(data));
        admin.Subcommands.Add(BackupCommand.Restore(data));
        admin.Subcommands.Add(CheckCommand.Build(data));
        admin.Subcommands.Add(PreviewsCommand.Build(data));
        admin.Subcommands.Add(grant);
        admin.Subcommands.Add(LedgerCommand.Build(data));
        admin.Subcommands.Add(AuditCommand.Build(data));
        return admin;
    }

    private static async Task<WenkuUser?> FindUserAsync(AsyncServiceScope scope, string email)
    {
        var user = await scope.ServiceProvider.GetRequiredService<UserManager<WenkuUser>>().FindByEmailAsync(email);
        if (user is null) Console.Error.WriteLine($"No user with email {email}.");
        return user;
    }
}

/// <summary>The services of a one-shot command: the core, without the web site.</summary>
public static class CliServices
{
    /// <param name="settings">Configuration over everything else (tests: another database or store).</param>
    public static ServiceProvider Build(string? dataDir, IEnumerable<KeyValuePair<string, string?>>? settings = null) =>
        Build(Configuration(dataDir, settings));

    /// <summary>The site's configuration as every command reads it: appsettings.json, environment, <c>--data</c>.</summary>
    public static IConfiguration Configuration(string? dataDir, IEnumerable<KeyValuePair<string, string?>>? settings = null) =>
        new ConfigurationBuilder()
            .SetBasePath(WenkuServices.ContentRoot() ?? Directory.GetCurrentDirectory())
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables()
            .AddInMemoryCollection(dataDir is null ? [] : [new($"{WenkuOptions.Section}:DataDir", Path.GetFullPath(dataDir))])
            .AddInMemoryCollection(settings ?? [])
            .Build();

    public static ServiceProvider Build(IConfiguration config)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(config);
        // A failed command surfaces as an exception; EF Core's log of it only repeats it (and, on the first migration of a
        // new PostgreSQL database, reports the missing history table that it then creates).
        services.AddLogging(b => b.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning)
            .AddFilter("Microsoft.EntityFrameworkCore.Database.Command", LogLevel.None));
        services.AddWenkuCore(config);
        services.AddScoped<AccountService>();
        services.AddScoped<ApiTokens>();
        services.AddCommerce(config);
        services.AddScoped<Wenku.Moderation.AuditLog>();
        return services.BuildServiceProvider();
    }
}
