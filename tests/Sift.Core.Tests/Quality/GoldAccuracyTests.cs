using Sift.Quality;

namespace Sift.Core.Tests.Quality;

public sealed class GoldAccuracyTests
{
    private const int No = MajorityVote.NoLabel;

    /// <summary>
    /// Items i0…i5 × annotators 0–2, categories 0 (a) and 1 (b):
    /// i0 a a b (gold a) · i1 b a – (gold a) · i2 b b b (no gold) · i3 – – – (gold b) · i4 a – – (gold c, not a category) · i5 b a a (gold b).
    /// </summary>
    private static RatingTable Table()
    {
        var builder = new RatingTableBuilder();
        foreach (var (item, answers) in new (string, string[])[]
        {
            ("i0", ["a", "a", "b"]), ("i1", ["b", "a", ""]), ("i2", ["b", "b", "b"]), ("i3", ["", "", ""]), ("i4", ["a", "", ""]), ("i5", ["b", "a", "a"]),
        })
        {
            builder.AddItem(item);
            for (var a = 0; a < answers.Length; a++)
                if (answers[a].Length > 0) builder.Add(item, "r" + a, answers[a]);
        }

        return builder.Build();
    }

    private static readonly Dictionary<string, string> Gold = new() { ["i0"] = "a", ["i1"] = "a", ["i3"] = "b", ["i4"] = "c", ["i5"] = "b", ["elsewhere"] = "a" };

    [Fact]
    public void Compare_HandComputedTable_CountsEachScorer()
    {
        var table = Table();
        // Majority: i0 a, i1 tie, i2 b, i3 none, i4 a, i5 a. Dawid–Skene (made up here): i0 a, i1 a, i2 b, i3 none, i4 a, i5 b.
        int[] majority = [0, No, 1, No, 0, 0];
        int[] dawidSkene = [0, 0, 1, No, 0, 1];

        var g = GoldAccuracy.Compare(table, Gold, majority, dawidSkene);

        // Gold items of the table: i0 i1 i3 i4 i5 (the id "elsewhere" is not in it); i3 is unrated.
        (g.GoldItems, g.RatedGoldItems).ShouldBe((5, 4));
        // r0: i0 ✓ i1 ✗ i4 ✗ i5 ✓; r1: i0 ✓ i1 ✓ i5 ✗; r2: i0 ✗ i5 ✗.
        g.Annotators.Select(a => (a.Annotator, a.Score.Items, a.Score.Correct)).ShouldBe([(0, 4, 2), (1, 3, 2), (2, 2, 0)]);
        g.Annotators[0].Score.Accuracy.ShouldBe(0.5);
        // Majority on i0 ✓ i4 ✗ i5 ✗, i1 tied.
        (g.Majority, g.MajorityTies).ShouldBe((new GoldScore(3, 1), 1));
        // Dawid–Skene on i0 ✓ i1 ✓ i4 ✗ i5 ✓; on the majority's items i0 i4 i5: 2 of 3.
        g.DawidSkene.ShouldBe(new GoldScore(4, 3));
        g.DawidSkeneOnMajorityItems.ShouldBe(new GoldScore(3, 2));
    }

    [Fact]
    public void Compare_NoGold_MeasuresNothing()
    {
        var table = Table();
        var g = GoldAccuracy.Compare(table, new Dictionary<string, string>(), MajorityVote.Labels(table), new int[table.Items]);
        (g.GoldItems, g.RatedGoldItems, g.Majority.Accuracy, g.DawidSkene.Accuracy).ShouldBe((0, 0, null, null));
        g.Annotators.ShouldAllBe(a => a.Score.Items == 0 && a.Score.Accuracy == null);
    }

    [Fact]
    public void Compare_LabelsOfWrongLength_Throws()
    {
        var table = Table();
        Should.Throw<ArgumentException>(() => GoldAccuracy.Compare(table, Gold, new int[2], new int[table.Items])).ParamName.ShouldBe("majority");
        Should.Throw<ArgumentException>(() => GoldAccuracy.Compare(table, Gold, new int[table.Items], new int[1])).ParamName.ShouldBe("dawidSkene");
    }

    [Theory]
    [InlineData(new[] { "b" }, "b")]
    [InlineData(new[] { "sports", "news" }, "news;sports")]
    [InlineData(new string[0], "")]
    public void Category_SortsAndJoins(string[] labels, string expected) => LabelSets.Category(labels).ShouldBe(expected);

    [Theory]
    [InlineData("sports;news", "news;sports")]
    [InlineData(" news ; ;sports ", "news;sports")]
    [InlineData("news", "news")]
    [InlineData("", "")]
    public void CategoryOfJoined_SplitsTrimsAndSorts(string joined, string expected) => LabelSets.CategoryOfJoined(joined).ShouldBe(expected);
}
