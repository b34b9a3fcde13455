namespace Wenku.Commerce;

public static class CommerceServices
{
    /// <summary>The ledger and what moves points: purchases (recharges, codes, withdrawals and refunds register here too).</summary>
    public static IServiceCollection AddCommerce(this IServiceCollection services, IConfiguration config)
    {
        // Services here answer in the reader's language: the localizer comes with AddWenkuCore, which every host calls first.
        services.AddScoped<Ledger>();
        services.AddScoped<Purchases>();
        services.AddSingleton<PurchaseQueue>();
        services.AddOptions<PurchaseOptions>().Bind(config.GetSection(PurchaseOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddScoped<PointGrants>();
        services.AddScoped<RechargeService>();
        services.AddScoped<Withdrawals>();
        services.AddScoped<Refunds>();
        services.AddScoped<RedeemCodes>();
        services.AddSingleton<RedeemThrottle>();
        services.AddOptions<RedeemCodeOptions>().Bind(config.GetSection(RedeemCodeOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddScoped<FinanceTotals>();
        services.AddScoped<Earnings>();
        return services;
    }
}
