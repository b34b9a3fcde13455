using Microsoft.Data.Sqlite;
using Wenku.Tests.Infrastructure;

namespace Wenku.Tests.Cli;

/// <summary><c>wenku import DIR</c> as a user runs it: the real program, a real folder.</summary>
public sealed class ImportCommandTests : IDisposable
{
    private readonly string _data = TestPaths.NewTempDir("import-data");
    private readonly string _folder = TestPaths.NewTempDir("import-src");

    [Fact]
    public async Task Import_uploads_every_pdf_of_a_folder_and_reports_what_it_refused()
    {
        Directory.CreateDirectory(Path.Combine(_folder, "sub"));
        await File.WriteAllBytesAsync(Path.Combine(_folder, "一.pdf"), TestPdfs.MultiPage(1, salt: "import-1"));
        await File.WriteAllBytesAsync(Path.Combine(_folder, "sub", "二.pdf"), TestPdfs.MultiPage(2, salt: "import-2"));
        // Text is a format of its own now; under a PDF name it is refused.
        await File.WriteAllTextAsync(Path.Combine(_folder, "notes.pdf"), "not a pdf");

        await WenkuProcess.RunAsync("admin", "create-user", "--data", _data, "--email", "importer@test.local", "--password", TestUsers.Password, "--role", "admin");
        var output = await WenkuProcess.RunAsync("import", _folder, "--data", _data, "--category", "education");

        output.ShouldContain("2 imported, 1 refused");
        output.ShouldContain("notes.pdf");
        using var db = new SqliteConnection($"Data Source={Path.Combine(_data, "wenku.db")};Mode=ReadOnly;Pooling=False");
        db.Open();
        using var cmd = db.CreateCommand();
        cmd.CommandText = "SELECT Title FROM Documents d JOIN Categories c ON c.Id = d.CategoryId WHERE c.Slug = 'education' AND d.Status = 'Queued' ORDER BY Title";
        using var reader = cmd.ExecuteReader();
        var titles = new List<string>();
        while (reader.Read()) titles.Add(reader.GetString(0));
        titles.ShouldBe(["一", "二"], ignoreOrder: true);

        // Running it again refuses the exact duplicates.
        (await WenkuProcess.RunAsync("import", _folder, "--data", _data)).ShouldContain("0 imported, 3 refused");
    }

    [Fact]
    public async Task Import_of_a_missing_folder_fails_with_a_message()
    {
        var e = await Should.ThrowAsync<InvalidOperationException>(() => WenkuProcess.RunAsync("import", Path.Combine(_folder, "nope"), "--data", _data));
        e.Message.ShouldContain("No such folder");
    }

    public void Dispose()
    {
        TestPaths.TryDelete(_data);
        TestPaths.TryDelete(_folder);
    }
}
