namespace Wenku.Commerce;

public static class CommerceServices
{
    /// <summary>The ledger and what moves points: purchases (recharges, codes, withdrawals and refunds register here too).</summary>
    public static IServiceCollection AddCommerce(this IServiceCollection services, IConfiguration config)
    {
        services.AddScoped<Ledger>();
        services.AddScoped<Purchases>();
        services.AddScoped<PointGrants>();
        services.AddScoped<Earnings>();
        return services;
    }
}
