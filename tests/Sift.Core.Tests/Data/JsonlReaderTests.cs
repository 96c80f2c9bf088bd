using System.Text;
using Sift.Data;
using static Sift.Core.Tests.Data.DataInput;

namespace Sift.Core.Tests.Data;

public class JsonlReaderTests
{
    [Fact]
    public void Read_GoodJsonl_ReturnsItemsInFileOrder()
    {
        var data = Read("""
            {"id": "a", "text": "first", "label": "pos", "group": "g1", "cost": 2.5, "meta": {"src": "web", "n": 3}}
            {"id": 7, "text": "second", "label": "neg"}
            {"text": "third"}
            """, "train.jsonl");

        data.Source.ShouldBe("train.jsonl");
        data.Count.ShouldBe(3);
        data.Labels.ShouldBe(["neg", "pos"]);

        var first = data.Items[0];
        first.Id.ShouldBe("a");
        first.Text.ShouldBe("first");
        first.Label.ShouldBe("pos");
        first.Group.ShouldBe("g1");
        first.Cost.ShouldBe(2.5);
        first.Meta.ShouldNotBeNull();
        first.Meta["src"]!.GetValue<string>().ShouldBe("web");
        first.Meta["n"]!.GetValue<int>().ShouldBe(3);

        data.Items[1].Id.ShouldBe("7");
        data.Items[1].Cost.ShouldBe(1.0);
        data.Items[1].Group.ShouldBeNull();
        data.Items[1].Meta.ShouldBeNull();
        data.Items[2].Id.ShouldBe("3");
        data.Items[2].Label.ShouldBeNull();
    }

    [Fact]
    public void Read_MissingId_UsesOneBasedLineNumber()
    {
        var data = Read("{\"text\": \"a\"}\n\n\n{\"text\": \"b\"}\n");

        data.Items.Select(i => i.Id).ShouldBe(["1", "4"]);
    }

    [Fact]
    public void Read_BlankLines_SkippedButCountedInLineNumbers()
    {
        var error = Fails("{\"text\": \"a\"}\n\n   \n\t\n{\"text\": 5}\n");

        error.Line.ShouldBe(5);
    }

    [Fact]
    public void Read_ByteOrderMark_IsSkipped()
    {
        byte[] content = [0xEF, 0xBB, 0xBF, .. Utf8("{\"id\": \"x\", \"text\": \"héllo\"}\n")];

        var data = ReadBytes(content);

        data.Items.ShouldHaveSingleItem().Text.ShouldBe("héllo");
    }

    [Fact]
    public void Read_CrLfLineEndingsAndNoFinalNewline_Accepted()
    {
        var data = Read("{\"text\": \"a\"}\r\n{\"text\": \"b\"}\r\n{\"text\": \"c\"}");

        data.Items.Select(i => i.Text).ShouldBe(["a", "b", "c"]);
    }

    [Theory]
    [InlineData("1", "1")]
    [InlineData("-3", "-3")]
    [InlineData("2.5", "2.5")]
    [InlineData("1e2", "100")]
    [InlineData("true", "true")]
    [InlineData("false", "false")]
    [InlineData("\"spam\"", "spam")]
    public void Read_LabelOfAnyScalarType_ConvertedToInvariantString(string json, string expected)
    {
        var data = Read($"{{\"text\": \"a\", \"label\": {json}}}");

        data.Items[0].Label.ShouldBe(expected);
    }

    [Fact]
    public void Read_NumericLabels_FormTheLabelSet()
    {
        var data = Read("{\"text\": \"a\", \"label\": 1}\n{\"text\": \"b\", \"label\": 0}\n{\"text\": \"c\", \"label\": 1}\n");

        data.Labels.ShouldBe(["0", "1"]);
    }

    [Fact]
    public void Read_NullOrEmptyOptionalFields_TreatedAsAbsent()
    {
        var data = Read("""{"id": null, "text": "a", "label": null, "group": "", "cost": null, "meta": null}""");

        var item = data.Items.ShouldHaveSingleItem();
        item.Id.ShouldBe("1");
        item.Label.ShouldBeNull();
        item.Group.ShouldBeNull();
        item.Cost.ShouldBe(1.0);
        item.Meta.ShouldBeNull();
    }

