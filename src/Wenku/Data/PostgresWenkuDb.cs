using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace Wenku.Data;

/// <summary>
/// <see cref="WenkuDb"/> on PostgreSQL. A type of its own because EF Core keys a set of migrations by context type:
/// the PostgreSQL migrations (<c>Data/PostgresMigrations</c>) live beside the SQLite ones in this one assembly.
/// It also holds the data-protection keys, so that every <c>serve</c> of a scale-out site reads every cookie.
/// </summary>
public sealed class PostgresWenkuDb(DbContextOptions<PostgresWenkuDb> options) : WenkuDb(options), IDataProtectionKeyContext
{
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();
}
