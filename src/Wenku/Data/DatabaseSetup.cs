using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Wenku.Accounts;
using Wenku.Documents;

namespace Wenku.Data;

public static class DatabaseSetup
{
    /// <summary>The site's categories on a new install (the ten of the demo corpus, essays, and a catch-all).</summary>
    public static readonly (string Slug, string Name)[] DefaultCategories =
    [
        ("education", "教育 Education"), ("tech", "科技 Technology"), ("finance", "财经 Finance"),
        ("politics", "时政 Current affairs"), ("sports", "体育 Sports"), ("entertainment", "娱乐 Entertainment"),
        ("realestate", "房产 Real estate"), ("home", "家居 Home"), ("fashion", "时尚 Fashion"),
        ("games", "游戏 Games"), ("essays", "范文 Essays"), ("other", "其他 Other"),
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
        await db.Database.MigrateAsync(ct);
    }

    /// <summary>Brings the database to the current schema and adds what every install needs (roles, categories, settings).</summary>
    public static async Task InitializeAsync(IServiceProvider services, CancellationToken ct = default)
    {
        await MigrateAsync(services, ct);
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WenkuDb>();

        var roles = scope.ServiceProvider.GetRequiredService<RoleManager<IdentityRole>>();
        foreach (var role in Roles.All)
            if (!await roles.RoleExistsAsync(role))
                await roles.CreateAsync(new IdentityRole(role));

        if (!await db.Categories.AnyAsync(ct))
        {
            db.Categories.AddRange(DefaultCategories.Select((c, i) => new Category { Slug = c.Slug, Name = c.Name, SortOrder = i }));
        }
        if (!await db.SiteSettings.AnyAsync(ct)) db.SiteSettings.Add(new SiteSettings());
        await db.SaveChangesAsync(ct);
    }
}
