using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging.Console;
using Wenku.Data;
using Wenku.Telemetry;

namespace Wenku.Jobs;

/// <summary><c>wenku worker</c>: a process that only converts. It needs the database and the file store, nothing else.</summary>
public static partial class WorkerHost
{
    public static async Task<int> RunAsync(string[] args, int? parentPid)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = WenkuServices.ContentRoot() });
        // Started by a site: every event as one JSON line, which the site logs again as the same event
        // (WorkerLogRelay). Run on its own: the format the configuration asks for, one line per entry by default.
        if (parentPid is not null) builder.Logging.AddJsonLines();
        else if (builder.Configuration.GetSection(LoggingOptions.Section).Get<LoggingOptions>() is { Json: true }) builder.Logging.AddJsonLines();
        else builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.ColorBehavior = LoggerColorBehavior.Disabled; });
        builder.Services.AddWenkuCore(builder.Configuration);
        builder.Services.AddWorkerTelemetry(builder.Configuration);
        builder.Services.AddHostedService<JobWorker>();
        if (parentPid is { } pid)
            builder.Services.AddHostedService(sp => new ParentWatch(pid, sp.GetRequiredService<IHostApplicationLifetime>(),
                sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<WenkuOptions>>().Value.TempDir));
        using var host = builder.Build();
        await DatabaseSetup.MigrateAsync(host.Services);
        var tempDir = host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<WenkuOptions>>().Value.TempDir;
        try
        {
            await host.RunAsync();
        }
        finally
        {
            WorkFolders.RemoveOf(tempDir, Environment.ProcessId);
        }
        return 0;
    }

    /// <summary>Ends the worker when the site that started it is gone (even after <c>kill -9</c>), so no worker is orphaned.</summary>
    private sealed partial class ParentWatch(int parentPid, IHostApplicationLifetime lifetime, string tempDir) : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                if (getppid() != parentPid)
                {
                    lifetime.StopApplication();
                    // A job in hand could hold us for minutes; the lease makes it safe to go now.
                    await Task.Delay(TimeSpan.FromSeconds(3), CancellationToken.None);
                    WorkFolders.RemoveOf(tempDir, Environment.ProcessId);
                    Environment.Exit(0);
                }
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }

        [LibraryImport("libc")]
        private static partial int getppid();
    }
}
