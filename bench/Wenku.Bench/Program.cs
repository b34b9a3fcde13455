using Wenku.Bench;

// Benchmarks of the foundation: each prints Wenku's figure beside its named comparison.
// Usually started by bench/run.sh, which builds Release first and cleans up afterwards.
if (args is ["search", ..]) return await SearchBenchmark.RunAsync(args[1..]);
if (args is ["search-load", ..]) return await SearchLoadBenchmark.RunAsync(args[1..]);
if (args is ["reads", ..]) return await ReadsBenchmark.RunAsync(args[1..]);
var settings = BenchSettings.Parse(args);
if (settings is null)
{
    Console.Error.WriteLine(BenchSettings.Usage);
    return 2;
}
return await BenchRun.RunAsync(settings);
