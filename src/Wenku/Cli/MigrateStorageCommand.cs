using System.CommandLine;
using System.ComponentModel.DataAnnotations;
using System.Data.Common;
using System.Globalization;
using Amazon.Runtime;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using Spectre.Console;
using Wenku.Data;
using Wenku.Storage;

namespace Wenku.Cli;

/// <summary>
/// <c>wenku admin migrate-storage --data DIR --to FILE [--replace-target]</c>: moves the embedded install of
/// <c>--data</c> (read with the usual configuration) to the PostgreSQL database and S3-compatible bucket of the settings
/// in <c>FILE</c> (JSON, or the environment file the scale-out site's systemd units read) — the settings it will run with.
/// </summary>
public static class MigrateStorageCommand
{
    /// <summary>Environment variables with this prefix are settings of the target, e.g. <c>WENKU_TARGET_Wenku__Database__ConnectionString</c>.</summary>
    public const string TargetEnvironmentPrefix = "WENKU_TARGET_";

    public static Command Build(Option<string?> data)
    {
        var to = new Option<FileInfo?>("--to")
        {
            HelpName = "FILE",
            Description = "Settings of the scale-out site (Wenku:Database, Wenku:Storage): a .json file laid out as appsettings.json, "
                + "or an environment file of Wenku__…=value lines (systemd's EnvironmentFile, which the units can share); "
                + $"{TargetEnvironmentPrefix}Wenku__… environment variables add to them or override them.",
        };
        var replace = new Option<bool>("--replace-target")
        {
            Description = "Delete every row of the target database before copying (to re-run an interrupted migration); "
                + "objects the bucket already holds with the right size are kept, not copied again.",
        };
        var command = new Command("migrate-storage",
            "Move this embedded install (SQLite and files on the local disk) to PostgreSQL and an S3-compatible object store. "
            + "Stop the site and its workers first.") { data, to, replace };
        command.SetAction((p, ct) => RunAsync(p.GetValue(data), p.GetValue(to), p.GetValue(replace), ct));
        return command;
    }

