using Sift.Data;
using static Sift.Core.Tests.Data.DataInput;

namespace Sift.Core.Tests.Data;

public class CsvReaderTests
{
    [Fact]
    public void Read_GoodCsv_ReadsNamedColumnsAndPutsOthersInMeta()
    {
        var data = Read("""
            id,text,label,group,cost,source,score
            a,first,pos,g1,2.5,web,0.9
            b,second,neg,,,mail,
            """, "train.csv");

        data.Source.ShouldBe("train.csv");
        data.Labels.ShouldBe(["neg", "pos"]);
        var first = data.Items[0];
        first.ShouldSatisfyAllConditions(
            () => first.Id.ShouldBe("a"),
            () => first.Text.ShouldBe("first"),
            () => first.Label.ShouldBe("pos"),
            () => first.Group.ShouldBe("g1"),
            () => first.Cost.ShouldBe(2.5),
            () => first.Meta!["source"]!.GetValue<string>().ShouldBe("web"),
            () => first.Meta!["score"]!.GetValue<string>().ShouldBe("0.9"),
            () => first.Meta!.Count.ShouldBe(2));
        var second = data.Items[1];
        second.Group.ShouldBeNull();
        second.Cost.ShouldBe(1.0);
        second.Meta!["score"]!.GetValue<string>().ShouldBe("");
    }

    [Fact]
    public void Read_OnlyTextColumn_IdsAreLineNumbersAndNoMeta()
    {
        var data = Read("text\nhello\nworld\n", "t.csv");

        data.Items.Select(i => i.Id).ShouldBe(["2", "3"]);
        data.Items.ShouldAllBe(i => i.Meta == null && i.Label == null);
    }

    [Fact]
    public void Read_QuotedCommasAndEscapedQuotes_Unquoted()
    {
        var data = Read("text,label\n\"Hello, world\",a\n\"She said \"\"hi\"\"\",b\n", "t.csv");

        data.Items.Select(i => i.Text).ShouldBe(["Hello, world", "She said \"hi\""]);
    }

    [Fact]
    public void Read_StrayQuoteInUnquotedField_KeptAsText()
    {
        Read("text\nhe said \"hi\" ok\n", "t.csv").Items[0].Text.ShouldBe("he said \"hi\" ok");
    }

    [Fact]
    public void Read_MultiLineQuotedField_IdAndErrorsUseStartingLine()
    {
        var data = Read("text,label\n\"line one\nline two\nline three\",a\nnext,b\n", "t.csv");

        data.Items[0].Text.ShouldBe("line one\nline two\nline three");
        data.Items.Select(i => i.Id).ShouldBe(["2", "5"]);

        var error = Fails("text,cost\n\"multi\nline\",1\n\"again\nhere\",-2\n", "t.csv");
        error.Line.ShouldBe(4);
        error.Field.ShouldBe("cost");
    }

    [Fact]
    public void Read_CrLfFile_KeepsLineNumbers()
    {
        var data = Read("text\r\n\"a\r\nb\"\r\nc\r\n", "t.csv");

        data.Items.Select(i => (i.Id, i.Text)).ShouldBe([("2", "a\r\nb"), ("4", "c")]);
    }

    [Fact]
    public void Read_TsvExtension_UsesTabDelimiter()
    {
        var data = Read("text\tlabel\nhello, world\tgreeting\n\"tab\tinside\"\tx\n", "data.tsv");

        data.Items.Select(i => (i.Text, i.Label)).ShouldBe([("hello, world", "greeting"), ("tab\tinside", "x")]);
    }

    [Fact]
    public void Read_ExplicitDelimiter_Used()
    {
        var data = Read("text;label\na,b;c\n", "t.csv", new DataFormatOptions { CsvDelimiter = ';' });

        data.Items[0].ShouldSatisfyAllConditions(i => i.Text.ShouldBe("a,b"), i => i.Label.ShouldBe("c"));
    }

    [Fact]
    public void Read_ExplicitCsvFormat_OverridesJsonlExtension()
    {
        Read("text\nhello\n", "data.txt", new DataFormatOptions { Format = DataFormat.Csv }).Items[0].Text.ShouldBe("hello");
    }

