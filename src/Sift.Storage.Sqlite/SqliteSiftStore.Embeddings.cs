using Microsoft.Data.Sqlite;
using Sift.Features;

namespace Sift.Storage.Sqlite;

public sealed partial class SqliteSiftStore : IEmbeddingStore
{
    // ---- embeddings --------------------------------------------------------------------------------------------

    private const string EmbeddingLookup = "SELECT model_id, dims, vector FROM embeddings WHERE key = @k";

    /// <inheritdoc />
    public Task<IReadOnlyList<float[]?>> GetEmbeddingsAsync(string modelId, int dimension, IReadOnlyList<EmbeddingKey> keys, CancellationToken cancellationToken = default)
    {
        EmbeddingRows.CheckGet(modelId, dimension, keys);
        var result = new float[]?[keys.Count];
        // A page of keys per connection: each lookup is its own short read, as with every other paged read.
        for (var start = 0; start < keys.Count; start += EmbeddingRows.LookupChunk)
        {
            var first = start;
            Read(c =>
            {
                using var command = R(c, EmbeddingLookup);
                var key = command.Parameters.Add("@k", SqliteType.Blob);
                command.Prepare();
                for (var i = first; i < Math.Min(keys.Count, first + EmbeddingRows.LookupChunk); i++)
                {
                    key.Value = EmbeddingRows.Key(keys[i]);
                    using var reader = command.ExecuteReader();
                    if (reader.Read()) result[i] = EmbeddingRows.Decode(modelId, dimension, reader.GetString(0), reader.GetInt32(1), (byte[])reader.GetValue(2));
                }
                return true;
            }, cancellationToken);
        }
        return Task.FromResult<IReadOnlyList<float[]?>>(result);
    }

    /// <inheritdoc />
    public Task<int> PutEmbeddingsAsync(string modelId, IReadOnlyList<EmbeddingKey> keys, DenseMatrix vectors, CancellationToken cancellationToken = default)
    {
        var distinct = EmbeddingRows.CheckPut(modelId, keys, vectors);
        if (distinct.Count == 0) return Task.FromResult(0);
        var dimension = vectors.Columns;
        return WriteAsync(() =>
        {
            var written = 0;
            foreach (var i in distinct)
            {
                var key = EmbeddingRows.Key(keys[i]);
                // Read in the write transaction: a usable row stays as it is; a missing or damaged one is (re)written.
                var usable = false;
                using (var reader = W(EmbeddingLookup).With("@k", key).ExecuteReader())
                {
                    if (reader.Read()) usable = EmbeddingRows.Decode(modelId, dimension, reader.GetString(0), reader.GetInt32(1), (byte[])reader.GetValue(2)) is not null;
                }
                if (usable) continue;
                W("""
                    INSERT INTO embeddings (key, model_id, dims, vector) VALUES (@k, @m, @d, @v)
                    ON CONFLICT (key) DO UPDATE SET model_id = excluded.model_id, dims = excluded.dims, vector = excluded.vector
                    """).With("@k", key).With("@m", modelId).With("@d", dimension).With("@v", EmbeddingRows.Vector(vectors.Row(i))).ExecuteNonQuery();
                written++;
            }
            return written;
        }, cancellationToken);
    }
}
