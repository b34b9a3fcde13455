using Amazon.Runtime;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Options;
using Npgsql;
using Wenku.Data;
using Wenku.Search;

namespace Wenku.Web;

/// <summary>
/// A part of a scale-out site that can be away for a while (the database, the object store) and how a request that
/// met it is answered: 503 naming the part, not a 500. Requests need no restart once it is back.
/// </summary>
public static class ServiceUnavailable
{
    public const string Database = "database", ObjectStore = "object store";

    /// <summary>Which part <paramref name="e"/> says is unreachable, or null when it is another error.</summary>
    public static string? PartDown(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
            switch (e)
            {
                case RetryLimitExceededException:
                case NpgsqlException { IsTransient: true }:
                    return Database;
                case AmazonClientException:
                case HttpRequestException:
                    return ObjectStore;
            }
        return null;
    }

    /// <summary>What a reader or uploader is told, in their language.</summary>
    public static string Message(IStringLocalizer T, string? part) => part switch
    {
        Database => T["数据库暂时无法访问，本次操作未保存任何内容，请稍后再试。"],
        ObjectStore => T["文件存储暂时无法访问，本次操作未保存任何内容，请稍后再试。"],
        _ => T["服务暂时不可用，请稍后再试。"],
    };
}

/// <summary>
/// Answers a request that met an unreachable database or object store with 503 naming the part — problem details for
/// the API, the error page's words for the site — written here, without re-running the pipeline: the error page
/// would need the database again (to authenticate the reader) and fail the same way.
/// </summary>
public sealed class ServiceUnavailableResponses(RequestDelegate next, ILogger<ServiceUnavailableResponses> log)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (Exception e) when (!context.Response.HasStarted && ServiceUnavailable.PartDown(e) is { } part)
        {
            log.LogWarning(e, "The {Part} is unreachable: {Method} {Path} answered 503", part, context.Request.Method, context.Request.Path);
            var T = context.RequestServices.GetRequiredService<IStringLocalizer<SharedResource>>();
            string title = T["暂时不可用"], message = ServiceUnavailable.Message(T, part), home = T["返回首页"];
            context.Response.Clear();
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            context.Response.Headers.RetryAfter = "30";
            if (context.Request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase))
            {
                await context.Response.WriteAsJsonAsync(new Microsoft.AspNetCore.Mvc.ProblemDetails
                {
                    Status = StatusCodes.Status503ServiceUnavailable, Title = title, Detail = message, Extensions = { ["unavailable"] = part },
                }, (System.Text.Json.JsonSerializerOptions?)null, "application/problem+json");
                return;
            }
            var encode = System.Text.Encodings.Web.HtmlEncoder.Default;
            context.Response.ContentType = "text/html; charset=utf-8";
            await context.Response.WriteAsync($"""
                <!DOCTYPE html>
                <html lang="{Localization.SiteCultures.HtmlLang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
                <title>{encode.Encode(title)}</title><link rel="stylesheet" href="/site.css"></head>
                <body><main id="main"><section class="panel error-page"><div class="status-code" aria-hidden="true">503</div><h1>{encode.Encode(title)}</h1>
                <p>{encode.Encode(message)}</p><ul class="ways"><li><a href="/">{encode.Encode(home)}</a></li></ul></section></main></body></html>
                """);
        }
    }
}

/// <summary>
/// The database answers a query — with a connection of its own and no retries, so that a database that is down is
/// reported within the check's timeout instead of after the retrying strategy gives up.
/// </summary>
public sealed class DatabaseHealthCheck(IDbContextFactory<WenkuDb> dbFactory, ILogger<DatabaseHealthCheck> log) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            var connection = db.Database.GetDbConnection();
            await connection.OpenAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT 1";
            await command.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The cause goes to the log: /health/ready is public, and a driver's message names hosts and users.
            log.LogWarning(e, "Readiness: the database is unreachable");
            return HealthCheckResult.Unhealthy("database unreachable (the cause is in the site's log)");
        }
    }
}

/// <summary>The search backend answers a query (the embedded index opens; PostgreSQL search reads its tables).</summary>
public sealed class SearchHealthCheck(ISearchIndex index, ILogger<SearchHealthCheck> log) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await index.SearchAsync(new SearchQuery("", PageSize: 1), cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.LogWarning(e, "Readiness: search is unavailable");
            return HealthCheckResult.Unhealthy("search unavailable (the cause is in the site's log)");
        }
    }
}
