using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Wenku.Data;

namespace Wenku.Commerce;

/// <summary>
/// Group commit for purchases: every purchase of this process waits here, and a writer takes all that are waiting (up to
/// <see cref="PurchaseOptions.MaxBatch"/>) and runs them in one database transaction with one commit (<see cref="Purchases.RunBatchAsync"/>).
/// A commit — its fsync, on SQLite and on PostgreSQL — is the largest cost of a purchase; shared by a batch, it is paid
/// once. Nothing waits for a batch to fill: a writer starts as soon as a purchase arrives, and the purchases arriving
/// while it works form the next batch, so a lone purchase is not delayed and a busy site makes larger batches.
/// <para>
/// Every caller is answered only after its batch committed. A batch that fails wrote nothing; its purchases run again
/// one by one, so one bad purchase fails only its own caller. SQLite has one writer (it has one write lock anyway); PostgreSQL has
/// <see cref="PurchaseOptions.PostgresWriters"/>, whose batches lock their rows in one order and so wait for each other, not deadlock.
/// </para>
/// </summary>
public sealed class PurchaseQueue(IServiceScopeFactory scopes, IOptions<PurchaseOptions> options, ILogger<PurchaseQueue> log) : IDisposable
{
    private readonly int maxBatch = options.Value.MaxBatch;

    private readonly Channel<Waiting> waiting = Channel.CreateUnbounded<Waiting>(new UnboundedChannelOptions { SingleWriter = false });
    private readonly CancellationTokenSource stopping = new();
    private readonly Lock startLock = new();
    private bool started;

    /// <summary>Tests: runs after a batch's last purchase, before its commit (a failure there loses the whole batch).</summary>
    internal Func<IReadOnlyList<PurchaseOrder>, Task>? BeforeCommit { get; set; }

    /// <summary>Tests: the sizes of the batches run so far.</summary>
    internal System.Collections.Concurrent.ConcurrentQueue<int> BatchSizes { get; } = new();

    private sealed record Waiting(PurchaseOrder Order, TaskCompletionSource<PurchaseOutcome> Answer);

    /// <summary>
    /// Queues the purchase and waits for its answer. Cancelling stops the wait, not the purchase: once queued it may
    /// still be made (as a request cut off during its commit could be); its idempotency key makes a retry safe.
    /// </summary>
    public Task<PurchaseOutcome> BuyAsync(PurchaseOrder order, CancellationToken ct)
    {
        Start();
        var entry = new Waiting(order, new TaskCompletionSource<PurchaseOutcome>(TaskCreationOptions.RunContinuationsAsynchronously));
        ObjectDisposedException.ThrowIf(!waiting.Writer.TryWrite(entry), this);
        return entry.Answer.Task.WaitAsync(ct);
    }

    /// <summary>
    /// Runs <paramref name="orders"/> as one batch now, beside the writers (tests: a batch whose content is known).
    /// Answers in the orders' order; a failed purchase is its exception.
    /// </summary>
    internal async Task<IReadOnlyList<Task<PurchaseOutcome>>> RunBatchNowAsync(IReadOnlyList<PurchaseOrder> orders)
    {
        var entries = orders.Select(o => new Waiting(o, new TaskCompletionSource<PurchaseOutcome>(TaskCreationOptions.RunContinuationsAsynchronously))).ToList();
        await RunAsync(entries);
        return entries.Select(e => e.Answer.Task).ToList();
    }

    private void Start()
    {
        if (Volatile.Read(ref started)) return;
        lock (startLock)
        {
            if (started) return;
            bool postgres;
            using (var scope = scopes.CreateScope())
                postgres = scope.ServiceProvider.GetRequiredService<WenkuDb>().Database.IsNpgsql();
            for (var w = 0; w < (postgres ? options.Value.PostgresWriters : 1); w++)
                _ = Task.Run(WriteAsync);
            Volatile.Write(ref started, true);
        }
    }

    private async Task WriteAsync()
    {
        var batch = new List<Waiting>(maxBatch);
        try
        {
            while (await waiting.Reader.WaitToReadAsync(stopping.Token))
            {
                batch.Clear();
                while (batch.Count < maxBatch && waiting.Reader.TryRead(out var entry)) batch.Add(entry);
                if (batch.Count > 0) await RunAsync(batch);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        while (waiting.Reader.TryRead(out var left)) left.Answer.TrySetCanceled();
    }

    private async Task RunAsync(IReadOnlyList<Waiting> batch)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var orders = batch.Select(w => w.Order).ToList();
            var hook = BeforeCommit;
            // Not cancelled by the queue's stop: a batch once started commits or fails as a whole and answers every
            // caller (at shutdown the host has drained its requests before it disposes the queue).
            var answers = await scope.ServiceProvider.GetRequiredService<Purchases>()
                .RunBatchAsync(orders, hook is null ? null : () => hook(orders), CancellationToken.None);
            BatchSizes.Enqueue(batch.Count);
            for (var i = 0; i < batch.Count; i++) batch[i].Answer.TrySetResult(answers[i]);
        }
        catch (Exception e) when (batch.Count > 1)
        {
            // The batch was lost (a statement or its commit failed): nothing of it was written and nobody was answered.
            // Each purchase runs again alone, so one bad purchase does not fail the others.
            log.LogWarning(e, "A batch of {Count} purchases failed; running them one by one", batch.Count);
            foreach (var entry in batch) await RunAsync([entry]);
        }
        catch (Exception e)
        {
            log.LogError(e, "Purchase of document {DocumentId} failed", batch[0].Order.DocumentId);
            batch[0].Answer.TrySetException(e);
        }
    }

    public void Dispose()
    {
        waiting.Writer.TryComplete();
        stopping.Cancel(); // not disposed: a batch still finishing reads its token
    }
}

/// <summary>Group commit of purchases (<c>Wenku:Purchases</c>).</summary>
public sealed class PurchaseOptions
{
    public const string Section = "Wenku:Purchases";

    /// <summary>
    /// The most purchases in one database transaction (default 64): bounds how long a batch holds its row locks and how
    /// much a failed commit has to redo one by one. 1 turns group commit off (a transaction per purchase). At most 500,
    /// for those two reasons (a batch's rows travel as arrays or JSON, so no parameter limit of the database applies).
    /// </summary>
    [System.ComponentModel.DataAnnotations.Range(1, 500)]
    public int MaxBatch { get; set; } = 64;

    /// <summary>
    /// Purchase writers per process on PostgreSQL (default 4; SQLite has one). A batch is five round trips whatever its
    /// size. Chosen when batches that sold documents of the same uploaders waited for each other's row locks on those
    /// uploaders' accounts for their whole length: on a loaded 2-CPU machine 4 writers then made 1.4–1.6× the purchases
    /// of 16 at ~0.7× the database CPU a purchase (see <c>bench/README.md</c>). Uploaders are now credited without a
    /// lock until a batch's last statement; 4 against 2 or 16 has not been measured again since.
    /// </summary>
    [System.ComponentModel.DataAnnotations.Range(1, 64)]
    public int PostgresWriters { get; set; } = 4;
}
