using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Wenku.Commerce.Alipay;

/// <summary>Alipay's amounts are yuan with at most two decimals as text; ours are integer fen. No floating point on the way.</summary>
public static partial class AlipayAmount
{
    /// <summary>Fen as Alipay's <c>total_amount</c>: 1 → "0.01", 123456 → "1234.56".</summary>
    public static string Format(long fen)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fen);
        return string.Create(CultureInfo.InvariantCulture, $"{fen / 100}.{fen % 100:D2}");
    }

    /// <summary>Alipay's yuan text as fen ("0.1" → 10, "12" → 1200); false for anything else (negative, three decimals, words).</summary>
    public static bool TryParse([NotNullWhen(true)] string? yuan, out long fen)
    {
        fen = 0;
        if (yuan is null) return false;
        var match = Yuan().Match(yuan);
        if (!match.Success) return false;
        var cents = match.Groups["cents"].Value.PadRight(2, '0');
        fen = long.Parse(match.Groups["yuan"].Value, CultureInfo.InvariantCulture) * 100 + int.Parse(cents, CultureInfo.InvariantCulture);
        return true;
    }

    // At most 12 digits of yuan: far above Alipay's limit (100,000,000), far below long's.
    [GeneratedRegex(@"^(?<yuan>0|[1-9][0-9]{0,11})(\.(?<cents>[0-9]{1,2}))?\z", RegexOptions.CultureInvariant)]
    private static partial Regex Yuan();
}
