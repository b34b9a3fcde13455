using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Wenku.Web;

/// <summary><c>/health/ready</c> as JSON: the overall status and each check with what it found, so an operator sees what is missing.</summary>
public static class HealthReportJson
{
    public static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        var body = new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new
            {
                status = e.Value.Status.ToString(),
                // Never an exception's own text: this answer is public, and such text names hosts, users and paths.
                description = e.Value.Description ?? (e.Value.Exception is null ? null : "check failed (the cause is in the site's log)"),
                data = e.Value.Data.Count == 0 ? null : e.Value.Data,
            }),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body, JsonSerializerOptions.Web));
    }
}
