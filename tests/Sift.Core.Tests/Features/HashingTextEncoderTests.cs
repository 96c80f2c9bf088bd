using System.Numerics.Tensors;
using Sift.Features;

namespace Sift.Core.Tests.Features;

public sealed class HashingTextEncoderTests
{
    [Fact]
    public void Encode_Texts_UnitVectorsThatDependOnTheirWordsOnly()
    {
        var encoder = new HashingTextEncoder(64);
        var m = encoder.Encode(["The cat sat.", "the CAT sat", "A dog ran far away.", ""]);
        m.Rows.ShouldBe(4);
        m.Columns.ShouldBe(64);
        TensorPrimitives.Norm(m.Row(0)).ShouldBe(1f, 1e-5f);
        m.Row(0).ToArray().ShouldBe(m.Row(1).ToArray(), "case and punctuation do not change the words");
        TensorPrimitives.Norm(m.Row(3)).ShouldBe(0f);
        // Same text alone or among others, in this process or another: the same vector (nothing is fitted, the hash is fixed).
        encoder.Encode(["A dog ran far away."]).Row(0).ToArray().ShouldBe(m.Row(2).ToArray());
        encoder.ModelId.ShouldBe("hashing-words-1-2@64");
    }

    [Fact]
    public void Encode_SharedWords_MoreSimilarThanUnrelatedText()
    {
        var m = new HashingTextEncoder().Encode(["water the cactus every two weeks", "water the cactus every day", "stock prices fell sharply today"]);
        var near = TensorPrimitives.Dot(m.Row(0), m.Row(1));
        var far = TensorPrimitives.Dot(m.Row(0), m.Row(2));
        near.ShouldBeGreaterThan(0.5f);
        far.ShouldBeLessThan(near - 0.3f);
    }

    [Fact]
    public void Create_DimensionOutOfRange_Throws()
    {
        Should.Throw<ArgumentOutOfRangeException>(() => new HashingTextEncoder(8));
        Should.Throw<ArgumentOutOfRangeException>(() => new HashingTextEncoder(100_000));
    }
}
