using Microsoft.Extensions.Options;
using Wenku.Web.Localization;

namespace Wenku.Conversion;

/// <summary>
/// Word, Excel, PowerPoint, WPS, OpenDocument and RTF to PDF with LibreOffice headless, then through the PDF pipeline.
/// Every conversion is its own <c>soffice</c> process with its own user profile inside the job's work folder
/// (instances sharing a profile corrupt each other and wait on its lock), under a time and an address-space limit,
/// killed with its children on cancel.
/// </summary>
public sealed class OfficeConverter(IOptions<ConversionOptions> options, PdfConverter pdf, ILogger<OfficeConverter> log) : IDocumentConverter
{
    private readonly ConversionOptions _o = options.Value;

    public static readonly Message TimedOut = new("office.timeout", "文档转换超时（{0} 秒），文件可能过大或已损坏。");
    public static readonly Message Unreadable = new("office.unreadable", "无法读取此文档，文件可能已损坏或受密码保护（{0}）。");

    /// <summary>Format → the extension LibreOffice is given: WPS files are Word/Excel/PowerPoint binaries, and
    /// LibreOffice takes <c>.wps</c> for Microsoft Works.</summary>
    private static readonly Dictionary<string, string> InputExtension = new()
    {
        ["doc"] = "doc", ["docx"] = "docx", ["xls"] = "xls", ["xlsx"] = "xlsx", ["ppt"] = "ppt", ["pptx"] = "pptx",
        ["wps"] = "doc", ["et"] = "xls", ["dps"] = "ppt", ["odt"] = "odt", ["ods"] = "ods", ["odp"] = "odp", ["rtf"] = "rtf",
    };

    public bool CanConvert(string format) => InputExtension.ContainsKey(format);

    private readonly SemaphoreSlim _templateGate = new(1, 1);
    private string? _template;
    private bool _templateFailed;

    /// <summary>
    /// A LibreOffice profile initialised once per worker process (its first start writes ~1 MB of settings, a third of
    /// a small conversion's time) and copied for each conversion, so each still has a profile of its own. It lives in
    /// the worker's own work folder (<c>{temp}/work/w{pid}-lo-template</c>), removed with the worker's other folders.
    /// Null when the work folder is not under a <c>work</c> root or the profile could not be made (then each
    /// conversion starts from an empty profile, as before).
    /// </summary>
    private async Task<string?> ProfileTemplateAsync(string workDir, CancellationToken ct)
    {
        if (_template is not null || _templateFailed) return _template;
        var root = new DirectoryInfo(workDir);
        while (root.Parent is not null && root.Parent.Name != "work") root = root.Parent;
        if (root.Parent is null) return null;
        await _templateGate.WaitAsync(ct);
        try
        {
            if (_template is not null || _templateFailed) return _template;
            var template = Path.Combine(root.Parent.FullName, $"w{Environment.ProcessId}-lo-template");
            var making = template + "-" + Guid.NewGuid().ToString("N")[..8];
            var outcome = await LimitedProcess.RunAsync(_o.OfficeProgram,
                ["--headless", "--norestore", "--nolockcheck", "--nodefault", "--nofirststartwizard", "--terminate_after_init",
                 $"-env:UserInstallation={new Uri(making).AbsoluteUri}"],
                TimeSpan.FromSeconds(60), (long)_o.OfficeMemoryMb * 1024 * 1024, 16 * 1024, ct, root.Parent.FullName);
            if (outcome.ExitCode != 0 || !Directory.Exists(making))
            {
                log.LogWarning("Could not prepare a LibreOffice profile (exit {Code}); conversions start from empty profiles", outcome.ExitCode);
                _templateFailed = true;
                return null;
            }
            if (Directory.Exists(template)) Directory.Delete(template, recursive: true);
            Directory.Move(making, template);
            return _template = template;
        }
        finally { _templateGate.Release(); }
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var dir in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)), overwrite: true);
    }

    public async Task<ConversionResult> ConvertAsync(ConversionRequest request, CancellationToken ct)
    {
        var (format, workDir) = (request.Format, request.WorkDir);
        // LibreOffice picks its import filter by the file's extension: the one of the detected format.
        var input = Path.Combine(workDir, "office-input." + (InputExtension.TryGetValue(format, out var ext) ? ext : format));
        File.Copy(request.InputPath, input, overwrite: true);
        var pdfPath = await ToPdfAsync(input, workDir, ct);
        return await pdf.ConvertPdfAsync(pdfPath, workDir, ct, progress: request.Progress);
    }

    /// <summary>
    /// Converts one Office file to PDF in <paramref name="workDir"/>; returns the PDF's path. <paramref name="inputFilter"/>
    /// names LibreOffice's import filter when its own guess is not the one wanted.
    /// </summary>
    public async Task<string> ToPdfAsync(string input, string workDir, CancellationToken ct, string? inputFilter = null)
    {
        var profile = Path.Combine(workDir, "lo-profile");
        var outDir = Path.Combine(workDir, "lo-out");
        Directory.CreateDirectory(outDir);
        if (await ProfileTemplateAsync(workDir, ct) is { } template) CopyDirectory(template, profile);
        var outcome = await LimitedProcess.RunAsync(_o.OfficeProgram,
            [
                "--headless", "--norestore", "--nolockcheck", "--nodefault", "--nofirststartwizard",
                $"-env:UserInstallation={new Uri(Path.GetFullPath(profile)).AbsoluteUri}",
                .. inputFilter is null ? Array.Empty<string>() : [$"--infilter={inputFilter}"],
                "--convert-to", "pdf", "--outdir", outDir, input,
            ],
            TimeSpan.FromSeconds(_o.OfficeTimeoutSeconds), (long)_o.OfficeMemoryMb * 1024 * 1024, 64 * 1024, ct, workDir);

        var pdfPath = Path.Combine(outDir, Path.GetFileNameWithoutExtension(input) + ".pdf");
        if (outcome.TimedOut)
            throw new ConversionException(TimedOut, _o.OfficeTimeoutSeconds);
        if (File.Exists(pdfPath) && new FileInfo(pdfPath).Length > 0 && outcome.ExitCode == 0) return pdfPath;

        var why = outcome.Crashed ? $"the converter crashed or ran out of memory, code {outcome.ExitCode}"
            : outcome.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .LastOrDefault(l => l.StartsWith("Error", StringComparison.Ordinal)) ?? $"exit code {outcome.ExitCode}";
        log.LogInformation("LibreOffice could not convert {Input}: {Reason}; stdout {Out}", input, why, outcome.StdOut);
        throw new ConversionException(Unreadable, why);
    }
}
