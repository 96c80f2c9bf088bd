using System.Text;
using Sift.Data;
using Sift.Items;
using static Sift.Core.Tests.Data.DataInput;

namespace Sift.Core.Tests.Data;

/// <summary>Preference pairs in JSON Lines (<see cref="DataFormatOptions.Content"/> = pair, or decided by the first row).</summary>
public class PairReaderTests
{
    private static DataFormatOptions Pairs(ulong seed = 0) => new() { Content = ContentKind.Pair, PairSideSeed = seed };

    [Fact]
    public void Read_ChosenRejectedRows_KeepThePreferenceAsGoldOnTheSideTheChosenResponseLandsOn()
    {
        var rows = string.Join('\n', Enumerable.Range(0, 200).Select(i => $$"""{"id": "p{{i}}", "prompt": "q{{i}}", "chosen": "good{{i}}", "rejected": "bad{{i}}"}"""));

        var data = Read(rows, options: Pairs(seed: 7));

        data.ContentKind.ShouldBe(ContentKind.Pair);
        data.Count.ShouldBe(200);
        foreach (var item in data.Items)
        {
            var pair = item.Content.ShouldBeOfType<PairContent>();
            var n = item.Id[1..];
            pair.Prompt.ShouldBe("q" + n);
            item.Label.ShouldBeOneOf(PairLabels.A, PairLabels.B);
            (item.Label == PairLabels.A ? pair.ResponseA : pair.ResponseB).ShouldBe("good" + n);
            (item.Label == PairLabels.A ? pair.ResponseB : pair.ResponseA).ShouldBe("bad" + n);
            item.Text.ShouldBe(pair.FeatureText);
            pair.Conversation.ShouldBeNull();
        }

        // A fair coin per item: over 200 items each side gets the chosen response often (binomial, p = 0.5: 70..130 is ±4.2 sd).
        data.Items.Count(i => i.Label == PairLabels.A).ShouldBeInRange(70, 130);
        data.Labels.ShouldBe([PairLabels.A, PairLabels.B]);
    }

    [Fact]
    public void Read_SameSeed_SameSidesWhateverTheOrder_OtherSeed_OtherSides()
    {
        var lines = Enumerable.Range(0, 60).Select(i => $$"""{"id": {{i}}, "prompt": "q", "chosen": "c{{i}}", "rejected": "r{{i}}"}""").ToList();
        string Sides(IEnumerable<string> rows, ulong seed) =>
            string.Join(",", Read(string.Join('\n', rows), options: Pairs(seed)).Items.OrderBy(i => int.Parse(i.Id)).Select(i => i.Label));

        var forward = Sides(lines, 3);
        Sides(Enumerable.Reverse(lines), 3).ShouldBe(forward, "the coin depends on the item, not on its position in the file");
        Sides(lines, 3).ShouldBe(forward);
        Sides(lines, 4).ShouldNotBe(forward);
    }

    [Fact]
    public void Read_RowsWithoutIds_SidesFollowTheContent()
    {
        const string Row = """{"prompt": "q", "chosen": "yes", "rejected": "no"}""";
        var once = Read(Row, options: Pairs(1)).Items.Single();
        var later = Read("\n\n" + Row, options: Pairs(1)).Items.Single();

        later.Id.ShouldBe("3");
        later.Label.ShouldBe(once.Label, "without an id, the coin is tossed on the content, so a line number does not move it");
    }

    [Fact]
    public void Read_ResponseAResponseB_KeepsTheSidesAndAnOptionalPreference()
    {
        var data = Read("""
            {"id": "x", "prompt": "Which?", "response_a": "first", "response_b": "second", "label": "b", "group": "g", "cost": 2, "meta": {"src": "arena"}}
            {"id": "y", "prompt": "Which?", "response_a": "one", "response_b": "two", "label": "TIE"}
            {"id": "z", "prompt": "Which?", "response_a": "uno", "response_b": "dos"}
            {"id": "w", "prompt": "Which?", "response_a": "eins", "response_b": "zwei", "label": "both_bad"}
            """, options: Pairs());

        var x = data.Items[0];
        x.Content.ShouldBe(new PairContent("Which?", "first", "second"));
        x.Label.ShouldBe(PairLabels.B);
        x.Group.ShouldBe("g");
        x.Cost.ShouldBe(2);
        x.Meta!["src"]!.GetValue<string>().ShouldBe("arena");
        data.Items[1].Label.ShouldBe(PairLabels.Tie);
        data.Items[2].Label.ShouldBeNull();
        data.Items[3].Label.ShouldBe(PairLabels.BothBad);
    }