    private static async Task<int> RunAsync(string? dataDir, FileInfo? to, bool replace, CancellationToken ct)
    {
        var sourceConfig = CliServices.Configuration(dataDir);
        var wenku = sourceConfig.GetSection(WenkuOptions.Section).Get<WenkuOptions>() ?? new WenkuOptions();
        var (sourceDatabase, sourceStorage) = Stack(sourceConfig);
        if (sourceDatabase.Provider != DatabaseProvider.Sqlite || sourceStorage.Provider != StorageProvider.Local)
            return Fail($"This install already runs on {sourceDatabase.Provider} with {sourceStorage.Provider} storage: migrate-storage moves the "
                + "embedded default (SQLite and local files). Run it with the settings of the embedded install and give the new ones with --to.");
        if (!File.Exists(wenku.DatabasePath))
            return Fail($"No embedded database at {Path.GetFullPath(wenku.DatabasePath)}: pass --data DIR, the data folder of the install to move.");
        if (to is { Exists: false }) return Fail($"No such settings file: {to.FullName}");

        IConfiguration targetConfig;
        try
        {
            targetConfig = TargetConfiguration(to, wenku.DataDir);
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or IOException)
        {
            return Fail($"Cannot read {to?.FullName}: {e.Message}");
        }
        var (targetDatabase, targetStorage) = Stack(targetConfig);
        var problems = Problems(targetDatabase).Concat(Problems(targetStorage)).ToList();
        if (targetDatabase.Provider != DatabaseProvider.Postgres) problems.Add("Wenku:Database:Provider must be postgres.");
        if (targetStorage.Provider != StorageProvider.S3) problems.Add("Wenku:Storage:Provider must be s3.");
        if (problems.Count > 0)
            return Fail("The target settings (--to FILE, " + TargetEnvironmentPrefix + "… variables) are not a scale-out site:"
                + Environment.NewLine + string.Join(Environment.NewLine, problems.Select(p => "  " + p)));

        var database = new NpgsqlConnectionStringBuilder(targetDatabase.ConnectionString);
        var bucket = $"{targetStorage.S3.ServiceUrl ?? targetStorage.S3.Region} bucket {targetStorage.S3.Bucket}{(string.IsNullOrEmpty(targetStorage.S3.Prefix) ? "" : $" under {targetStorage.S3.Prefix}")}";
        AnsiConsole.MarkupLineInterpolated($"Moving [bold]{Path.GetFullPath(wenku.DataDir)}[/] to PostgreSQL database [bold]{database.Database}[/] on {database.Host} and {bucket}.");
        AnsiConsole.MarkupLine("[yellow]The site must be stopped (serve and every worker): what changes while this runs is not copied.[/]");

        try
        {
            await using var sourceServices = CliServices.Build(sourceConfig);
            await using var targetServices = CliServices.Build(targetConfig);
            await using var scope = sourceServices.CreateAsyncScope();
            var sourceDb = scope.ServiceProvider.GetRequiredService<WenkuDb>();
            if (ScaleOutMigration.Unsupported(sourceDb.Model) is [_, ..] unsupported)
                return Fail("This version cannot copy the data model row by row: " + string.Join("; ", unsupported));
            await DatabaseSetup.MigrateAsync(sourceServices, ct);
            var targetFiles = targetServices.GetRequiredService<IFileStore>();
            var migration = new ScaleOutMigration(sourceDb, sourceServices.GetRequiredService<IFileStore>(), wenku.KeysDir,
                targetServices.GetRequiredService<IDbContextFactory<PostgresWenkuDb>>(), targetFiles);
            if (await migration.LiveJobAsync(sourceServices.GetRequiredService<TimeProvider>().GetUtcNow(), ct) is { } job)
                return Fail($"A worker is converting document {job.DocumentId} right now: stop `wenku serve` and every `wenku worker` first "
                    + "(after a crash, wait until its lease has run out, a minute by default).");
            if (!await targetFiles.IsWritableAsync(ct))
                return Fail($"Cannot write to {bucket}: does the bucket exist, and are the keys right?");

            await DatabaseSetup.MigrateAsync(targetServices, ct); // the schema only: roles, categories and settings come from the source
            var filled = await migration.TargetContentsAsync(ct);
            if (filled.Count > 0 && !replace)
                return Fail($"The target database {database.Database} is not empty ("
                    + string.Join(", ", filled.Select(t => $"{t.Table}: {t.Rows}")) + "). Migrate into a new, empty database "
                    + "(its schema is created), or pass --replace-target to delete what it holds first — for example to re-run "
                    + "a migration that was interrupted.");
            if (filled.Count > 0)
            {
                AnsiConsole.MarkupLine("Emptying the target database (--replace-target).");
                await migration.EmptyTargetAsync(ct);
            }

            DatabaseCopy? rows = null;
            FileCopy? files = null;
            await AnsiConsole.Progress().AutoClear(false).StartAsync(async ctx =>
            {
                var rowsTask = ctx.AddTask("Copying rows");
                rows = await migration.CopyDatabaseAsync((done, total) => Show(rowsTask, done, total), ct);
                rowsTask.Value = rowsTask.MaxValue;
                var filesTask = ctx.AddTask("Copying files");
                files = await migration.CopyFilesAsync((done, total) => Show(filesTask, done, total), ct);
                filesTask.Value = filesTask.MaxValue;
            });
            return Summarize(rows!, files!);
        }
        catch (Exception e) when (e is DbException or DbUpdateException or RetryLimitExceededException or AmazonServiceException
            or HttpRequestException or IOException or TimeoutException)
        {
            // EF Core's wrappers say only "see the inner exception".
            var reason = e is DbUpdateException or RetryLimitExceededException && e.InnerException is { } inner ? inner.Message : e.Message;
            return Fail($"The migration stopped: {reason}{Environment.NewLine}Fix the cause and run the same command with "
                + "--replace-target: the rows are copied again, files already in the bucket are kept.");
        }
    }

