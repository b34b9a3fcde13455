using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Wenku.Data;
using Wenku.Documents;

namespace Wenku.Commerce;

/// <summary>One of an uploader's documents with what it brought: views, downloads, live sales and the earned points from them.</summary>
public sealed record DocumentEarnings(long DocumentId, string Title, DocumentStatus Status, int Price, long Views, long Downloads, long Sales, long Earned);

/// <summary>The sums over all of an uploader's documents.</summary>
public sealed record EarningsTotals(int Documents, long Views, long Downloads, long Sales, long Earned);

/// <summary>One UTC day of an uploader's documents.</summary>
public sealed record EarningsDay(DateOnly Day, long Views, long Downloads, long Earned);

/// <summary>
/// What an uploader's documents earned. Sales are live purchases (a refunded one no longer counts, and its share went back
/// from the uploader's earned points); earned is the sum of their <see cref="Purchase.UploaderShare"/>. A document's
/// purchases count for whoever holds the document now, so a successful claim moves its history with it. Every query is
/// grouped in the database and bounded by the user's documents and, for the chart, by the first day shown.
/// </summary>
public sealed class Earnings(WenkuDb db, TimeProvider clock)
{
    /// <summary>The most documents the per-document table lists (newest first); the totals cover all of them.</summary>
    public const int MaxDocuments = 500;

    /// <summary>The chart's spans in days.</summary>
    public static readonly int[] ChartDays = [30, 90];

    public async Task<(IReadOnlyList<DocumentEarnings> Documents, EarningsTotals Totals)> PerDocumentAsync(string userId, CancellationToken ct)
    {
        var mine = db.Documents.AsNoTracking().Where(d => d.UploaderId == userId);
        var docs = await mine.OrderByDescending(d => d.CreatedAt).ThenByDescending(d => d.Id).Take(MaxDocuments)
            .Select(d => new { d.Id, d.Title, d.Status, d.Price, d.Views, d.Downloads }).ToListAsync(ct);
        var sales = await (from p in db.Purchases.AsNoTracking()
                           join d in mine on p.DocumentId equals d.Id
                           where p.RefundedAt == null
                           group p by p.DocumentId into g
                           select new { DocumentId = g.Key, Count = g.LongCount(), Earned = g.Sum(p => (long)p.UploaderShare) })
            .ToDictionaryAsync(x => x.DocumentId, ct);
        var rows = docs.Select(d => sales.TryGetValue(d.Id, out var s)
            ? new DocumentEarnings(d.Id, d.Title, d.Status, d.Price, d.Views, d.Downloads, s.Count, s.Earned)
            : new DocumentEarnings(d.Id, d.Title, d.Status, d.Price, d.Views, d.Downloads, 0, 0)).ToList();

        var counts = await mine.GroupBy(d => 1)
            .Select(g => new { Count = g.Count(), Views = g.Sum(d => d.Views), Downloads = g.Sum(d => (long)d.Downloads) })
            .SingleOrDefaultAsync(ct);
        var totals = new EarningsTotals(counts?.Count ?? 0, counts?.Views ?? 0, counts?.Downloads ?? 0,
            sales.Values.Sum(s => s.Count), sales.Values.Sum(s => s.Earned));
        return (rows, totals);
    }

    /// <summary>The last <paramref name="days"/> UTC days up to today, oldest first, every day present (zero when nothing happened).</summary>
    public async Task<IReadOnlyList<EarningsDay>> DailyAsync(string userId, int days, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(days, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(days, 366);
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        var first = today.AddDays(1 - days);
        var since = first.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        var mine = db.Documents.AsNoTracking().Where(d => d.UploaderId == userId);

        var views = await (from v in db.DocumentViewDays.AsNoTracking()
                           join d in mine on v.DocumentId equals d.Id
                           where v.Day >= first
                           group v by v.Day into g
                           select new { Day = g.Key, Views = g.Sum(v => v.Views) })
            .ToDictionaryAsync(x => x.Day, x => x.Views, ct);
        var downloads = await (from x in db.Downloads.AsNoTracking()
                               join d in mine on x.DocumentId equals d.Id
                               where x.At >= since
                               group x by x.At.Date into g
                               select new { Day = g.Key, Count = g.LongCount() })
            .ToListAsync(ct);
        var earned = await (from p in db.Purchases.AsNoTracking()
                            join d in mine on p.DocumentId equals d.Id
                            where p.At >= since && p.RefundedAt == null
                            group p by p.At.Date into g
                            select new { Day = g.Key, Earned = g.Sum(p => (long)p.UploaderShare) })
            .ToListAsync(ct);
        var downloadsByDay = downloads.ToDictionary(x => DateOnly.FromDateTime(x.Day), x => x.Count);
        var earnedByDay = earned.ToDictionary(x => DateOnly.FromDateTime(x.Day), x => x.Earned);

        return Enumerable.Range(0, days).Select(i => first.AddDays(i)).Select(day => new EarningsDay(day,
            views.GetValueOrDefault(day), downloadsByDay.GetValueOrDefault(day), earnedByDay.GetValueOrDefault(day))).ToList();
    }
}

/// <summary>One bar of a server-rendered SVG bar chart, in the chart's own coordinates.</summary>
public sealed record ChartBar(DateOnly Day, long Value, string X, string Y, string Width, string Height);

/// <summary>
/// The geometry of a bar chart drawn as SVG on the server (no script library): one bar per day, scaled to the largest
/// value. Coordinates are written with the invariant culture, whatever language the page is in.
/// </summary>
public static class BarChart
{
    public const int Width = 900, Height = 120;

    public static IReadOnlyList<ChartBar> Bars(IReadOnlyList<EarningsDay> days, Func<EarningsDay, long> value)
    {
        var max = Math.Max(1, days.Count == 0 ? 1 : days.Max(value));
        var step = (double)Width / Math.Max(1, days.Count);
        return days.Select((d, i) =>
        {
            var v = value(d);
            var h = v <= 0 ? 0 : Math.Max(1.0, (double)v * (Height - 4) / max);
            return new ChartBar(d.Day, v, N(i * step + step * 0.1), N(Height - h), N(step * 0.8), N(h));
        }).ToList();
    }

    private static string N(double x) => Math.Round(x, 2).ToString(CultureInfo.InvariantCulture);
}
