using System.Diagnostics;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using SkiaSharp;
using Wenku.Documents;

namespace Wenku.Conversion;

/// <summary>One external program or data package the converters need, and whether this machine has it.</summary>
/// <param name="Name">What is checked (<c>pdftoppm</c>, <c>poppler-data</c>, <c>tesseract chi_sim</c> …).</param>
/// <param name="Package">The Debian package that provides it.</param>
/// <param name="Found">Where it was found, or why it is missing.</param>
public sealed record DependencyStatus(string Name, string Package, bool Ok, string Found, IReadOnlySet<string>? NeededFor)
{
    /// <summary>Whether a document of this format needs it (<see cref="NeededFor"/> null: every format).</summary>
    public bool IsNeededFor(string format) => NeededFor is null || NeededFor.Contains(format);
}

/// <summary>The outcome of one check of every dependency, and when it was made.</summary>
public sealed record DependencyReport(IReadOnlyList<DependencyStatus> Checks, DateTimeOffset CheckedAt)
{
    public IEnumerable<DependencyStatus> Missing => Checks.Where(c => !c.Ok);

    /// <summary>What a document of this format cannot be converted without, on this machine.</summary>
    public IReadOnlyList<DependencyStatus> MissingFor(string format) => [.. Missing.Where(c => c.IsNeededFor(format))];
}

/// <summary>
/// Every external program and data package the converters need (like paperless-ngx's <c>checks.py</c>): poppler's
/// programs and its CJK CMaps (<c>poppler-data</c> — without it a PDF with a non-embedded Chinese font renders blank),
/// MuPDF, LibreOffice, tesseract with the configured languages, tiff2pdf, prlimit and a CJK font. Checked once at
/// start (logged), re-checked at most every <see cref="RecheckInterval"/> while something is missing, so installing
/// the package is seen without a restart. <c>/health/ready</c> reports it; a worker refuses a job that needs what
/// is missing instead of producing blank pages.
/// </summary>
public sealed class ConverterDependencies(IOptions<ConversionOptions> options, TimeProvider clock, ILogger<ConverterDependencies> log)
{
    public static readonly TimeSpan RecheckInterval = TimeSpan.FromSeconds(30);

    private static readonly HashSet<string> Bitmaps = ["jpg", "png", "webp", "bmp", "gif"];
    private static readonly HashSet<string> Drawings = ["dxf", "dwg"];
    private static readonly HashSet<string> Archives = ["zip", "rar", "7z", "tar", "tar.gz"];
    private static readonly HashSet<string> Office = ["doc", "docx", "xls", "xlsx", "ppt", "pptx", "wps", "et", "dps", "odt", "ods", "odp", "rtf", "md"];

    /// <summary>Formats that become a PDF and go through poppler: all but bitmaps and drawings.</summary>
    private static readonly HashSet<string> PdfPipeline =
        [.. FileSniffer.Formats.Keys.Where(f => !Bitmaps.Contains(f) && !Drawings.Contains(f))];

    private readonly Lock _gate = new();
    private DependencyReport? _report;

    /// <summary>The last report; checks now if there is none, or if something was missing and the last check is old.</summary>
    public DependencyReport Current
    {
        get
        {
            var report = _report;
            if (report is not null && (!report.Missing.Any() || clock.GetUtcNow() - report.CheckedAt < RecheckInterval)) return report;
            return Check();
        }
    }

    /// <summary>Checks everything now, logs what is missing, and keeps the result.</summary>
    public DependencyReport Check()
    {
        lock (_gate)
        {
            var o = options.Value;
            var checks = new List<DependencyStatus>();
            foreach (var program in new[] { "pdfinfo", "pdftoppm", "pdftotext" })
                checks.Add(Program(program, program, "poppler-utils", PdfPipeline));
            var cmaps = Path.Combine(o.PopplerDataDir, "cMap");
            var missingCMaps = new[] { "Adobe-GB1", "Adobe-CNS1", "Adobe-Japan1", "Adobe-Korea1" }
                .Where(c => !Directory.Exists(Path.Combine(cmaps, c))).ToList();
            checks.Add(new("poppler-data", "poppler-data", missingCMaps.Count == 0,
                missingCMaps.Count == 0 ? cmaps : $"no {string.Join(", ", missingCMaps.Select(c => Path.Combine(cmaps, c)))}", PdfPipeline));
            checks.Add(Program("mutool", "mutool", "mupdf-tools", PdfPipeline));
            checks.Add(Program("soffice", o.OfficeProgram, "libreoffice-writer-nogui", new HashSet<string>([.. Office, .. Archives])));
            checks.Add(Program("tiff2pdf", "tiff2pdf", "libtiff-tools", new HashSet<string>(["tiff", .. Archives])));
            checks.Add(Program("prlimit", "prlimit", "util-linux", null));
            checks.Add(CjkFont());
            if (o.Ocr) checks.AddRange(Tesseract(o.OcrProgram, o.OcrLanguages));

            var report = new DependencyReport(checks, clock.GetUtcNow());
            foreach (var missing in report.Missing)
                log.LogError("Converter dependency missing: {Name} (Debian package {Package}): {Found}", missing.Name, missing.Package, missing.Found);
            if (!report.Missing.Any() && (_report is null || _report.Missing.Any()))
                log.LogInformation("Converter dependencies present: {Names}", string.Join(", ", checks.Select(c => c.Name)));
            _report = report;
            return report;
        }
    }

