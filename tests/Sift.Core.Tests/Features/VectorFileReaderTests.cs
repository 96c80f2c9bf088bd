using System.Text;
using Sift.Features;

namespace Sift.Core.Tests.Features;

public class VectorFileReaderTests
{
    [Fact]
    public void Read_ValidLines_ReturnsVectorsById()
    {
        var vectors = Read("{\"id\": \"a\", \"vector\": [1, 2.5, -3e-2]}\n{\"vector\": [0, 0, 1], \"id\": 42, \"text\": {\"x\": [1]}}\n");

        vectors.Count.ShouldBe(2);
        vectors["a"].ShouldBe([1f, 2.5f, -0.03f]);
        vectors["42"].ShouldBe([0f, 0f, 1f]);
    }

    [Fact]
    public void Read_BomCrLfBlankLinesAndNoFinalNewline_Accepted()
    {
        var bytes = new byte[] { 0xEF, 0xBB, 0xBF }.Concat(Encoding.UTF8.GetBytes("{\"id\":\"x\",\"vector\":[1]}\r\n\r\n   \n{\"id\":\"y\",\"vector\":[2]}")).ToArray();

        var vectors = VectorFileReader.Read(new MemoryStream(bytes), "v.jsonl");

        vectors.Keys.Order().ShouldBe(["x", "y"]);
    }

    [Fact]
    public void Read_LongLines_ReadAcrossBufferBoundaries()
    {
        var text = new StringBuilder();
        for (var i = 0; i < 30; i++)
            text.Append("{\"id\": \"item").Append(i).Append("\", \"vector\": [").AppendJoin(", ", Enumerable.Range(0, 4000).Select(j => (i + j * 0.001).ToString("R", System.Globalization.CultureInfo.InvariantCulture))).Append("]}\n");

        var vectors = Read(text.ToString());

        vectors.Count.ShouldBe(30);
        vectors["item7"].Length.ShouldBe(4000);
        vectors["item7"][1000].ShouldBe(8f);
    }

    [Fact]
    public void Read_NonAsciiId_Decoded()
    {
        var vectors = Read("{\"id\": \"caf\\u00e9-日本\", \"vector\": [1]}\n");

        vectors.ContainsKey("café-日本").ShouldBeTrue();
    }

    [Fact]
    public void Read_EmptyFile_Throws()
    {
        var e = Should.Throw<ImportException>(() => Read(""));

        e.Source.ShouldBe("vectors.jsonl");
        e.Line.ShouldBe(0);
        e.Message.ShouldContain("no vectors");
    }

    [Fact]
    public void Read_OnlyBlankLines_Throws() =>
        Should.Throw<ImportException>(() => Read("\n\n  \n")).Line.ShouldBe(0);

    [Fact]
    public void Read_MalformedJson_NamesLine()
    {
        var e = Should.Throw<ImportException>(() => Read("{\"id\": \"a\", \"vector\": [1]}\n{\"id\": \"b\", \"vector\": [1,]}\n"));

        e.Line.ShouldBe(2);
        e.Field.ShouldBeNull();
        e.Message.ShouldStartWith("vectors.jsonl, line 2: malformed JSON");
    }

    [Fact]
    public void Read_TrailingContentAfterObject_Throws() =>
        Should.Throw<ImportException>(() => Read("{\"id\": \"a\", \"vector\": [1]} {\"id\": \"b\"}\n")).Problem.ShouldStartWith("malformed JSON");

    [Fact]
    public void Read_NotAnObject_Throws() =>
        Should.Throw<ImportException>(() => Read("[1, 2, 3]\n")).Problem.ShouldContain("expected a JSON object");

    [Fact]
    public void Read_MissingId_NamesField()
    {
        var e = Should.Throw<ImportException>(() => Read("{\"vector\": [1, 2]}\n"));

        e.Line.ShouldBe(1);
        e.Field.ShouldBe("id");
        e.Message.ShouldBe("vectors.jsonl, line 1, field 'id': missing");
    }

