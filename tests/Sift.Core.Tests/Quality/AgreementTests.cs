using Sift.Quality;

namespace Sift.Core.Tests.Quality;

public sealed class AgreementTests
{
    /// <summary>Fleiss (1971) as given in the Wikipedia article "Fleiss' kappa": 10 subjects × 14 raters × 5 categories.</summary>
    private static readonly int[,] FleissExample =
    {
        { 0, 0, 0, 0, 14 },
        { 0, 2, 6, 4, 2 },
        { 0, 0, 3, 5, 6 },
        { 0, 3, 9, 2, 0 },
        { 2, 2, 8, 1, 1 },
        { 7, 7, 0, 0, 0 },
        { 3, 2, 6, 3, 0 },
        { 2, 5, 3, 2, 2 },
        { 6, 5, 2, 1, 0 },
        { 0, 2, 2, 3, 7 },
    };

    /// <summary>
    /// Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", §C: 4 observers × 12 units, values 1–5 (here
    /// categories 0–4), −1 missing. Published: nominal α = 0.743, ordinal 0.815, interval 0.849.
    /// </summary>
    private static readonly int[,] KrippendorffExample = Transpose(new[,]
    {
        { 0, 1, 2, 2, 1, 0, 3, 0, 1, -1, -1, -1 }, // A
        { 0, 1, 2, 2, 1, 1, 3, 0, 1, 4, -1, 2 },   // B
        { -1, 2, 2, 2, 1, 2, 3, 1, 1, 4, 0, -1 },  // C
        { 0, 1, 2, 2, 1, 3, 3, 0, 1, 4, 0, -1 },   // D
    });

    private static int[,] Transpose(int[,] m)
    {
        var t = new int[m.GetLength(1), m.GetLength(0)];
        for (var i = 0; i < m.GetLength(0); i++)
            for (var j = 0; j < m.GetLength(1); j++) t[j, i] = m[i, j];
        return t;
    }

    /// <summary>Items with one rater per count: rater r of item i is annotator r (so each item is rated by Σ counts annotators).</summary>
    private static RatingTable FromCounts(int[,] counts)
    {
        var ratings = new List<(int, int, int)>();
        var annotators = 0;
        for (var i = 0; i < counts.GetLength(0); i++)
        {
            var r = 0;
            for (var c = 0; c < counts.GetLength(1); c++)
                for (var k = 0; k < counts[i, c]; k++) ratings.Add((i, r++, c));
            annotators = Math.Max(annotators, r);
        }
        return RatingTable.FromRatings(counts.GetLength(0), annotators, counts.GetLength(1), ratings);
    }

    private static RatingTable Pair(params (int A, int B, int Count)[] cells)
    {
        var rows = new List<int[]>();
        foreach (var (a, b, n) in cells)
            for (var k = 0; k < n; k++) rows.Add([a, b]);
        var dense = new int[rows.Count, 2];
        for (var i = 0; i < rows.Count; i++) (dense[i, 0], dense[i, 1]) = (rows[i][0], rows[i][1]);
        return RatingTable.FromDense(dense, 3);
    }

    [Fact]
    public void FleissKappa_Fleiss1971WikipediaExample_Is0210()
    {
        // P̄ = 0.378, P_e = 0.2128 → κ = 0.2099 (independently recomputed in exact arithmetic: 0.20993070442195522).
        Agreement.FleissKappa(FleissExample)!.Value.ShouldBe(0.20993070442195522, 1e-12);
        Agreement.FleissKappa(FleissExample)!.Value.ShouldBe(0.210, 5e-4);
        Agreement.FleissKappa(FromCounts(FleissExample))!.Value.ShouldBe(0.20993070442195522, 1e-12);
        Agreement.PercentAgreement(FromCounts(FleissExample))!.Value.ShouldBe(0.378021978021978, 1e-12);
    }

