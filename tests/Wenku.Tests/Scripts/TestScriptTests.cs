using System.Diagnostics;
using Wenku.Tests.Infrastructure;

namespace Wenku.Tests.Scripts;

/// <summary>
/// <c>scripts/test.sh</c> (the README's test command) run for real, in a copy of the repository's layout with stub
/// setup and services scripts and a fake <c>dotnet</c> on the PATH that prints what dotnet test prints.
/// </summary>
public sealed class TestScriptTests : IDisposable
{
    private readonly string _repo = TestPaths.NewTempDir("test-sh");

    public TestScriptTests()
    {
        var scripts = Directory.CreateDirectory(Path.Combine(_repo, "scripts")).FullName;
        File.Copy(Path.Combine(RepositoryRoot(), "scripts", "test.sh"), Path.Combine(scripts, "test.sh"));
        File.WriteAllText(Path.Combine(scripts, "setup.sh"), "exit 0\n");
        // A first start on a new machine also says what it installs: only the settings are exported.
        File.WriteAllText(Path.Combine(scripts, "services.sh"), "case \"$1\" in start) echo 'Installing: postgresql'; echo WENKU_FAKE_SERVICE=1 ;; esac\nexit 0\n");
    }

    [Fact]
    public async Task A_failing_first_half_still_runs_the_scale_out_half_and_both_are_summarised_and_the_script_fails()
    {
        // The embedded run fails 2 of 12; the scale-out run passes 5.
        FakeDotnet("""
            if [ "${WENKU_TEST_STACK:-}" = scaleout ]; then
              echo "scale-out half ran with $WENKU_FAKE_SERVICE"
              printf 'Test Run Successful.\nTotal tests: 5\n     Passed: 5\n Total time: 1 Seconds\n'; exit 0
            fi
            printf 'Test Run Failed.\nTotal tests: 12\n     Passed: 10\n     Failed: 2\n Total time: 3 Seconds\n'; exit 1
            """);

        var (exit, output) = await RunTestScriptAsync();

        exit.ShouldNotBe(0);
        output.ShouldContain("scale-out half ran with 1");
        var summary = output[output.LastIndexOf("== Summary", StringComparison.Ordinal)..].Split('\n', StringSplitOptions.RemoveEmptyEntries);
        summary[1].ShouldBe("Embedded default (SQLite, local files, Lucene): 10 passed, 2 failed, 0 skipped — failed (exit 1)");
        summary[2].ShouldBe("Scale-out (PostgreSQL, s3rver, PostgreSQL search): 5 passed, 0 failed, 0 skipped");
    }

    [Fact]
    public async Task A_build_failure_is_reported_as_failed_with_its_exit_code_and_two_passing_halves_exit_0()
    {
        FakeDotnet("""
            if [ "${WENKU_TEST_STACK:-}" = scaleout ]; then echo "error CS1002: ; expected"; exit 3; fi
            printf 'Test Run Successful.\nTotal tests: 4\n     Passed: 3\n    Skipped: 1\n'; exit 0
            """);
        var (exit, output) = await RunTestScriptAsync();
        exit.ShouldNotBe(0);
        output.ShouldContain("Embedded default (SQLite, local files, Lucene): 3 passed, 0 failed, 1 skipped\n");
        output.ShouldContain("Scale-out (PostgreSQL, s3rver, PostgreSQL search): failed (exit 3) before any test result");

        FakeDotnet("printf 'Test Run Successful.\\nTotal tests: 1\\n     Passed: 1\\n'; exit 0");
        (await RunTestScriptAsync()).Exit.ShouldBe(0);
    }

    private void FakeDotnet(string body)
    {
        var bin = Directory.CreateDirectory(Path.Combine(_repo, "fake-bin")).FullName;
        var dotnet = Path.Combine(bin, "dotnet");
        File.WriteAllText(dotnet, "#!/usr/bin/env bash\n" + body + "\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(dotnet, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private async Task<(int Exit, string Output)> RunTestScriptAsync()
    {
        var psi = new ProcessStartInfo("bash", [Path.Combine(_repo, "scripts", "test.sh")])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = _repo,
        };
        psi.Environment["PATH"] = $"{Path.Combine(_repo, "fake-bin")}:{Environment.GetEnvironmentVariable("PATH")}";
        psi.Environment.Remove("WENKU_TEST_STACK");
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
        return (process.ExitCode, await stdout + await stderr);
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Wenku.slnx"))) return dir.FullName;
        throw new DirectoryNotFoundException("Wenku.slnx not found above the test binaries");
    }

    public void Dispose() => TestPaths.TryDelete(_repo);
}
