namespace Wenku.Documents;

/// <summary>
/// The page images of the reader (<c>_PageImages.cshtml</c>, on the document page and <c>/embed/{id}</c>): each with its
/// width and height so nothing moves while it loads; sized documents (<see cref="PreviewVersions.Sized"/>) offer the
/// phone and desktop sizes in WebP and JPEG, older ones their one JPEG.
/// </summary>
public sealed record PageImagesView(Document Doc, IReadOnlyList<DocumentPage> Pages, bool AsDrawing = false)
{
    /// <summary>The width of a phone-size image (the desktop one is <see cref="DocumentPage.Width"/>, about 1400).</summary>
    public const int PhoneWidth = 720;

    /// <summary>
    /// How wide a page is shown: the whole window on a phone, the 50rem reading column on a wider screen (the reader's
    /// zoom changes it, and reader.js changes this with it).
    /// </summary>
    public const string Sizes = "(max-width: 50rem) 100vw, 50rem";

    public bool Sized => Doc.PreviewVersion >= PreviewVersions.Sized;

    public string Jpeg(int page) => $"/d/{Doc.Id}/page/{page}.jpg";

    public string SrcSet(int page, int desktopWidth, bool webp) =>
        $"/d/{Doc.Id}/page/{page}.m.{(webp ? "webp" : "jpg")} {PhoneWidth}w, /d/{Doc.Id}/page/{page}.{(webp ? "webp" : "jpg")} {Math.Max(desktopWidth, PhoneWidth + 1)}w";
}
