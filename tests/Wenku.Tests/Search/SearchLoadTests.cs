using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Shouldly;
using Wenku.Data;
using Wenku.Documents;
using Wenku.Search;
using Wenku.Tests.Infrastructure;
using Xunit;

namespace Wenku.Tests.Search;

/// <summary>
/// A site that counts the database commands each request runs (EF Core's "command executed" log, attributed to the
/// request through the hosting log scope), without workers: documents are written straight to the database.
/// </summary>
public sealed class CommandCountingSite : WenkuFactory
{
    public CommandCounter Commands { get; } = new();

    protected override int Workers => 0;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureLogging(logging =>
        {
            logging.AddProvider(Commands);
            logging.AddFilter<CommandCounter>(DbLoggerCategory.Database.Command.Name, LogLevel.Information);
        });
    }
}

/// <summary>Counts executed database commands per request path (path and query string, as the request asked).</summary>
public sealed class CommandCounter : ILoggerProvider, ISupportExternalScope, ILogger
{
    private readonly ConcurrentDictionary<string, int> _byRequest = new();
    private IExternalScopeProvider? _scopes;

    /// <summary>The commands run by requests to <paramref name="path"/> so far.</summary>
    public int For(string path) => _byRequest.GetValueOrDefault(path);

    public ILogger CreateLogger(string categoryName) => categoryName == DbLoggerCategory.Database.Command.Name ? this : Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => _scopes?.Push(state);

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (eventId.Id != Microsoft.EntityFrameworkCore.Diagnostics.RelationalEventId.CommandExecuted.Id) return;
        string? path = null;
        _scopes?.ForEachScope((scope, _) =>
        {
            if (scope is IEnumerable<KeyValuePair<string, object?>> values)
                foreach (var (key, value) in values)
                    if (key == "RequestPath" && value is string p) path = p;
        }, (object?)null);
        if (path is not null) _byRequest.AddOrUpdate(path, 1, (_, n) => n + 1);
    }

    public void Dispose() { }
}

/// <summary>Search under load (issue 15): what a search request costs must not grow with its hits.</summary>
[Trait(WenkuFactory.Suite, WenkuFactory.OnBothStacks)]
public sealed class SearchLoadTests(CommandCountingSite site) : IClassFixture<CommandCountingSite>
{
    /// <summary>Ready documents with page text written straight to the database, then applied to the index.</summary>
    private async Task AddReadyAsync(string uploaderId, string word, int count, int pages)
    {
        await site.WithDbAsync(async db =>
        {
            var category = await db.Categories.Where(c => c.Slug == "other").Select(c => c.Id).SingleAsync();
            for (var i = 0; i < count; i++)
            {
                var doc = new Document
                {
                    Title = $"{word} 第{i}份", UploaderId = uploaderId, CategoryId = category, OriginalFileName = "a.pdf", Format = "pdf",
                    Sha256 = Guid.NewGuid().ToString("N"), StorageKey = $"originals/{Guid.NewGuid():N}", Status = DocumentStatus.Ready,
                    PageCount = pages, PreviewPages = pages, PreviewVersion = 1, CreatedAt = DateTime.UtcNow.AddMinutes(-i),
                };
                db.Documents.Add(doc);
                await db.SaveChangesAsync();
                for (var n = 1; n <= pages; n++)
                    db.DocumentPages.Add(new DocumentPage { DocumentId = doc.Id, Number = n, Text = $"第{n}页 关于{word}的说明，市场需求继续扩大。", Width = 1240, Height = 1754 });
                // The outbox row that carries the page text to search (pages alone are not a change search hears of).
                doc.Description = word;
                await db.SaveChangesAsync();
            }
            return 0;
        });
        await site.Services.GetRequiredService<ISearchIndex>().SyncAsync(CancellationToken.None);
    }

    [Fact]
    public async Task A_search_asks_the_database_the_same_few_questions_for_one_hit_as_for_twenty()
    {
        var uploader = await site.CreateUserAsync("load-" + Guid.NewGuid().ToString("N")[..6] + "@test.local");
        var salt = Guid.NewGuid().ToString("N")[..6];
        string one = "loadone" + salt, many = "loadmany" + salt;
        await AddReadyAsync(uploader, one, 1, 3);
        await AddReadyAsync(uploader, many, 25, 3);
        var client = site.CreateClient();

        // A first search of each kind fills what later ones share (the category names); then each request alone.
        await client.GetStringAsync("/api/v1/search?q=" + many);
        await client.GetStringAsync("/search?q=" + many);
        var counts = new Dictionary<string, int>();
        foreach (var (endpoint, path) in new[] { ("API", "/api/v1/search"), ("page", "/search") })
            foreach (var (word, hits) in new[] { (one, 1), (many, 20) })
            {
                var before = site.Commands.For(path);
                if (endpoint == "API")
                    (await client.GetFromJsonAsync<JsonElement>(path + "?q=" + word)).GetProperty("hits").GetArrayLength().ShouldBe(hits);
                else
                {
                    var page = await client.GetDocumentAsync(path + "?q=" + word);
                    page.QuerySelectorAll("ol.hits > li").Length.ShouldBe(hits);
                    page.QuerySelectorAll("ol.hits .snippet").Length.ShouldBe(hits, "every hit shows its snippet");
                    page.One(".results > .meta").Text().ShouldStartWith(hits == 1 ? "找到 1 篇文档" : "找到 25 篇文档");
                }
                counts[$"{endpoint} {hits}"] = site.Commands.For(path) - before;
            }

        var summary = string.Join(", ", counts.Select(c => $"{c.Key} hit(s): {c.Value}"));
        counts["API 1"].ShouldBe(counts["API 20"], summary);
        counts["page 1"].ShouldBe(counts["page 20"], summary);
        // One question each: are these hits still public (and, for the page, which covers they have)?
        counts.Values.ShouldAllBe(n => n == 1, summary);
    }
}
