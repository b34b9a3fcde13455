namespace Wenku.Commerce.Alipay;

public static class AlipayServices
{
    /// <summary>
    /// <see cref="AlipayOptions"/> (checked at start when enabled) and the typed <see cref="AlipayClient"/>, with each
    /// call's time limit. Registered whether enabled or not; the recharge feature asks <see cref="AlipayOptions.Enabled"/>.
    /// </summary>
    public static IServiceCollection AddAlipay(this IServiceCollection services, IConfiguration config)
    {
        services.AddOptions<AlipayOptions>().Bind(config.GetSection(AlipayOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddHttpClient<AlipayClient>((sp, http) =>
        {
            http.Timeout = TimeSpan.FromSeconds(sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<AlipayOptions>>().Value.TimeoutSeconds);
            http.MaxResponseContentBufferSize = 1024 * 1024;
        });
        return services;
    }
}
