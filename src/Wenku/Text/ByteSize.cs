using System.Globalization;

namespace Wenku.Text;

/// <summary>Sizes as people read them: <c>300 KB</c>, <c>1.5 MB</c>, <c>200 MB</c> (1 KB = 1,024 bytes).</summary>
public static class ByteSize
{
    public static string Format(long bytes)
    {
        const double Kb = 1024, Mb = Kb * 1024, Gb = Mb * 1024;
        return bytes switch
        {
            >= (long)Gb => Scaled(bytes / Gb, "GB"),
            >= (long)Mb => Scaled(bytes / Mb, "MB"),
            >= (long)Kb => Scaled(bytes / Kb, "KB"),
            _ => bytes.ToString(CultureInfo.InvariantCulture) + " B",
        };
    }

    // One decimal where it says something (1.5 MB), none where it would be .0 (200 MB); rounded down, so that a
    // limit is never shown larger than it is.
    private static string Scaled(double value, string unit) =>
        (Math.Floor(value * 10) / 10).ToString("0.#", CultureInfo.InvariantCulture) + " " + unit;
}
