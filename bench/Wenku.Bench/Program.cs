using Wenku.Bench;

// Benchmarks of the foundation: each prints Wenku's figure beside its named comparison.
// Usually started by bench/run.sh, which builds Release first and cleans up afterwards.
if (args is ["search", ..]) return await SearchBenchmark.RunAsync(args[1..]);
if (args is ["search-load", ..]) return await SearchLoadBenchmark.RunAsync(args[1..]);
if (args is ["reads", ..]) return await ReadsBenchmark.RunAsync(args[1..]);
if (args is ["encode-steps", var stepsDir, ..])
{
    // Where one page's CPU goes, step by step (also printed by the ingest benchmark):
    // encode-steps <folder> [pages | file.pdf | latin pages | scanned pages]
    var pdf = Path.Combine(stepsDir, "steps.pdf");
    Directory.CreateDirectory(stepsDir);
    int PagesArg(int i) => args.Length > i ? int.Parse(args[i], System.Globalization.CultureInfo.InvariantCulture) : 100;
    if (args.Length > 2 && args[2].EndsWith(".pdf", StringComparison.Ordinal)) pdf = args[2];
    else if (args.Length > 2 && args[2] == "latin") BenchPdf.WriteLatin(pdf, "Latin encode steps", PagesArg(3));
    else if (args.Length > 2 && args[2] == "scanned")
    {
        var text = Path.Combine(stepsDir, "steps-text.pdf");
        BenchPdf.Write(text, "基准文档 Encode steps", PagesArg(3));
        await BenchPdf.WriteScannedAsync(pdf, text, Path.Combine(stepsDir, "scan"));
    }
    else BenchPdf.Write(pdf, "基准文档 Encode steps", PagesArg(2));
    EncodeSteps.Print(await EncodeSteps.RunAsync(pdf, Path.Combine(stepsDir, "steps")));
    return 0;
}
if (args is ["webp-knobs", var ppmDir, ..])
{
    // libwebp settings against CPU and bytes on rendered pages (p-*.ppm as encode-steps leaves them): webp-knobs <folder>
    var files = Directory.GetFiles(ppmDir, "p-*.ppm").Order(StringComparer.Ordinal).Take(20).ToArray();
    var bitmaps = files.Select(f => Wenku.Conversion.PreviewEncoder.ReadRendered(f)!).ToArray();
    (string, float, int, (int, int)[])[] knobs =
    [
        ("m0 q75 (ours)", 75, 0, []), ("m0 q75 again", 75, 0, []), ("m1", 75, 1, []), ("m2", 75, 2, []),
        ("m0 segments 1", 75, 0, [(6, 1)]), ("m0 sns 0", 75, 0, [(7, 0)]), ("m0 filter 0", 75, 0, [(8, 0)]),
        ("m0 partitions 3", 75, 0, [(18, 3)]), ("m0 preprocessing 0", 75, 0, [(17, 0)]), ("m0 q50", 50, 0, []), ("m0 q90", 90, 0, []),
        ("m0 thread_level 1", 75, 0, [(21, 1)]), ("m0 low_memory", 75, 0, [(22, 1)]),
    ];
    foreach (var (name, q, m, tuning) in knobs)
    {
        long bytes = 0;
        var before = ThreadClock.Nanoseconds();
        var wall = System.Diagnostics.Stopwatch.StartNew();
        foreach (var bitmap in bitmaps) bytes += Wenku.Conversion.LibWebp.Encode(bitmap, q, m, tuning)?.Length ?? 0;
        Console.WriteLine($"{name,-24} {(ThreadClock.Nanoseconds() - before) / 1e6 / bitmaps.Length,7:0.0} ms CPU/page {wall.Elapsed.TotalMilliseconds / bitmaps.Length,7:0.0} ms wall  {bytes / 1024.0 / bitmaps.Length,7:0.0} KB");
    }
    // The phone WebP of a gray page: lossy as every preview, against the gray-level palette image at a few efforts.
    var phones = bitmaps.Select(b => Wenku.Conversion.PreviewEncoder.Downscale(b, Wenku.Conversion.PreviewEncoder.PhoneWidth)).ToArray();
    var grays = phones.Select(p => Wenku.Conversion.PreviewEncoder.ToGrayLevels(p, Wenku.Conversion.PreviewEncoder.GrayLevels)).ToArray();
    (string, Func<int, byte[]?>)[] phoneKnobs =
    [
        ("phone lossy m0 q75", i => Wenku.Conversion.LibWebp.Encode(phones[i], 75, 0)),
        ("phone is-gray check", i => Wenku.Conversion.PreviewEncoder.IsGray(phones[i]) ? [] : []),
        ("phone paper share", i => { Console.Write($"{Wenku.Conversion.PreviewEncoder.PaperShare(grays[i]):0.00} "); return []; }),
        ("phone to gray levels", i => { using var g = Wenku.Conversion.PreviewEncoder.ToGrayLevels(phones[i], Wenku.Conversion.PreviewEncoder.GrayLevels); return []; }),
        ("phone palette m0 e0", i => Wenku.Conversion.LibWebp.EncodeLossless(grays[i], 0, 0)),
        ("phone palette m1 e25", i => Wenku.Conversion.LibWebp.EncodeLossless(grays[i], 25, 1)),
        ("phone palette m0 e25", i => Wenku.Conversion.LibWebp.EncodeLossless(grays[i], 25, 0)),
        ("phone palette m1 e0", i => Wenku.Conversion.LibWebp.EncodeLossless(grays[i], 0, 1)),
        ("phone palette m1 e10", i => Wenku.Conversion.LibWebp.EncodeLossless(grays[i], 10, 1)),
        ("phone palette m2 e0", i => Wenku.Conversion.LibWebp.EncodeLossless(grays[i], 0, 2)),
        ("phone as the site does", i => new Wenku.Conversion.PreviewEncoder(Microsoft.Extensions.Options.Options.Create(new Wenku.ConversionOptions())).EncodePhoneWebp(phones[i]).Bytes),
    ];
    foreach (var (name, encode) in phoneKnobs)
    {
        long bytes = 0;
        var before = ThreadClock.Nanoseconds();
        for (var i = 0; i < phones.Length; i++) bytes += encode(i)?.Length ?? 0;
        Console.WriteLine($"{name,-24} {(ThreadClock.Nanoseconds() - before) / 1e6 / phones.Length,7:0.0} ms CPU/page {bytes / 1024.0 / phones.Length,7:0.0} KB");
    }
    return 0;
}
var settings = BenchSettings.Parse(args);
if (settings is null)
{
    Console.Error.WriteLine(BenchSettings.Usage);
    return 2;
}
return await BenchRun.RunAsync(settings);
