using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Localization;
using Wenku.Web.Localization;

namespace Wenku.Tests.Web;

/// <summary>English counts read naturally ("1 document found", "2 documents found"); Chinese has no plural to choose.</summary>
public sealed class PluralTests
{
    private static IStringLocalizer<SharedResource> Localizer()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddWenkuText();
        return services.BuildServiceProvider().GetRequiredService<IStringLocalizer<SharedResource>>();
    }

    private static string In(string culture, Func<string> text)
    {
        var (ui, c) = (CultureInfo.CurrentUICulture, CultureInfo.CurrentCulture);
        try
        {
            CultureInfo.CurrentUICulture = CultureInfo.CurrentCulture = new CultureInfo(culture);
            return text();
        }
        finally
        {
            (CultureInfo.CurrentUICulture, CultureInfo.CurrentCulture) = (ui, c);
        }
    }

    [Theory]
    [InlineData(1, "1 document found", "找到 1 篇文档")]
    [InlineData(0, "0 documents found", "找到 0 篇文档")]
    [InlineData(25, "25 documents found", "找到 25 篇文档")]
    public void The_search_count_is_singular_for_one_document_in_english(int count, string english, string chinese)
    {
        var T = Localizer();
        In("en", () => T["找到 {0} 篇文档", count].Value).ShouldBe(english);
        In("zh-CN", () => T["找到 {0} 篇文档", count].Value).ShouldBe(chinese);
    }

    [Fact]
    public void Page_and_document_counts_choose_their_form_by_the_number_and_other_text_is_untouched()
    {
        var T = Localizer();
        In("en", () => T.Text("{0} 页", 1)).ShouldBe("1 page");
        In("en", () => T.Text("{0} 页", 12)).ShouldBe("12 pages");
        In("en", () => T.Text("{0} 篇文档", 1L)).ShouldBe("1 document");
        // A bar in a text that has no count stays a bar.
        In("en", () => T["文本文件（UTF-8，每行一个词，或“词<TAB>block|review”；# 开头为注释）"].Value).ShouldContain("block|review");
        PluralLocalizer.Form("{0} item|{0} items", ["x"]).ShouldBe("{0} item|{0} items");
    }
}
