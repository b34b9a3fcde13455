using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Wenku.Accounts;
using Wenku.Cli;
using Wenku.Commerce;
using Wenku.Commerce.Alipay;
using Wenku.Data;
using Wenku.Documents;
using Wenku.Storage;
using Wenku.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Wenku.Tests.Commerce;

/// <summary>
/// <c>kill -9</c> of the real program during a stream of purchases and Alipay notifications: after the restart the ledger
/// verifies, every 200 is there and every notification answered <c>success</c> is credited exactly once. On the test
/// stack: SQLite, or (<c>WENKU_TEST_STACK=scaleout</c>) a PostgreSQL database and an s3rver bucket of its own.
/// </summary>
[Trait(WenkuFactory.Suite, WenkuFactory.OnBothStacks)]
public sealed class LedgerCrashTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int OrderCount = 30;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly string _data = TestPaths.NewTempDir("ledger-crash");
    private readonly (string Postgres, S3StorageOptions S3)? _scaleOut = WenkuFactory.OnScaleOutStack
        ? (ScaleOutServices.NewPostgresDatabase("crash"), ScaleOutServices.NewBucket("crash")) : null;

    /// <summary>The stack's settings (configuration keys): none for SQLite and the data folder's files.</summary>
    private Dictionary<string, string?> Stack => _scaleOut is { } s ? ScaleOutServices.SiteSettings(s.Postgres, s.S3) : [];

    /// <summary>The stack's settings as a process's environment.</summary>
    private Dictionary<string, string> StackEnv => Stack.ToDictionary(kv => kv.Key.Replace(":", "__", StringComparison.Ordinal), kv => kv.Value!);

    public async Task InitializeAsync()
    {
        if (_scaleOut is { } s) await ScaleOutServices.CreateBucketAsync(s.S3);
    }

    public async Task DisposeAsync()
    {
        if (_scaleOut is { } s)
        {
            await ScaleOutServices.DeleteBucketAsync(s.S3);
            await ScaleOutServices.DropPostgresDatabaseAsync(s.Postgres);
        }
        TestPaths.TryDelete(_data);
    }

    /// <summary>The serve process's settings: no workers, Alipay against the stand-in, its public address its real port.</summary>
    private Dictionary<string, string> Settings(AlipayStandIn gateway, int port)
    {
        var o = gateway.SiteOptions();
        return new(StackEnv)
        {
            ["Wenku__Workers"] = "0",
            ["Wenku__Alipay__Enabled"] = "true",
            ["Wenku__Alipay__GatewayUrl"] = o.GatewayUrl,
            ["Wenku__Alipay__AppId"] = o.AppId!,
            ["Wenku__Alipay__SellerId"] = o.SellerId!,
            ["Wenku__Alipay__PrivateKey"] = o.PrivateKey!,
            ["Wenku__Alipay__AlipayPublicKey"] = o.AlipayPublicKey!,
            ["Wenku__Alipay__PublicUrl"] = $"http://127.0.0.1:{port}",
            ["Wenku__Alipay__OrdersPerHour"] = "1000",
            // Only notifications credit here: the reconciliation job's queries would credit paid orders on their own.
            ["Wenku__Alipay__ReconcileEverySeconds"] = "86400",
        };
    }

    /// <summary>One stream of requests against the site until <paramref name="stop"/>; records what was answered.</summary>
    private delegate Task Stream(Uri site, CancellationToken stop);

    [Fact]
    public async Task Kill_9_during_a_stream_of_purchases_and_alipay_notifications_loses_nothing_answered_and_credits_each_recharge_once()
    {
        const int readerCount = 6, docCount = 40;
        await using var gateway = await AlipayStandIn.StartAsync();
        var port = WenkuProcess.FreePort();
        var env = Settings(gateway, port);
        var (tokens, docs, orders) = await SeedAsync(readerCount, docCount, env);

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
        // Alipay's servers: each order paid at the stand-in, its signed notification posted to the serve process (now and
        // then twice); the orders whose notification was answered `success` are recorded.
        var credited = new ConcurrentBag<string>();
        streams.Add(async (_, stop) =>
        {
            foreach (var order in orders)
            {
                if (stop.IsCancellationRequested) return;
                try
                {
                    if (await gateway.PayAsync(order) != "success") continue;
                    credited.Add(order);
                    if (Random.Shared.Next(3) == 0) await gateway.NotifyAsync(order);
                    await Task.Delay(Random.Shared.Next(40), CancellationToken.None);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException) { return; }
            }
        });

        using (var site = await WenkuProcess.StartServeAsync(_data, env, port))
        {
            using var stop = new CancellationTokenSource();
            var running = streams.Select(s => Task.Run(() => s(site.BaseAddress, stop.Token))).ToList();
            var until = DateTime.UtcNow.AddSeconds(60);
            while ((answered.Count < 30 || credited.Count < 8) && DateTime.UtcNow < until && running.Any(t => !t.IsCompleted)) await Task.Delay(20);
            site.KillHard();
            await stop.CancelAsync();
            await Task.WhenAll(running);
        }
        var paidAtAlipay = gateway.Orders.Values.Where(o => o.Status == "TRADE_SUCCESS").Select(o => o.OutTradeNo).ToHashSet();
        output.WriteLine($"{answered.Count} purchases had answered 200 and {credited.Count} of {paidAtAlipay.Count} notifications `success` when the site was killed");
        answered.Count.ShouldBeGreaterThanOrEqualTo(30);
        credited.Count.ShouldBeGreaterThanOrEqualTo(8);

        // The restart listens on the same address: the notify_url Alipay holds for each order.
        using (var site = await WenkuProcess.StartServeAsync(_data, env, port))
        {
            (await WenkuProcess.RunAsync(StackEnv, "admin", "ledger", "verify", "--data", _data)).ShouldContain("every invariant holds");

            // Every notification answered `success` is credited exactly once; an order Alipay never reported paid is not.
            var (rechargeOrders, creditsOf, clearing) = await RechargesAsync();
            foreach (var order in credited)
            {
                rechargeOrders[order].ShouldBe(RechargeState.Paid, $"order {order} was answered success and is not paid");
                creditsOf(order).ShouldBe(1, $"order {order} credited other than once");
            }
            foreach (var order in orders.Where(o => !paidAtAlipay.Contains(o)))
                (rechargeOrders[order], creditsOf(order)).ShouldBe((RechargeState.Pending, 0));

            // Alipay sends again what was answered `success`: nothing more is credited.
            foreach (var order in credited) (await gateway.NotifyAsync(order)).Body.ShouldBe("success");
            (await RechargesAsync()).Clearing.ShouldBe(clearing);

            // What was in flight at the kill (paid at Alipay, never answered) is credited when Alipay tries again, once.
            foreach (var order in paidAtAlipay) (await gateway.NotifyAsync(order)).Body.ShouldBe("success");
            foreach (var order in paidAtAlipay) (await gateway.NotifyAsync(order)).Body.ShouldBe("success");
            (rechargeOrders, creditsOf, clearing) = await RechargesAsync();
            foreach (var order in paidAtAlipay) (rechargeOrders[order], creditsOf(order)).ShouldBe((RechargeState.Paid, 1));
            var points = await WithDbAsync(db => db.RechargeOrders.AsNoTracking().Where(o => o.State == RechargeState.Paid).SumAsync(o => o.Points));
            clearing.ShouldBe(-points);

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
        (await WenkuProcess.RunAsync(StackEnv, "admin", "ledger", "verify", "--data", _data)).ShouldContain("every invariant holds");
    }

    /// <summary>Each recharge order's state, how many Recharge transactions each has, and the PaymentClearing account's sum.</summary>
    private Task<(Dictionary<string, RechargeState> Orders, Func<string, int> CreditsOf, long Clearing)> RechargesAsync() => WithDbAsync(async db =>
    {
        var orders = await db.RechargeOrders.AsNoTracking().ToDictionaryAsync(o => o.OutTradeNo, o => o.State);
        var credits = (await db.LedgerTransactions.AsNoTracking().Where(t => t.Kind == TransactionKind.Recharge).Select(t => t.Reference!).ToListAsync())
            .GroupBy(r => r).ToDictionary(g => g.Key, g => g.Count());
        var clearing = await db.LedgerPostings.Where(p => p.Account.Kind == AccountKind.PaymentClearing).SumAsync(p => p.Amount);
        return (orders, (Func<string, int>)(o => credits.GetValueOrDefault(o)), clearing);
    });

    /// <summary>
    /// Readers with API tokens and points, paid documents of an uploader, and recharge orders the readers opened at the
    /// cashier (the stand-in), written as <c>wenku admin</c> and the site write them, in this process (documents as rows:
    /// buying needs no files).
    /// </summary>
    private async Task<(List<string> Tokens, List<(long Id, int Price)> Docs, List<string> Orders)> SeedAsync(int readers, int count, Dictionary<string, string> env)
    {
        await using var services = CliServices.Build(_data, env.Select(kv => new KeyValuePair<string, string?>(kv.Key.Replace("__", ":", StringComparison.Ordinal), kv.Value)));
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
        var grants = new PointGrants(new Ledger(db), db, new Wenku.Moderation.AuditLog(db, TimeProvider.System));
        var tokens = new List<string>();
        var readerIds = new List<string>();
        for (var i = 0; i < readers; i++)
        {
            var (reader, _) = await accounts.CreateOrUpdateAsync($"reader{i}@crash.test", TestUsers.Password, Roles.User);
            tokens.Add(await scope.ServiceProvider.GetRequiredService<ApiTokens>().CreateAsync(reader!.Id, "crash", CancellationToken.None));
            await grants.GrantAsync(reader.Id, 10_000, "崩溃测试 crash test", null, CancellationToken.None);
            readerIds.Add(reader.Id);
        }
        var recharges = scope.ServiceProvider.GetRequiredService<RechargeService>();
        var orders = new List<string>();
        using var cashier = new HttpClient();
        for (var i = 0; i < OrderCount; i++)
        {
            var created = (await recharges.CreateAsync(readerIds[i % readers], 1 + i % 5, AlipayChannel.Page, new Uri("http://unused.test"), CancellationToken.None))
                .ShouldBeOfType<RechargeRequestOutcome.Created>();
            (await cashier.GetStringAsync(created.PayUrl)).ShouldContain("cashier");
            orders.Add(created.Order.OutTradeNo);
        }
        var result = docs.Select(d => (d.Id, d.Price)).ToList();
        SqliteConnection.ClearAllPools();
        NpgsqlConnection.ClearAllPools();
        return (tokens, result, orders);
    }

    private async Task<T> WithDbAsync<T>(Func<WenkuDb, Task<T>> action)
    {
        await using var services = CliServices.Build(_data, Stack);
        await using var scope = services.CreateAsyncScope();
        var result = await action(scope.ServiceProvider.GetRequiredService<WenkuDb>());
        SqliteConnection.ClearAllPools();
        NpgsqlConnection.ClearAllPools();
        return result;
    }

    private static HttpClient Client(Uri site, string token) =>
        new() { BaseAddress = site, DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Bearer", token) }, Timeout = TimeSpan.FromSeconds(30) };
}