    [Fact]
    public void KrippendorffAlpha_Krippendorff2011Example_MatchesPublishedValues()
    {
        var table = RatingTable.FromDense(KrippendorffExample, 5);
        Agreement.KrippendorffAlpha(table)!.Value.ShouldBe(0.743, 5e-4);
        Agreement.KrippendorffAlpha(table, AlphaLevel.Ordinal)!.Value.ShouldBe(0.815, 5e-4);
        Agreement.KrippendorffAlpha(table, AlphaLevel.Interval)!.Value.ShouldBe(0.849, 5e-4);
        // Exact values from an independent pairwise-difference computation with rational arithmetic.
        Agreement.KrippendorffAlpha(table)!.Value.ShouldBe(0.743421052631579, 1e-12);
        Agreement.KrippendorffAlpha(table, AlphaLevel.Ordinal)!.Value.ShouldBe(0.8153875037548813, 1e-12);
        Agreement.KrippendorffAlpha(table, AlphaLevel.Interval)!.Value.ShouldBe(0.8491071428571428, 1e-12);
        // Interval distances depend on differences only: values 1…5 give the same α as indices 0…4.
        Agreement.KrippendorffAlpha(table, AlphaLevel.Interval, [1, 2, 3, 4, 5])!.Value.ShouldBe(0.8491071428571428, 1e-12);
    }

    [Fact]
    public void KrippendorffAlpha_CountsOverload_EqualsTableOverload()
    {
        var table = RatingTable.FromDense(KrippendorffExample, 5);
        var counts = new int[table.Items, table.Categories];
        var flat = table.CategoryCounts();
        for (var i = 0; i < table.Items; i++)
            for (var c = 0; c < table.Categories; c++) counts[i, c] = flat[i * table.Categories + c];
        Agreement.KrippendorffAlpha(counts).ShouldBe(Agreement.KrippendorffAlpha(table));
    }

    [Fact]
    public void CohenKappa_HandComputed2x2_IsPoint4()
    {
        // [[20, 5], [10, 15]]: p_o = 35/50 = 0.7; A says 0 for 25, B for 30: p_e = 0.5·0.6 + 0.5·0.4 = 0.5; κ = 0.2 / 0.5.
        var table = Pair((0, 0, 20), (0, 1, 5), (1, 0, 10), (1, 1, 15));
        Agreement.CohenKappa(table, 0, 1)!.Value.ShouldBe(0.4, 1e-12);
        Agreement.CohenKappa(table, 1, 0)!.Value.ShouldBe(0.4, 1e-12);
    }

    [Fact]
    public void CohenKappa_HandComputed3x3_Is20Over33()
    {
        // Rows A, columns B: [[15,3,2],[4,10,1],[1,2,12]]; p_o = 37/50; both marginals 20,15,15 → p_e = 850/2500 = 0.34;
        // κ = (0.74 − 0.34) / 0.66 = 20/33.
        var table = Pair((0, 0, 15), (0, 1, 3), (0, 2, 2), (1, 0, 4), (1, 1, 10), (1, 2, 1), (2, 0, 1), (2, 1, 2), (2, 2, 12));
        Agreement.CohenKappa(table, 0, 1)!.Value.ShouldBe(20.0 / 33, 1e-12);
        var pair = Agreement.Pairwise(table).ShouldHaveSingleItem();
        (pair.First, pair.Second, pair.SharedItems).ShouldBe((0, 1, 50));
        pair.PercentAgreement!.Value.ShouldBe(0.74, 1e-12);
        pair.Kappa!.Value.ShouldBe(20.0 / 33, 1e-12);
    }

    [Fact]
    public void CohenKappa_OnlyItemsBothRated_AreUsed()
    {
        // Item 2 is rated by annotator 0 only and must not count.
        var table = RatingTable.FromDense(new[,] { { 0, 0 }, { 1, 1 }, { 1, -1 }, { 0, 1 } }, 2);
        // Shared: (0,0), (1,1), (0,1): p_o = 2/3; A: 0,1,0 → (2/3, 1/3); B: 0,1,1 → (1/3, 2/3); p_e = 2/9 + 2/9 = 4/9.
        Agreement.CohenKappa(table, 0, 1)!.Value.ShouldBe((2.0 / 3 - 4.0 / 9) / (1 - 4.0 / 9), 1e-12);
        Agreement.Pairwise(table).ShouldHaveSingleItem().SharedItems.ShouldBe(3);
    }