    [Fact]
    public void Read_UppercaseCsvExtension_ReadsCsv()
    {
        Read("text\nhello\n", "DATA.CSV").Count.ShouldBe(1);
    }

    [Fact]
    public void Read_HeaderInDifferentCase_MatchesColumn()
    {
        Read("Text,Label\nhello,x\n", "t.csv").Items[0].Label.ShouldBe("x");
    }

    [Fact]
    public void Read_ByteOrderMark_IsSkipped()
    {
        var data = ReadBytes([0xEF, 0xBB, 0xBF, .. Utf8("text,label\nhé,x\n")], "t.csv");

        data.Items[0].Text.ShouldBe("hé");
    }

    [Fact]
    public void Read_TinyReadsFromNonSeekableStream_ReadsAllAndLeavesStreamOpen()
    {
        var content = Utf8("id,text\n" + string.Concat(Enumerable.Range(0, 200).Select(i => $"{i},\"row {i}, é\nsecond line\"\n")));
        using var stream = new TrickleStream(content, 7);

        var data = TextDatasetReader.Read(stream, "t.csv");

        data.Count.ShouldBe(200);
        data.Items[199].Text.ShouldBe("row 199, é\nsecond line");
        stream.Disposed.ShouldBeFalse();
    }

    [Fact]
    public void Read_BlankLines_SkippedButCounted()
    {
        var data = Read("text\n\na\n   \nb\n", "t.csv");

        data.Items.Select(i => i.Id).ShouldBe(["3", "5"]);
    }

    [Fact]
    public void Read_MissingTextColumn_ThrowsNamingColumn()
    {
        var error = Fails("id,body,label\n1,hello,x\n", "t.csv");

        error.Line.ShouldBe(1);
        error.Field.ShouldBe("text");
        error.Message.ShouldBe("t.csv, line 1, field 'text': the header row has no column with this name; the columns are 'id', 'body', 'label'");
    }

    [Fact]
    public void Read_RowWithMissingField_ThrowsWithLine()
    {
        var error = Fails("id,text,label\n1,a,x\n2,b\n", "t.csv");

        error.Line.ShouldBe(3);
        error.Field.ShouldBeNull();
        error.Problem.ShouldBe("the row has 2 fields but the header row has 3");
    }

    [Fact]
    public void Read_RowWithExtraField_Throws()
    {
        Fails("text,label\nhello, world,x\n", "t.csv").Problem.ShouldBe("the row has 3 fields but the header row has 2");
    }

    [Fact]
    public void Read_UnterminatedQuote_Throws()
    {
        var error = Fails("text,label\na,x\n\"never closed,y\nz,w\n", "t.csv");

        error.Line.ShouldBe(3);
        error.Problem.ShouldBe("a quoted field is never closed");
    }

    [Fact]
    public void Read_TextAfterClosingQuote_Throws()
    {
        Fails("text\n\"ab\"c\n", "t.csv").Problem.ShouldBe("text follows the closing quote of a quoted field");
    }

    [Theory]
    [InlineData("abc", "'abc' is not a number")]
    [InlineData("-1", "negative (-1); a cost must be 0 or more")]
    [InlineData("NaN", "not a finite number")]
    [InlineData("Infinity", "not a finite number")]
    public void Read_BadCost_Throws(string cost, string problem)
    {
        var error = Fails($"text,cost\na,{cost}\n", "t.csv");

        error.Field.ShouldBe("cost");
        error.Problem.ShouldBe(problem);
    }

    [Fact]
    public void Read_EmptyText_Throws()
    {
        var error = Fails("id,text\n1,\n", "t.csv");

        error.Line.ShouldBe(2);
        error.Field.ShouldBe("text");
    }

    [Fact]
    public void Read_TextTooLong_Throws()
    {
        var error = Fails("text\nabcdef\n", "t.csv", new DataFormatOptions { MaxTextLength = 5 });

        error.Problem.ShouldBe("6 characters long; the limit is 5");
    }

    [Fact]
    public void Read_DuplicateId_ThrowsNamingBothLines()
    {
        Fails("id,text\n7,a\n8,b\n7,c\n", "t.csv").Message.ShouldBe("t.csv, line 4, field 'id': duplicate id '7', first used on line 2");
    }

