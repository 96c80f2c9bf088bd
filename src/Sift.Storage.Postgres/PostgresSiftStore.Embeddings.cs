using Npgsql;
using NpgsqlTypes;
using Sift.Features;

namespace Sift.Storage.Postgres;

public sealed partial class PostgresSiftStore : IEmbeddingStore
{
    // ---- embeddings --------------------------------------------------------------------------------------------

    private const string EmbeddingLookup = "SELECT key, model_id, dims, vector FROM embeddings WHERE key = ANY(@k)";

    /// <inheritdoc />
    public async Task<IReadOnlyList<float[]?>> GetEmbeddingsAsync(string modelId, int dimension, IReadOnlyList<EmbeddingKey> keys, CancellationToken cancellationToken = default)
    {
        EmbeddingRows.CheckGet(modelId, dimension, keys);
        var result = new float[]?[keys.Count];
        for (var start = 0; start < keys.Count; start += EmbeddingRows.LookupChunk)
        {
            var count = Math.Min(EmbeddingRows.LookupChunk, keys.Count - start);
            var chunk = new byte[count][];
            for (var j = 0; j < count; j++) chunk[j] = EmbeddingRows.Key(keys[start + j]);
            var rows = await R(EmbeddingLookup).WithNullable("@k", chunk, NpgsqlDbType.Array | NpgsqlDbType.Bytea)
                .AllAsync(r => (Key: EmbeddingKey.Read((byte[])r.GetValue(0)), Vector: EmbeddingRows.Decode(modelId, dimension, r.GetString(1), r.GetInt32(2), (byte[])r.GetValue(3))), cancellationToken)
                .ConfigureAwait(false);
            var found = rows.ToDictionary(r => r.Key, r => r.Vector);
            for (var j = 0; j < count; j++) result[start + j] = found.GetValueOrDefault(keys[start + j]);
        }
        return result;
    }

    /// <inheritdoc />
    public Task<int> PutEmbeddingsAsync(string modelId, IReadOnlyList<EmbeddingKey> keys, DenseMatrix vectors, CancellationToken cancellationToken = default)
    {
        var distinct = EmbeddingRows.CheckPut(modelId, keys, vectors);
        if (distinct.Count == 0) return Task.FromResult(0);
        var dimension = vectors.Columns;
        return WriteAsync(async tx =>
        {
            var written = 0;
            for (var start = 0; start < distinct.Count; start += EmbeddingRows.LookupChunk)
            {
                var chunk = distinct.Skip(start).Take(EmbeddingRows.LookupChunk).ToList();
                var chunkKeys = chunk.Select(i => EmbeddingRows.Key(keys[i])).ToArray();
                // Rows found are locked until the commit: a usable one stays as it is, a damaged one is rewritten. A key
                // missing here is inserted unless another process inserted it meanwhile (then its row stands).
                var found = (await tx.Cmd(EmbeddingLookup + " FOR UPDATE").WithNullable("@k", chunkKeys, NpgsqlDbType.Array | NpgsqlDbType.Bytea)
                    .AllAsync(r => (Key: EmbeddingKey.Read((byte[])r.GetValue(0)), Usable: EmbeddingRows.Decode(modelId, dimension, r.GetString(1), r.GetInt32(2), (byte[])r.GetValue(3)) is not null), tx.Ct))
                    .ToDictionary(r => r.Key, r => r.Usable);
                var damaged = chunk.Where(i => found.TryGetValue(keys[i], out var usable) && !usable).ToList();
                var missing = chunk.Where(i => !found.ContainsKey(keys[i])).ToList();
                if (damaged.Count > 0)
                {
                    written += await tx.Cmd("UPDATE embeddings e SET model_id = @m, dims = @d, vector = x.v FROM unnest(@k, @v) AS x(k, v) WHERE e.key = x.k")
                        .With("@m", modelId).With("@d", dimension).WithNullable("@k", Keys(damaged), NpgsqlDbType.Array | NpgsqlDbType.Bytea)
                        .WithNullable("@v", Vectors(damaged), NpgsqlDbType.Array | NpgsqlDbType.Bytea).ExecAsync(tx.Ct);
                }
                if (missing.Count > 0)
                {
                    written += await tx.Cmd("""
                        INSERT INTO embeddings (key, model_id, dims, vector) SELECT x.k, @m, @d, x.v FROM unnest(@k, @v) AS x(k, v)
                        ON CONFLICT (key) DO NOTHING
                        """).With("@m", modelId).With("@d", dimension).WithNullable("@k", Keys(missing), NpgsqlDbType.Array | NpgsqlDbType.Bytea)
                        .WithNullable("@v", Vectors(missing), NpgsqlDbType.Array | NpgsqlDbType.Bytea).ExecAsync(tx.Ct);
                }
            }
            return written;
        }, cancellationToken);

        byte[][] Keys(List<int> rows) => rows.Select(i => EmbeddingRows.Key(keys[i])).ToArray();
        byte[][] Vectors(List<int> rows) => rows.Select(i => EmbeddingRows.Vector(vectors.Row(i))).ToArray();
    }
}