    [Fact]
    public void CohenKappa_BothConstantSameCategory_IsUndefined()
    {
        var table = RatingTable.FromDense(new[,] { { 1, 1 }, { 1, 1 }, { 1, 1 } }, 3);
        Agreement.CohenKappa(table, 0, 1).ShouldBeNull();
    }

    [Fact]
    public void CohenKappa_ConstantButDifferent_IsZero()
    {
        // A always 0, B always 1: p_o = 0, p_e = 0 → κ = 0 (defined).
        var table = RatingTable.FromDense(new[,] { { 0, 1 }, { 0, 1 } }, 2);
        Agreement.CohenKappa(table, 0, 1).ShouldBe(0.0);
    }

    [Fact]
    public void CohenKappa_NoSharedItems_IsUndefined()
    {
        var table = RatingTable.FromDense(new[,] { { 0, -1 }, { -1, 1 } }, 2);
        Agreement.CohenKappa(table, 0, 1).ShouldBeNull();
        Agreement.Pairwise(table).ShouldBeEmpty();
    }

    [Fact]
    public void FleissKappa_VaryingRatingsPerItem_UsesPerItemN()
    {
        // [a,a,b]: P = 2/6; [a,a]: 1; [b,b,b,b]: 1; P̄ = 7/9. a: 4, b: 5 of 9 → P_e = 41/81. κ = (63 − 41) / (81 − 41) = 0.55.
        var table = RatingTable.FromDense(new[,] { { 0, 0, 1, -1 }, { 0, 0, -1, -1 }, { 1, 1, 1, 1 } }, 2);
        Agreement.FleissKappa(table)!.Value.ShouldBe(0.55, 1e-12);
        Agreement.PercentAgreement(table)!.Value.ShouldBe(7.0 / 9, 1e-12);
    }

    [Fact]
    public void FleissKappa_ItemsWithOneRating_AreIgnored()
    {
        var with = RatingTable.FromDense(new[,] { { 0, 0, 1, -1 }, { 0, 0, -1, -1 }, { 1, 1, 1, 1 }, { 1, -1, -1, -1 }, { -1, -1, -1, -1 } }, 2);
        Agreement.FleissKappa(with)!.Value.ShouldBe(0.55, 1e-12);
        Agreement.PercentAgreement(with)!.Value.ShouldBe(7.0 / 9, 1e-12);
    }

    [Fact]
    public void Measures_OneCategoryOnly_AreUndefinedNotThrown()
    {
        var table = RatingTable.FromDense(new[,] { { 2, 2, 2 }, { 2, -1, 2 }, { 2, 2, -1 } }, 4);
        Agreement.FleissKappa(table).ShouldBeNull();
        Agreement.KrippendorffAlpha(table).ShouldBeNull();
        Agreement.KrippendorffAlpha(table, AlphaLevel.Ordinal).ShouldBeNull();
        Agreement.KrippendorffAlpha(table, AlphaLevel.Interval).ShouldBeNull();
        Agreement.PercentAgreement(table).ShouldBe(1.0);
        Agreement.Pairwise(table).ShouldAllBe(p => p.Kappa == null);
    }

    [Fact]
    public void Measures_NoItemWithTwoRatings_AreUndefined()
    {
        var table = RatingTable.FromDense(new[,] { { 0, -1 }, { -1, 1 }, { -1, -1 } }, 2);
        var summary = Agreement.Summarize(table);
        summary.PercentAgreement.ShouldBeNull();
        summary.FleissKappa.ShouldBeNull();
        summary.KrippendorffAlpha.ShouldBeNull();
        summary.Pairs.ShouldBeEmpty();
        summary.PerAnnotator.ShouldAllBe(a => a.Agreement == null && a.Compared == 0);
        (summary.Items, summary.RatedItems, summary.PairableItems, summary.Ratings).ShouldBe((3, 2, 0, 2));
    }

    [Fact]
    public void Measures_EmptyTable_AreUndefined()
    {
        var table = RatingTable.FromDense(new int[0, 0], 0);
        var summary = Agreement.Summarize(table);
        summary.PercentAgreement.ShouldBeNull();
        summary.FleissKappa.ShouldBeNull();
        summary.KrippendorffAlpha.ShouldBeNull();
    }

