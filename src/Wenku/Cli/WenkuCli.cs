using System.CommandLine;
using Wenku.Jobs;
using Wenku.Web;

namespace Wenku.Cli;

/// <summary>The command line of the one program: <c>serve</c>, <c>worker</c>, <c>admin …</c>, <c>import</c>.</summary>
public static class WenkuCli
{
    public static async Task<int> RunAsync(string[] args)
    {
        // Only host settings (`--key=value`, which is how WebApplicationFactory starts the site): serve. A bare
        // `wenku` prints the commands instead of starting a site and seeding ./data by surprise.
        if (IsHostSettingsOnly(args))
            return await SiteHost.RunAsync(args);
        if (args.Length == 0) args = ["--help"];

        var data = new Option<string?>("--data") { Description = "Data folder of the embedded default (database, files)." };
        var urls = new Option<string?>("--urls") { Description = "Addresses to listen on, e.g. http://127.0.0.1:5000" };

        var serve = new Command("serve", "Run the web site and the API (and, on the embedded default, its workers).") { urls, data };
        serve.SetAction((p, _) => SiteHost.RunAsync(ToHostArgs(p.GetValue(data), p.GetValue(urls), p.UnmatchedTokens)));
        serve.TreatUnmatchedTokensAsErrors = false;

        var parentPid = new Option<int?>("--parent-pid") { Description = "Exit when this process (the site that started the worker) is gone." };
        var worker = new Command("worker", "Run a conversion worker: take jobs from the queue until stopped.") { data, parentPid };
        worker.SetAction((p, _) => WorkerHost.RunAsync(ToHostArgs(p.GetValue(data), null, p.UnmatchedTokens), p.GetValue(parentPid)));
        worker.TreatUnmatchedTokensAsErrors = false;

        var root = new RootCommand("Wenku: a self-hosted document-sharing site")
        {
            serve, worker, AdminCommands.Build(data), ImportCommand.Build(data),
        };
        // The hosts handle SIGTERM/Ctrl+C themselves (graceful shutdown); System.CommandLine must not race them.
        return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
    }

    /// <summary>True when every argument is a host setting of the form <c>--key=value</c> (no command, no help).</summary>
    public static bool IsHostSettingsOnly(IReadOnlyList<string> args) =>
        args.Count > 0 && args.All(a => a.StartsWith("--", StringComparison.Ordinal) && a.IndexOf('=') > 2);

    /// <summary>Turns CLI options into host configuration arguments.</summary>
    public static string[] ToHostArgs(string? data, string? urls, IReadOnlyList<string> rest)
    {
        var args = new List<string>(rest);
        if (data is not null) args.Add($"--{WenkuOptions.Section}:DataDir={Path.GetFullPath(data)}");
        if (urls is not null) args.Add($"--urls={urls}");
        return [.. args];
    }
}
