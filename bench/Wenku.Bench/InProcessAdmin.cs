using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Wenku.Accounts;
using Wenku.Data;

namespace Wenku.Bench;

/// <summary>
/// What <c>wenku admin create-user --role admin</c> and <c>create-token</c> do, with the services of
/// <c>CliServices.Build</c> plus data protection (which those commands lack, so they fail before doing anything).
/// </summary>
public static class InProcessAdmin
{
    public static async Task<string> CreateAsync(string dataDir, string email, string password)
    {
        var config = new ConfigurationBuilder()
            .AddInMemoryCollection([new($"{WenkuOptions.Section}:DataDir", Path.GetFullPath(dataDir))])
            .Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(config);
        services.AddLogging();
        // Keys in the scratch data folder, not in the home folder; nothing here is protected for long.
        services.AddDataProtection().SetApplicationName("wenku-bench").PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(dataDir, "bench-keys")));
        services.AddWenkuCore(config);
        services.AddScoped<AccountService>();
        services.AddScoped<ApiTokens>();
        await using var provider = services.BuildServiceProvider();
        await DatabaseSetup.InitializeAsync(provider);

        await using var scope = provider.CreateAsyncScope();
        var (user, errors) = await scope.ServiceProvider.GetRequiredService<AccountService>().CreateOrUpdateAsync(email, password, Roles.Admin);
        if (user is null) throw new InvalidOperationException("could not create the admin: " + string.Join("; ", errors));
        return await scope.ServiceProvider.GetRequiredService<ApiTokens>().CreateAsync(user.Id, "bench", CancellationToken.None);
    }
}
