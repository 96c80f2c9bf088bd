using Sift.Data;

namespace Sift.Core.Tests.Data;

public class DataFormatOptionsTests
{
    [Fact]
    public void Constructor_Defaults_AreTheDocumentedOnes()
    {
        var options = new DataFormatOptions();

        options.ShouldSatisfyAllConditions(
            () => options.Format.ShouldBe(DataFormat.Auto),
            () => options.TextField.ShouldBe("text"),
            () => options.LabelField.ShouldBe("label"),
            () => options.IdField.ShouldBe("id"),
            () => options.GroupField.ShouldBe("group"),
            () => options.CostField.ShouldBe("cost"),
            () => options.MetaField.ShouldBe("meta"),
            () => options.RequireLabels.ShouldBeFalse(),
            () => options.MaxTextLength.ShouldBe(1_000_000),
            () => options.CsvDelimiter.ShouldBeNull());
        options.Validate();
    }

    public static TheoryData<string, Action<DataFormatOptions>> InvalidOptions => new()
    {
        { "MaxTextLength", o => o.MaxTextLength = 0 },
        { "TextField", o => o.TextField = " " },
        { "LabelField", o => o.LabelField = null! },
        { "both name the field 'text'", o => o.LabelField = "text" },
        { "CsvDelimiter", o => o.CsvDelimiter = '"' },
        { "CsvDelimiter", o => o.CsvDelimiter = '\n' },
        { "CsvDelimiter", o => o.CsvDelimiter = '→' },
        { "data format", o => o.Format = (DataFormat)42 },
    };

    [Theory]
    [MemberData(nameof(InvalidOptions))]
    public void Validate_InvalidOption_ThrowsConfigurationException(string mentioned, Action<DataFormatOptions> change)
    {
        var options = new DataFormatOptions();
        change(options);

        Should.Throw<ConfigurationException>(options.Validate).Message.ShouldContain(mentioned);
    }

    [Fact]
    public void Read_InvalidOptions_ThrowsBeforeReading()
    {
        Should.Throw<ConfigurationException>(() => DataInput.Read("{\"text\": \"a\"}", options: new DataFormatOptions { MaxTextLength = -1 }));
    }

    [Theory]
    [InlineData("a.csv", DataFormat.Csv, ',')]
    [InlineData("a.tsv", DataFormat.Csv, '\t')]
    [InlineData("dir.v2/A.TSV", DataFormat.Csv, '\t')]
    [InlineData("a.jsonl", DataFormat.Jsonl, ',')]
    [InlineData("a.json", DataFormat.Jsonl, ',')]
    [InlineData("a.ndjson", DataFormat.Jsonl, ',')]
    [InlineData("a.txt", DataFormat.Jsonl, ',')]
    [InlineData("a", DataFormat.Jsonl, ',')]
    public void ResolveFormat_Auto_DecidesFromExtension(string name, DataFormat format, char delimiter)
    {
        var options = new DataFormatOptions();

        options.ResolveFormat(name).ShouldBe(format);
        options.ResolveDelimiter(name).ShouldBe(delimiter);
    }

    [Fact]
    public void ResolveDelimiter_Explicit_WinsOverExtension()
    {
        new DataFormatOptions { CsvDelimiter = '|' }.ResolveDelimiter("a.tsv").ShouldBe('|');
    }
}
