using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Wenku.Data;

/// <summary>
/// Lets SQLite itself wait for a lock held by another process (site, workers, CLI) with short sleeps, instead of
/// Microsoft.Data.Sqlite's retry loop, which blocks a thread for 150 ms per attempt.
/// </summary>
public sealed class SqliteBusyTimeout : DbConnectionInterceptor
{
    public static readonly SqliteBusyTimeout Instance = new();

    private const string Pragma = "PRAGMA busy_timeout = 10000;";

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        using var command = connection.CreateCommand();
        command.CommandText = Pragma;
        command.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = Pragma;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
