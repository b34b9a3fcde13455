namespace Wenku.Tests.Infrastructure;

/// <summary>
/// A test over the shared corpus that is reported as <em>skipped</em> (not passed) when <c>WENKU_SKIP_CORPUS=1</c>:
/// xunit v2 reads <see cref="FactAttribute.Skip"/> at discovery, so the attribute sets it from the environment then.
/// </summary>
public sealed class CorpusFactAttribute : FactAttribute
{
    public const string Variable = "WENKU_SKIP_CORPUS";

    public CorpusFactAttribute() => Skip = SkipReason(Environment.GetEnvironmentVariable(Variable));

    /// <summary>Why the test is skipped for this value of the variable, or null when it runs.</summary>
    public static string? SkipReason(string? value) =>
        value == "1" ? $"{Variable}=1: the corpus test was not run." : null;
}
