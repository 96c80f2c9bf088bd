using Sift.Metrics;

namespace Sift.Core.Tests.Metrics;

public sealed class ClassificationTests
{
    [Fact]
    public void Accuracy_HandExample() => Classification.Accuracy([0, 1, 2, 1], [0, 2, 2, 1]).ShouldBe(0.75);

    [Fact]
    public void MacroF1_HandExample()
    {
        // class 0: tp1 fp0 fn0 → 1; class 1: tp1 fp0 fn1 → 2/3; class 2: tp1 fp1 fn0 → 2/3.
        Classification.MacroF1([0, 1, 2, 1], [0, 2, 2, 1], 3).ShouldBe((1 + 2.0 / 3 + 2.0 / 3) / 3, 1e-12);
    }

    [Fact]
    public void CohenKappa_KnownTable()
    {
        // 2×2 table [[20,5],[10,15]]: po = 0.7, pe = 0.5 → κ = 0.4 (Cohen 1960 worked example form).
        var a = new List<int>(); var b = new List<int>();
        void Add(int x, int y, int n) { for (var i = 0; i < n; i++) { a.Add(x); b.Add(y); } }
        Add(0, 0, 20); Add(0, 1, 5); Add(1, 0, 10); Add(1, 1, 15);
        Classification.CohenKappa(a.ToArray(), b.ToArray(), 2).ShouldBe(0.4, 1e-12);
    }

    [Fact]
    public void CohenKappa_IdenticalConstantLabelings_IsOne() => Classification.CohenKappa([1, 1, 1], [1, 1, 1], 2).ShouldBe(1.0);

    [Fact]
    public void ArgMax_FirstWinsTies() => Classification.ArgMax([0.5f, 0.5f, 0.1f, 0.9f], 2).ShouldBe([0, 1]);
}
