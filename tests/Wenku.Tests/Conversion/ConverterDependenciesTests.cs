using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SkiaSharp;
using Wenku.Conversion;
using Wenku.Documents;
using Wenku.Tests.Infrastructure;

namespace Wenku.Tests.Conversion;

/// <summary>
/// The start-up check of the converters' programs and data packages: what is missing is named in <c>/health/ready</c>
/// and a worker refuses a job that needs it, instead of calling a document ready with blank pages.
/// </summary>
public sealed class ConverterDependenciesTests
{
    private const string Nowhere = "/nonexistent/wenku-test";

    [Fact]
    public void A_missing_program_or_data_folder_is_reported_with_its_package_and_the_formats_that_need_it()
    {
        var check = new ConverterDependencies(
            Options.Create(new ConversionOptions { PopplerDataDir = Nowhere, OfficeProgram = $"{Nowhere}/soffice" }),
            TimeProvider.System, NullLogger<ConverterDependencies>.Instance);

        var report = check.Check();

        report.Missing.Select(m => (m.Name, m.Package)).ShouldBe([("poppler-data", "poppler-data"), ("soffice", "libreoffice-writer-nogui")], ignoreOrder: true);
        report.Checks.Single(c => c.Name == "poppler-data").Found.ShouldContain($"{Nowhere}/cMap/Adobe-GB1");
        // This machine has the rest, each found where it is.
        report.Checks.Single(c => c.Name == "pdftoppm").Found.ShouldEndWith("/pdftoppm");
        report.Checks.ShouldContain(c => c.Name == "tesseract chi_sim" && c.Ok);
        report.Checks.ShouldContain(c => c.Name == "mutool" && c.Ok);
        report.Checks.ShouldContain(c => c.Name == "CJK font" && c.Ok);
        report.MissingFor("pdf").Select(m => m.Name).ShouldBe(["poppler-data"]);
        report.MissingFor("docx").Select(m => m.Name).ShouldBe(["poppler-data", "soffice"], ignoreOrder: true);
        report.MissingFor("dxf").ShouldBeEmpty();
    }

    [Theory]
    [InlineData(1, "Unhealthy")]
    [InlineData(0, "Degraded")] // a scale-out serve that converts nothing itself stays ready
    public async Task A_missing_package_makes_readiness_unhealthy_only_where_this_site_runs_workers(int workers, string status)
    {
        var check = new ConverterDependencies(Options.Create(new ConversionOptions { PopplerDataDir = Nowhere }),
            TimeProvider.System, NullLogger<ConverterDependencies>.Instance);
        var health = new ConverterDependenciesHealthCheck(check, Options.Create(new WenkuOptions { Workers = workers }));

        var result = await health.CheckHealthAsync(new HealthCheckContext());

        result.Status.ToString().ShouldBe(status);
        result.Description.ShouldBe("missing: poppler-data (install poppler-data)");
    }

    [Fact]
    public async Task Readiness_names_the_image_encoders_the_previews_use()
    {
        var check = new ConverterDependencies(Options.Create(new ConversionOptions()), TimeProvider.System, NullLogger<ConverterDependencies>.Instance);
        var health = new ConverterDependenciesHealthCheck(check, Options.Create(new WenkuOptions { Workers = 1 }));

        var result = await health.CheckHealthAsync(new HealthCheckContext());

        // This machine has both (scripts/setup.sh installs libturbojpeg0 and libwebp7): each is reported, and all is healthy.
        result.Data["libturbojpeg"].ShouldBe("ok");
        result.Data["libwebp"].ShouldBe("ok");
        result.Status.ShouldBe(HealthStatus.Healthy);
    }

    [Fact]
    public void A_package_installed_while_the_site_runs_is_seen_at_the_next_recheck_without_a_restart()
    {
        var poppler = TestPaths.NewTempDir("poppler-data");
        try
        {
            var clock = new ManualClock();
            var check = new ConverterDependencies(Options.Create(new ConversionOptions { PopplerDataDir = poppler }),
                clock, NullLogger<ConverterDependencies>.Instance);
            check.Current.Missing.Select(m => m.Name).ShouldBe(["poppler-data"]);

            foreach (var cmap in new[] { "Adobe-GB1", "Adobe-CNS1", "Adobe-Japan1", "Adobe-Korea1" })
                Directory.CreateDirectory(Path.Combine(poppler, "cMap", cmap));
            check.Current.Missing.ShouldNotBeEmpty("the last check is kept until the recheck interval passes");
            clock.Now += ConverterDependencies.RecheckInterval;

            check.Current.Missing.ShouldBeEmpty();
        }
        finally
        {
            TestPaths.TryDelete(poppler);
        }
    }

