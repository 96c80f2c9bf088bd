namespace Sift;

/// <summary>Block-parallel loops with a fixed partition, so results do not depend on the number of cores.</summary>
public static class Parallelism
{
    /// <summary>Runs <paramref name="body"/>(start, length) over [0, count) in blocks of <paramref name="blockSize"/>, in parallel.</summary>
    public static void ForBlocks(int count, int blockSize, Action<int, int> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (count <= 0) return;
        var blocks = (count + blockSize - 1) / blockSize;
        if (blocks == 1)
        {
            body(0, count);
            return;
        }
        Parallel.For(0, blocks, b =>
        {
            var start = b * blockSize;
            body(start, Math.Min(blockSize, count - start));
        });
    }
}
