using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using System.Net;
using Microsoft.Extensions.Options;

namespace Wenku.Accounts;

/// <summary>How password guessing is slowed (<c>Wenku:Accounts</c>).</summary>
public sealed class AccountOptions
{
    public const string Section = "Wenku:Accounts";

    /// <summary>Wrong passwords one address may try on one account per window; then that address may not try that account.</summary>
    [Range(1, 10_000)]
    public int FailuresPerAccountAndAddress { get; set; } = 5;

    /// <summary>
    /// Wrong passwords one address may try on all accounts together per window; then each of its attempts is delayed.
    /// Not refused: many people may share one address (a NAT, an office), and one of them guessing must not keep the
    /// others out. (The per-minute sign-in rate limit still bounds how often the address may try.)
    /// </summary>
    [Range(1, 100_000)]
    public int FailuresPerAddress { get; set; } = 20;

    /// <summary>Wrong passwords on one account (from any address) per window before each further attempt is delayed.</summary>
    [Range(1, 100_000)]
    public int FailuresPerAccountBeforeDelay { get; set; } = 10;

    /// <summary>The longest delay of a password attempt on an account under attack, in milliseconds.</summary>
    [Range(0, 60_000)]
    public int MaxDelayMs { get; set; } = 3_000;

    /// <summary>Minutes over which failures are counted.</summary>
    [Range(1, 24 * 60)]
    public int WindowMinutes { get; set; } = 15;
}

/// <summary>
/// Slows password guessing without locking anyone out. Accounts are never locked (a lock would let anyone keep the
/// owner out): an address that keeps failing on one account is refused *password sign-in to that account* for the
/// rest of the window; an address failing on many accounts, and an account attacked from many addresses, answer each
/// further attempt a little later (bounded by <see cref="AccountOptions.MaxDelayMs"/>). Live sessions and API tokens are never affected.
/// Counts are per process: a scale-out site with N serves allows N times as many.
/// </summary>
public sealed class SignInThrottle(TimeProvider clock, IOptions<AccountOptions> options)
{
    private readonly record struct Window(DateTimeOffset Start, int Failures);

    private readonly ConcurrentDictionary<string, Window> _windows = new();

    private AccountOptions Options => options.Value;

    /// <summary>Whether this address may not try a password on this account for now.</summary>
    public bool IsRefused(string email, IPAddress? address) =>
        Failures(PairKey(email, address)) >= Options.FailuresPerAccountAndAddress;

    /// <summary>
    /// The delay before checking a password: zero until the account has failed often from anywhere, or the address
    /// has failed often on any accounts.
    /// </summary>
    public TimeSpan DelayFor(string email, IPAddress? address)
    {
        var over = Math.Max(
            Failures(AccountKey(email)) - Options.FailuresPerAccountBeforeDelay,
            Failures(AddressKey(address)) - Options.FailuresPerAddress + 1);
        return over <= 0 ? TimeSpan.Zero : TimeSpan.FromMilliseconds(Math.Min(Options.MaxDelayMs, over * 250.0));
    }

    public void RecordFailure(string email, IPAddress? address)
    {
        var now = clock.GetUtcNow();
        if (_windows.Count > 100_000) Prune(now);
        foreach (var key in new[] { AddressKey(address), PairKey(email, address), AccountKey(email) })
            _windows.AddOrUpdate(key, _ => new Window(now, 1),
                (_, w) => Expired(w, now) ? new Window(now, 1) : w with { Failures = w.Failures + 1 });
    }

    private int Failures(string key) =>
        _windows.TryGetValue(key, out var w) && !Expired(w, clock.GetUtcNow()) ? w.Failures : 0;

    private bool Expired(Window w, DateTimeOffset now) => now - w.Start >= TimeSpan.FromMinutes(Options.WindowMinutes);

    private void Prune(DateTimeOffset now)
    {
        foreach (var (key, w) in _windows)
            if (Expired(w, now)) _windows.TryRemove(key, out _);
    }

    private static string AddressKey(IPAddress? address) => "ip:" + address;
    private static string AccountKey(string email) => "account:" + email.Trim().ToUpperInvariant();
    private static string PairKey(string email, IPAddress? address) => AccountKey(email) + "|" + address;
}
