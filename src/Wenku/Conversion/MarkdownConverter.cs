using Markdig;
using Markdig.Syntax;
using Markdig.Renderers;
using Markdig.Renderers.Html;
using Markdig.Renderers.Html.Inlines;
using Markdig.Syntax.Inlines;
using Microsoft.Extensions.Options;
using Wenku.Web.Localization;

namespace Wenku.Conversion;

/// <summary>
/// Markdown rendered, not shown as source: decoded like any text file (same size and length bounds), parsed by
/// Markdig (CommonMark with pipe tables and extra emphasis; raw HTML is not HTML but text), turned into HTML that
/// names no resource at all, and laid out by LibreOffice (headings, lists, tables, code; CJK with Noto) → PDF → the
/// PDF pipeline. Images and links are where a document could make the converter fetch a URL or read a local file
/// (<c>![x](http://10.0.0.1/…)</c>, <c>file:///etc/passwd</c>): they are rendered as text — an image as its alt
/// text, a link as its text (a web address after it, as text) — so the HTML LibreOffice reads has no <c>src</c> or
/// <c>href</c> to follow.
/// </summary>
public sealed class MarkdownConverter(IOptions<ConversionOptions> options, OfficeConverter office, PdfConverter pdf) : IDocumentConverter
{
    public static readonly Message TooDeep = new("markdown.too-deep", "此 Markdown 文档的嵌套层次过深（引用、列表或括号层层嵌套）。");

    private readonly ConversionOptions _o = options.Value;

    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .DisableHtml()
        .UsePipeTables()
        .UseEmphasisExtras()
        .Build();

    public bool CanConvert(string format) => format == "md";

    public async Task<ConversionResult> ConvertAsync(ConversionRequest request, CancellationToken ct)
    {
        var workDir = request.WorkDir;
        var markdown = await TextConverter.ReadBoundedAsync(request.InputPath, _o, ct);
        var html = Path.Combine(workDir, "markdown.html");
        await File.WriteAllTextAsync(html, ToHtml(markdown), ct);
        // LibreOffice's Writer/Web import drops the first heading onto a blank page; Writer's own HTML import does not.
        var pdfPath = await office.ToPdfAsync(html, workDir, ct, inputFilter: "HTML (StarWriter)");
        return await pdf.ConvertPdfAsync(pdfPath, workDir, ct, progress: request.Progress);
    }

    /// <summary>A whole HTML page of the Markdown, with no reference to any resource (image, link, style sheet, script).</summary>
    public static string ToHtml(string markdown)
    {
        MarkdownDocument document;
        try
        {
            document = Markdown.Parse(markdown, Pipeline);
        }
        catch (ArgumentException e) when (e.Message.Contains("nested", StringComparison.Ordinal)) // Markdig's depth limit
        {
            throw new ConversionException(TooDeep);
        }
        using var writer = new StringWriter();
        var renderer = new HtmlRenderer(writer);
        Pipeline.Setup(renderer);
        renderer.ObjectRenderers.Replace<LinkInlineRenderer>(new LinkAsText());
        renderer.ObjectRenderers.Replace<AutolinkInlineRenderer>(new AutolinkAsText());
        renderer.Render(document);
        var body = writer.ToString().Replace("<table>", "<table border=\"1\" cellpadding=\"4\" cellspacing=\"0\">", StringComparison.Ordinal);
        // Raw HTML is disabled and images and links are written as text, so these can only be our own mistake.
        if (body.Contains("<img", StringComparison.OrdinalIgnoreCase) || body.Contains("<a ", StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException("Markdown HTML still references a resource");
        return $"""
            <!DOCTYPE html>
            <html lang="zh-CN"><head><meta charset="utf-8"><title>markdown</title>
            <style>body, h1, h2, h3, h4, h5, h6, th, td {"{"} font-family: "Noto Sans CJK SC", sans-serif; {"}"} pre, code {"{"} font-family: "Noto Sans Mono CJK SC", monospace; {"}"}</style>
            </head><body>
            {body}
            </body></html>
            """;
    }

    // Written into the converted pages, which every reader sees alike: in the site's default language.
    public static readonly Message Image = new("markdown.image", "[图片：{0}]");
    public static readonly Message ImageWithoutText = new("markdown.image-without-text", "[图片]");

    /// <summary>An image as <c>[图片：alt]</c>; a link as its text, a web address after it as text.</summary>
    private sealed class LinkAsText : HtmlObjectRenderer<LinkInline>
    {
        protected override void Write(HtmlRenderer renderer, LinkInline link)
        {
            if (link.IsImage)
            {
                var alt = string.Concat(link.Descendants<LiteralInline>().Select(l => l.Content.ToString())).Trim();
                renderer.WriteEscape(alt.Length > 0 ? Image.Format(alt) : ImageWithoutText.Template);
                return;
            }
            renderer.WriteChildren(link);
            if (Uri.TryCreate(link.Url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
                renderer.WriteEscape($" ({link.Url})");
        }
    }

    private sealed class AutolinkAsText : HtmlObjectRenderer<AutolinkInline>
    {
        protected override void Write(HtmlRenderer renderer, AutolinkInline link) => renderer.WriteEscape(link.Url);
    }
}
