using Sift.Features;

namespace Sift.Core.Tests.Features;

public class PrecomputedEmbedderTests
{
    private static readonly SparseMatrix NoTfIdf = new(0, [0], [], []);

    [Fact]
    public void Embed_KnownIds_RowsInRequestedOrder()
    {
        var embedder = new PrecomputedEmbedder(Vectors(), normalizeRows: false);

        var matrix = embedder.Embed(["c", "a"], NoTfIdf);

        matrix.Rows.ShouldBe(2);
        matrix.Columns.ShouldBe(2);
        matrix.Data.ShouldBe([0f, 2f, 3f, 4f]);
    }

    [Fact]
    public void Embed_DefaultOptions_RowsNormalized()
    {
        var embedder = new PrecomputedEmbedder(Vectors());

        var matrix = embedder.Embed(["a", "b"], NoTfIdf);

        matrix.Row(0).ToArray().ShouldBe([0.6f, 0.8f], 1e-6f);
        matrix.Row(1).ToArray().ShouldBe([1f, 0f], 1e-6f);
    }

    [Fact]
    public void Embed_DoesNotAliasInput()
    {
        var vectors = Vectors();
        var embedder = new PrecomputedEmbedder(vectors, normalizeRows: true);

        embedder.Embed(["a"], NoTfIdf);

        vectors["a"].ShouldBe([3f, 4f]);
    }

    [Fact]
    public void Embed_MissingIds_NamesFirstAndCount()
    {
        var embedder = new PrecomputedEmbedder(Vectors());

        var e = Should.Throw<SiftException>(() => embedder.Embed(["a", "x", "b", "y", "z"], NoTfIdf));

        e.Message.ShouldBe("No vector for item 'x' (3 of 5 items have no vector).");
    }

    [Fact]
    public void Embed_OneMissingId_Singular() =>
        Should.Throw<SiftException>(() => new PrecomputedEmbedder(Vectors()).Embed(["q"], NoTfIdf))
            .Message.ShouldBe("No vector for item 'q' (1 of 1 items has no vector).");

    [Fact]
    public void Constructor_Defaults_NameAndDimension()
    {
        var embedder = new PrecomputedEmbedder(Vectors());

        embedder.Name.ShouldBe("vectors");
        embedder.Dimension.ShouldBe(2);
        embedder.Count.ShouldBe(3);
        new PrecomputedEmbedder(Vectors(), name: "minilm").Name.ShouldBe("minilm");
    }

    [Fact]
    public void Constructor_NoVectors_Throws() =>
        Should.Throw<ArgumentException>(() => new PrecomputedEmbedder(new Dictionary<string, float[]>()));

    [Fact]
    public void Constructor_DifferentDimensions_Throws() =>
        Should.Throw<ArgumentException>(() => new PrecomputedEmbedder(new Dictionary<string, float[]> { ["a"] = [1f, 2f], ["b"] = [1f] }));

    [Fact]
    public void Constructor_NonFiniteValue_Throws() =>
        Should.Throw<ArgumentException>(() => new PrecomputedEmbedder(new Dictionary<string, float[]> { ["a"] = [1f, float.PositiveInfinity] }));

    [Fact]
    public void ReadThenEmbed_RoundTrip()
    {
        var text = "{\"id\": \"a\", \"vector\": [3, 4]}\n{\"id\": 5, \"vector\": [0, -2]}\n"u8.ToArray();
        var embedder = new PrecomputedEmbedder(VectorFileReader.Read(new MemoryStream(text), "v.jsonl"));

        var matrix = embedder.Embed(["5", "a"], NoTfIdf);

        matrix.Data.ShouldBe([0f, -1f, 0.6f, 0.8f], 1e-6f);
    }

    private static Dictionary<string, float[]> Vectors() => new()
    {
        ["a"] = [3f, 4f],
        ["b"] = [2f, 0f],
        ["c"] = [0f, 2f],
    };
}
