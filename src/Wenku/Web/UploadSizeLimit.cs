using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Wenku.Storage;

namespace Wenku.Web;

/// <summary>
/// Bounds the request body of the two upload doors (<c>POST /upload</c>, <c>POST /api/v1/documents</c>) to the
/// upload limit plus room for the form fields, before a byte of it is read: a declared length over it is refused
/// at once, an undeclared (chunked) one is cut off when it gets there, by the server and by our own counting reader
/// (which holds on every server, the test server too). Either way the answer is a 413 — the site's "file too large"
/// page or the API's problem details — even where the form was read by the antiforgery check, which calls any
/// failure to read it a 400. Every other request keeps the server's small default.
/// </summary>
/// <remarks>An upload that would leave the data folder's disk with less than its reserve is refused (507) here too, before ASP.NET buffers it to that disk.</remarks>
public sealed class UploadSizeLimit(RequestDelegate next, IOptions<WenkuOptions> options, DiskSpace disk)
{
    private const long FormAllowance = 1024 * 1024;
    private readonly long _limit = options.Value.MaxUploadBytes + FormAllowance;

    public async Task InvokeAsync(HttpContext context)
    {
        if (!HttpMethods.IsPost(context.Request.Method) || !IsUpload(context.Request.Path))
        {
            await next(context);
            return;
        }
        if (context.Request.ContentLength > _limit)
        {
            context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            return;
        }
        if (!disk.HasRoomFor(context.Request.ContentLength ?? 0))
        {
            context.Response.StatusCode = StatusCodes.Status507InsufficientStorage;
            return;
        }
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
            size.MaxRequestBodySize = _limit;
        var body = context.Request.ContentLength is null ? new BoundedBody(context.Request.Body, _limit) : null;
        if (body is not null) context.Request.Body = body;
        await next(context);
        // The antiforgery check of the upload page read the form, failed at the limit, and answered 400.
        if (body is { WasTooLarge: true } && context.Response.StatusCode == StatusCodes.Status400BadRequest && !context.Response.HasStarted)
            context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
    }

    private static bool IsUpload(PathString path) =>
        path.Equals("/upload", StringComparison.OrdinalIgnoreCase) || path.Equals("/api/v1/documents", StringComparison.OrdinalIgnoreCase)
        || path.Equals("/api/v1/documents/", StringComparison.OrdinalIgnoreCase);

    /// <summary>A request body that fails with a 413 once more than <c>limit</c> bytes were read (and remembers it).</summary>
    private sealed class BoundedBody(Stream inner, long limit) : Stream
    {
        private long _read;

        /// <summary>The body went past the limit (ours, or the server's own, which may say so first).</summary>
        public bool WasTooLarge { get; private set; }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _read; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            try
            {
                return Counted(await inner.ReadAsync(buffer, cancellationToken));
            }
            catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                WasTooLarge = true;
                throw;
            }
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private int Counted(int n)
        {
            _read += n;
            if (_read > limit)
                throw new BadHttpRequestException("Request body too large.", StatusCodes.Status413PayloadTooLarge);
            return n;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
