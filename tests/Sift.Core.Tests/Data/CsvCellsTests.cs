using Sift.Data;

namespace Sift.Core.Tests.Data;

public class CsvCellsTests
{
    [Theory]
    [InlineData("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0")]
    [InlineData("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")")]
    [InlineData("+1+2", "'+1+2")]
    [InlineData("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0")]
    [InlineData("@SUM(1)", "'@SUM(1)")]
    [InlineData("\t=1", "'\t=1")]
    [InlineData("\r=1", "'\r=1")]
    [InlineData("-Infinity", "'-Infinity")]
    [InlineData("-", "'-")]
    [InlineData("-1e", "'-1e")]
    [InlineData("-3", "-3")]
    [InlineData("+1.5e3", "+1.5e3")]
    [InlineData("-.5", "-.5")]
    [InlineData("plain = text", "plain = text")]
    [InlineData(" =1", " =1")]
    [InlineData("'=already", "'=already")]
    [InlineData("", "")]
    public void Neutralise_FormulaTriggerFirst_GetsALeadingQuote_PlainNumbersDoNot(string value, string expected) =>
        CsvCells.Neutralise(value).ShouldBe(expected);

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
    [InlineData("two\nlines", "\"two\nlines\"")]
    [InlineData("=1,2", "\"'=1,2\"")]
    [InlineData("\r\n=1", "\"'\r\n=1\"")]
    public void Field_NeutralisesThenQuotes(string value, string expected) =>
        CsvCells.Field(value).ShouldBe(expected);

    [Fact]
    public void Field_ReadBackByTheCsvReader_GivesTheNeutralisedText()
    {
        var csv = "id,text\n" + CsvCells.Field("x1") + "," + CsvCells.Field("=2+3, \"quoted\"\nline") + "\n";

        var item = DataInput.Read(csv, "t.csv").Items.Single();

        item.Text.ShouldBe("'=2+3, \"quoted\"\nline");
    }
}
