using Wenku.Tests.Infrastructure;

namespace Wenku.Tests.Cli;

/// <summary><c>wenku admin grant-points</c> as an operator runs it: the real program on a data folder.</summary>
public sealed class GrantPointsCommandTests : IDisposable
{
    private readonly string _data = TestPaths.NewTempDir("grant-points");

    [Fact]
    public async Task Grant_points_adds_takes_back_refuses_below_zero_and_unknown_users_and_prints_the_balance()
    {
        await WenkuProcess.RunAsync("admin", "create-user", "--data", _data, "--email", "points@test.local", "--password", TestUsers.Password);

        var granted = await OperatorCli.RunAsync("admin", "grant-points", "--data", _data, "--email", "points@test.local", "--points", "150", "--reason", "新用户奖励 welcome");
        granted.ExitCode.ShouldBe(0, granted.ToString());
        granted.Output.ShouldContain("Balance: spendable 150, earned 0.");

        var corrected = await OperatorCli.RunAsync("admin", "grant-points", "--data", _data, "--email", "points@test.local", "--points", "-40", "--reason", "更正 correction");
        corrected.ExitCode.ShouldBe(0, corrected.ToString());
        corrected.Output.ShouldContain("Balance: spendable 110, earned 0.");

        var tooMuch = await OperatorCli.RunAsync("admin", "grant-points", "--data", _data, "--email", "points@test.local", "--points", "-111", "--reason", "too much");
        tooMuch.ExitCode.ShouldNotBe(0, tooMuch.ToString());
        tooMuch.Error.ShouldContain("has 110 spendable points");
        tooMuch.Error.ShouldContain("Nothing was changed");

        var unknown = await OperatorCli.RunAsync("admin", "grant-points", "--data", _data, "--email", "nobody@test.local", "--points", "5", "--reason", "x");
        unknown.ExitCode.ShouldNotBe(0, unknown.ToString());
        unknown.Error.ShouldContain("No user with email nobody@test.local");

        foreach (var args in new[] { new[] { "--points", "0", "--reason", "x" }, new[] { "--points", "5" }, new[] { "--points", "5", "--reason", " " } })
        {
            var refused = await OperatorCli.RunAsync(["admin", "grant-points", "--data", _data, "--email", "points@test.local", .. args]);
            refused.ExitCode.ShouldNotBe(0, refused.ToString());
        }

        // Nothing the refusals touched: one more point lands on 110.
        var after = await OperatorCli.RunAsync("admin", "grant-points", "--data", _data, "--email", "points@test.local", "--points", "1", "--reason", "check");
        after.Output.ShouldContain("Balance: spendable 111, earned 0.");
    }

    public void Dispose() => TestPaths.TryDelete(_data);
}
