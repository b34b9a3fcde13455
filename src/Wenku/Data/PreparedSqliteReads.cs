using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace Wenku.Data;

/// <summary>
/// The read paths' hottest statements on SQLite, each parsed and planned once per connection instead of once per use.
/// Microsoft.Data.Sqlite prepares a command's SQL on every new command and drops the prepared statements when the
/// connection closes (dotnet/efcore#14044, open), and EF Core makes a command per query: parsing and planning was
/// about 12 % of an uncached document page's CPU, more than running the statements (bench/reads.sh, notes/reads.md).
/// So this keeps a few connections of its own open, each with its commands prepared on first use and run again with
/// new parameter values. Only for statements of a few plain columns (lists of cards, page sizes, counts); the
/// entities stay with EF Core. <see cref="Enabled"/> is false on PostgreSQL, whose callers use the compiled EF Core
/// queries (Npgsql prepares statements itself).
/// </summary>
/// <remarks>
/// A connection reads nothing between statements (each reader is closed and its statement reset), so an idle one
/// holds no snapshot and never stops a WAL checkpoint. Statements are read-only: writes stay with EF Core.
/// </remarks>
public sealed class PreparedSqliteReads(string? connectionString) : IDisposable
{
    /// <summary>A statement with its SQL and the names of its parameters, in the order the values are given.</summary>
    public sealed record Statement(string Sql, params string[] Parameters);

    /// <summary>Idle connections kept beyond this are closed (a burst of concurrent requests leaves no crowd behind).</summary>
    private static readonly int MaxIdle = Math.Max(8, Environment.ProcessorCount * 4);

    private readonly ConcurrentBag<Session> _idle = [];
    private int _idleCount;
    private bool _disposed;

    /// <summary>Null on PostgreSQL.</summary>
    public bool Enabled => connectionString is not null;

    /// <summary>The rows of <paramref name="statement"/> with <paramref name="values"/>, each read by <paramref name="read"/>.</summary>
    public List<T> List<T>(Statement statement, ReadOnlySpan<object?> values, Func<SqliteDataReader, T> read)
    {
        var session = Rent();
        try
        {
            var command = session.Command(statement);
            for (var i = 0; i < values.Length; i++) command.Parameters[i].Value = values[i] ?? DBNull.Value;
            var rows = new List<T>();
            using (var reader = command.ExecuteReader())
                while (reader.Read()) rows.Add(read(reader));
            Return(session);
            return rows;
        }
        catch
        {
            session.Dispose(); // never hand on a connection in an unknown state
            throw;
        }
    }

    /// <summary>The first column of the first row, as a number (a count).</summary>
    public long Scalar(Statement statement, ReadOnlySpan<object?> values) => List(statement, values, r => r.GetInt64(0)) is [var n, ..] ? n : 0;

    private Session Rent()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_idle.TryTake(out var session))
        {
            Interlocked.Decrement(ref _idleCount);
            return session;
        }
        var connection = new SqliteConnection(connectionString ?? throw new InvalidOperationException("Prepared reads are for SQLite only."));
        connection.Open();
        using (var pragma = connection.CreateCommand())
        {
            // As the site's own connections (SqliteBusyTimeout): SQLite waits for a writer's lock itself.
            pragma.CommandText = "PRAGMA busy_timeout = 10000;";
            pragma.ExecuteNonQuery();
        }
        return new Session(connection);
    }

    private void Return(Session session)
    {
        if (_disposed || Interlocked.Increment(ref _idleCount) > MaxIdle)
        {
            Interlocked.Decrement(ref _idleCount);
            session.Dispose();
            return;
        }
        _idle.Add(session);
    }

    public void Dispose()
    {
        _disposed = true;
        while (_idle.TryTake(out var session)) session.Dispose();
    }

    /// <summary>A connection and its prepared commands, used by one request at a time.</summary>
    private sealed class Session(SqliteConnection connection) : IDisposable
    {
        private readonly Dictionary<Statement, SqliteCommand> _commands = new(ReferenceEqualityComparer.Instance);

        public SqliteCommand Command(Statement statement)
        {
            if (_commands.TryGetValue(statement, out var command)) return command;
            command = connection.CreateCommand();
            command.CommandText = statement.Sql;
            foreach (var name in statement.Parameters) command.Parameters.Add(new SqliteParameter(name, null));
            command.Prepare();
            _commands.Add(statement, command);
            return command;
        }

        public void Dispose()
        {
            foreach (var command in _commands.Values) command.Dispose();
            connection.Dispose();
        }
    }
}
