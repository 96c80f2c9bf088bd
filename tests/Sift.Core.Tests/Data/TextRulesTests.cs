using Sift.Data;

namespace Sift.Core.Tests.Data;

public class TextRulesTests
{
    [Theory]
    [InlineData("plain", -1)]
    [InlineData("tab\tnew\nline\r\fff\u001b\u007f\u0085", -1)]
    [InlineData("a\0b", 1)]
    public void IndexOfForbiddenInText_OnlyNulIsForbidden(string text, int expected) =>
        TextRules.IndexOfForbiddenInText(text).ShouldBe(expected);

    [Theory]
    [InlineData("plain name", -1)]
    [InlineData("ünïcödé 🙂", -1)]
    [InlineData("a\tb", 1)]
    [InlineData("ab\n", 2)]
    [InlineData("\0", 0)]
    [InlineData("x\u007f", 1)]
    [InlineData("x\u009f", 1)]
    public void IndexOfForbiddenInName_EveryControlCharacterIsForbidden(string name, int expected) =>
        TextRules.IndexOfForbiddenInName(name).ShouldBe(expected);

    [Fact]
    public void Describe_NamesTheCodePointAndOneBasedPosition()
    {
        TextRules.Describe("ab\0", 2).ShouldBe("holds a NUL character (U+0000) at position 3");
        TextRules.Describe("a\u001b", 1).ShouldBe("holds a control character (U+001B) at position 2");
    }
}
