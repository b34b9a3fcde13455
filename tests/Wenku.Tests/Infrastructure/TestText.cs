using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Wenku.Tests.Infrastructure;

/// <summary>The site's localizer outside a request, for code under test that takes one (the thread's culture decides).</summary>
public static class TestText
{
    public static readonly IStringLocalizer<SharedResource> T = new StringLocalizer<SharedResource>(
        new ResourceManagerStringLocalizerFactory(Options.Create(new LocalizationOptions { ResourcesPath = "Resources" }), NullLoggerFactory.Instance));
}
