using Wenku.Conversion;

namespace Wenku.Tests.Conversion;

public sealed class LimitedProcessTests
{
    [Fact]
    public async Task A_flood_of_errors_keeps_the_last_line_whole_which_says_why_the_converter_gave_up()
    {
        var outcome = await LimitedProcess.RunAsync("sh",
            ["-c", "i=0; while [ $i -lt 3000 ]; do echo \"Syntax Error ($i): Dictionary key must be a name object\" >&2; i=$((i+1)); done; echo 'Syntax Error: Loop in Pages tree' >&2; exit 1"],
            TimeSpan.FromSeconds(30), 512L * 1024 * 1024, 1024, CancellationToken.None);

        outcome.ExitCode.ShouldBe(1);
        outcome.StdErr.Length.ShouldBeLessThanOrEqualTo(8192);
        outcome.StdErr.TrimEnd().ShouldEndWith("Syntax Error: Loop in Pages tree");
        outcome.FirstErrorLine.ShouldStartWith("Syntax Error (");
    }
}