    [Fact]
    public void Read_ConversationalPrompt_KeepsTheTurnsAndPromptsWithTheLastUserTurn()
    {
        var data = Read("""
            {"prompt": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello."}, {"role": "user", "content": "Sky colour?"}], "chosen": [{"role": "assistant", "content": "Blue."}], "rejected": [{"role": "assistant", "content": "Green."}]}
            """, options: Pairs());

        var item = data.Items.Single();
        var pair = item.Content.ShouldBeOfType<PairContent>();
        pair.Prompt.ShouldBe("Sky colour?");
        pair.Conversation.ShouldNotBeNull();
        pair.Conversation.Select(t => t.Role).ShouldBe(["system", "user", "assistant", "user"]);
        pair.Conversation[0].Content.ShouldBe("Be brief.");
        new[] { pair.ResponseA, pair.ResponseB }.ShouldBe(item.Label == PairLabels.A ? ["Blue.", "Green."] : ["Green.", "Blue."]);
    }

    [Fact]
    public void Read_PairContent_RoundTripsThroughItsStoredForm()
    {
        var pair = (PairContent)Read("""
            {"prompt": [{"role": "user", "content": "<b>q</b>"}], "response_a": "a\u0007", "response_b": "b"}
            """, options: Pairs()).Items.Single().Content;

        var back = (PairContent)ItemContentJson.Decode(ContentKind.Pair, pair.FeatureText, ItemContentJson.Encode(pair));

        back.Prompt.ShouldBe("<b>q</b>");
        back.ResponseA.ShouldBe("a\u0007", "control characters other than NUL are free text, kept as they are");
        back.Conversation!.ShouldHaveSingleItem().ShouldBe(new ChatTurn("user", "<b>q</b>"));
    }

    [Theory]
    [InlineData("""{"chosen": "c", "rejected": "r"}""", "prompt", "explicit-prompt")]
    [InlineData("""{"prompt": "q"}""", "chosen", "missing")]
    [InlineData("""{"prompt": "q", "chosen": "c"}""", "rejected", "missing")]
    [InlineData("""{"prompt": "q", "response_a": "a"}""", "response_b", "missing")]
    [InlineData("""{"prompt": "q", "chosen": "c", "rejected": "r", "response_a": "a", "response_b": "b"}""", null, "one pair")]
    [InlineData("""{"prompt": "  ", "chosen": "c", "rejected": "r"}""", "prompt", "empty or only whitespace")]
    [InlineData("""{"prompt": "q", "chosen": "", "rejected": "r"}""", "chosen", "empty or only whitespace")]
    [InlineData("""{"prompt": "q", "chosen": "c\u0000", "rejected": "r"}""", "chosen", "NUL")]
    [InlineData("""{"prompt": "q", "chosen": 5, "rejected": "r"}""", "chosen", "not a string")]
    [InlineData("""{"prompt": {"text": "q"}, "chosen": "c", "rejected": "r"}""", "prompt", "not a string or a list")]
    [InlineData("""{"prompt": [], "chosen": "c", "rejected": "r"}""", "prompt", "empty conversation")]
    [InlineData("""{"prompt": [{"role": "system", "content": "s"}], "chosen": "c", "rejected": "r"}""", "prompt", "no 'user' message")]
    [InlineData("""{"prompt": [{"role": "user", "content": "q"}, {"role": "tool", "content": "t"}], "chosen": "c", "rejected": "r"}""", "prompt[1].role", "'tool' is not one of")]
    [InlineData("""{"prompt": [{"role": "user"}], "chosen": "c", "rejected": "r"}""", "prompt[0].content", "missing")]
    [InlineData("""{"prompt": [{"role": "user", "content": [{"type": "text", "text": "q"}]}], "chosen": "c", "rejected": "r"}""", "prompt[0].content", "several content parts")]
    [InlineData("""{"prompt": ["q"], "chosen": "c", "rejected": "r"}""", "prompt[0]", "not a {")]
    [InlineData("""{"prompt": "q", "chosen": [{"role": "assistant", "content": "a"}, {"role": "assistant", "content": "b"}], "rejected": "r"}""", "chosen", "a list of 2 messages")]
    [InlineData("""{"prompt": "q", "chosen": [{"role": "user", "content": "a"}], "rejected": "r"}""", "chosen[0].role", "'assistant'")]
    [InlineData("""{"prompt": "q", "chosen": "c", "rejected": "\uDC00"}""", "rejected", "unpaired surrogate")]
    [InlineData("""{"prompt": "q", "chosen": "c", "rejected": "r", "label": "A"}""", "label", "already say")]
    [InlineData("""{"prompt": "q", "response_a": "a", "response_b": "b", "label": "left"}""", "label", "not a preference")]
    [InlineData("""{"prompt": "q", "response_a": "a", "response_b": "b", "id": "x\ty"}""", "id", "control character")]
    public void Read_BadPairRow_NamesLineAndField(string row, string? field, string problem)
    {
        var error = Fails("""{"prompt": "fine", "chosen": "c", "rejected": "r"}""" + "\n" + row, "pairs.jsonl", Pairs());

        error.Source.ShouldBe("pairs.jsonl");
        error.Line.ShouldBe(2);
        error.Field.ShouldBe(field);
        error.Message.ShouldContain(problem);
    }

