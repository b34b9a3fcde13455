using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Shouldly;
using Wenku.Data;
using Wenku.Tests.Infrastructure;
using Xunit;

namespace Wenku.Tests.Data;

/// <summary>
/// The busy timeout is set once per native SQLite connection (reads, issue 15): a pooled connection opened again keeps
/// it, and a new native connection gets it on its first open.
/// </summary>
public sealed class SqliteBusyTimeoutTests
{
    private static async Task<long> BusyTimeoutAsync(WenkuDb db)
    {
        await db.Database.OpenConnectionAsync();
        try
        {
            await using var command = db.Database.GetDbConnection().CreateCommand();
            command.CommandText = "PRAGMA busy_timeout;";
            return (long)(await command.ExecuteScalarAsync())!;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    [Fact]
    public async Task Every_open_of_a_pooled_or_new_native_connection_has_the_busy_timeout()
    {
        var path = Path.Combine(TestPaths.NewTempDir("busy"), "busy.db");
        var connection = new SqliteConnectionStringBuilder { DataSource = path, Pooling = true }.ToString();
        var options = new DbContextOptionsBuilder<WenkuDb>().UseSqlite(connection).AddInterceptors(SqliteBusyTimeout.Instance).Options;
        var factory = new PooledDbContextFactory<WenkuDb>(options);

        for (var i = 0; i < 3; i++) // the first open sets it; the next ones reuse the pooled native connection
        {
            await using var db = await factory.CreateDbContextAsync();
            (await BusyTimeoutAsync(db)).ShouldBe(10_000, $"open {i + 1}");
        }

        SqliteConnection.ClearAllPools(); // the native connections close: the next open is a new one
        await using (var db = await factory.CreateDbContextAsync())
            (await BusyTimeoutAsync(db)).ShouldBe(10_000, "a new native connection");
    }
}
