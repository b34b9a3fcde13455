namespace Wenku.Commerce;

/// <summary>
/// How a sale's price is divided. The uploader's share is <c>price × percent / 100</c> rounded down (integer division of
/// non-negative numbers); the platform gets the remainder, so the two always sum to the price and no point is made or
/// lost by rounding.
/// </summary>
public static class Shares
{
    public const int DefaultUploaderPercent = 70;

    public static (int Uploader, int Platform) Split(int price, int uploaderPercent)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(price);
        ArgumentOutOfRangeException.ThrowIfNegative(uploaderPercent);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(uploaderPercent, 100);
        var uploader = (int)((long)price * uploaderPercent / 100);
        return (uploader, price - uploader);
    }
}
