using Sift.Core.Tests.Support;
using Sift.Features;
using Sift.Preferences;

namespace Sift.Core.Tests.Preferences;

public sealed class PairFeaturesTests
{
    [Fact]
    public void Traits_MarkdownishReply_CountsEachMarker()
    {
        const string text = "I'm sorry, I can't do that. Maybe try this:\n- one\n* two\n  3. three\n10) ten\n-not a bullet\n```\ncode\n```\nIs that OK? The mayor may help.";
        var t = ResponseTraits.Of(text);
        t.Characters.ShouldBe(text.Length);
        t.ListItems.ShouldBe(4);
        t.CodeBlocks.ShouldBe(1);
        t.Refusals.ShouldBe(2);       // "i'm sorry", "i can't"
        t.Hedges.ShouldBe(2);         // "maybe", "may" — not "mayor"
        t.Questions.ShouldBe(1);
        t.Unfinished.ShouldBeFalse();
        ResponseTraits.Of("It was cut off in the mid").Unfinished.ShouldBeTrue();
        ResponseTraits.Of("Done.\n\n").Unfinished.ShouldBeFalse();
    }

    [Fact]
    public void Traits_CurlyApostropheAndEmptyText_Handled()
    {
        ResponseTraits.Of("I\u2019m sorry").Refusals.ShouldBe(1);
        ResponseTraits.Of("").ShouldBe(new ResponseTraits(0, 0, 0, 0, 0, 0, true));
        ResponseTraits.Of("```unclosed").CodeBlocks.ShouldBe(1);
    }

    [Fact]
    public void Write_AllBlocks_LaysOutResponseInteractionCosineTraits()
    {
        var (prompts, responses, texts) = Vectors(50, 4, 1);
        var features = PairFeatures.Fit(prompts, responses, texts);
        features.Dimension.ShouldBe(4 + 4 + 1 + 7);
        features.FeatureNames.Count.ShouldBe(features.Dimension);
        features.FeatureNames[8].ShouldBe("cosine");
        var phi = new float[features.Dimension];
        features.Write(prompts.Row(3), responses.Row(3), texts[3], phi);
        for (var j = 0; j < 4; j++)
        {
            phi[j].ShouldBe(responses.Row(3)[j]);
            phi[4 + j].ShouldBe(responses.Row(3)[j] * prompts.Row(3)[j] * 2f, 1e-6f); // √4 = 2
        }
    }

    [Fact]
    public void Transform_FittedResponses_ScalarsStandardised()
    {
        var (prompts, responses, texts) = Vectors(200, 8, 2);
        var features = PairFeatures.Fit(prompts, responses, texts);
        var phi = features.Transform(prompts, responses, texts);
        for (var c = 16; c < features.Dimension; c++)
        {
            var column = Enumerable.Range(0, phi.Rows).Select(i => (double)phi.Row(i)[c]).ToArray();
            column.Average().ShouldBe(0, 1e-5, features.FeatureNames[c]);
            var sd = Math.Sqrt(column.Select(v => v * v).Average());
            // Code blocks never occur in these texts: a constant feature is only centred.
            sd.ShouldBe(features.FeatureNames[c] == "code_blocks" ? 0 : 1, 1e-4, features.FeatureNames[c]);
        }
    }

    [Fact]
    public void Differences_Pairs_AreFeatureOfAMinusFeatureOfB()
    {
        var (prompts, a, textsA) = Vectors(30, 5, 3);
        var (_, b, textsB) = Vectors(30, 5, 4);
        var features = PairFeatures.Fit(prompts, a, textsA, new PairFeatureOptions { Cosine = false });
        var diff = features.Differences(prompts, a, textsA, b, textsB);
        var fa = features.Transform(prompts, a, textsA);
        var fb = features.Transform(prompts, b, textsB);
        for (var i = 0; i < 30; i++)
            for (var j = 0; j < features.Dimension; j++)
                diff.Row(i)[j].ShouldBe(fa.Row(i)[j] - fb.Row(i)[j], 1e-6f);
    }

    [Fact]
    public void Options_NoBlock_Throws()
    {
        var (prompts, responses, texts) = Vectors(5, 3, 5);
        Should.Throw<ConfigurationException>(() => PairFeatures.Fit(prompts, responses, texts, new PairFeatureOptions { Response = false, Interaction = false, Cosine = false, Traits = false }));
        var features = PairFeatures.Fit(prompts, responses, texts, new PairFeatureOptions { Interaction = false, Traits = false });
        features.Dimension.ShouldBe(4);
        Should.Throw<ArgumentException>(() => features.Write(new float[2], new float[3], "x", new float[4]));
    }

    private static (DenseMatrix Prompts, DenseMatrix Responses, string[] Texts) Vectors(int n, int dims, int seed)
    {
        var rng = new Random(seed);
        var prompts = new DenseMatrix(n, dims);
        var responses = new DenseMatrix(n, dims);
        for (var i = 0; i < n; i++)
            for (var j = 0; j < dims; j++)
            {
                prompts.Row(i)[j] = (float)TestData.Gaussian(rng);
                responses.Row(i)[j] = (float)TestData.Gaussian(rng);
            }
        prompts.NormalizeRows();
        responses.NormalizeRows();
        string[] words = ["sure", "maybe", "i'm sorry", "here is", "- a list item\n", "why?", "well", "1. first\n"];
        var texts = Enumerable.Range(0, n).Select(_ => string.Join(' ', Enumerable.Range(0, 2 + rng.Next(12)).Select(_ => words[rng.Next(words.Length)]))).ToArray();
        return (prompts, responses, texts);
    }
}
