using System.CommandLine;
using Microsoft.AspNetCore.Identity;
using Spectre.Console;
using Wenku.Accounts;
using Wenku.Data;
using Wenku.Documents;

namespace Wenku.Cli;

/// <summary><c>wenku import DIR [--uploader E] [--category SLUG]</c>: bulk upload every file of a folder, with a progress bar.</summary>
public static class ImportCommand
{
    public static Command Build(Option<string?> data)
    {
        var dir = new Argument<DirectoryInfo>("DIR") { Description = "Folder whose files (recursively) are uploaded." };
        var uploader = new Option<string?>("--uploader") { Description = "Email of the uploading user (default: the first admin)." };
        var category = new Option<string>("--category") { Description = "Category slug for every file.", DefaultValueFactory = _ => "other" };
        var price = new Option<int>("--price") { Description = "Price in points.", DefaultValueFactory = _ => 0 };
        var command = new Command("import", "Bulk-import documents from a folder.") { dir, data, uploader, category, price };
        command.SetAction(async (p, ct) =>
        {
            var folder = p.GetValue(dir)!;
            if (!folder.Exists)
            {
                Console.Error.WriteLine($"No such folder: {folder.FullName}");
                return 1;
            }
            await using var services = CliServices.Build(p.GetValue(data));
            await DatabaseSetup.InitializeAsync(services, ct);
            var uploaderId = await FindUploaderAsync(services, p.GetValue(uploader));
            if (uploaderId is null)
            {
                Console.Error.WriteLine("No uploader: pass --uploader EMAIL of an existing user, or create an admin first.");
                return 1;
            }
            var files = folder.EnumerateFiles("*", SearchOption.AllDirectories).OrderBy(f => f.FullName, StringComparer.Ordinal).ToList();
            int imported = 0, refused = 0;
            var problems = new List<(string File, string Why)>();
            await AnsiConsole.Progress().AutoClear(false).StartAsync(async ctx =>
            {
                var task = ctx.AddTask($"Importing {files.Count} files", maxValue: Math.Max(1, files.Count));
                foreach (var file in files)
                {
                    await using var scope = services.CreateAsyncScope();
                    var ingest = scope.ServiceProvider.GetRequiredService<DocumentIngest>();
                    await using var stream = file.OpenRead();
                    var form = new UploadForm(null, null, p.GetValue(category), null, p.GetValue(price), null);
                    var (doc, refusal) = await ingest.IngestAsync(stream, file.Name, form, uploaderId, ct);
                    if (doc is not null) imported++;
                    else { refused++; problems.Add((file.Name, refusal!.Message)); }
                    task.Increment(1);
                }
            });
            foreach (var (file, why) in problems) AnsiConsole.MarkupLineInterpolated($"[yellow]{file}[/]: {why}");
            AnsiConsole.MarkupLineInterpolated($"{imported} imported, {refused} refused. Conversion runs in the workers of `wenku serve` or `wenku worker`.");
            return 0;
        });
        return command;
    }

    private static async Task<string?> FindUploaderAsync(IServiceProvider services, string? email)
    {
        await using var scope = services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<WenkuUser>>();
        if (email is not null) return (await users.FindByEmailAsync(email))?.Id;
        return (await users.GetUsersInRoleAsync(Roles.Admin)).OrderBy(u => u.CreatedAt).FirstOrDefault()?.Id;
    }
}
