using Wenku.Bench;

// Benchmarks of the foundation: each prints Wenku's figure beside its named comparison.
// Usually started by bench/run.sh, which builds Release first and cleans up afterwards.
if (args is ["search", ..]) return await SearchBenchmark.RunAsync(args[1..]);
if (args is ["search-load", ..]) return await SearchLoadBenchmark.RunAsync(args[1..]);
if (args is ["reads", ..]) return await ReadsBenchmark.RunAsync(args[1..]);
if (args is ["encode-steps", var stepsDir, ..])
{
    // Where one page's CPU goes, step by step (also printed by the ingest benchmark): encode-steps <folder> [pages | file.pdf]
    var pdf = Path.Combine(stepsDir, "steps.pdf");
    Directory.CreateDirectory(stepsDir);
    if (args.Length > 2 && args[2].EndsWith(".pdf", StringComparison.Ordinal)) pdf = args[2];
    else BenchPdf.Write(pdf, "基准文档 Encode steps", args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 100);
    EncodeSteps.Print(await EncodeSteps.RunAsync(pdf, Path.Combine(stepsDir, "steps")));
    return 0;
}
var settings = BenchSettings.Parse(args);
if (settings is null)
{
    Console.Error.WriteLine(BenchSettings.Usage);
    return 2;
}
return await BenchRun.RunAsync(settings);