    /// <summary>A program named on the PATH, or given as a path.</summary>
    private static DependencyStatus Program(string name, string program, string package, IReadOnlySet<string>? neededFor)
    {
        var found = Find(program);
        return new(name, package, found is not null, found ?? $"{program} not found (PATH: {Environment.GetEnvironmentVariable("PATH")})", neededFor);
    }

    /// <summary>The full path of an executable program: as given if it has a slash, else the first on the PATH.</summary>
    public static string? Find(string program)
    {
        if (program.Contains('/')) return IsExecutable(program) ? Path.GetFullPath(program) : null;
        return (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, program)).FirstOrDefault(IsExecutable);
    }

    private static bool IsExecutable(string path) =>
        File.Exists(path) && (OperatingSystem.IsWindows() || (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0);

    /// <summary>The renderers draw Chinese (watermarks, text pages, drawings) with the font fontconfig picks for it.</summary>
    private static DependencyStatus CjkFont()
    {
        using var typeface = SKFontManager.Default.MatchCharacter('中'); // not translated: a CJK character to find a font for
        return new("CJK font", "fonts-noto-cjk", typeface is not null,
            typeface is null ? "no installed font has Chinese characters (fontconfig)" : typeface.FamilyName, null);
    }

    /// <summary>tesseract itself, and each configured language in <c>tesseract --list-langs</c>.</summary>
    private static IEnumerable<DependencyStatus> Tesseract(string program, string languages)
    {
        var wanted = languages.Split('+', StringSplitOptions.RemoveEmptyEntries);
        var path = Find(program);
        if (path is null)
        {
            yield return new("tesseract", "tesseract-ocr", false, $"{program} not found", null);
            yield break;
        }
        yield return new("tesseract", "tesseract-ocr", true, path, null);
        var installed = ListLanguages(path);
        foreach (var language in wanted)
            yield return new($"tesseract {language}", $"tesseract-ocr-{language.Replace('_', '-')}", installed.Contains(language),
                installed.Contains(language) ? "installed" : $"not in `{program} --list-langs` ({string.Join(", ", installed)})", null);
    }

    private static HashSet<string> ListLanguages(string tesseract)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(tesseract, "--list-langs")
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            })!;
            var output = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(10_000))
            {
                process.Kill(entireProcessTree: true);
                return [];
            }
            // The first line is "List of available languages in …"; the rest are names.
            return [.. output.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Skip(1)];
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return [];
        }
    }
}

/// <summary><c>/health/ready</c>'s "converters" entry: unhealthy, naming what is missing, while a dependency is missing.</summary>
/// <remarks>
/// A site that starts no workers (scale-out: they run on other machines) converts nothing itself: there a missing
/// package is only "degraded" (still 200), so a web-only machine need not carry LibreOffice.</remarks>
public sealed class ConverterDependenciesHealthCheck(ConverterDependencies dependencies, IOptions<WenkuOptions> site) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var report = dependencies.Current;
        var data = report.Checks.ToDictionary(c => c.Name, c => (object)(c.Ok ? $"ok: {c.Found}" : $"missing (install {c.Package}): {c.Found}"));
        var missing = report.Missing.Select(c => $"{c.Name} (install {c.Package})").ToList();
        // The image encoders: without them previews are still made (SkiaSharp's encoders), only several times slower —
        // reported, and "degraded" on a machine that converts, never "unhealthy".
        var slow = new List<string>();
        foreach (var (name, package, available) in Encoders())
        {
            data[name] = available ? "ok" : $"missing (install {package}): previews use SkiaSharp's slower encoder";
            if (!available) slow.Add($"{name} (install {package})");
        }
        if (missing.Count == 0 && slow.Count > 0 && site.Value.Workers > 0)
            return Task.FromResult(HealthCheckResult.Degraded($"slower without: {string.Join(", ", slow)}", data: data));
        return Task.FromResult(missing.Count == 0
            ? HealthCheckResult.Healthy("every converter dependency is present", data)
            : new HealthCheckResult(site.Value.Workers > 0 ? HealthStatus.Unhealthy : HealthStatus.Degraded,
                $"missing: {string.Join(", ", missing)}", data: data));
    }

    /// <summary>The system image encoders the previews use when they load and pass their self-check.</summary>
    internal static IEnumerable<(string Name, string Package, bool Available)> Encoders() =>
        [("libturbojpeg", "libturbojpeg0", TurboJpeg.Available), ("libwebp", "libwebp7", LibWebp.Available)];
}

/// <summary>Checks the converter dependencies when a site or worker starts, so the log says at once what is missing.</summary>
public sealed class ConverterDependenciesAtStart(ConverterDependencies dependencies) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        dependencies.Check();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
