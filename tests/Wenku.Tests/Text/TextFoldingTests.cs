using Shouldly;
using Wenku.Text;
using Xunit;

namespace Wenku.Tests.Text;

public sealed class TextFoldingTests
{
    [Theory]
    [InlineData("國際體育", "国际体育")]
    [InlineData("說話們發題", "说话们发题")]
    [InlineData("ＡＢＣ１２３ｘｙｚ", "abc123xyz")]
    [InlineData("Hello World", "hello world")]
    [InlineData("⽂库", "文库")]
    [InlineData("⻓江", "长江")]
    [InlineData("简体不变", "简体不变")]
    [InlineData("“引号”", "\"引号\"")]
    public void Folds_variants_a_reader_considers_the_same(string input, string expected) =>
        TextFolding.Fold(input).ShouldBe(expected);

    [Fact]
    public void Folding_keeps_every_offset()
    {
        const string text = "臺灣的㈱会社と😀ＡＢＣ";
        TextFolding.Fold(text).Length.ShouldBe(text.Length);
    }

    [Fact]
    public void Characters_that_are_their_own_simplified_form_are_left_alone() =>
        TextFolding.Fold("乾隆").ShouldStartWith("乾");
}