    [Fact]
    public void Read_MissingVector_NamesField() =>
        Should.Throw<ImportException>(() => Read("{\"id\": \"a\"}\n")).Field.ShouldBe("vector");

    [Theory]
    [InlineData("{\"id\": 1.5, \"vector\": [1]}")]
    [InlineData("{\"id\": null, \"vector\": [1]}")]
    [InlineData("{\"id\": [\"a\"], \"vector\": [1]}")]
    [InlineData("{\"id\": \" \", \"vector\": [1]}")]
    [InlineData("{\"id\": \"a\", \"id\": \"b\", \"vector\": [1]}")]
    public void Read_InvalidId_NamesField(string line) =>
        Should.Throw<ImportException>(() => Read(line)).Field.ShouldBe("id");

    [Theory]
    [InlineData("{\"id\": \"a\", \"vector\": \"1 2 3\"}", "must be an array")]
    [InlineData("{\"id\": \"a\", \"vector\": {\"x\": 1}}", "must be an array")]
    [InlineData("{\"id\": \"a\", \"vector\": [1, \"2\"]}", "element 1 is not a number")]
    [InlineData("{\"id\": \"a\", \"vector\": [1, null]}", "element 1 is not a number")]
    [InlineData("{\"id\": \"a\", \"vector\": [[1]]}", "element 0 is not a number")]
    [InlineData("{\"id\": \"a\", \"vector\": [1, 1e39]}", "element 1 (1e39) is not a finite")]
    [InlineData("{\"id\": \"a\", \"vector\": []}", "is empty")]
    public void Read_InvalidVector_NamesFieldAndProblem(string line, string problem)
    {
        var e = Should.Throw<ImportException>(() => Read(line));

        e.Field.ShouldBe("vector");
        e.Problem.ShouldContain(problem);
    }

    [Fact]
    public void Read_DimensionMismatch_NamesBothDimensions()
    {
        var e = Should.Throw<ImportException>(() => Read("{\"id\": \"a\", \"vector\": [1, 2, 3]}\n{\"id\": \"b\", \"vector\": [1, 2]}\n"));

        e.Line.ShouldBe(2);
        e.Field.ShouldBe("vector");
        e.Problem.ShouldContain("has 2 dimensions but the vector on line 1 has 3");
    }

    [Fact]
    public void Read_DuplicateId_NamesFirstLine()
    {
        var e = Should.Throw<ImportException>(() => Read("{\"id\": \"a\", \"vector\": [1]}\n{\"id\": \"b\", \"vector\": [1]}\n{\"id\": \"a\", \"vector\": [2]}\n"));

        e.Line.ShouldBe(3);
        e.Field.ShouldBe("id");
        e.Problem.ShouldBe("duplicate id 'a' (first on line 1)");
    }

    [Fact]
    public void Read_IntegerAndStringIdWithSameText_Duplicate() =>
        Should.Throw<ImportException>(() => Read("{\"id\": 7, \"vector\": [1]}\n{\"id\": \"7\", \"vector\": [1]}\n")).Field.ShouldBe("id");

    [Fact]
    public void Read_InvalidUtf8_NamesLine()
    {
        var bytes = Encoding.UTF8.GetBytes("{\"id\": \"a\", \"vector\": [1]}\n{\"id\": \"b").Concat(new byte[] { 0xC3, 0x28 }).Concat(Encoding.UTF8.GetBytes("\", \"vector\": [1]}\n")).ToArray();

        var e = Should.Throw<ImportException>(() => VectorFileReader.Read(new MemoryStream(bytes), "v.jsonl"));

        e.Line.ShouldBe(2);
        e.Problem.ShouldContain("UTF-8");
    }

    private static IReadOnlyDictionary<string, float[]> Read(string text) =>
        VectorFileReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(text)), "vectors.jsonl");
}