    [Fact]
    public void KrippendorffAlpha_SystematicDisagreement_IsNegative()
    {
        // Two coders who always disagree on a balanced binary task: α = 1 − (n − 1)·o_01·2 / (2·n_0·n_1) with n = 8, o_01 = 4, n_0 = n_1 = 4 → 1 − 7·8/32 = −0.75.
        var table = RatingTable.FromDense(new[,] { { 0, 1 }, { 1, 0 }, { 0, 1 }, { 1, 0 } }, 2);
        Agreement.KrippendorffAlpha(table)!.Value.ShouldBe(-0.75, 1e-12);
        Agreement.FleissKappa(table)!.Value.ShouldBe(-1.0, 1e-12);
    }

    [Fact]
    public void WithMajorityOfOthers_HandExample()
    {
        // Item 0: 0,0,1 → annotator 2 disagrees with the others' 0; annotators 0 and 1 face {0,1}: a tie, not compared.
        // Item 1: 1,1,1 → all agree. Item 2: 0, -, 0 → 0 and 2 each agree with the other. Item 3: only annotator 1: not compared.
        var table = RatingTable.FromDense(new[,] { { 0, 0, 1 }, { 1, 1, 1 }, { 0, -1, 0 }, { -1, 1, -1 } }, 2);
        var result = Agreement.WithMajorityOfOthers(table);
        result[0].ShouldBe(new AnnotatorAgreement(0, 3, 2, 2, 1.0));
        result[1].ShouldBe(new AnnotatorAgreement(1, 3, 1, 1, 1.0));
        result[2].ShouldBe(new AnnotatorAgreement(2, 3, 3, 2, 2.0 / 3));
    }

    [Fact]
    public void KappaMatrix_IsSymmetricWithNullDiagonal()
    {
        var table = RatingTable.FromDense(new[,] { { 0, 0, 1 }, { 1, 1, 1 }, { 0, 1, 0 }, { 1, 1, 0 } }, 2);
        var m = Agreement.KappaMatrix(table);
        for (var a = 0; a < 3; a++)
        {
            m[a, a].ShouldBeNull();
            for (var b = 0; b < 3; b++)
            {
                m[a, b].ShouldBe(m[b, a]);
                if (a != b) m[a, b].ShouldBe(Agreement.CohenKappa(table, a, b));
            }
        }
    }

    [Fact]
    public void RatingTable_FromRatings_RejectsDuplicateAndOutOfRange()
    {
        Should.Throw<ArgumentException>(() => RatingTable.FromRatings(2, 2, 2, [(0, 1, 0), (0, 1, 1)]));
        Should.Throw<ArgumentOutOfRangeException>(() => RatingTable.FromRatings(2, 2, 2, [(0, 1, 2)]));
        Should.Throw<ArgumentOutOfRangeException>(() => RatingTable.FromDense(new[,] { { 0, 3 } }, 2));
    }

    [Fact]
    public void RatingTableBuilder_OrdersNamesAndReplacesRepeats()
    {
        var builder = new RatingTableBuilder();
        builder.AddCategory("spam");
        builder.Add("x", "zoe", "ham").ShouldBeTrue();
        builder.Add("y", "adam", "ham").ShouldBeTrue();
        builder.Add("x", "adam", "spam").ShouldBeTrue();
        builder.Add("x", "zoe", "spam").ShouldBeFalse();
        builder.AddItem("z");
        var table = builder.Build();
        table.ItemIds.ShouldBe(["x", "y", "z"]);
        table.AnnotatorNames.ShouldBe(["adam", "zoe"]);
        table.CategoryNames.ShouldBe(["ham", "spam"]);
        builder.Replaced.ShouldBe(1);
        table.Ratings.ShouldBe(3);
        table.Get(0, 1).ShouldBe(1); // zoe's later answer on x: spam
        table.Get(1, 0).ShouldBe(0);
        table.Get(1, 1).ShouldBe(RatingTable.Missing);
        table.RatingsOf(2).ShouldBe(0);
    }
}
