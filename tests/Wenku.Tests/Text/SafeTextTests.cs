using Wenku.Text;

namespace Wenku.Tests.Text;

public sealed class SafeTextTests
{
    [Theory]
    [InlineData("report\u202Egpj.exe", "reportgpj.exe")]
    [InlineData("\u2066隔离\u2069\u2067文本\u2068", "隔离文本")]
    [InlineData("\u200E左\u200F右\u061C", "左右")]
    [InlineData("\u202A\u202B\u202C\u202D嵌入", "嵌入")]
    [InlineData("a\0b\u001B[31mc\u007F\u0085\u009Bd", "ab[31mcd")]
    [InlineData("two\nlines\tand\rtabs", "twolinesandtabs")]
    public void One_line_fields_lose_control_characters_and_direction_marks(string typed, string stored) =>
        SafeText.OneLine(typed).ShouldBe(stored);

    [Fact]
    public void Multi_line_fields_keep_line_breaks_and_tabs_and_lose_the_rest()
    {
        SafeText.MultiLine("  第一行\r\n第二行\u202E\tTab\u0000\rlast\u001B  ").ShouldBe("第一行\n第二行\tTab\nlast");
    }

    [Fact]
    public void Joiners_and_emoji_stay()
    {
        SafeText.OneLine("👩\u200D💻 标题\uFE0F").ShouldBe("👩\u200D💻 标题\uFE0F");
    }

    [Theory]
    [InlineData(300_000, "292.9 KB")]
    [InlineData(102_400, "100 KB")]
    [InlineData(200L * 1024 * 1024, "200 MB")]
    [InlineData(1536L * 1024, "1.5 MB")]
    [InlineData(512, "512 B")]
    [InlineData(3L * 1024 * 1024 * 1024, "3 GB")]
    public void Sizes_read_as_people_read_them(long bytes, string shown) => ByteSize.Format(bytes).ShouldBe(shown);
}
