using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Wenku.Accounts;
using Wenku.Cli;
using Wenku.Data;
using Wenku.Tests.Infrastructure;

namespace Wenku.Tests.Data;

public sealed class DatabaseSetupOnSqliteTests : DatabaseSetupTests
{
    protected override Dictionary<string, string?> Settings => [];
}

public sealed class DatabaseSetupOnPostgresTests : DatabaseSetupTests
{
    protected override Dictionary<string, string?> Settings { get; } = new()
    {
        ["Wenku:Database:Provider"] = "postgres",
        ["Wenku:Database:ConnectionString"] = ScaleOutServices.NewPostgresDatabase("setup"),
    };
}

/// <summary>
/// A new install whose processes (serve, workers, admin commands, on one machine or several) start at the same
/// moment: every one of them comes up, and the database gets its roles, categories and settings once.
/// </summary>
public abstract class DatabaseSetupTests : IAsyncLifetime
{
    private readonly string _data = TestPaths.NewTempDir("setup");
    private readonly List<ServiceProvider> _processes = [];

    protected abstract Dictionary<string, string?> Settings { get; }

    public Task InitializeAsync()
    {
        for (var i = 0; i < 4; i++) _processes.Add(CliServices.Build(_data, Settings));
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Processes_initialising_a_new_database_at_once_all_succeed_and_seed_it_once()
    {
        await Task.WhenAll(_processes.Select(p => Task.Run(() => DatabaseSetup.InitializeAsync(p))));
        await DatabaseSetup.InitializeAsync(_processes[0]); // and again later, as every start does

        await using var scope = _processes[0].CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WenkuDb>();
        (await db.Categories.CountAsync()).ShouldBe(DatabaseSetup.DefaultCategories.Length);
        (await db.Roles.Select(r => r.Name).OrderBy(n => n).ToListAsync()).ShouldBe(Roles.All.Order());
        (await db.SiteSettings.CountAsync()).ShouldBe(1);
    }

    public async Task DisposeAsync()
    {
        foreach (var p in _processes) await p.DisposeAsync();
        if (Settings.TryGetValue("Wenku:Database:ConnectionString", out var postgres))
            await ScaleOutServices.DropPostgresDatabaseAsync(postgres!);
        TestPaths.TryDelete(_data);
    }
}
