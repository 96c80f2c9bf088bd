using System.Text;
using Sift.Quality;

namespace Sift.Core.Tests.Quality;

public sealed class AnnotationFileReaderTests
{
    private static AnnotationFile Read(string content, AnnotationFileShape shape = AnnotationFileShape.Auto) =>
        AnnotationFileReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(content)), "a.jsonl", shape);

    private static ImportException Fails(string content, AnnotationFileShape shape = AnnotationFileShape.Auto) =>
        Should.Throw<ImportException>(() => Read(content, shape));

    // Found by fuzzing the JSON Lines reader they share (fuzz/run.sh jsonl): an InvalidOperationException escaped.
    [Fact]
    public void Read_LoneSurrogateEscapeInPropertyName_ThrowsImportException()
    {
        var error = Fails("{\"item\":\"a\",\"annotator\":\"x\",\"label\":\"p\"}\n{\"item\":\"b\",\"\\udc00\":1}");

        error.Line.ShouldBe(2);
    }

    [Fact]
    public void Read_ServerExport_ReadsAnswersAndKeepsUnratedItems()
    {
        var file = Read("""
            {"id":"a","item_id":1,"text":"x","group":null,"cost":1,"held_out":false,"resolved_label":"pos","annotations":[{"annotator":"ann","labels":["pos"],"instructions_version":1,"created_at":"2026-01-01T00:00:00+00:00"},{"annotator":"bob","labels":["pos"],"instructions_version":1,"created_at":"2026-01-01T00:00:01+00:00"}],"meta":{"k":1}}
            {"id":"b","item_id":2,"text":"y","resolved_label":null,"annotations":[]}

            {"id":"c","item_id":3,"text":"z","resolved_label":null,"annotations":[{"annotator":"bob","labels":["neg"]}]}
            """);
        file.Shape.ShouldBe(AnnotationFileShape.Export);
        var t = file.Table;
        t.ItemIds.ShouldBe(["a", "b", "c"]);
        t.AnnotatorNames.ShouldBe(["ann", "bob"]);
        t.CategoryNames.ShouldBe(["neg", "pos"]);
        (t.Get(0, 0), t.Get(0, 1), t.RatingsOf(1), t.Get(2, 1), t.Get(2, 0)).ShouldBe((1, 1, 0, 0, RatingTable.Missing));
    }

    [Fact]
    public void Read_ExportMultiLabelAnswers_AreOneSortedCategory()
    {
        var t = Read("""
            {"id":"a","annotations":[{"annotator":"x","labels":["sports","news"]},{"annotator":"y","labels":["news","sports"]},{"annotator":"z","labels":[]}]}
            """).Table;
        t.CategoryNames.ShouldBe(["", "news;sports"]);
        (t.Get(0, 0), t.Get(0, 1), t.Get(0, 2)).ShouldBe((1, 1, 0));
    }

    [Fact]
    public void Read_ExportGoldLabels_KeptAsCategoriesNotRatings()
    {
        var file = Read("""
            {"id":"a","gold_label":"news;sports","annotations":[{"annotator":"x","labels":["sports","news"]}]}
            {"id":"b","gold_label":"sports ; news","annotations":[]}
            {"id":"c","gold_label":null,"annotations":[{"annotator":"x","labels":["news"]}]}
            {"id":"d","annotations":[]}
            {"id":"e","gold_label":"weather","annotations":[]}
            {"id":"f","gold_label":"","annotations":[]}
            """);
        file.Table.Ratings.ShouldBe(2);
        file.Table.CategoryNames.ShouldBe(["news", "news;sports"]);
        // A gold label that is a category stays as it is; others are read as ';'-joined sets in any order.
        file.Gold.OrderBy(g => g.Key, StringComparer.Ordinal).ShouldBe(new Dictionary<string, string>
        {
            ["a"] = "news;sports", ["b"] = "news;sports", ["e"] = "weather", ["f"] = "",
        });
    }

    [Fact]
    public void Read_SingleLabelGoldContainingSeparator_MatchesTheCategoryAsIs()
    {
        var file = Read("""
            {"id":"a","gold_label":"b;a","annotations":[{"annotator":"x","labels":["b;a"]}]}
            """);
        file.Gold["a"].ShouldBe("b;a");
    }

    [Fact]
    public void Read_SimpleFile_HasNoGold() =>
        Read("""{"item": "q", "annotator": "a", "label": "no", "gold_label": "yes"}""").Gold.ShouldBeEmpty();

    [Fact]
    public void Read_SimpleFile_AcceptsStringsNumbersAndBooleans()
    {
        var file = Read("""
            {"item": "q1", "annotator": "ann", "label": "yes"}
            {"item": 7, "annotator": 12, "label": 3, "comment": "ignored"}
            {"item": "q1", "annotator": "bob", "label": true}
            """);
        file.Shape.ShouldBe(AnnotationFileShape.Simple);
        file.Table.ItemIds.ShouldBe(["q1", "7"]);
        file.Table.AnnotatorNames.ShouldBe(["12", "ann", "bob"]);
        file.Table.CategoryNames.ShouldBe(["3", "true", "yes"]);
    }

    [Fact]
    public void Read_RepeatedAnswer_LaterLineWins()
    {
        var file = Read("""
            {"item": "q", "annotator": "a", "label": "no"}
            {"item": "q", "annotator": "a", "label": "yes"}
            """);
        file.Replaced.ShouldBe(1);
        file.Table.Ratings.ShouldBe(1);
        file.Table.CategoryNames[file.Table.Get(0, 0)].ShouldBe("yes");
    }

    [Fact]
    public void Read_EmptyFile_GivesAnEmptyTable() => Read("\n\n").Table.Items.ShouldBe(0);

    [Fact]
    public void Read_MalformedJson_NamesFileAndLine()
    {
        var e = Fails("""
            {"item": "q", "annotator": "a", "label": "no"}
            {"item": "q", "annotator": "b", "label": }
            """);
        (e.Source, e.Line, e.Field).ShouldBe(("a.jsonl", 2, null));
        e.Message.ShouldStartWith("a.jsonl, line 2: malformed JSON near byte");
    }

    [Fact]
    public void Read_SimpleLineMissingLabel_NamesTheField()
    {
        var e = Fails("""
            {"item": "q", "annotator": "a", "label": "no"}
            {"item": "r", "annotator": "a"}
            """);
        (e.Line, e.Field).ShouldBe((2, "label"));
        e.Message.ShouldStartWith("a.jsonl, line 2, field 'label': missing");
    }

    [Fact]
    public void Read_ExportAnswerWithoutAnnotator_NamesTheNestedField()
    {
        var e = Fails("""
            {"id":"a","annotations":[{"annotator":"x","labels":["p"]},{"labels":["q"]}]}
            """);
        (e.Line, e.Field).ShouldBe((1, "annotations[1].annotator"));
    }

    [Theory]
    [InlineData("""{"id":"a","annotations":[{"annotator":"x","labels":"p"}]}""", "annotations[0].labels")]
    [InlineData("""{"id":"a","annotations":[{"annotator":"x","labels":["p", 3]}]}""", "annotations[0].labels[1]")]
    [InlineData("""{"id":"a","annotations":{"annotator":"x"}}""", "annotations")]
    [InlineData("""{"id":{"x":1},"annotations":[]}""", "id")]
    [InlineData("""{"id":"a","annotations":[{"annotator":"  ","labels":["p"]}]}""", "annotations[0].annotator")]
    [InlineData("""{"id":"a","gold_label":["p"],"annotations":[]}""", "gold_label")]
    public void Read_ExportWrongTypes_NameTheField(string line, string field) => Fails(line).Field.ShouldBe(field);

    [Fact]
    public void Read_UnknownShape_SaysWhatWasExpected()
    {
        var e = Fails("""{"text": "hello", "label": "x"}""");
        (e.Line, e.Field).ShouldBe((1, null));
        e.Message.ShouldContain("neither a Sift export line");
    }

    [Fact]
    public void Read_ShapeChangesMidFile_NamesTheMissingField()
    {
        var e = Fails("""
            {"id":"a","annotations":[]}
            {"item": "q", "annotator": "a", "label": "no"}
            """);
        (e.Line, e.Field).ShouldBe((2, "id"));
    }

    [Fact]
    public void Read_ForcedSimpleShape_RejectsExportLines() =>
        Fails("""{"id":"a","annotations":[]}""", AnnotationFileShape.Simple).Field.ShouldBe("item");

    [Fact]
    public void Read_JsonArray_SaysJsonLinesExpected() =>
        Fails("""[{"item": "q", "annotator": "a", "label": "no"}]""").Message.ShouldContain("JSON Lines");
}
