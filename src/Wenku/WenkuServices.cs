using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Wenku.Accounts;
using Wenku.Commerce.Alipay;
using Microsoft.EntityFrameworkCore;
using Wenku.Conversion;
using Wenku.Data;
using Wenku.Documents;
using Wenku.Duplicates;
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
        services.AddOptions<DatabaseOptions>().Bind(config.GetSection(DatabaseOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<StorageOptions>().Bind(config.GetSection(StorageOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(TimeProvider.System);

        var options = config.GetSection(WenkuOptions.Section).Get<WenkuOptions>() ?? new WenkuOptions();
        var database = config.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>() ?? new DatabaseOptions();
        var storage = config.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        Directory.CreateDirectory(options.DataDir);
        services.AddWenkuDatabase(database, options);
        // Text in the reader's language (the site sets the culture per request; the CLI and worker use the process's).
        Web.Localization.SiteCultures.AddWenkuText(services);

        // Keys for cookies and tokens: with the data on the embedded default, so sign-ins survive restarts; in the
        // database on PostgreSQL, so that every serve of a scale-out site reads every other's cookies.
        var dataProtection = services.AddDataProtection().SetApplicationName("wenku");
        if (database.Provider == DatabaseProvider.Postgres) dataProtection.PersistKeysToDbContext<PostgresWenkuDb>();
        else dataProtection.PersistKeysToFileSystem(new DirectoryInfo(options.KeysDir));

        services.AddIdentityCore<WenkuUser>(o =>
            {
                o.User.RequireUniqueEmail = true;
                o.Password.RequiredLength = 8;
                o.Password.RequireNonAlphanumeric = false;
                o.Password.RequireUppercase = false;
                o.Password.RequireLowercase = false;
                o.Password.RequireDigit = false;
                // Accounts are never locked by wrong passwords (anyone could keep the owner out): SignInThrottle slows guessing.
                o.Lockout.AllowedForNewUsers = false;
            })
            .AddPasswordValidator<CommonPasswords>()
            .AddUserValidator<UserSlugs>() // gives every new user the slug of their page URL
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<WenkuDb>()
            .AddSignInManager<BanAwareSignInManager>()
            .AddDefaultTokenProviders();

        services.AddOptions<AccountOptions>().Bind(config.GetSection(AccountOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<SignInThrottle>();

        if (storage.Provider == StorageProvider.S3) services.AddSingleton<IFileStore>(_ => new S3FileStore(storage.S3));
        else services.AddSingleton<IFileStore>(_ => new LocalFileStore(options.FilesDir));
        services.AddSingleton<IJobQueue, DbJobQueue>();
        var search = config.GetSection(SearchOptions.Section).Get<SearchOptions>() ?? new SearchOptions();
        if (search.For(database.Provider) == SearchProvider.Postgres)
            services.AddSingleton<ISearchIndex>(sp => new PostgresSearchIndex(sp.GetRequiredService<IDbContextFactory<WenkuDb>>(),
                sp.GetRequiredService<ILogger<PostgresSearchIndex>>(), search.ReadConnectionString));
        else services.AddSingleton<ISearchIndex, LuceneSearchIndex>(); // opened on first use: only serve and admin use it
        services.AddSingleton<CategoryNames>();

        services.AddSingleton<ConverterDependencies>();
        services.AddHostedService<ConverterDependenciesAtStart>();
        services.AddSingleton<PreviewEncoder>();
        services.AddSingleton<Watermarker>();
        services.AddSingleton<PageOcr>();
        services.AddSingleton<PdfConverter>();
        services.AddSingleton<IDocumentConverter>(sp => sp.GetRequiredService<PdfConverter>());
        services.AddSingleton<OfficeConverter>();
        services.AddSingleton<IDocumentConverter>(sp => sp.GetRequiredService<OfficeConverter>());
        services.AddSingleton<IDocumentConverter, TextConverter>();
        services.AddSingleton<IDocumentConverter, MarkdownConverter>();
        services.AddSingleton<IDocumentConverter, ImageConverter>();
        services.AddSingleton<IDocumentConverter, ArchiveConverter>();
        services.AddSingleton<IDocumentConverter, DrawingConverter>();
        services.AddSingleton<DuplicateDetector>();
        services.AddSingleton<DuplicateRescan>();
        services.AddSingleton<Moderation.SensitiveWordScreen>();
        services.AddSingleton<Moderation.NewUploadReview>();
        services.AddSingleton<Moderation.PublicationGate>();
        services.AddSingleton<IJobHandler, ConvertDocumentJob>();
        services.AddScoped<DocumentIngest>();
        services.AddSingleton<DiskSpace>();
        services.AddAlipay(config);
        return services;
    }
}