    [Fact]
    public void Read_InvalidUtf8_ThrowsNamingLine()
    {
        byte[] content = [.. Utf8("text\nfine\ncaf"), 0xE9, .. Utf8("\nafter\n")];

        var error = FailsBytes(content, "t.csv");

        error.Line.ShouldBe(3);
        error.Problem.ShouldBe("not valid UTF-8");
    }

    [Fact]
    public void Read_InvalidUtf8InHeader_Throws()
    {
        var error = FailsBytes([.. Utf8("te"), 0xFF, .. Utf8("xt\na\n")], "t.csv");

        error.Line.ShouldBe(1);
        error.Problem.ShouldBe("the header row is not valid UTF-8");
    }

    [Fact]
    public void Read_EmptyLabelCell_IsUnlabeled()
    {
        Read("text,label\na,\n", "t.csv").Items[0].Label.ShouldBeNull();
    }

    [Fact]
    public void Read_RequireLabelsWithoutLabelColumn_ThrowsNamingField()
    {
        var error = Fails("text\na\n", "t.csv", new DataFormatOptions { RequireLabels = true });

        error.Field.ShouldBe("label");
        error.Problem.ShouldContain("labels are required");
    }

    [Fact]
    public void Read_RequireLabelsWithEmptyCell_ThrowsNamingLine()
    {
        var error = Fails("text,label\na,x\nb,\n", "t.csv", new DataFormatOptions { RequireLabels = true });

        error.Line.ShouldBe(3);
        error.Field.ShouldBe("label");
    }

    [Fact]
    public void Read_DuplicateHeaderName_Throws()
    {
        Fails("text,label,label\na,b,c\n", "t.csv").Problem.ShouldBe("the header row names this column twice");
    }

    [Fact]
    public void Read_UnnamedColumns_KeptInMetaByPosition()
    {
        var meta = Read("text,,\na,b,c\n", "t.csv").Items[0].Meta!;

        meta["column2"]!.GetValue<string>().ShouldBe("b");
        meta["column3"]!.GetValue<string>().ShouldBe("c");
    }

    [Theory]
    [InlineData("")]
    [InlineData("text,label\n")]
    [InlineData("text,label\n\n\n")]
    public void Read_NoRows_ThrowsNoItems(string content)
    {
        var error = Fails(content, "t.csv");

        error.Line.ShouldBe(0);
        error.Problem.ShouldBe("the file holds no items");
    }

    [Theory]
    [InlineData("id,text\n1,ok\n2,a\0b\n", 3, "text")]
    [InlineData("id,text\n1\0,ok\n", 2, "id")]
    [InlineData("id,text,group\n1,ok,\"two\nlines\"\n", 2, "group")]
    [InlineData("id,text,label\n1,ok,pos\u001f\n", 2, "label")]
    [InlineData("id,text,source\n1,ok,web\0\n", 2, "source")]
    [InlineData("id,text,,\n1,ok,x,\0\n", 2, "column4")]
    public void Read_RawNulInTextOrControlCharacterInName_ThrowsNamingLineAndField(string content, long line, string field)
    {
        var error = Fails(content, "t.csv");

        error.Line.ShouldBe(line);
        error.Field.ShouldBe(field);
        error.Message.ShouldContain("U+00");
    }

    [Fact]
    public void Read_NulInAColumnName_ThrowsNamingTheHeaderLine()
    {
        var error = Fails("id,text,so\0urce\n1,ok,web\n", "t.csv");

        error.Line.ShouldBe(1);
        error.Field.ShouldBeNull();
    }

    [Fact]
    public void Read_ControlCharactersOtherThanNulInTextAndMeta_AreKept()
    {
        var item = Read("text,note\n\"tab\there\fform\u001b\",bell\a\n", "t.csv").Items[0];

        item.Text.ShouldBe("tab\there\fform\u001b");
        item.Meta!["note"]!.GetValue<string>().ShouldBe("bell\a");
    }

    [Fact]
    public void Read_ErrorInLaterRow_ReturnsNothing()
    {
        TextDataset? result = null;

        Should.Throw<ImportException>(() => result = Read("text,cost\na,1\nb,2\nc,x\n", "t.csv"));

        result.ShouldBeNull();
    }
}
