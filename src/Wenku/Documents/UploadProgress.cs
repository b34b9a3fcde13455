using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Localization;
using Wenku.Accounts;
using Wenku.Data;
using Wenku.Web.Localization;

namespace Wenku.Documents;

/// <summary>Where one document is, as its uploader's pages show it: the status, the pages converted, the reason of a failure.</summary>
public sealed record ConversionState(long Id, DocumentStatus Status, int ConvertedPages, int PageCount, string? ErrorCode, string? ErrorArgs, string? Error)
{
    /// <summary>Ready, held, failed or removed: nothing will change without a person.</summary>
    public bool IsFinal => Status is not (DocumentStatus.Queued or DocumentStatus.Processing);

    public static ConversionState Of(Document d) => new(d.Id, d.Status, d.ConvertedPages, d.PageCount, d.ErrorCode, d.ErrorArgs, d.Error);
}

/// <summary>A document's status in words for its uploader (never the enum's name).</summary>
public static class ConversionWords
{
    public static string Describe(IStringLocalizer T, ConversionState s) => s.Status switch
    {
        DocumentStatus.Queued => T["排队中"],
        DocumentStatus.Processing when s.ConvertedPages > 0 && s.PageCount >= s.ConvertedPages => T.Text("转换中（第 {0}/{1} 页）", s.ConvertedPages, s.PageCount),
        DocumentStatus.Processing when s.ConvertedPages > 0 => T.Text("转换中（已转换 {0} 页）", s.ConvertedPages),
        DocumentStatus.Processing => T["转换中"],
        DocumentStatus.Ready => T["已发布"],
        DocumentStatus.Held => T["待审核"],
        DocumentStatus.Failed => T.Text("转换失败：{0}", StoredMessages.Render(T, s.ErrorCode, s.ErrorArgs, s.Error) ?? T["原因不明。"]),
        DocumentStatus.Removed => T["已下架"],
        _ => T["未知"],
    };

    /// <summary>The CSS class of the status badge: queued, converting, ready, held, failed, removed.</summary>
    public static string Css(DocumentStatus status) => status == DocumentStatus.Processing ? "converting" : status.ToString().ToLowerInvariant();
}

/// <summary>
/// <c>GET /me/progress?ids=1,2,3</c>: the uploader's documents' conversion, pushed as server-sent events while it goes on —
/// one <c>status</c> event per change (queued → page k of n → ready/held/failed with its reason, in the reader's
/// language), heartbeat comments, and a <c>done</c> event when every document is final, after which the stream ends.
/// The server watches the database (every half second); the browser does not poll. Other people's ids are ignored.
/// </summary>
public static class UploadProgress
{
    /// <summary>How many documents one stream follows.</summary>
    public const int MaxIds = 50;

    /// <summary>How many streams one person may hold open at once (each tab of /upload or /me holds one).</summary>
    public const int MaxStreamsPerUser = 4;

    private static readonly TimeSpan Every = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(15);
    /// <summary>A stream ends after this long even if a conversion still runs; the browser's EventSource reconnects.</summary>
    private static readonly TimeSpan Longest = TimeSpan.FromMinutes(10);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly ConcurrentDictionary<string, int> OpenStreams = new();

    /// <summary>How many streams one process holds open at once, for everybody (each holds a connection and polls the database).</summary>
    public const int MaxStreams = 500;
    private static int _allStreams;

    public static void MapUploadProgress(this IEndpointRouteBuilder app) =>
        app.MapGet("/me/progress", StreamAsync).RequireAuthorization().CacheOutput(p => p.NoCache()).ExcludeFromDescription();

