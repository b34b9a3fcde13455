using System.Text.RegularExpressions;

namespace Wenku.Storage;

/// <summary>The keys every store accepts: lower-case ASCII paths made by Wenku, never anything that could leave the store.</summary>
public static partial class StorageKeys
{
    public static void Validate(string key)
    {
        if (!IsValid(key)) throw new ArgumentException($"Invalid storage key: {key}", nameof(key));
    }

    public static bool IsValid(string key) => KeyPattern().IsMatch(key) && !key.Contains("..", StringComparison.Ordinal);

    [GeneratedRegex("^[a-z0-9][a-z0-9/._-]{0,199}$")]
    private static partial Regex KeyPattern();
}
