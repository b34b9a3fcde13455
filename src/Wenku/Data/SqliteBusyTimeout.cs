using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Wenku.Data;

/// <summary>
/// Lets SQLite itself wait for a lock held by another process (site, workers, CLI) with short sleeps, instead of
/// Microsoft.Data.Sqlite's retry loop, which blocks a thread for 150 ms per attempt. The setting belongs to the
/// native connection, which Microsoft.Data.Sqlite's pool keeps open between uses: it is set once per native connection,
/// not on every open (one statement less per request on the read paths).
/// </summary>
public sealed class SqliteBusyTimeout : DbConnectionInterceptor
{
    public static readonly SqliteBusyTimeout Instance = new();

    private const string Pragma = "PRAGMA busy_timeout = 10000;";

    /// <summary>Native connections whose busy timeout is set (weak: a closed one leaves with its handle).</summary>
    private static readonly ConditionalWeakTable<object, object> Set = new();

    private static bool NeedsPragma(DbConnection connection) =>
        connection is not SqliteConnection { Handle: { } handle } || Set.TryAdd(handle, Set);

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        if (!NeedsPragma(connection)) return;
        using var command = connection.CreateCommand();
        command.CommandText = Pragma;
        command.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        if (!NeedsPragma(connection)) return;
        await using var command = connection.CreateCommand();
        command.CommandText = Pragma;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
