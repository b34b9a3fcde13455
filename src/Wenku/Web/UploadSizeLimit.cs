using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Wenku.Storage;

namespace Wenku.Web;

/// <summary>
/// Bounds the request body of the two upload doors (<c>POST /upload</c>, <c>POST /api/v1/documents</c>) to the
/// upload limit plus room for the form fields, before a byte of it is read: a declared length over it is refused
/// at once, an undeclared (chunked) one is cut off by the server when it gets there. Every other request keeps the
/// server's small default.
/// </summary>
/// <remarks>An upload that would leave the data folder's disk with less than its reserve is refused (507) here too, before ASP.NET buffers it to that disk.</remarks>
public sealed class UploadSizeLimit(RequestDelegate next, IOptions<WenkuOptions> options, DiskSpace disk)
{
    private const long FormAllowance = 1024 * 1024;
    private readonly long _limit = options.Value.MaxUploadBytes + FormAllowance;

    public Task InvokeAsync(HttpContext context)
    {
        if (!HttpMethods.IsPost(context.Request.Method) || !IsUpload(context.Request.Path)) return next(context);
        if (context.Request.ContentLength > _limit)
        {
            context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            return Task.CompletedTask;
        }
        if (!disk.HasRoomFor(context.Request.ContentLength ?? 0))
        {
            context.Response.StatusCode = StatusCodes.Status507InsufficientStorage;
            return Task.CompletedTask;
        }
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
            size.MaxRequestBodySize = _limit;
        return next(context);
    }

    private static bool IsUpload(PathString path) =>
        path.Equals("/upload", StringComparison.OrdinalIgnoreCase) || path.Equals("/api/v1/documents", StringComparison.OrdinalIgnoreCase)
        || path.Equals("/api/v1/documents/", StringComparison.OrdinalIgnoreCase);
}
