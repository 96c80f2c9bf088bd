using FsCheck;
using FsCheck.Fluent;
using Sift.Quality;

namespace Sift.Core.Tests.Quality;

public sealed class AgreementPropertyTests
{
    /// <summary>A ratings matrix (−1 missing, about one cell in five) with its number of categories.</summary>
    internal sealed record Ratings(int[,] Cells, int Categories)
    {
        public RatingTable Table => RatingTable.FromDense(Cells, Categories);

        public override string ToString()
        {
            var rows = Enumerable.Range(0, Cells.GetLength(0))
                .Select(i => string.Join(' ', Enumerable.Range(0, Cells.GetLength(1)).Select(a => Cells[i, a] < 0 ? "." : Cells[i, a].ToString(System.Globalization.CultureInfo.InvariantCulture))));
            return $"{Categories} categories: [{string.Join(" | ", rows)}]";
        }
    }

    internal static Gen<Ratings> RatingsGen(int maxItems = 25, double missing = 0.2) =>
        from items in Gen.Choose(1, maxItems)
        from annotators in Gen.Choose(2, 6)
        from categories in Gen.Choose(2, 5)
        from cells in Gen.Array2DOf(
            Gen.Frequency((Math.Max(0, (int)(missing * 100)), Gen.Constant(-1)), ((int)((1 - missing) * 100), Gen.Choose(0, categories - 1))),
            items, annotators)
        select new Ratings(cells, categories);

    private static Gen<(Ratings Ratings, int[] Permutation)> WithPermutation(bool ofCategories) =>
        from r in RatingsGen()
        from p in Gen.Shuffle(Enumerable.Range(0, ofCategories ? r.Categories : r.Cells.GetLength(1)).ToArray())
        select (r, p);

    private static bool Same(double? a, double? b, double tolerance = 1e-9) =>
        a is null ? b is null : b is not null && Math.Abs(a.Value - b.Value) <= tolerance;

    [Fact]
    public void PerfectAgreement_KappaAndAlphaAreOne() =>
        Prop.ForAll(RatingsGen().ToArbitrary(), r =>
        {
            // Every annotator who rates an item gives it the same category (the first rater's).
            var cells = (int[,])r.Cells.Clone();
            for (var i = 0; i < cells.GetLength(0); i++)
            {
                var truth = (i * 7 + cells.GetLength(1)) % r.Categories;
                for (var a = 0; a < cells.GetLength(1); a++) if (cells[i, a] >= 0) cells[i, a] = truth;
            }
            var table = RatingTable.FromDense(cells, r.Categories);
            var pairable = Enumerable.Range(0, table.Items).Where(i => table.RatingsOf(i) >= 2).ToList();
            var used = pairable.Select(i => table.LabelsOf(i)[0]).Distinct().Count();
            var fleiss = Agreement.FleissKappa(table);
            var alpha = Agreement.KrippendorffAlpha(table);
            var definedAsExpected = used >= 2 ? fleiss is not null && alpha is not null : fleiss is null && alpha is null;
            return definedAsExpected
                && (fleiss is null || Math.Abs(fleiss.Value - 1) < 1e-12)
                && (alpha is null || Math.Abs(alpha.Value - 1) < 1e-12)
                && Same(Agreement.PercentAgreement(table), pairable.Count == 0 ? null : 1.0)
                && Agreement.Pairwise(table).All(p => p.PercentAgreement == 1 && (p.Kappa is null || Math.Abs(p.Kappa.Value - 1) < 1e-12));
        }).QuickCheckThrowOnFailure();

    [Fact]
    public void RelabelledCategories_LeaveKappaAlphaAndAgreementUnchanged() =>
        Prop.ForAll(WithPermutation(ofCategories: true).ToArbitrary(), x =>
        {
            var (r, p) = x;
            var cells = (int[,])r.Cells.Clone();
            for (var i = 0; i < cells.GetLength(0); i++)
                for (var a = 0; a < cells.GetLength(1); a++) if (cells[i, a] >= 0) cells[i, a] = p[cells[i, a]];
            RatingTable before = r.Table, after = RatingTable.FromDense(cells, r.Categories);
            var pairsBefore = Agreement.Pairwise(before);
            var pairsAfter = Agreement.Pairwise(after);
            return Same(Agreement.FleissKappa(before), Agreement.FleissKappa(after))
                && Same(Agreement.KrippendorffAlpha(before), Agreement.KrippendorffAlpha(after))
                && Same(Agreement.PercentAgreement(before), Agreement.PercentAgreement(after))
                && pairsBefore.Count == pairsAfter.Count
                && pairsBefore.Zip(pairsAfter).All(z => Same(z.First.Kappa, z.Second.Kappa) && Same(z.First.PercentAgreement, z.Second.PercentAgreement))
                && Agreement.WithMajorityOfOthers(before).SequenceEqual(Agreement.WithMajorityOfOthers(after));
        }).QuickCheckThrowOnFailure();

