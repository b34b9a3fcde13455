using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Localization;
using Wenku.Accounts;

namespace Wenku.Web;

public static class RateLimits
{
    public const string SignIn = "sign-in";
    public const string Comments = "comments";
    public const string Uploads = "uploads";
    public const string Search = "search";
    public const string Reports = "reports";
    public const string Claims = "claims";
    public const string ReaderActions = "reader-actions";
    public const string ReadingProgress = "reading-progress";
    public const string Lookups = "lookups";

    /// <summary>Per-address limit on sign-in and registration; per-user limits on comments and uploads.</summary>
    public static IServiceCollection AddWenkuRateLimits(this IServiceCollection services, WenkuOptions o)
    {
        services.AddRateLimiter(r =>
        {
            r.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            r.OnRejected = async (ctx, ct) =>
            {
                var http = ctx.HttpContext;
                http.Response.Headers.RetryAfter = "60";
                // The site's pages get the site's 429 page (the status-code pages re-execute /error for an empty
                // answer); the API gets problem details in the request's language.
                if (!http.Request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase)) return;
                var T = http.RequestServices.GetRequiredService<IStringLocalizer<SharedResource>>();
                await Results.Problem(statusCode: 429, title: T["操作太频繁，请稍后再试。"]).ExecuteAsync(http);
            };
            // Only sign-in and registration attempts (POST) count; opening the forms never does.
            r.AddPolicy(SignIn, ctx => HttpMethods.IsPost(ctx.Request.Method)
                ? RateLimitPartition.GetFixedWindowLimiter("ip:" + ctx.Connection.RemoteIpAddress,
                    _ => new FixedWindowRateLimiterOptions { PermitLimit = o.SignInsPerMinute, Window = TimeSpan.FromMinutes(1) })
                : RateLimitPartition.GetNoLimiter("sign-in-form"));
            r.AddPolicy(Comments, ctx => RateLimitPartition.GetFixedWindowLimiter(
                ctx.User.UserId() ?? "ip:" + ctx.Connection.RemoteIpAddress,
                _ => new FixedWindowRateLimiterOptions { PermitLimit = o.CommentsPerMinute, Window = TimeSpan.FromMinutes(1) }));
            r.AddPolicy(Search, ctx => RateLimitPartition.GetFixedWindowLimiter(
                "ip:" + ctx.Connection.RemoteIpAddress,
                _ => new FixedWindowRateLimiterOptions { PermitLimit = o.SearchesPerMinute, Window = TimeSpan.FromMinutes(1) }));
            r.AddPolicy(Uploads, ctx => RateLimitPartition.GetFixedWindowLimiter(
                ctx.User.UserId() ?? "ip:" + ctx.Connection.RemoteIpAddress,
                _ => new FixedWindowRateLimiterOptions { PermitLimit = o.UploadsPerHour, Window = TimeSpan.FromHours(1) }));
            // Reports: only the filing counts (a POST); showing the form does not.
            r.AddPolicy(Reports, ctx => HttpMethods.IsPost(ctx.Request.Method)
                ? RateLimitPartition.GetFixedWindowLimiter(
                    "report:" + (ctx.User.UserId() ?? "ip:" + ctx.Connection.RemoteIpAddress),
                    _ => new FixedWindowRateLimiterOptions { PermitLimit = o.ReportsPerHour, Window = TimeSpan.FromHours(1) })
                : RateLimitPartition.GetNoLimiter("report-form"));
            // Counts the claims sent (POST), not views of the claim form: a page handler cannot carry its own policy.
            r.AddPolicy(Claims, ctx => HttpMethods.IsPost(ctx.Request.Method)
                ? RateLimitPartition.GetFixedWindowLimiter(ctx.User.UserId() ?? "ip:" + ctx.Connection.RemoteIpAddress,
                    _ => new FixedWindowRateLimiterOptions { PermitLimit = o.ClaimsPerHour, Window = TimeSpan.FromHours(1) })
                : RateLimitPartition.GetNoLimiter("claim-form"));
            // Where a reader stopped: the reader sends it at most every few seconds; a minute's worth of page turns is plenty.
            r.AddPolicy(ReadingProgress, ctx => RateLimitPartition.GetFixedWindowLimiter(
                "progress:" + (ctx.User.UserId() ?? "ip:" + ctx.Connection.RemoteIpAddress),
                _ => new FixedWindowRateLimiterOptions { PermitLimit = 60, Window = TimeSpan.FromMinutes(1) }));
            // Cheap anonymous look-ups whose varying parameters defeat the output cache (oEmbed): per address, like searches.
            r.AddPolicy(Lookups, ctx => RateLimitPartition.GetFixedWindowLimiter(
                "lookup:ip:" + ctx.Connection.RemoteIpAddress,
                _ => new FixedWindowRateLimiterOptions { PermitLimit = o.SearchesPerMinute, Window = TimeSpan.FromMinutes(1) }));
            // Favourites and ratings: as many a minute as comments, counted apart from them.
            r.AddPolicy(ReaderActions, ctx => RateLimitPartition.GetFixedWindowLimiter(
                "reader:" + (ctx.User.UserId() ?? "ip:" + ctx.Connection.RemoteIpAddress),
                _ => new FixedWindowRateLimiterOptions { PermitLimit = o.CommentsPerMinute * 4, Window = TimeSpan.FromMinutes(1) }));
        });
        return services;
    }
}
