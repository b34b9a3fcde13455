namespace Wenku.Moderation;

/// <summary>What a moderator's decision on a queue item (report, claim, appeal, held document, comment) came to.</summary>
public abstract record Decision
{
    public sealed record Done(string Message) : Decision;
    public sealed record NotFound : Decision;
    /// <summary>Decided already (by someone else meanwhile): nothing changed.</summary>
    public sealed record NotOpen : Decision;
    /// <summary>No reason, or one too long.</summary>
    public sealed record BadReason : Decision;
    /// <summary>An action this item does not have.</summary>
    public sealed record BadAction : Decision;
    /// <summary>This moderator may not decide it (e.g. the appeal of their own removal).</summary>
    public sealed record NotAllowed(string Why) : Decision;
}

/// <summary>The reason a staff member gives for an action: required, one line, at most <see cref="MaxLength"/> characters.</summary>
public static class StaffReason
{
    public const int MaxLength = 500;

    /// <summary>The reason as stored (<see cref="Text.SafeText.OneLine"/>), or null when it is empty or too long.</summary>
    public static string? Clean(string? reason)
    {
        var clean = Text.SafeText.OneLine(reason);
        return clean.Length is 0 or > MaxLength ? null : clean;
    }
}