    private sealed class ManualClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2026, 11, 30, 6, 0, 0, TimeSpan.Zero);
        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public void A_configured_tesseract_language_that_is_not_installed_is_reported()
    {
        var check = new ConverterDependencies(Options.Create(new ConversionOptions { OcrLanguages = "chi_sim+xyz_qq" }),
            TimeProvider.System, NullLogger<ConverterDependencies>.Instance);

        check.Check().Missing.Select(m => (m.Name, m.Package)).ShouldBe([("tesseract xyz_qq", "tesseract-ocr-xyz-qq")]);
    }
}

/// <summary>A site whose poppler-data folder does not exist (as on a machine installed with --no-install-recommends).</summary>
public sealed class NoPopplerDataSite : WenkuFactory
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Wenku:Conversion:PopplerDataDir"] = "/nonexistent/wenku-test/poppler",
    };
}

public sealed class MissingPopplerDataSiteTests(NoPopplerDataSite site) : IClassFixture<NoPopplerDataSite>
{
    [Fact]
    public async Task Health_ready_answers_503_naming_poppler_data()
    {
        var response = await site.CreateClient().GetAsync("/health/ready");

        response.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        var report = await response.Content.ReadFromJsonAsync<JsonElement>();
        report.GetProperty("status").GetString().ShouldBe("Unhealthy");
        var converters = report.GetProperty("checks").GetProperty("converters");
        converters.GetProperty("status").GetString().ShouldBe("Unhealthy");
        converters.GetProperty("description").GetString()!.ShouldContain("poppler-data");
        converters.GetProperty("data").GetProperty("poppler-data").GetString()!.ShouldStartWith("missing");
        converters.GetProperty("data").GetProperty("pdftoppm").GetString()!.ShouldStartWith("ok");
        report.GetProperty("checks").GetProperty("database").GetProperty("status").GetString().ShouldBe("Healthy");
    }

    [Fact]
    public async Task A_pdf_is_not_made_ready_but_stays_queued_saying_which_package_is_missing()
    {
        var (api, _) = await site.ApiClientAsync("nopopplerdata@test.local");
        var id = await api.UploadAsync(TestPdfs.Upload(await File.ReadAllBytesAsync(Fixtures.Issue3521), fileName: "issue3521.pdf"));

        var until = DateTime.UtcNow.AddSeconds(90);
        JsonElement doc;
        do
        {
            await Task.Delay(300);
            doc = await api.GetFromJsonAsync<JsonElement>($"/api/v1/documents/{id}");
        }
        while (doc.GetProperty("error").ValueKind == JsonValueKind.Null && DateTime.UtcNow < until);

        doc.GetProperty("status").GetString().ShouldBe("queued");
        doc.GetProperty("error").GetString()!.ShouldContain("poppler-data");
        doc.GetProperty("pageCount").GetInt32().ShouldBe(0);
    }
}

/// <summary>A site as the setup script installs it (poppler-data present).</summary>
public sealed class NonEmbeddedCjkFontSite : WenkuFactory;

public sealed class NonEmbeddedCjkFontTests(NonEmbeddedCjkFontSite site) : IClassFixture<NonEmbeddedCjkFontSite>
{
    [Fact]
    public async Task A_pdf_with_a_non_embedded_STSong_Light_font_converts_with_its_chinese_text_and_a_non_blank_preview()
    {
        var (api, _) = await site.ApiClientAsync("cjkfont@test.local");

        var doc = await site.UploadAndWaitAsync(api, TestPdfs.Upload(await File.ReadAllBytesAsync(Fixtures.Issue3521), fileName: "issue3521.pdf"));

        doc.Status.ShouldBe(DocumentStatus.Ready, doc.Error);
        var text = await api.GetFromJsonAsync<JsonElement>($"/api/v1/documents/{doc.Id}/text");
        var pages = string.Concat(text.GetProperty("pages").EnumerateArray().Select(p => p.GetProperty("text").GetString()));
        string.Concat(pages.Where(c => !char.IsWhiteSpace(c))).ShouldContain("我们都是黑体字");
        using var page = SKBitmap.Decode(await api.GetByteArrayAsync($"/api/v1/documents/{doc.Id}/pages/1"));
        var ink = 0;
        for (var y = 0; y < page.Height; y += 2)
            for (var x = 0; x < page.Width; x += 2)
                if (page.GetPixel(x, y).Red < 128) ink++; // glyphs; the watermark is lighter than this
        ink.ShouldBeGreaterThan(200, "the page preview is blank");
    }
}

/// <summary>Small files kept in the repository (<c>tests/Wenku.Tests/Fixtures</c>).</summary>
public static class Fixtures
{
    /// <summary>pdf.js's issue3521.pdf: Chinese text (我们都是黑体字) in a non-embedded STSong-Light font, Adobe-GB1 encoding.</summary>
    public static string Issue3521 => Path.Combine(AppContext.BaseDirectory, "Fixtures", "issue3521.pdf");
}
