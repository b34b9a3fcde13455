namespace Wenku.Documents;

/// <summary>
/// The page images of the reader (<c>_PageImages.cshtml</c>, on the document page and <c>/embed/{id}</c>): each with its
/// width and height so nothing moves while it loads; sized documents (<see cref="PreviewVersions.Sized"/>) offer the
/// phone and desktop sizes in WebP and JPEG, older ones their one JPEG.
/// </summary>
/// With <paramref name="Deferred"/> (the reader, whose script loads them), pages past the first
/// <see cref="EagerPages"/> are sent inside <c>&lt;noscript&gt;</c> behind a blank placeholder of the same size:
/// without JavaScript the browser shows them as usual (lazily); with it, reader.js fetches each only when it comes near
/// the window — Chromium's own lazy loading starts ~1,250 px (2½ phone pages) ahead, which a phone pays for in bytes.
public sealed record PageImagesView(Document Doc, IReadOnlyList<DocumentPage> Pages, bool AsDrawing = false, bool Deferred = false)
{
    /// <summary>Pages the reader fetches at once: the first (the largest paint) and the one a phone shows under it.</summary>
    public const int EagerPages = 2;

    /// <summary>Whether the page at <paramref name="index"/> (0-based) waits for the reader's script.</summary>
    public bool Defers(int index) => Deferred && !AsDrawing && index >= EagerPages;

    /// <summary>
    /// A blank image of the page's proportions, inline (no request; <c>img-src data:</c> allows it): it holds the page's
    /// place, so nothing moves when the real image replaces it.
    /// </summary>
    public static string Placeholder(DocumentPage page) =>
        $"data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {page.Width} {page.Height}'/%3E";

    /// <summary>The width of a phone-size image (the desktop one is <see cref="DocumentPage.Width"/>, about 1400).</summary>
    public const int PhoneWidth = 720;

    /// <summary>
    /// How wide a page is shown: the window less <c>main</c>'s padding (.5rem a side up to 40rem, 1rem above), at most
    /// the 50rem reading column (the reader's zoom changes it, and reader.js changes this with it).
    /// </summary>
    public const string Sizes = "(max-width: 40rem) calc(100vw - 1rem), (max-width: 52rem) calc(100vw - 2rem), 50rem";

    /// <summary>
    /// Where the phone size is shown whatever the screen's pixel density: a window up to 40rem wide. The 720 px image
    /// is ~1.9 device pixels per CSS pixel on a 390 px phone; by <see cref="Sizes"/> alone a DPR-3 phone (1,100 px
    /// wanted) would take the desktop image, ~65 % more bytes for text that is already sharp (issue 14's phone target).
    /// reader.js lifts this while the reader is zoomed to 150 %, where the larger image is worth its bytes.
    /// </summary>
    public const string PhoneMedia = "(max-width: 40rem)";

    public bool Sized => Doc.PreviewVersion >= PreviewVersions.Sized;

    /// <summary>Whether the pages have a desktop WebP (version 1); later documents offer the desktop size as JPEG alone.</summary>
    public bool DesktopWebp => PreviewVersions.HasDesktopWebp(Doc.PreviewVersion);

    public string Jpeg(int page) => $"/d/{Doc.Id}/page/{page}.jpg";

    /// <summary>The phone-size image of a page.</summary>
    public string Phone(int page, bool webp) => $"/d/{Doc.Id}/page/{page}.m.{(webp ? "webp" : "jpg")}";

    public string SrcSet(int page, int desktopWidth, bool webp) =>
        $"/d/{Doc.Id}/page/{page}.m.{(webp ? "webp" : "jpg")} {PhoneWidth}w, /d/{Doc.Id}/page/{page}.{(webp ? "webp" : "jpg")} {Math.Max(desktopWidth, PhoneWidth + 1)}w";
}
