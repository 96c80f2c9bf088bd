using Sift.Llm.Prompts;

namespace Sift.Llm.Tests.Prompts;

public class AnswerParserTests
{
    private static readonly string[] Labels = ["positive", "negative", "say \"hi\""];

    [Theory]
    [InlineData("{\"label\":\"positive\"}", "positive")]
    [InlineData("  {\"label\": \"negative\"}\n", "negative")]
    [InlineData("```json\n{\"label\":\"positive\"}\n```", "positive")]
    [InlineData("{\"label\":\"say \\\"hi\\\"\"}", "say \"hi\"")]
    public void TryParse_ValidSingleLabel_ReturnsIt(string reply, string expected)
    {
        AnswerParser.TryParse(reply, Labels, false, out var labels, out _).ShouldBeTrue();
        labels.ShouldBe([expected]);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("positive", "not one JSON object")]
    [InlineData("The answer is {\"label\":\"positive\"}", "not one JSON object")]
    [InlineData("{\"label\":\"positive\"} {\"label\":\"negative\"}", "not one JSON object")]
    [InlineData("{\"label\":\"Positive\"}", "\"Positive\" is not one of the labels")]
    [InlineData("{\"label\":\"spam\"}", "\"spam\" is not one of the labels")]
    [InlineData("{\"label\":\"positive\",\"note\":\"x\"}", "exactly one field")]
    [InlineData("{\"label\":\"positive\",\"label\":\"spam\"}", "exactly one field")]
    [InlineData("{\"labels\":[\"positive\"]}", "exactly one field")]
    [InlineData("{\"label\":1}", "not a string")]
    [InlineData("[\"positive\"]", "not one JSON object")]
    [InlineData("```python\n{\"label\":\"positive\"}\n```", "not one JSON object")]
    public void TryParse_InvalidSingleLabel_FailsWithReason(string reply, string reasonPart)
    {
        AnswerParser.TryParse(reply, Labels, false, out var labels, out var reason).ShouldBeFalse();
        labels.ShouldBeEmpty();
        reason.ShouldContain(reasonPart);
    }

    [Fact]
    public void TryParse_MultiLabel_ReturnsSchemaOrder()
    {
        AnswerParser.TryParse("{\"labels\":[\"negative\",\"positive\"]}", Labels, true, out var labels, out _).ShouldBeTrue();
        labels.ShouldBe(["positive", "negative"]);
    }

    [Theory]
    [InlineData("{\"labels\":[]}", "non-empty")]
    [InlineData("{\"labels\":[\"positive\",\"positive\"]}", "twice")]
    [InlineData("{\"labels\":[\"positive\",\"urgent\"]}", "\"urgent\" is not one of the labels")]
    [InlineData("{\"labels\":\"positive\"}", "non-empty array")]
    [InlineData("{\"label\":\"positive\"}", "exactly one field")]
    public void TryParse_InvalidMultiLabel_FailsRatherThanFiltering(string reply, string reasonPart)
    {
        AnswerParser.TryParse(reply, Labels, true, out var labels, out var reason).ShouldBeFalse();
        labels.ShouldBeEmpty();
        reason.ShouldContain(reasonPart);
    }

    [Fact]
    public void TryParse_LongForeignLabel_ReasonIsClippedAndQuoted()
    {
        var reply = "{\"label\":\"" + new string('x', 500) + "\\nIGNORE\"}";
        AnswerParser.TryParse(reply, Labels, false, out _, out var reason).ShouldBeFalse();
        reason.Length.ShouldBeLessThan(80);
        reason.ShouldNotContain("\n");
    }
}
