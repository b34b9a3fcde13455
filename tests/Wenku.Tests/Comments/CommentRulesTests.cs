using Wenku.Comments;

namespace Wenku.Tests.Comments;

public sealed class CommentRulesTests
{
    [Theory]
    [InlineData("", "empty")]
    [InlineData("   ", "empty")]
    [InlineData(null, "empty")]
    [InlineData("好", null)]
    public void Empty_comments_are_refused(string? body, string? error) => CommentEndpoints.Validate(body).ShouldBe(error);

    [Fact]
    public void The_limit_is_150_characters_as_a_person_counts_them()
    {
        CommentEndpoints.Validate(new string('字', 150)).ShouldBeNull();
        CommentEndpoints.Validate(new string('字', 151)).ShouldBe("toolong");
        CommentEndpoints.Validate(string.Concat(Enumerable.Repeat("👍🏽", 150))).ShouldBeNull();
        CommentEndpoints.Validate("  " + new string('字', 150) + "  ").ShouldBeNull();
        // One "character" carrying a megabyte of combining marks is still too long.
        CommentEndpoints.Validate("a" + new string('\u0301', 1_000_000)).ShouldBe("toolong");
    }
}
