using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Wenku.Accounts;
using Wenku.Cli;
using Wenku.Commerce;
using Wenku.Data;
using Wenku.Documents;
using Wenku.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Wenku.Tests.Commerce;

/// <summary><c>kill -9</c> of the real program during a stream of purchases: after the restart the ledger verifies and every 200 is there.</summary>
public sealed class LedgerCrashTests(ITestOutputHelper output) : IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly string _data = TestPaths.NewTempDir("ledger-crash");
    private static readonly Dictionary<string, string> Env = new() { ["Wenku__Workers"] = "0" };

    /// <summary>One stream of requests against the site until <paramref name="stop"/>; records what was answered.</summary>
    private delegate Task Stream(Uri site, CancellationToken stop);

    [Fact]
    public async Task Kill_9_during_a_stream_of_purchases_loses_no_answered_purchase_and_the_ledger_verifies()
    {
        const int readerCount = 6, docCount = 40;
        var (tokens, docs) = await SeedAsync(readerCount, docCount);

        // Every purchase that answered 200: (reader, document, purchase id).
        var answered = new ConcurrentBag<(int Reader, long Doc, long PurchaseId)>();
        var streams = new List<Stream>();
        for (var r = 0; r < readerCount; r++)
        {
            var reader = r;
            streams.Add(async (site, stop) =>
            {
                using var api = Client(site, tokens[reader]);
                foreach (var (doc, price) in docs.OrderBy(_ => Random.Shared.Next()))
                {
                    if (stop.IsCancellationRequested) return;
                    try
                    {
                        var response = await LedgerMoves.BuyAsync(api, doc, price);
                        if (response.StatusCode != HttpStatusCode.OK) continue;
                        var receipt = (await response.Content.ReadFromJsonAsync<PurchaseReceipt>(Json))!;
                        answered.Add((reader, doc, receipt.PurchaseId!.Value));
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException or JsonException) { return; }
                }
            });
        }
        // Hook: the Alipay slice adds a stream here that posts signed notifications (AlipayStandIn) for pending recharge
        // orders and records those answered `success`; `ledger verify` below then proves each paid order has exactly one
        // Recharge transaction, and the assertions after it should check that every order answered `success` is Paid.

        using (var site = await WenkuProcess.StartServeAsync(_data, Env))
        {
            using var stop = new CancellationTokenSource();
            var running = streams.Select(s => Task.Run(() => s(site.BaseAddress, stop.Token))).ToList();
            var until = DateTime.UtcNow.AddSeconds(60);
            while (answered.Count < 30 && DateTime.UtcNow < until && running.Any(t => !t.IsCompleted)) await Task.Delay(20);
            site.KillHard();
            await stop.CancelAsync();
            await Task.WhenAll(running);
        }
        output.WriteLine($"{answered.Count} purchases had answered 200 when the site was killed");
        answered.Count.ShouldBeGreaterThanOrEqualTo(30);

        using (var site = await WenkuProcess.StartServeAsync(_data, Env))
        {
            (await WenkuProcess.RunAsync("admin", "ledger", "verify", "--data", _data)).ShouldContain("every invariant holds");

            var purchases = await WithDbAsync(db => db.Purchases.AsNoTracking().ToListAsync());
            foreach (var (reader, doc, id) in answered)
                purchases.ShouldContain(p => p.Id == id && p.DocumentId == doc, $"purchase {id} of reader {reader} answered 200 and is gone");

            // The site buys on after the restart, and a reader who bought before the crash is not charged again.
            var again = answered.First().Reader;
            using var api = Client(site.BaseAddress, tokens[again]);
            var owned = answered.Where(a => a.Reader == again).Select(a => a.Doc).ToHashSet();
            foreach (var (doc, price) in docs.Where(d => owned.Contains(d.Id)))
            {
                var receipt = (await (await LedgerMoves.BuyAsync(api, doc, price)).Content.ReadFromJsonAsync<PurchaseReceipt>(Json))!;
                (receipt.Charged, receipt.AlreadyOwned).ShouldBe((0, true));
            }
        }
        (await WenkuProcess.RunAsync("admin", "ledger", "verify", "--data", _data)).ShouldContain("every invariant holds");
    }

    /// <summary>
    /// Readers with API tokens and points, and paid documents of an uploader, written as <c>wenku admin</c> and the site
    /// write them, in this process (documents as rows: buying needs no files).
    /// </summary>
    private async Task<(List<string> Tokens, List<(long Id, int Price)> Docs)> SeedAsync(int readers, int count)
    {
        await using var services = CliServices.Build(_data);
        await DatabaseSetup.InitializeAsync(services, CancellationToken.None);
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WenkuDb>();
        var accounts = scope.ServiceProvider.GetRequiredService<AccountService>();
        var (uploader, _) = await accounts.CreateOrUpdateAsync("uploader@crash.test", TestUsers.Password, Roles.User);
        var category = await db.Categories.Where(c => c.Slug == "other").Select(c => c.Id).SingleAsync();
        var docs = Enumerable.Range(0, count).Select(i => new Document
        {
            Title = $"崩溃测试 crash {i}", CategoryId = category, UploaderId = uploader!.Id, OriginalFileName = "paid.pdf", Format = "pdf", SizeBytes = 1,
            Sha256 = Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N"), StorageKey = $"originals/test/{Guid.NewGuid():N}.pdf",
            PreviewPages = 1, PageCount = 3, Price = 1 + i % 9, Status = DocumentStatus.Ready,
        }).ToList();
        db.Documents.AddRange(docs);
        await db.SaveChangesAsync();
        var grants = new PointGrants(new Ledger(db), db);
        var tokens = new List<string>();
        for (var i = 0; i < readers; i++)
        {
            var (reader, _) = await accounts.CreateOrUpdateAsync($"reader{i}@crash.test", TestUsers.Password, Roles.User);
            tokens.Add(await scope.ServiceProvider.GetRequiredService<ApiTokens>().CreateAsync(reader!.Id, "crash", CancellationToken.None));
            await grants.GrantAsync(reader.Id, 10_000, "崩溃测试 crash test", null, CancellationToken.None);
        }
        var result = docs.Select(d => (d.Id, d.Price)).ToList();
        SqliteConnection.ClearAllPools();
        return (tokens, result);
    }

    private async Task<T> WithDbAsync<T>(Func<WenkuDb, Task<T>> action)
    {
        await using var services = CliServices.Build(_data);
        await using var scope = services.CreateAsyncScope();
        var result = await action(scope.ServiceProvider.GetRequiredService<WenkuDb>());
        SqliteConnection.ClearAllPools();
        return result;
    }

    private static HttpClient Client(Uri site, string token) =>
        new() { BaseAddress = site, DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Bearer", token) }, Timeout = TimeSpan.FromSeconds(30) };

    public void Dispose() => TestPaths.TryDelete(_data);
}