    [Fact]
    public void Read_EmptyStringLabel_IsUnlabeled()
    {
        Read("""{"text": "a", "label": ""}""").Items[0].Label.ShouldBeNull();
    }

    [Fact]
    public void Read_ZeroCost_Accepted()
    {
        Read("""{"text": "a", "cost": 0}""").Items[0].Cost.ShouldBe(0.0);
    }

    [Fact]
    public void Read_CustomFieldNames_ReadsThoseFields()
    {
        var options = new DataFormatOptions { TextField = "sentence", LabelField = "y", IdField = "key", GroupField = "domain", CostField = "price", MetaField = "extra" };

        var data = Read("""{"key": "k1", "sentence": "s", "y": "Y", "domain": "d", "price": 3, "extra": {"a": 1}, "text": "ignored"}""", options: options);

        var item = data.Items.ShouldHaveSingleItem();
        item.ShouldSatisfyAllConditions(
            () => item.Id.ShouldBe("k1"),
            () => item.Text.ShouldBe("s"),
            () => item.Label.ShouldBe("Y"),
            () => item.Group.ShouldBe("d"),
            () => item.Cost.ShouldBe(3.0),
            () => item.Meta!["a"]!.GetValue<int>().ShouldBe(1));
    }

    [Fact]
    public void Read_NonAsciiText_DecodedAsUtf8()
    {
        Read("""{"text": "日本語 😀 \u00e9"}""").Items[0].Text.ShouldBe("日本語 😀 é");
    }

    [Fact]
    public void Read_TinyReadsAndLongLines_StreamsAcrossBufferBoundaries()
    {
        var longText = string.Concat(Enumerable.Repeat("ab😀é ", 40_000));
        var lines = new StringBuilder();
        for (var i = 0; i < 5; i++) lines.Append("{\"id\": ").Append(i).Append(", \"text\": \"").Append(i).Append(longText).Append("\"}\n");
        byte[] content = [0xEF, 0xBB, 0xBF, .. Utf8(lines.ToString())];

        using var stream = new TrickleStream(content, 4093);
        var data = TextDatasetReader.Read(stream, "big.jsonl");

        data.Count.ShouldBe(5);
        data.Items[4].Text.ShouldBe("4" + longText);
        stream.Disposed.ShouldBeFalse();
    }

    [Fact]
    public void Read_OneByteReads_SplitsMultiByteCharactersAndBomSafely()
    {
        byte[] content = [0xEF, 0xBB, 0xBF, .. Utf8("{\"text\": \"é😀\"}\r\n\r\n{\"text\": \"b\"}")];

        var data = TextDatasetReader.Read(new TrickleStream(content, 1), "t.jsonl");

        data.Items.Select(i => (i.Id, i.Text)).ShouldBe([("1", "é😀"), ("3", "b")]);
    }

    [Fact]
    public void Read_MalformedJson_ThrowsNamingLine()
    {
        var error = Fails("{\"text\": \"a\"}\n{\"text\": \"b\",}\n");

        error.Source.ShouldBe("t.jsonl");
        error.Line.ShouldBe(2);
        error.Field.ShouldBeNull();
        error.Message.ShouldStartWith("t.jsonl, line 2: malformed JSON");
    }

    [Fact]
    public void Read_TwoObjectsOnOneLine_IsMalformed()
    {
        Fails("{\"text\": \"a\"} {\"text\": \"b\"}").Problem.ShouldStartWith("malformed JSON");
    }

    [Fact]
    public void Read_DuplicateProperty_IsMalformed()
    {
        Fails("{\"text\": \"a\", \"text\": \"b\"}").Problem.ShouldStartWith("malformed JSON");
    }

    [Fact]
    public void Read_LineIsNotAnObject_Throws()
    {
        var error = Fails("{\"text\": \"a\"}\n\"just a string\"\n");

        error.Line.ShouldBe(2);
        error.Problem.ShouldContain("not a JSON object");
    }

    [Fact]
    public void Read_JsonArrayFile_ExplainsJsonLines()
    {
        Fails("[{\"text\": \"a\"}]", "data.json").Problem.ShouldContain("JSON Lines");
    }

