using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Wenku.Data;

namespace Wenku.Documents;

/// <summary>
/// Counts document views in memory and writes them in one batch every few seconds. A write per page view would make
/// every reader queue behind SQLite's single writer; a crash loses at most the last few seconds of views, which
/// are statistics, not money.
/// </summary>
public sealed class ViewCounter(IDbContextFactory<WenkuDb> dbFactory, ILogger<ViewCounter> log) : BackgroundService
{
    private ConcurrentDictionary<long, long> _pending = new();

    private static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(3);

    private const string NoViewKey = "wenku.no-view";

    /// <summary>Marks a response that is not a reader's view (a page still converting, refreshing itself).</summary>
    public static void DoNotCount(HttpContext context) => context.Items[NoViewKey] = true;

    /// <summary>
    /// Counts every successful GET of a document page after it was answered, whether the page was rendered or came
    /// from the output cache (which runs no page code).
    /// </summary>
    public async Task CountPageViewsAsync(HttpContext context, Func<Task> next)
    {
        await next();
        if (context.Response.StatusCode == StatusCodes.Status200OK && HttpMethods.IsGet(context.Request.Method)
            && !context.Items.ContainsKey(NoViewKey) && DocumentId(context.Request.Path) is { } id)
            Count(id);
    }

    /// <summary>The id in <c>/d/{id}</c>, or null for any other path.</summary>
    public static long? DocumentId(PathString path) =>
        path.StartsWithSegments("/d", out var rest) && rest.Value is { Length: > 1 } v && long.TryParse(v.AsSpan(1), out var id) && id > 0 ? id : null;

    public void Count(long documentId) => _pending.AddOrUpdate(documentId, 1, (_, n) => n + 1);

    /// <summary>Views counted but not yet written, so a page can show an up-to-date figure.</summary>
    public long Pending(long documentId) => _pending.TryGetValue(documentId, out var n) ? n : 0;

    public async Task FlushAsync(CancellationToken ct)
    {
        if (_pending.IsEmpty) return;
        var batch = Interlocked.Exchange(ref _pending, new ConcurrentDictionary<long, long>());
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await db.Database.CreateExecutionStrategy().ExecuteAsync(async () =>
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            foreach (var (id, n) in batch)
                await db.Documents.Where(d => d.Id == id).ExecuteUpdateAsync(s => s.SetProperty(d => d.Views, d => d.Views + n), ct);
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