    [Fact]
    public void ReorderedAnnotators_LeaveMeasuresUnchanged() =>
        Prop.ForAll(WithPermutation(ofCategories: false).ToArbitrary(), x =>
        {
            var (r, p) = x;
            int items = r.Cells.GetLength(0), annotators = r.Cells.GetLength(1);
            var cells = new int[items, annotators];
            for (var i = 0; i < items; i++)
                for (var a = 0; a < annotators; a++) cells[i, p[a]] = r.Cells[i, a];
            RatingTable before = r.Table, after = RatingTable.FromDense(cells, r.Categories);
            var kappaBefore = Agreement.KappaMatrix(before);
            var kappaAfter = Agreement.KappaMatrix(after);
            var perBefore = Agreement.WithMajorityOfOthers(before);
            var perAfter = Agreement.WithMajorityOfOthers(after);
            var pairsMatch = true;
            for (var a = 0; a < annotators; a++)
            {
                pairsMatch &= perBefore[a] with { Annotator = p[a] } == perAfter[p[a]];
                for (var b = 0; b < annotators; b++) pairsMatch &= Same(kappaBefore[a, b], kappaAfter[p[a], p[b]]);
            }
            return pairsMatch
                && Same(Agreement.FleissKappa(before), Agreement.FleissKappa(after))
                && Same(Agreement.KrippendorffAlpha(before), Agreement.KrippendorffAlpha(after))
                && Same(Agreement.KrippendorffAlpha(before, AlphaLevel.Ordinal), Agreement.KrippendorffAlpha(after, AlphaLevel.Ordinal))
                && Same(Agreement.PercentAgreement(before), Agreement.PercentAgreement(after));
        }).QuickCheckThrowOnFailure();

    [Fact]
    public void CompleteData_AlphaAndFleissAgreeClosely()
    {
        // Complete data, N items × m raters: D_o = 1 − P̄ and D_e = (1 − P_e)·M/(M − 1) with M = N·m values, so
        // α = κ + (1 − κ)/M exactly; with many items the two agree to within 2/M.
        var gen =
            from items in Gen.Choose(50, 200)
            from raters in Gen.Choose(2, 6)
            from categories in Gen.Choose(2, 5)
            from truth in Gen.ArrayOf(Gen.Choose(0, categories - 1), items)
            from noise in Gen.Array2DOf(Gen.Frequency((3, Gen.Constant(-1)), (1, Gen.Choose(0, categories - 1))), items, raters)
            select (truth, noise, categories);
        Prop.ForAll(gen.ToArbitrary(), x =>
        {
            var (truth, noise, categories) = x;
            int items = truth.Length, raters = noise.GetLength(1);
            var cells = new int[items, raters];
            for (var i = 0; i < items; i++)
                for (var a = 0; a < raters; a++) cells[i, a] = noise[i, a] >= 0 ? noise[i, a] : truth[i];
            var table = RatingTable.FromDense(cells, categories);
            var kappa = Agreement.FleissKappa(table);
            var alpha = Agreement.KrippendorffAlpha(table);
            if (kappa is null || alpha is null) return kappa is null && alpha is null;
            double m = items * raters;
            return Math.Abs(alpha.Value - (kappa.Value + (1 - kappa.Value) / m)) < 1e-9 && Math.Abs(alpha.Value - kappa.Value) <= 2 / m;
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void AnyData_MeasuresStayInRange() =>
        Prop.ForAll(RatingsGen(missing: 0.5).ToArbitrary(), r =>
        {
            var s = Agreement.Summarize(r.Table);
            return (s.PercentAgreement is null || s.PercentAgreement is >= 0 and <= 1)
                && (s.FleissKappa is null || s.FleissKappa <= 1 + 1e-12)
                && (s.KrippendorffAlpha is null || s.KrippendorffAlpha <= 1 + 1e-12)
                && s.Pairs.All(p => p.Kappa is null || (p.Kappa <= 1 + 1e-12 && p.Kappa >= -1 - 1e-12))
                && (s.PercentAgreement is null) == (s.PairableItems == 0);
        }).QuickCheckThrowOnFailure();
}