    [Fact]
    public void Read_MissingText_ThrowsWithSourceLineAndField()
    {
        var error = Fails("{\"text\": \"a\"}\n{\"id\": \"b\"}\n", "train.jsonl");

        error.Message.ShouldBe("train.jsonl, line 2, field 'text': missing or not a string");
        error.Line.ShouldBe(2);
        error.Field.ShouldBe("text");
    }

    [Theory]
    [InlineData("{\"text\": 12}")]
    [InlineData("{\"text\": null}")]
    [InlineData("{\"text\": [\"a\"]}")]
    public void Read_TextNotAString_Throws(string line)
    {
        Fails(line).Problem.ShouldBe("missing or not a string");
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void Read_EmptyText_Throws(string text)
    {
        var error = Fails($"{{\"text\": \"{text}\"}}");

        error.Field.ShouldBe("text");
        error.Problem.ShouldBe("empty or only whitespace");
    }

    [Theory]
    [InlineData("{\"a\": 1}")]
    [InlineData("[1, 2]")]
    public void Read_LabelOfWrongType_Throws(string label)
    {
        var error = Fails($"{{\"text\": \"a\", \"label\": {label}}}");

        error.Field.ShouldBe("label");
        error.Problem.ShouldBe("not a string, a number or a boolean");
    }

    [Theory]
    [InlineData("\"2\"")]
    [InlineData("true")]
    [InlineData("{}")]
    public void Read_CostOfWrongType_Throws(string cost)
    {
        var error = Fails($"{{\"text\": \"a\", \"cost\": {cost}}}");

        error.Field.ShouldBe("cost");
        error.Problem.ShouldBe("not a number");
    }

    [Fact]
    public void Read_NegativeCost_Throws()
    {
        var error = Fails("{\"text\": \"a\"}\n{\"text\": \"b\", \"cost\": -0.5}");

        error.Line.ShouldBe(2);
        error.Field.ShouldBe("cost");
        error.Problem.ShouldContain("negative");
    }

    [Fact]
    public void Read_CostTooLargeForDouble_Throws()
    {
        Fails("{\"text\": \"a\", \"cost\": 1e400}").Problem.ShouldBe("not a finite number");
    }

    [Theory]
    [InlineData("1.5")]
    [InlineData("true")]
    [InlineData("[\"a\"]")]
    public void Read_IdOfWrongType_Throws(string id)
    {
        var error = Fails($"{{\"id\": {id}, \"text\": \"a\"}}");

        error.Field.ShouldBe("id");
        error.Problem.ShouldBe("not a string or an integer");
    }

    [Fact]
    public void Read_GroupNotAString_Throws()
    {
        Fails("{\"text\": \"a\", \"group\": 3}").Field.ShouldBe("group");
    }

    [Fact]
    public void Read_MetaNotAnObject_Throws()
    {
        var error = Fails("{\"text\": \"a\", \"meta\": [1]}");

        error.Field.ShouldBe("meta");
        error.Problem.ShouldBe("not a JSON object");
    }

    [Fact]
    public void Read_InvalidUtf8Bytes_ThrowsNamingLine()
    {
        byte[] content = [.. Utf8("{\"text\": \"ok\"}\n{\"text\": \"caf"), 0xE9, .. Utf8("\"}\n{\"text\": \"later\"}\n")];

        var error = FailsBytes(content);

        error.Line.ShouldBe(2);
        error.Problem.ShouldBe("not valid UTF-8 (byte 14 of the line)");
    }

    [Fact]
    public void Read_TruncatedUtf8SequenceAtEndOfFile_Throws()
    {
        byte[] content = [.. Utf8("{\"text\": \"a\"}\n"), 0xF0, 0x9F];

        FailsBytes(content).Line.ShouldBe(2);
    }

    [Theory]
    [InlineData("{\"text\": \"a\\ud800b\"}", "text")]
    [InlineData("{\"text\": \"a\", \"label\": \"\\udc00\"}", "label")]
    [InlineData("{\"text\": \"a\", \"meta\": {\"k\": [\"\\ud800\"]}}", "meta")]
    public void Read_LoneSurrogateEscape_Throws(string line, string field)
    {
        var error = Fails(line);

        error.Line.ShouldBe(1);
        error.Field.ShouldBe(field);
    }

    [Theory]
    [InlineData("{\"text\": \"a\\u0000b\"}", "text")]
    [InlineData("{\"text\": \"a\", \"id\": \"x\\u0000\"}", "id")]
    [InlineData("{\"text\": \"a\", \"id\": \"x\\ty\"}", "id")]
    [InlineData("{\"text\": \"a\", \"group\": \"g\\u001b\"}", "group")]
    [InlineData("{\"text\": \"a\", \"label\": \"pos\\n\"}", "label")]
    [InlineData("{\"text\": \"a\", \"label\": \"p\\u0085s\"}", "label")]
    [InlineData("{\"text\": \"a\", \"meta\": {\"k\": \"v\\u0000\"}}", "meta")]
    [InlineData("{\"text\": \"a\", \"meta\": {\"k\\u0000\": 1}}", "meta")]
    [InlineData("{\"text\": \"a\", \"meta\": {\"k\": [{\"deep\": \"\\u0000\"}]}}", "meta")]
    public void Read_NulInTextOrControlCharacterInName_ThrowsNamingLineAndField(string line, string field)
    {
        var error = Fails("{\"text\": \"fine\"}\n" + line);

        error.Line.ShouldBe(2);
        error.Field.ShouldBe(field);
        error.Message.ShouldContain("U+");
    }

    [Fact]
    public void Read_ControlCharactersOtherThanNulInText_AreKept()
    {
        // 20 Newsgroups carries backspaces, form feeds and escapes; they are data, and the UI shows text inertly.
        var data = Read("{\"text\": \"a\\tb\\r\\nc\\fd\\be\\u001b[0m\\u007f\\u0085\", \"meta\": {\"k\": \"\\u0007\"}}");

        data.Items[0].Text.ShouldBe("a\tb\r\nc\fd\be\u001b[0m\u007f\u0085");
        data.Items[0].Meta!["k"]!.GetValue<string>().ShouldBe("\u0007");
    }

    [Theory]
    [InlineData("{\"text\": \"a\", \"meta\": {\"\\udc00\": 1}}")]
    [InlineData("{\"text\": \"a\", \"\\ud800x\": 1}")]
    public void Read_LoneSurrogateEscapeInAKey_ThrowsNamingTheLine(string line)
    {
        var error = Fails("{\"text\": \"fine\"}\n" + line);

        error.Line.ShouldBe(2);
        error.Problem.ShouldContain("surrogate");
    }

    [Fact]
    public void Read_EmptyFile_ThrowsForWholeFile()
    {
        var error = FailsBytes([], "empty.jsonl");

        error.Line.ShouldBe(0);
        error.Field.ShouldBeNull();
        error.Message.ShouldBe("empty.jsonl: the file holds no items");
    }

    [Fact]
    public void Read_OnlyBlankLinesAndBom_ThrowsNoItems()
    {
        FailsBytes([0xEF, 0xBB, 0xBF, .. Utf8("\n  \r\n\n")]).Problem.ShouldBe("the file holds no items");
    }

    [Fact]
    public void Read_DuplicateId_ThrowsNamingBothLines()
    {
        var error = Fails("{\"id\": \"x\", \"text\": \"a\"}\n{\"id\": \"y\", \"text\": \"b\"}\n{\"id\": \"x\", \"text\": \"c\"}\n");

        error.Line.ShouldBe(3);
        error.Field.ShouldBe("id");
        error.Message.ShouldBe("t.jsonl, line 3, field 'id': duplicate id 'x', first used on line 1");
    }

    [Fact]
    public void Read_ExplicitIdClashingWithLineNumberId_ThrowsDuplicate()
    {
        Fails("{\"text\": \"a\"}\n{\"id\": 1, \"text\": \"b\"}").Problem.ShouldBe("duplicate id '1', first used on line 1");
    }

    [Fact]
    public void Read_TextLongerThanLimit_Throws()
    {
        var options = new DataFormatOptions { MaxTextLength = 10 };

        Read($"{{\"text\": \"{new string('a', 10)}\"}}", options: options).Count.ShouldBe(1);
        var error = Fails($"{{\"text\": \"{new string('a', 11)}\"}}", options: options);

        error.Field.ShouldBe("text");
        error.Problem.ShouldBe("11 characters long; the limit is 10");
    }

    [Fact]
    public void Read_TextLongerThanDefaultLimit_Throws()
    {
        var error = Fails($"{{\"text\": \"{new string('a', 1_000_001)}\"}}");

        error.Problem.ShouldBe("1,000,001 characters long; the limit is 1,000,000");
    }

    [Fact]
    public void Read_RequireLabelsAndOneLineUnlabeled_ThrowsNamingThatLine()
    {
        var options = new DataFormatOptions { RequireLabels = true };

        var error = Fails("{\"text\": \"a\", \"label\": \"x\"}\n{\"text\": \"b\"}\n", options: options);

        error.Line.ShouldBe(2);
        error.Field.ShouldBe("label");
        error.Problem.ShouldBe("missing or empty, but labels are required");
    }

    [Fact]
    public void Read_RequireLabelsAndFirstLinesUnlabeled_ReportsFirstUnlabeledLine()
    {
        var options = new DataFormatOptions { RequireLabels = true };

        var error = Fails("{\"text\": \"a\"}\n{\"text\": \"b\"}\n{\"text\": \"c\", \"label\": \"x\"}\n", options: options);

        error.Line.ShouldBe(1);
        error.Field.ShouldBe("label");
    }

    [Fact]
    public void Read_RequireLabelsAndNoItemHasTheField_ThrowsNamingField()
    {
        var options = new DataFormatOptions { RequireLabels = true, LabelField = "category" };

        var error = Fails("{\"text\": \"a\", \"label\": \"x\"}\n{\"text\": \"b\"}\n", options: options);

        error.Line.ShouldBe(0);
        error.Field.ShouldBe("category");
        error.Message.ShouldBe("t.jsonl, field 'category': no item has this field, but labels are required");
    }

    [Fact]
    public void Read_ErrorOnLastLine_ReturnsNothing()
    {
        var lines = string.Concat(Enumerable.Range(0, 500).Select(i => $"{{\"text\": \"item {i}\", \"label\": \"a\"}}\n"));
        TextDataset? result = null;

        var error = Should.Throw<ImportException>(() => result = Read(lines + "{\"text\": \"bad\", \"cost\": -1}\n"));

        error.Line.ShouldBe(501);
        result.ShouldBeNull();
    }

    [Fact]
    public void Read_ExplicitJsonlFormat_OverridesCsvExtension()
    {
        var data = Read("{\"text\": \"a\"}", "odd.csv", new DataFormatOptions { Format = DataFormat.Jsonl });

        data.Items[0].Text.ShouldBe("a");
    }

    [Theory]
    [InlineData("x.jsonl")]
    [InlineData("x.JSON")]
    [InlineData("x.ndjson")]
    [InlineData("x.txt")]
    [InlineData("no-extension")]
    public void Read_AutoFormatForNonCsvNames_ReadsJsonLines(string name)
    {
        Read("{\"text\": \"a\"}", name).Count.ShouldBe(1);
    }

    [Fact]
    public void Read_NullArguments_Throw()
    {
        Should.Throw<ArgumentNullException>(() => TextDatasetReader.Read(null!, "x.jsonl"));
        Should.Throw<ArgumentException>(() => TextDatasetReader.Read(new MemoryStream(), ""));
    }

    // Found by fuzzing (fuzz/run.sh jsonl): an InvalidOperationException from the duplicate-name check, a 500 on import.
    [Theory]
    [InlineData("{\"\\udc00\": 1, \"text\": \"a\"}")]
    [InlineData("{\"text\": \"a\", \"x\\ud800y\": 1}")]
    public void Read_LoneSurrogateEscapeInPropertyName_ThrowsImportExceptionForTheLine(string line)
    {
        var error = Fails("{\"text\": \"fine\"}\n" + line);

        error.Line.ShouldBe(2);
        error.Problem.ShouldContain("surrogate");
    }
}
