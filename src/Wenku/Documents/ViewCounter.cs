using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Wenku.Accounts;
using Wenku.Data;

namespace Wenku.Documents;

/// <summary>
/// Counts document views in memory and writes them in one batch every few seconds. A write per page view would make
/// every reader queue behind SQLite's single writer; a crash loses at most the last few seconds of views, which
/// are statistics, not money. A reader counts once per document and day (UTC): the signed-in user by id, anyone else
/// by address and user agent, so a script that fetches a page a million times adds one view, not a million.
/// </summary>
public sealed class ViewCounter(IDbContextFactory<WenkuDb> dbFactory, TimeProvider clock, ILogger<ViewCounter> log) : BackgroundService
{
    private ConcurrentDictionary<long, long> _pending = new();

    /// <summary>
    /// How many (reader, document) pairs a day remembers: 8 bytes each plus the set's overhead, some 40 MB at most.
    /// A day that fills it starts afresh (a reader may then count twice that day) rather than grow without bound.
    /// </summary>
    public const int MaxSeenPerDay = 1_000_000;

    private readonly Lock _seenLock = new();
    private HashSet<ulong> _seen = [];
    private DateOnly _seenDay;

    private static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(3);

    private const string NoViewKey = "wenku.no-view";

    /// <summary>Marks a response that is not a reader's view (a page still converting, refreshing itself).</summary>
    public static void DoNotCount(HttpContext context) => context.Items[NoViewKey] = true;

    /// <summary>
    /// Counts a reader's first successful GET of a document page today, after it was answered, whether the page was
    /// rendered or came from the output cache (which runs no page code).
    /// </summary>
    public async Task CountPageViewsAsync(HttpContext context, Func<Task> next)
    {
        await next();
        if (context.Response.StatusCode == StatusCodes.Status200OK && HttpMethods.IsGet(context.Request.Method)
            && !context.Items.ContainsKey(NoViewKey) && DocumentId(context.Request.Path) is { } id)
            CountOnce(id, Reader(context));
    }

    /// <summary>Who is reading: the signed-in user's id, else the address and user agent (never stored, only hashed).</summary>
    public static string Reader(HttpContext context) =>
        context.User.UserId() is { } userId
            ? "u:" + userId
            : $"a:{context.Connection.RemoteIpAddress}|{context.Request.Headers.UserAgent}";

    /// <summary>Counts a view of <paramref name="documentId"/> unless <paramref name="reader"/> was already counted for it today.</summary>
    public bool CountOnce(long documentId, string reader)
    {
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        var key = Key(documentId, reader);
        lock (_seenLock)
        {
            if (today != _seenDay || _seen.Count >= MaxSeenPerDay)
            {
                if (today == _seenDay) log.LogInformation("The day's {Count} counted readers were forgotten to bound memory", _seen.Count);
                _seen = [];
                _seenDay = today;
            }
            if (!_seen.Add(key)) return false;
        }
        Count(documentId);
        return true;
    }

    private static ulong Key(long documentId, string reader)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes($"{documentId}|{reader}"), hash);
        return BitConverter.ToUInt64(hash);
    }

    /// <summary>The id in <c>/d/{id}</c>, or null for any other path.</summary>
    public static long? DocumentId(PathString path) =>
        path.StartsWithSegments("/d", out var rest) && rest.Value is { Length: > 1 } v && long.TryParse(v.AsSpan(1), out var id) && id > 0 ? id : null;

    /// <summary>Counts one view, whoever it is from.</summary>
    public void Count(long documentId) => _pending.AddOrUpdate(documentId, 1, (_, n) => n + 1);

    /// <summary>Views counted but not yet written, so a page can show an up-to-date figure.</summary>
    public long Pending(long documentId) => _pending.TryGetValue(documentId, out var n) ? n : 0;

    public async Task FlushAsync(CancellationToken ct)
    {
        if (_pending.IsEmpty) return;
        var batch = Interlocked.Exchange(ref _pending, new ConcurrentDictionary<long, long>());
        // The day of the flush: a view counted in the last seconds before midnight may land on the next day, which a
        // daily chart does not notice.
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await db.Database.CreateExecutionStrategy().ExecuteAsync(async () =>
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            // In id order, as purchase batches lock documents: two transactions that lock rows in one order cannot deadlock.
            foreach (var (id, n) in batch.OrderBy(b => b.Key))
            {
                // Plain SQL (as below): on a long tail of documents a flush holds a row per page read, and a LINQ
                // ExecuteUpdate per row cost more than the statement (bench/reads.sh).
                await db.Database.ExecuteSqlAsync($"""UPDATE "Documents" SET "Views" = "Views" + {n} WHERE "Id" = {id}""", ct);
                // The uploader's chart reads the days; a document deleted meanwhile gets no row (no foreign-key failure
                // that would lose the whole batch).
                await db.Database.ExecuteSqlAsync($"""
                    INSERT INTO "DocumentViewDays" ("DocumentId", "Day", "Views")
                    SELECT {id}, {today}, {n} WHERE EXISTS (SELECT 1 FROM "Documents" WHERE "Id" = {id})
                    ON CONFLICT ("DocumentId", "Day") DO UPDATE SET "Views" = "DocumentViewDays"."Views" + excluded."Views"
                    """, ct);
            }
            await tx.CommitAsync(ct);
        });
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(FlushInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try { await FlushAsync(stoppingToken); }
                catch (Exception e) when (e is not OperationCanceledException) { log.LogWarning(e, "Could not write view counts"); }
            }
        }
        catch (OperationCanceledException) { }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await FlushAsync(cancellationToken);
        }
        catch (ObjectDisposedException)
        {
            // The host tore down its services first (as test hosts do): the last seconds of views are lost, nothing else.
        }
    }
}
