using Sift.Embeddings;
using Sift.Embeddings.Tests;

[assembly: AssemblyFixture(typeof(MiniLmFixture))]

namespace Sift.Embeddings.Tests;

/// <summary>One encoder for the whole test assembly: loading the model takes a second or two.</summary>
public sealed class MiniLmFixture : IDisposable
{
    public MiniLmEncoder Encoder { get; } = new();

    public void Dispose() => Encoder.Dispose();
}