    [Fact]
    public void Read_TooLongResponse_NamesTheLimit()
    {
        var options = Pairs();
        options.MaxTextLength = 10;

        var error = Fails("""{"prompt": "q", "chosen": "c", "rejected": "0123456789x"}""", options: options);

        error.Field.ShouldBe("rejected");
        error.Message.ShouldContain("the limit is 10");
    }

    [Fact]
    public void Read_TextImportOfAPairRow_SaysItIsAPair()
    {
        var error = Fails("""{"prompt": "q", "chosen": "c", "rejected": "r"}""");

        error.Field.ShouldBe("text");
        error.Message.ShouldContain("preference pair");
    }

    [Fact]
    public void Read_KindLeftOpen_TheFirstRowDecides()
    {
        var open = new DataFormatOptions { Content = null };

        Read("""{"prompt": "q", "chosen": "c", "rejected": "r"}""", options: open).ContentKind.ShouldBe(ContentKind.Pair);
        Read("""{"text": "t", "prompt": "q", "chosen": "c"}""", options: open).ContentKind.ShouldBe(ContentKind.Text, "a row with the text field is text");
        Read("""{"text": "t"}""", options: open).Items.Single().Content.ShouldBe(new TextContent("t"));
    }

    [Fact]
    public void Read_KindLeftOpen_ImplicitPromptRows_AreReadAsPairsAndRefusedWithTheFix()
    {
        var error = Fails("""{"chosen": "Human: q Assistant: yes", "rejected": "Human: q Assistant: no"}""", options: new DataFormatOptions { Content = null });

        error.Field.ShouldBe("prompt");
        error.Message.ShouldContain("explicit-prompt format");
    }

    [Fact]
    public void Read_KindLeftOpen_AMixedFileFailsAtTheFirstRowOfTheOtherKind()
    {
        var error = Fails("""
            {"text": "t1"}

            {"text": "t2"}
            {"prompt": "q", "response_a": "a", "response_b": "b"}
            """, options: new DataFormatOptions { Content = null });

        error.Line.ShouldBe(4);
        error.Message.ShouldContain("a preference pair, but the file's first item (line 1) is a text item");
    }

    [Fact]
    public void Read_TrickleStream_ReadsPairsSplitAcrossReads()
    {
        var bytes = Encoding.UTF8.GetBytes(string.Join('\n', Enumerable.Range(0, 50).Select(i => $$"""{"id": {{i}}, "prompt": "q {{i}} ✓", "chosen": "c", "rejected": "r"}""")));
        using var stream = new TrickleStream(bytes, 3);

        var data = TextDatasetReader.Read(stream, "pairs.jsonl", Pairs());

        data.Count.ShouldBe(50);
        ((PairContent)data.Items[49].Content).Prompt.ShouldBe("q 49 ✓");
    }

