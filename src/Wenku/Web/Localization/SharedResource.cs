namespace Wenku;

/// <summary>
/// The marker type of the site's one resource file, <c>Resources/SharedResource.en.resx</c>: the English of every
/// Chinese text the site shows (see <see cref="Web.Localization.SiteCultures"/>).
/// </summary>
public sealed class SharedResource;
