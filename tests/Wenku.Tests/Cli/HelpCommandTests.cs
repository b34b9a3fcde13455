using Wenku.Tests.Infrastructure;

namespace Wenku.Tests.Cli;

/// <summary>The real program asked for help (or given nonsense) prints and exits; it never starts a site.</summary>
public sealed class HelpCommandTests : IDisposable
{
    private readonly string _cwd = TestPaths.NewTempDir("cli-help");

    [Theory]
    [InlineData]
    [InlineData("--help")]
    [InlineData("-h")]
    public async Task Bare_wenku_or_help_prints_the_commands_and_exits_0_without_creating_data(params string[] args)
    {
        var (exit, output, _) = await WenkuProcess.RunToEndAsync(_cwd, args);

        exit.ShouldBe(0);
        foreach (var command in new[] { "serve", "worker", "admin", "import" })
            output.ShouldContain($"  {command}", customMessage: $"help lists {command}");
        Directory.Exists(Path.Combine(_cwd, "data")).ShouldBeFalse("help must not start a site that seeds ./data");
    }

    [Fact]
    public async Task An_unknown_command_exits_non_zero_and_names_it()
    {
        var (exit, _, error) = await WenkuProcess.RunToEndAsync(_cwd, "sevre");

        exit.ShouldNotBe(0);
        error.ShouldContain("sevre");
        Directory.Exists(Path.Combine(_cwd, "data")).ShouldBeFalse();
    }

    public void Dispose() => TestPaths.TryDelete(_cwd);
}
