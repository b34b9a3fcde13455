using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using Wenku.Accounts;
using Wenku.Documents;

namespace Wenku.Data;

public static class DatabaseSetup
{
    /// <summary>
    /// The site's categories on a new install (the ten of the demo corpus, essays, and a catch-all). A category's name is
    /// shown through the localizer (<c>T[name]</c>): these have their English in the resx; a category an operator adds
    /// shows as it is named.
    /// </summary>
    public static readonly (string Slug, string Name)[] DefaultCategories =
    [
        ("education", "教育"), ("tech", "科技"), ("finance", "财经"),
        ("politics", "时政"), ("sports", "体育"), ("entertainment", "娱乐"),
        ("realestate", "房产"), ("home", "家居"), ("fashion", "时尚"),
        ("games", "游戏"), ("essays", "范文"), ("other", "其他"),
    ];

    /// <summary>Brings the database to the current schema (safe to run from several processes at once).</summary>
    public static async Task MigrateAsync(IServiceProvider services, CancellationToken ct = default)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WenkuDb>();
        if (db.Database.IsSqlite())
        {
            // WAL lets the site read while a worker writes; it is a property of the file, set once.
            await db.Database.OpenConnectionAsync(ct);
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", ct);
            await db.Database.CloseConnectionAsync();
        }
        else
        {
            await CreatePostgresDatabaseAsync(db, ct);
            // EF Core's lock on PostgreSQL lasts one migration's transaction: between two migrations another process
            // can take it, still believing the second one unapplied, and run it again ("relation already exists").
            // A session lock on a connection of our own covers the whole run.
            // Not pooled: a pooled connection would keep the lock while it idles in the pool.
            var unpooled = new NpgsqlConnectionStringBuilder(db.Database.GetConnectionString()) { Pooling = false };
            await using var gate = new NpgsqlConnection(unpooled.ConnectionString);
            await gate.OpenAsync(ct);
            await using (var take = new NpgsqlCommand("SELECT pg_advisory_lock(@k)", gate))
            {
                take.Parameters.AddWithValue("k", MigrationLock);
                await take.ExecuteNonQueryAsync(ct);
            }
            await db.Database.MigrateAsync(ct); // the lock ends with the connection's session, however this ends
            return;
        }
        // EF Core takes a lock of its own around migrating (a lock table on SQLite).
        await db.Database.MigrateAsync(ct);
    }

    /// <summary>Advisory lock key held while a process migrates a PostgreSQL database ("WenkuM").</summary>
    private const long MigrationLock = 0x57656E6B754D;

    /// <summary>
    /// Creates the PostgreSQL database if it is missing: migrating does that too, but two processes starting on a new
    /// install would both try, and one would fail.
    /// </summary>
    private static async Task CreatePostgresDatabaseAsync(WenkuDb db, CancellationToken ct)
    {
        var creator = db.GetService<IRelationalDatabaseCreator>();
        if (await creator.ExistsAsync(ct)) return;
        try
        {
            await creator.CreateAsync(ct);
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.DuplicateDatabase or PostgresErrorCodes.UniqueViolation)
        {
            // Another process created it a moment ago.
        }
    }

    /// <summary>
    /// Brings the database to the current schema and adds what every install needs (roles, categories, settings),
    /// once, however many processes start at the same moment.
    /// </summary>
    public static async Task InitializeAsync(IServiceProvider services, CancellationToken ct = default)
    {
        await MigrateAsync(services, ct);
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WenkuDb>();
        var roles = scope.ServiceProvider.GetRequiredService<RoleManager<IdentityRole>>();
        // Every start but the first: nothing to add, and no write lock taken.
        if (await db.Categories.AnyAsync(ct) && await db.SiteSettings.AnyAsync(ct)
            && await db.Roles.CountAsync(r => Roles.All.Contains(r.Name!), ct) == Roles.All.Length) return;

        await db.Database.CreateExecutionStrategy().ExecuteAsync(async () =>
        {
            db.ChangeTracker.Clear();
            // One process at a time from here: on SQLite the transaction is BEGIN IMMEDIATE (the write lock at once),
            // on PostgreSQL a transaction-scoped advisory lock.
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            if (db.Database.IsNpgsql()) await db.Database.ExecuteSqlRawAsync("SELECT pg_advisory_xact_lock(20261125)", ct);

            foreach (var role in Roles.All)
                if (!await roles.RoleExistsAsync(role))
                    await roles.CreateAsync(new IdentityRole(role));
            if (!await db.Categories.AnyAsync(ct))
                db.Categories.AddRange(DefaultCategories.Select((c, i) => new Category { Slug = c.Slug, Name = c.Name, SortOrder = i }));
            if (!await db.SiteSettings.AnyAsync(ct)) db.SiteSettings.Add(new SiteSettings());
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        });
    }
}
