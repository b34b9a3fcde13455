using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Wenku.Data;

/// <summary>
/// The database seam: SQLite in the data folder (embedded default) or PostgreSQL (scale-out), chosen by
/// <c>Wenku:Database:Provider</c>. Either way the rest of the code asks for <see cref="WenkuDb"/> or
/// <see cref="IDbContextFactory{WenkuDb}"/>.
/// </summary>
public static class DatabaseProviders
{
    /// <remarks>
    /// The contexts are pooled: a new <see cref="DbContext"/> resolved its internal services afresh, which was ~6 % of
    /// an uncached document page's CPU (bench/reads.sh). A pooled context is reset when it goes back (change tracker,
    /// connection, transaction), so nothing may be kept on a context between uses.
    /// </remarks>
    public static IServiceCollection AddWenkuDatabase(this IServiceCollection services, DatabaseOptions database, WenkuOptions wenku)
    {
        if (database.Provider == DatabaseProvider.Postgres)
        {
            services.AddPooledDbContextFactory<PostgresWenkuDb>((sp, o) => o.UseWenkuPostgres(database.ConnectionString!)
                .AddInterceptors(new InsertTimes(sp.GetService<TimeProvider>() ?? TimeProvider.System)));
            services.AddSingleton<IDbContextFactory<WenkuDb>, PostgresAsWenkuDb>();
            services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<PostgresWenkuDb>>().CreateDbContext());
        }
        else
        {
            var connection = new SqliteConnectionStringBuilder
            {
                DataSource = Path.GetFullPath(wenku.DatabasePath),
                DefaultTimeout = 30,
                Pooling = true,
            }.ToString();
            services.AddPooledDbContextFactory<WenkuDb>((sp, o) => o.UseSqlite(connection)
                .AddInterceptors(SqliteBusyTimeout.Instance, new InsertTimes(sp.GetService<TimeProvider>() ?? TimeProvider.System)));
        }
        services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<WenkuDb>>().CreateDbContext());
        return services;
    }

    /// <summary>
    /// PostgreSQL with retries of transient failures (a restarted server, a dropped connection). Work in an explicit
    /// transaction must then run inside <c>Database.CreateExecutionStrategy().ExecuteAsync</c>, which retries it whole.
    /// </summary>
    public static DbContextOptionsBuilder UseWenkuPostgres(this DbContextOptionsBuilder options, string connectionString) =>
        options.UseNpgsql(connectionString, n => n.EnableRetryOnFailure(maxRetryCount: 5, maxRetryDelay: TimeSpan.FromSeconds(10), errorCodesToAdd: null));

    /// <summary>Hands out <see cref="PostgresWenkuDb"/> where the code asks for <see cref="WenkuDb"/>.</summary>
    private sealed class PostgresAsWenkuDb(IDbContextFactory<PostgresWenkuDb> inner) : IDbContextFactory<WenkuDb>
    {
        public WenkuDb CreateDbContext() => inner.CreateDbContext();

        public async Task<WenkuDb> CreateDbContextAsync(CancellationToken cancellationToken = default) =>
            await inner.CreateDbContextAsync(cancellationToken);
    }
}

/// <summary>Lets <c>dotnet ef migrations add … --context WenkuDb</c> build the SQLite model without starting the site.</summary>
public sealed class DesignTimeDbFactory : IDesignTimeDbContextFactory<WenkuDb>
{
    public WenkuDb CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<WenkuDb>().UseSqlite("Data Source=design.db").Options);
}

/// <summary>Lets <c>dotnet ef migrations add … --context PostgresWenkuDb</c> build the PostgreSQL model (no server needed).</summary>
public sealed class PostgresDesignTimeDbFactory : IDesignTimeDbContextFactory<PostgresWenkuDb>
{
    public PostgresWenkuDb CreateDbContext(string[] args) =>
        new((DbContextOptions<PostgresWenkuDb>)new DbContextOptionsBuilder<PostgresWenkuDb>().UseWenkuPostgres("Host=localhost;Database=wenku").Options);
}