    private static async Task<IResult> StreamAsync(string? ids, HttpContext http, WenkuDb db, IStringLocalizer<SharedResource> T, TimeProvider clock, CancellationToken ct)
    {
        var wanted = (ids ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(i => long.TryParse(i, NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : -1).ToList();
        if (wanted.Count == 0 || wanted.Contains(-1))
            return Results.Problem(statusCode: 400, title: T["请给出要关注的文档编号。"]);
        if (wanted.Count > MaxIds)
            return Results.Problem(statusCode: 400, title: T.Text("一次最多关注 {0} 个文档。", MaxIds));
        var userId = http.User.UserId()!;
        if (Interlocked.Increment(ref _allStreams) > MaxStreams)
        {
            Interlocked.Decrement(ref _allStreams);
            http.Response.Headers.RetryAfter = "30";
            return Results.Problem(statusCode: 503, title: T["服务器繁忙，请稍后再试。"]);
        }
        if (OpenStreams.AddOrUpdate(userId, 1, (_, n) => n + 1) > MaxStreamsPerUser)
        {
            Release(userId);
            http.Response.Headers.RetryAfter = "10";
            return Results.Problem(statusCode: 429, title: T["打开的进度页面太多，请关闭一些再试。"]);
        }
        // The stream ends when the reader leaves or the site stops (a graceful shutdown does not wait for it).
        using var either = CancellationTokenSource.CreateLinkedTokenSource(ct,
            http.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping);
        try
        {
            await RunAsync(wanted.Distinct().ToList(), userId, http, db, T, clock, either.Token);
        }
        catch (OperationCanceledException) when (either.IsCancellationRequested)
        {
            // The reader went away, or the site is stopping.
        }
        finally
        {
            Release(userId);
        }
        return Results.Empty;
    }

    private static void Release(string userId)
    {
        Interlocked.Decrement(ref _allStreams);
        if (OpenStreams.AddOrUpdate(userId, 0, (_, n) => n - 1) <= 0) OpenStreams.TryRemove(KeyValuePair.Create(userId, 0));
    }

    private static async Task RunAsync(List<long> ids, string userId, HttpContext http, WenkuDb db, IStringLocalizer T, TimeProvider clock, CancellationToken ct)
    {
        var response = http.Response;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache, no-store";
        response.Headers["X-Accel-Buffering"] = "no"; // nginx in front: pass each event on at once
        // Compression and buffering would hold events back until the response ends.
        http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        if (http.Features.Get<IHttpsCompressionFeature>() is { } compression) compression.Mode = HttpsCompressionMode.DoNotCompress;
        await response.WriteAsync("retry: 2000\n\n", ct);
        await response.Body.FlushAsync(ct);

        var sent = new Dictionary<long, ConversionState>();
        var started = clock.GetUtcNow();
        var lastWrite = started;
        while (!ct.IsCancellationRequested)
        {
            var states = await db.Documents.AsNoTracking().Where(d => ids.Contains(d.Id) && d.UploaderId == userId)
                .Select(d => new ConversionState(d.Id, d.Status, d.ConvertedPages, d.PageCount, d.ErrorCode, d.ErrorArgs, d.Error))
                .ToListAsync(ct);
            var events = new StringBuilder();
            foreach (var s in states.Where(s => !sent.TryGetValue(s.Id, out var before) || before != s))
            {
                sent[s.Id] = s;
                events.Append("event: status\ndata: ").Append(JsonSerializer.Serialize(new
                {
                    id = s.Id, status = ConversionWords.Css(s.Status), final = s.IsFinal, text = ConversionWords.Describe(T, s),
                    page = s.ConvertedPages, pages = s.PageCount, url = $"/d/{s.Id}",
                }, Json)).Append("\n\n");
            }
            // Deleted documents and other people's ids have no state: they count as final.
            var done = states.All(s => s.IsFinal);
            if (done) events.Append("event: done\ndata: {}\n\n");
            var now = clock.GetUtcNow();
            if (events.Length == 0 && now - lastWrite >= Heartbeat) events.Append(": heartbeat\n\n");
            if (events.Length > 0)
            {
                await response.WriteAsync(events.ToString(), ct);
                await response.Body.FlushAsync(ct);
                lastWrite = now;
            }
            if (done || now - started >= Longest) return;
            await Task.Delay(Every, clock, ct);
        }
    }
}
