using Sift.Features;
using Sift.Items;
using Sift.Preferences;

namespace Sift.Core.Tests.Preferences;

public sealed class PairFeaturizerTests
{
    private static readonly PairContent[] Pool =
    [
        new("How do I boil an egg?", "Put it in boiling water for 8 minutes.", "I'm sorry, I can't help with that."),
        new("Name a planet.", "Mars.", "- Mars\n- Venus\n- Earth"),
        new("Human: hi\n\nAssistant: hello\n\nHuman: What is 2+2?\n\nAssistant:", "4", "It might be 4, I think"),
    ];

    [Fact]
    public async Task FeaturizeAsync_Pairs_RowsAreTheDifferenceOfEachSidesFeatures()
    {
        var encoder = new HashEncoder();
        var featurizer = new PairFeaturizer(encoder, encoderName: "hash");
        var data = await featurizer.FeaturizeAsync(new FeaturizeRequest(["1", "2", "3"], Pool) { OtherIds = ["t"], Other = [Pool[1] with { ResponseA = "Venus." }] }, TestContext.Current.CancellationToken);
        var set = featurizer.Build(Pool, [Pool[1] with { ResponseA = "Venus." }]);
        var pool = (DenseMatrix)data.Pool;
        pool.Rows.ShouldBe(3);
        pool.Columns.ShouldBe(set.Features.Dimension);
        pool.Data.ShouldBe(set.Pool.Data);
        data.HasVectors.ShouldBeFalse();
        data.Description["kind"].ShouldBe("pair");
        data.Description["blocks"].ShouldBe(new[] { "response", "interaction", "cosine", "traits" });

        // Row i = φ(request, A) − φ(request, B), with the request vector from RequestText.
        for (var i = 0; i < Pool.Length; i++)
        {
            var p = encoder.Vector(PairFeaturizer.RequestText(Pool[i]));
            var a = new float[set.Features.Dimension];
            var b = new float[set.Features.Dimension];
            set.Features.Write(p, encoder.Vector(Pool[i].ResponseA), Pool[i].ResponseA, a);
            set.Features.Write(p, encoder.Vector(Pool[i].ResponseB), Pool[i].ResponseB, b);
            for (var j = 0; j < a.Length; j++) pool.Row(i)[j].ShouldBe(a[j] - b[j], 1e-5);
        }
        // The test pair only differs in its A side, with the pool's standardisation.
        ((DenseMatrix)data.Other!).Data.ShouldBe(set.Other.Data);
        encoder.Calls.ShouldBe(2);
        encoder.LastCallSize.ShouldBe(3 * 4);
    }

    [Fact]
    public void RequestText_HhTranscriptConversationOrPlain_TheRequestTheRepliesAnswer()
    {
        PairFeaturizer.RequestText(Pool[2]).ShouldBe("What is 2+2?");
        PairFeaturizer.RequestText(Pool[0]).ShouldBe("How do I boil an egg?");
        var conversation = new PairContent("And in French?", "Bonjour", "Hello") { Conversation = [new ChatTurn("user", "Say hello"), new ChatTurn("assistant", "Hello"), new ChatTurn("user", "And in French?")] };
        PairFeaturizer.RequestText(conversation).ShouldBe("And in French?");
    }

    [Fact]
    public async Task FeaturizeAsync_TextItem_OneClearSentence()
    {
        var featurizer = new PairFeaturizer(new HashEncoder());
        var e = await Should.ThrowAsync<SiftException>(() => featurizer.FeaturizeAsync(new FeaturizeRequest(["1", "x"], [Pool[0], new TextContent("hello")]), TestContext.Current.CancellationToken));
        e.Message.ShouldBe("Item 'x' is a text item; the pair features read preference pairs only (a prompt with two responses).");
    }

    [Theory]
    [InlineData("all", "response,interaction,cosine,traits")]
    [InlineData("response", "response")]
    [InlineData(" Traits , response ", "response,traits")]
    public void ParseBlocks_Names_TheBlocks(string text, string expected) =>
        string.Join(',', PairFeaturizer.Blocks(PairFeaturizer.ParseBlocks(text))).ShouldBe(expected);

    [Theory]
    [InlineData("length")]
    [InlineData(",")]
    public void ParseBlocks_Unknown_OneClearSentence(string text) =>
        Should.Throw<ConfigurationException>(() => PairFeaturizer.ParseBlocks(text)).Message.ShouldStartWith("--pair-features: '");

    /// <summary>A deterministic 6-dimensional "encoder": a seeded vector per text.</summary>
    private sealed class HashEncoder : ITextEncoder
    {
        public int Calls { get; private set; }

        public int LastCallSize { get; private set; }

        public string ModelId => "hash";

        public int Dimension => 6;

        public float[] Vector(string text)
        {
            var h = 2166136261u; // FNV-1a, stable across processes
            foreach (var c in text) h = (h ^ c) * 16777619;
            var rng = new Random((int)(h & 0x7fffffff));
            var v = Enumerable.Range(0, Dimension).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
            var norm = MathF.Sqrt(v.Sum(x => x * x));
            return v.Select(x => x / norm).ToArray();
        }

        public DenseMatrix Encode(IReadOnlyList<string> texts, IProgress<EncodeProgress>? progress = null, CancellationToken cancellationToken = default)
        {
            Calls++;
            LastCallSize = texts.Count;
            var m = new DenseMatrix(texts.Count, Dimension);
            for (var i = 0; i < texts.Count; i++) Vector(texts[i]).CopyTo(m.Row(i));
            return m;
        }
    }
}

/// <summary>The featuriser contract for pairs: 60 + 15 comparisons of topic texts, no item vectors.</summary>
public sealed class PairFeaturizerContractTests : Sift.Core.Tests.Features.FeaturizerContractTests
{
    protected override IFeaturizer Create() => new PairFeaturizer(new HashingTextEncoder(64), encoderName: "hashing");

    protected override bool GivesVectors => false;

    protected override FeaturizeRequest Request(ulong seed = 0)
    {
        var (texts, _, _) = Support.TestData.Topics(76, 9);
        PairContent Pair(int i) => new("Which text is more on topic?", texts[i], texts[i + 1]);
        return new FeaturizeRequest(Enumerable.Range(0, 60).Select(i => $"p{i}").ToList(), Enumerable.Range(0, 60).Select(i => (ItemContent)Pair(i)).ToList())
        {
            OtherIds = Enumerable.Range(0, 15).Select(i => $"t{i}").ToList(),
            Other = Enumerable.Range(60, 15).Select(i => (ItemContent)Pair(i)).ToList(),
            Seed = seed,
        };
    }
}
