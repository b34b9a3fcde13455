using System.Globalization;
using System.Text;
using QRCoder;

namespace Wenku.Documents;

/// <summary>
/// A QR code of a URL as an inline SVG, drawn here from QRCoder's module matrix (one path; no System.Drawing, no
/// image file): black on a white square in dark mode too, since scanners need that contrast.
/// </summary>
public static class QrSvg
{
    public static string Of(string text, string label)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(text, QRCodeGenerator.ECCLevel.M);
        var modules = data.ModuleMatrix; // includes the quiet zone (4 modules each side)
        var size = modules.Count;
        var path = new StringBuilder();
        for (var y = 0; y < size; y++)
            for (var x = 0; x < size; x++)
                if (modules[y][x])
                    path.Append(CultureInfo.InvariantCulture, $"M{x} {y}h1v1h-1z");
        var encodedLabel = System.Net.WebUtility.HtmlEncode(label);
        return $"""<svg xmlns="http://www.w3.org/2000/svg" class="qr" viewBox="0 0 {size} {size}" width="{size * 4}" height="{size * 4}" role="img" aria-label="{encodedLabel}" shape-rendering="crispEdges"><title>{encodedLabel}</title><rect width="{size}" height="{size}" fill="#fff"/><path fill="#000" d="{path}"/></svg>""";
    }
}
