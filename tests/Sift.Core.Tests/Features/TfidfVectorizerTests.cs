using Sift.Features;

namespace Sift.Core.Tests.Features;

public sealed class TfidfVectorizerTests
{
    [Fact]
    public void WordSpans_FollowsTwoCharWordPattern()
    {
        const string text = "A cat's e-mail: x_y 42 é café";
        TfidfVectorizer.WordSpans(text).Select(s => text.Substring(s.Start, s.Length)).ShouldBe(["cat", "mail", "x_y", "42", "café"]);
    }

    [Fact]
    public void Transform_TinyCorpus_MatchesHandComputedWeights()
    {
        string[] docs = ["apple banana apple", "banana cherry", "cherry date"];
        var (v, x) = TfidfVectorizer.FitTransform(docs, new TfidfOptions { NGramMax = 1, MinDocumentFrequency = 1 });
        v.FeatureCount.ShouldBe(4);
        // Row 0: apple tf=2 (1+ln2), df=1; banana tf=1, df=2.
        var idfApple = Math.Log(4.0 / 2.0) + 1;
        var idfBanana = Math.Log(4.0 / 3.0) + 1;
        var wa = (1 + Math.Log(2)) * idfApple;
        var wb = idfBanana;
        var norm = Math.Sqrt(wa * wa + wb * wb);
        x.RowValues(0).ToArray().ShouldBe([(float)(wa / norm), (float)(wb / norm)], tolerance: 1e-6f);
    }

    [Fact]
    public void Transform_Rows_AreUnitNorm()
    {
        var (_, x) = TfidfVectorizer.FitTransform(["the cat sat on the mat", "the dog sat", "a cat and a dog"], new TfidfOptions { MinDocumentFrequency = 1 });
        for (var i = 0; i < x.Rows; i++) x.RowNormSquared(i).ShouldBe(1.0, 1e-5);
    }

    [Fact]
    public void Fit_MinDf_DropsRareTerms()
    {
        var (v, _) = TfidfVectorizer.FitTransform(["red blue", "red green", "red blue"], new TfidfOptions { NGramMax = 1, MinDocumentFrequency = 2 });
        v.FeatureCount.ShouldBe(2); // red, blue
    }

    [Fact]
    public void Fit_Bigrams_AreTerms()
    {
        var (v, x) = TfidfVectorizer.FitTransform(["new york city", "new york times"], new TfidfOptions { MinDocumentFrequency = 2 });
        v.FeatureCount.ShouldBe(3); // new, york, "new york"
        x.RowIndices(0).Length.ShouldBe(3);
    }

    [Fact]
    public void Transform_UnknownWords_Ignored()
    {
        var v = TfidfVectorizer.Fit(["alpha beta", "alpha gamma"], new TfidfOptions { MinDocumentFrequency = 1 });
        var x = v.Transform(["zeta omega", "alpha zeta"]);
        x.RowIndices(0).Length.ShouldBe(0);
        x.RowIndices(1).Length.ShouldBe(1);
    }

    [Fact]
    public void CharAnalyzer_PadsWordsAndCountsGrams()
    {
        var v = TfidfVectorizer.Fit(["ab", "ab"], new TfidfOptions { Analyzer = TermAnalyzer.CharWithinWords, NGramMin = 3, NGramMax = 3, MinDocumentFrequency = 1 });
        v.FeatureCount.ShouldBe(2); // " ab", "ab "
    }

    [Fact]
    public void FitTransform_SameInput_IdenticalOutput()
    {
        var docs = Enumerable.Range(0, 2000).Select(i => $"doc {i % 17} word{i % 13} other{i % 7} thing{i % 5}").ToList();
        var (_, a) = TfidfVectorizer.FitTransform(docs);
        var (_, b) = TfidfVectorizer.FitTransform(docs);
        a.ColumnIndices.ShouldBe(b.ColumnIndices);
        a.Values.ShouldBe(b.Values);
    }

    [Fact]
    public void Options_BadRange_Rejected() =>
        Should.Throw<ConfigurationException>(() => TfidfVectorizer.Fit(["a b"], new TfidfOptions { NGramMin = 3, NGramMax = 2 }));

    [Fact]
    public void Fit_NothingSurvivesMinDf_ClearError() =>
        Should.Throw<ConfigurationException>(() => TfidfVectorizer.Fit(["aa bb", "cc dd"], new TfidfOptions { MinDocumentFrequency = 2 }))
            .Message.ShouldContain("min_df");
}