    /// <summary>The target's configuration: the file, then the prefixed environment; the data folder is the source's (nothing is written there).</summary>
    private static IConfiguration TargetConfiguration(FileInfo? file, string dataDir)
    {
        var builder = new ConfigurationBuilder();
        if (file is { Extension: ".json" }) builder.AddJsonFile(file.FullName, optional: false);
        else if (file is not null) builder.AddInMemoryCollection(EnvironmentFile(file.FullName));
        return builder
            .AddEnvironmentVariables(TargetEnvironmentPrefix)
            .AddInMemoryCollection([new($"{WenkuOptions.Section}:DataDir", Path.GetFullPath(dataDir))])
            .Build();
    }

    /// <summary>
    /// <c>KEY=VALUE</c> lines as systemd's <c>EnvironmentFile</c> reads them (blank lines and <c>#</c> comments skipped,
    /// one pair of surrounding quotes removed), as configuration: <c>Wenku__Database__Provider</c> is <c>Wenku:Database:Provider</c>.
    /// </summary>
    private static IEnumerable<KeyValuePair<string, string?>> EnvironmentFile(string path) =>
        File.ReadLines(path).Select(line => line.Trim())
            .Where(line => line.Length > 0 && line[0] is not ('#' or ';') && line.Contains('='))
            .Select(line => line.Split('=', 2))
            .Select(kv => (Key: kv[0].Trim(), Value: kv[1].Trim()))
            .Select(x => new KeyValuePair<string, string?>(x.Key.Replace("__", ":", StringComparison.Ordinal),
                x.Value.Length >= 2 && x.Value[0] is ('"' or '\'') && x.Value[^1] == x.Value[0] ? x.Value[1..^1] : x.Value));

    private static (DatabaseOptions Database, StorageOptions Storage) Stack(IConfiguration config) =>
        (config.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>() ?? new DatabaseOptions(),
         config.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions());

    private static IEnumerable<string> Problems(object options)
    {
        var results = new List<System.ComponentModel.DataAnnotations.ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results.Select(r => r.ErrorMessage ?? "invalid");
    }

    private static void Show(ProgressTask task, long done, long total)
    {
        task.MaxValue = Math.Max(1, total);
        task.Value = Math.Max(task.Value, done);
    }

    private static int Summarize(DatabaseCopy rows, FileCopy files)
    {
        var table = new Table().AddColumns("", "embedded", "PostgreSQL / S3", "");
        foreach (var t in rows.Tables.Append(rows.Keys))
            table.AddRow(t.Table, Number(t.Source), Number(t.Target), t.Source == t.Target ? "ok" : "[red]differs[/]");
        table.AddRow("files", Number(files.Files), Number(files.Files - files.Missing.Count), files.Missing.Count == 0 ? "ok" : "[red]missing[/]");
        AnsiConsole.Write(table);

        var differing = rows.Tables.Append(rows.Keys).Where(t => t.Source != t.Target).ToList();
        foreach (var key in files.Missing.Take(20)) AnsiConsole.MarkupLineInterpolated($"[red]not in the bucket:[/] {key}");
        if (differing.Count > 0 || files.Missing.Count > 0)
            return Fail($"The target does not match: {differing.Count} tables differ, {files.Missing.Count} files are missing. "
                + "Run the same command again with --replace-target.");

        AnsiConsole.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Migration complete: {Number(rows.Tables.Sum(t => t.Target))} rows in {rows.Tables.Count} tables, {rows.Keys.Target} data-protection keys, "
            + $"{Number(files.Files)} files ({files.Bytes / 1048576.0:0.0} MB; {files.Copied} copied, {files.AlreadyThere} already there)."));
        AnsiConsole.WriteLine("Next: give every serve and worker the new settings, start them, and run `wenku admin reindex` once.");
        return 0;
    }

    private static string Number(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    private static int Fail(string message)
    {
        Console.Error.WriteLine(message);
        return 1;
    }
}