    [Fact]
    public void Options_PairsFromCsv_AreRefused()
    {
        Should.Throw<ConfigurationException>(() => Read("prompt,chosen,rejected\nq,c,r\n", "pairs.csv", Pairs())).Message.ShouldContain("JSON Lines only");
        Should.Throw<ConfigurationException>(() => new DataFormatOptions { Content = ContentKind.Pair, Format = DataFormat.Csv }.Validate());
    }

    [Fact]
    public void Options_AFieldNameAPairRowUses_IsRefusedForPairs()
    {
        var options = Pairs();
        options.LabelField = "chosen";

        Should.Throw<ConfigurationException>(options.Validate).Message.ShouldContain("'chosen'");
        new DataFormatOptions { LabelField = "chosen" }.Validate(); // text rows may name any field
    }

    [Fact]
    public void Read_HhRlhfHelpfulTestFile_ReadsEveryPairWithBothSidesChosen()
    {
        var path = SharedDatasetTests.FindSharedDataset("preferences-hh-rlhf-helpful", "test.jsonl");
        if (path is null) Assert.Skip("../shared/datasets/preferences-hh-rlhf-helpful/test.jsonl is not beside this repository.");

        using var stream = File.OpenRead(path);
        var data = TextDatasetReader.Read(stream, path, new DataFormatOptions { Content = null, PairSideSeed = 1 });

        data.ContentKind.ShouldBe(ContentKind.Pair);
        data.Count.ShouldBe(1243);
        data.Labels.ShouldBe([PairLabels.A, PairLabels.B]);
        data.Items.Count(i => i.Label == PairLabels.A).ShouldBeInRange(540, 703); // 1243 / 2 ± 4.5 sd
    }

    [Fact]
    public void Read_ListOfResponses_EveryPairAnItemWithTheRowsIdAndNoGold()
    {
        var data = Read("""
            {"id": "r", "prompt": [{"role": "user", "content": "Pick a number."}], "responses": ["One.", "Two.", [{"role": "assistant", "content": "Three."}]], "group": "g"}
            {"prompt": "Pick a letter.", "responses": ["A.", "B."]}
            """, options: new DataFormatOptions { Content = null });

        data.ContentKind.ShouldBe(ContentKind.Pair);
        data.Items.Select(i => i.Id).ShouldBe(["r#1-2", "r#1-3", "r#2-3", "2#1-2"]);
        data.Items.ShouldAllBe(i => i.Label == null);
        data.Items[0].Group.ShouldBe("g");
        data.Items[3].IdFromLine.ShouldBeTrue();
        var pairs = data.Items.Select(i => (PairContent)i.Content).ToList();
        pairs.Select(p => (p.ResponseA, p.ResponseB)).ShouldBe([("One.", "Two."), ("One.", "Three."), ("Two.", "Three."), ("A.", "B.")]);
        pairs[0].Conversation!.Single().Content.ShouldBe("Pick a number.");
        pairs[3].Conversation.ShouldBeNull();
    }

    [Theory]
    [InlineData("""{"prompt": "q", "responses": ["a"]}""", "responses", "a list of 1 responses; give 2 to 8")]
    [InlineData("""{"prompt": "q", "responses": ["a", "b", "c", "d", "e", "f", "g", "h", "i"]}""", "responses", "a list of 9 responses")]
    [InlineData("""{"prompt": "q", "responses": "a, b"}""", "responses", "not a list of responses")]
    [InlineData("""{"prompt": "q", "responses": ["a", "a"]}""", "responses[1]", "the same text as responses[0]")]
    [InlineData("""{"prompt": "q", "responses": ["a", 3]}""", "responses[1]", "not a string or a list of one")]
    [InlineData("""{"prompt": "q", "responses": ["a", "b"], "chosen": "a"}""", "responses", "given beside 'chosen'")]
    [InlineData("""{"prompt": "q", "responses": ["a", "b"], "label": "tie"}""", "label", "give each pair its own row to label it")]
    public void Read_BadListOfResponses_NamesLineAndField(string row, string field, string problem)
    {
        var e = Fails(row, options: new DataFormatOptions { Content = null });
        e.Line.ShouldBe(1);
        e.Field.ShouldBe(field);
        e.Message.ShouldContain(problem);
    }
}
