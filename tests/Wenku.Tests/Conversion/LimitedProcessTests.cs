using System.Diagnostics;
using Wenku.Conversion;

namespace Wenku.Tests.Conversion;

public sealed class LimitedProcessTests
{
    [Fact]
    public async Task A_hanging_converter_is_killed_at_its_time_limit()
    {
        var sw = Stopwatch.StartNew();
        var outcome = await LimitedProcess.RunAsync("sleep", ["30"], TimeSpan.FromSeconds(1), 512L << 20, 1000, CancellationToken.None);
        sw.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(10));
        outcome.TimedOut.ShouldBeTrue();
    }

    [Fact]
    public async Task A_converter_that_eats_memory_dies_at_its_memory_limit()
    {
        // mawk doubles a string until it cannot: under a 64 MB address-space limit it fails quickly.
        var outcome = await LimitedProcess.RunAsync("awk", ["BEGIN { s = \"x\"; while (1) s = s s }"], TimeSpan.FromSeconds(20), 64L << 20, 1000, CancellationToken.None);
        outcome.TimedOut.ShouldBeFalse();
        outcome.ExitCode.ShouldNotBe(0);
    }

    [Fact]
    public async Task Output_floods_are_truncated_not_buffered()
    {
        var outcome = await LimitedProcess.RunAsync("head", ["-c", "5000000", "/dev/zero"], TimeSpan.FromSeconds(20), 256L << 20, 1000, CancellationToken.None);
        outcome.StdOut.Length.ShouldBe(1000);
        outcome.OutputTruncated.ShouldBeTrue();
    }

    [Fact]
    public async Task Cancellation_kills_the_process_and_throws()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await Should.ThrowAsync<OperationCanceledException>(() =>
            LimitedProcess.RunAsync("sleep", ["30"], TimeSpan.FromSeconds(60), 512L << 20, 1000, cts.Token));
    }

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
