using Wenku.Commerce;
using Wenku.Moderation;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.WebEncoders;
using Scalar.AspNetCore;
using Wenku.Accounts;
using Wenku.Comments;
using Wenku.Conversion;
using Wenku.Data;
using Wenku.Demo;
using Wenku.Discovery;
using Wenku.Documents;
using Wenku.Jobs;
using Wenku.Search;
using Wenku.Storage;
using Wenku.Telemetry;

using Wenku.Web.Localization;

namespace Wenku.Web;

/// <summary><c>wenku serve</c>: the composition root of the web site and the API.</summary>
public static class SiteHost
{
    public static async Task<int> RunAsync(string[] args)
    {
        // The CSS and JS are copied next to the program, so they are served wherever it is started from.
        var webRoot = Path.Combine(AppContext.BaseDirectory, "wwwroot");
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = WenkuServices.ContentRoot(),
            WebRootPath = Directory.Exists(webRoot) ? webRoot : null,
        });
        if (builder.Configuration["urls"] is null && builder.Configuration["ASPNETCORE_URLS"] is null)
            builder.WebHost.UseUrls("http://127.0.0.1:5000");

        var options = builder.Configuration.GetSection(WenkuOptions.Section).Get<WenkuOptions>() ?? new WenkuOptions();
        // ASP.NET buffers large form files to disk; keep them in our temp folder, one folder per process, where the
        // janitor removes what a killed process left behind, not in the system's. (ASP.NET reads this once per
        // process; an explicit setting wins.)
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("ASPNETCORE_TEMP")))
            Environment.SetEnvironmentVariable("ASPNETCORE_TEMP", FormBufferFolders.ForThisProcess(options.TempDir));
        builder.Logging.AddWenkuConsoleFormat(builder.Configuration);
        builder.Services.AddWenkuCore(builder.Configuration);
        builder.Services.AddSiteTelemetry(builder.Configuration);
        builder.Services.AddWenkuAuthentication();
        builder.Services.AddSecureCookies();
        builder.Services.AddWenkuRateLimits(options);
        builder.Services.AddSiteLocalization();
        builder.Services.AddRazorPages(o => o.RootDirectory = "/");
        // Chinese text goes out as text, not as &#x…; entities (still HTML-encoded where it must be).
        builder.Services.Configure<WebEncoderOptions>(o => o.TextEncoderSettings = new TextEncoderSettings(UnicodeRanges.All));
        builder.Services.AddProblemDetails();
        builder.Services.AddWenkuOpenApi();
        // /health/ready names the part that is down within a few seconds instead of waiting for it: each part that can
        // be away has a time limit, and the database is checked without the retrying strategy (~25 s to give up).
        var partTimeout = TimeSpan.FromSeconds(5);
        builder.Services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database", failureStatus: null, tags: [], timeout: partTimeout)
            .AddCheck<FileStoreHealthCheck>("files", failureStatus: null, tags: [], timeout: partTimeout)
            .AddCheck<SearchHealthCheck>("search", failureStatus: null, tags: [], timeout: partTimeout)
            .AddCheck<ConverterDependenciesHealthCheck>("converters");
        builder.Services.Configure<FormOptions>(o => o.MultipartBodyLengthLimit = options.MaxUploadBytes + 1024 * 1024);
        builder.Services.AddScoped<AccountService>();
        builder.Services.AddScoped<ApiTokens>();
        builder.Services.AddScoped<DocumentAccess>();
        builder.Services.AddScoped<Ratings>();
        builder.Services.AddHostedService<UserSlugBackfill>();
        builder.Services.AddHostedService<Discovery.SeoBackfill>();
        builder.Services.AddScoped<DocumentChanges>();
        builder.Services.AddDocumentChangeLimits();
        builder.Services.AddCommerce(builder.Configuration);
        builder.Services.AddModeration(builder.Configuration);
        builder.Services.AddDocumentPageCache(options);
        builder.Services.AddFindAndEmbed(builder.Configuration);
        builder.Services.AddSiteCompression();
        builder.Services.AddSingleton<ViewCounter>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ViewCounter>());
        builder.Services.AddSingleton<SearchSync>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<SearchSync>());
        builder.Services.AddHostedService<StorageJanitor>();
        builder.Services.AddHostedService<CommerceJanitor>();
        builder.Services.AddHostedService<WorkerSupervisor>();
        if (options.Demo) builder.Services.AddHostedService<DemoSeeder>();
        builder.Services.AddHostedService<RechargeReconciliation>();
        builder.Services.AddHostedService<Moderation.RetentionSweep>();

        var app = builder.Build();
        await DatabaseSetup.InitializeAsync(app.Services);

        if (options.BehindProxy) app.UseForwardedHeaders(ForwardedHeadersFor(options));
        app.UseSecurityHeaders();
        // Compression outside the API reference's policy: that policy hashes the inline scripts of the page as written,
        // which it cannot read once compressed.
        app.UseResponseCompression();
        app.UseApiReferencePolicy("/api/docs");
        // The language comes first: error pages, problem details and cached pages are all in the reader's language.
        app.UseRequestLocalization();
        // Errors go to /error, which answers the site with a page and the API with problem details.
        if (!app.Environment.IsDevelopment())
            app.UseExceptionHandler(new ExceptionHandlerOptions
            {
                ExceptionHandlingPath = "/error",
                // A body over the limit (or another bad request) is the client's doing, not a server error.
                StatusCodeSelector = e => e is BadHttpRequestException bad ? bad.StatusCode
                    : DiskSpace.IsFull(e) ? StatusCodes.Status507InsufficientStorage // e.g. while ASP.NET buffers a form to disk
                    : ServiceUnavailable.PartDown(e) is not null ? StatusCodes.Status503ServiceUnavailable // the database or object store is away
                    : StatusCodes.Status500InternalServerError,
            });
        app.UseStatusCodePagesWithReExecute("/error", "?code={0}");
        app.UseMiddleware<ServiceUnavailableResponses>();
        app.UseMiddleware<UploadSizeLimit>();
        app.UseStaticFiles();
        app.UsePageMethodGuard();
        app.UseAuthentication();
        app.UseRateLimiter();
        app.UseAuthorization();
        app.UseAntiforgery();
        app.UseAntiforgeryEnforcement();
        app.UseDocumentViewCounting();
        app.UseOutputCache();

        app.MapHealthChecks("/health/live", new() { Predicate = _ => false }).AllowAnonymous();
        app.MapHealthChecks("/health/ready", new() { ResponseWriter = HealthReportJson.WriteAsync }).AllowAnonymous();
        app.MapWenkuMetrics();
        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
        app.MapScalarApiReference("/api/docs", o => o.WithTitle("Wenku API").WithOpenApiRoutePattern("/openapi/{documentName}.json")).AllowAnonymous();

        var api = app.MapGroup("/api/v1").WithTags("Wenku");
        api.MapDocumentsApi();
        api.MapSearchApi();
        api.MapCommerceApi();
        api.MapNotificationsApi();
        api.MapModerationQueueApi();
        api.MapReportsApi();
        api.MapClaimsApi();
        app.MapDocumentFiles();
        app.MapCommentEndpoints();
        app.MapReaderEndpoints();
        app.MapDocumentQrCode();
        app.MapReadingEndpoints();
        app.MapFindAndEmbed();
        app.MapAccountEndpoints();
        app.MapRechargeEndpoints();
        app.MapCommentModerationEndpoints();
        app.MapTakedownEndpoints();
        app.MapClaimEndpoints();
        app.MapLanguageSwitch();
        app.MapUploadProgress();
        app.MapRazorPages();

        await app.RunAsync();
        return 0;
    }

    /// <summary>
    /// Whose <c>X-Forwarded-For</c>/<c>-Proto</c> are believed: a proxy on this machine (ASP.NET's default) and the
    /// <see cref="WenkuOptions.TrustedProxies"/>; from anyone else the headers are ignored, so they cannot dodge rate limits.
    /// </summary>
    public static ForwardedHeadersOptions ForwardedHeadersFor(WenkuOptions options)
    {
        var forwarded = new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto };
        foreach (var (_, network) in options.TrustedProxyNetworks()) forwarded.KnownIPNetworks.Add(network!.Value);
        return forwarded;
    }
}
