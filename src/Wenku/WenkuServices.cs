using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.Data.Sqlite;
using Wenku.Accounts;
using Microsoft.EntityFrameworkCore;
using Wenku.Conversion;
using Wenku.Data;
using Wenku.Documents;
using Wenku.Jobs;
using Wenku.Search;
using Wenku.Storage;

namespace Wenku;

public static class WenkuServices
{
    /// <summary>
    /// Where <c>appsettings.json</c> is read from: the current folder if it has one (development, tests), otherwise
    /// the program's own folder, so <c>./wenku serve</c> started anywhere has its settings.
    /// </summary>
    public static string? ContentRoot() =>
        File.Exists(Path.Combine(Directory.GetCurrentDirectory(), "appsettings.json")) ? null : AppContext.BaseDirectory;

    /// <summary>
    /// What every role of <c>wenku</c> needs: options, the database, the file store, the job queue, the search
    /// index and the converters. The four seams (store, database, index, queue) are chosen here and nowhere else.
    /// </summary>
    public static IServiceCollection AddWenkuCore(this IServiceCollection services, IConfiguration config)
    {
        services.AddOptions<WenkuOptions>().Bind(config.GetSection(WenkuOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ConversionOptions>().Bind(config.GetSection(ConversionOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(TimeProvider.System);

        var options = config.GetSection(WenkuOptions.Section).Get<WenkuOptions>() ?? new WenkuOptions();
        Directory.CreateDirectory(options.DataDir);
        var connection = new SqliteConnectionStringBuilder
        {
            DataSource = Path.GetFullPath(options.DatabasePath),
            DefaultTimeout = 30,
            Pooling = true,
        }.ToString();
        services.AddDbContextFactory<WenkuDb>(o => o.UseSqlite(connection).AddInterceptors(SqliteBusyTimeout.Instance));
        services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<WenkuDb>>().CreateDbContext());

        // Keys for cookies and tokens live with the data, so sign-ins survive restarts.
        services.AddDataProtection()
            .SetApplicationName("wenku")
            .PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(options.DataDir, "keys")));

        services.AddIdentityCore<WenkuUser>(o =>
            {
                o.User.RequireUniqueEmail = true;
                o.Password.RequiredLength = 8;
                o.Password.RequireNonAlphanumeric = false;
                o.Password.RequireUppercase = false;
                o.Password.RequireLowercase = false;
                o.Password.RequireDigit = false;
                o.Lockout.MaxFailedAccessAttempts = 10;
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<WenkuDb>()
            .AddSignInManager()
            .AddDefaultTokenProviders();

        services.AddSingleton<IFileStore>(_ => new LocalFileStore(options.FilesDir));
        services.AddSingleton<IJobQueue, DbJobQueue>();
        services.AddSingleton<ISearchIndex, DatabaseSearchIndex>();

        services.AddSingleton<Watermarker>();
        services.AddSingleton<PageOcr>();
        services.AddSingleton<PdfConverter>();
        services.AddSingleton<IDocumentConverter>(sp => sp.GetRequiredService<PdfConverter>());
        services.AddSingleton<IDocumentConverter, OfficeConverter>();
        services.AddSingleton<IDocumentConverter, TextConverter>();
        services.AddSingleton<IDocumentConverter, ImageConverter>();
        services.AddSingleton<IDocumentConverter, ArchiveConverter>();
        services.AddSingleton<IDocumentConverter, DrawingConverter>();
        services.AddSingleton<IJobHandler, ConvertDocumentJob>();
        services.AddScoped<DocumentIngest>();
        return services;
    }
}
