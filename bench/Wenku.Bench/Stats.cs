using System.Globalization;

namespace Wenku.Bench;

public static class Stats
{
    public static TimeSpan Median(IEnumerable<TimeSpan> values)
    {
        var sorted = values.Order().ToList();
        if (sorted.Count == 0) throw new InvalidOperationException("no values");
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    public static double Median(IEnumerable<double> values) =>
        Median(values.Select(TimeSpan.FromSeconds)).TotalSeconds;

    public static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture) + " s";

    public static string Ms(double ms) => ms.ToString(ms < 10 ? "0.00" : "0.0", CultureInfo.InvariantCulture) + " ms";

    /// <summary>Two decimals, or two significant digits for small ratios (so 0.0036× does not print as 0.00×).</summary>
    public static string Ratio(double r) =>
        r.ToString(r >= 0.1 ? "0.00" : "G2", CultureInfo.InvariantCulture) + "×";
}
