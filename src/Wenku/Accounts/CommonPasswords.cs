using Microsoft.AspNetCore.Identity;

namespace Wenku.Accounts;

/// <summary>
/// Refuses the passwords people use most (<c>12345678</c>, <c>password1</c> …): the first ones an attacker tries.
/// The list is John the Ripper's <c>password.lst</c> (Debian <c>john-data</c>, public domain, 3,546 entries),
/// embedded in the program; compared without regard to case.
/// </summary>
public sealed class CommonPasswords : IPasswordValidator<WenkuUser>
{
    /// <summary>The error's code (the site shows it in the reader's language).</summary>
    public const string Code = "CommonPassword";

    private static readonly Lazy<HashSet<string>> List = new(Load);

    public static bool Contains(string password) => List.Value.Contains(password.Trim());

    public Task<IdentityResult> ValidateAsync(UserManager<WenkuUser> manager, WenkuUser user, string? password) =>
        Task.FromResult(password is not null && Contains(password)
            ? IdentityResult.Failed(new IdentityError
            {
                Code = Code,
                Description = "This password is one of the most common ones and easily guessed; choose another.",
            })
            : IdentityResult.Success);

    private static HashSet<string> Load()
    {
        using var stream = typeof(CommonPasswords).Assembly.GetManifestResourceStream("Wenku.Accounts.common-passwords.txt")
            ?? throw new InvalidOperationException("The embedded common-password list is missing.");
        using var reader = new StreamReader(stream);
        var set = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        while (reader.ReadLine() is { } line)
            if (line.Length > 0 && !line.StartsWith('#')) set.Add(line);
        return set;
    }
}
