using System.Collections.Concurrent;
using Microsoft.Extensions.AI;
using Sift.Oracles;

namespace Sift.Llm.Prompts;

/// <summary>
/// Chooses k few-shot examples for one item from the request's labeled examples: first the nearest example of each
/// class (classes in order of how near their nearest example is) so the examples cover the label set, then the nearest
/// of the rest. "Nearest" is cosine similarity of embedding vectors when an embedding generator is given, else a seeded
/// random order. Examples are shown least similar first, so the most similar sits next to the item (Liu et al. 2022,
/// "What Makes Good In-Context Examples for GPT-3?"). Never the item itself; only examples of the same content kind
/// whose labels are all in the label set. Thread-safe.
/// </summary>
internal sealed class FewShotSelector(IEmbeddingGenerator<string, Embedding<float>>? embeddings)
{
    private const int CacheLimit = 100_000;
    private readonly ConcurrentDictionary<string, float[]> _vectors = new(StringComparer.Ordinal);

    public bool UsesVectors => embeddings is not null;

    public async ValueTask<IReadOnlyList<LabeledExample>> SelectAsync(OracleQuestion question, OracleRequest request, int k, ulong seed, CancellationToken cancellationToken)
    {
        if (k <= 0 || request.Examples.Count == 0) return [];
        var pool = request.Examples
            .Where(e => e.ItemId != question.ItemId && e.Content.Kind == question.Content.Kind
                && e.Labels.Count > 0 && (request.MultiLabel || e.Labels.Count == 1)
                && e.Labels.All(l => request.Labels.Contains(l, StringComparer.Ordinal)))
            .ToList();
        if (pool.Count == 0) return [];

        var score = new double[pool.Count];
        if (embeddings is null)
        {
            for (var i = 0; i < score.Length; i++) score[i] = Seeds.Uniform(seed, i);
        }
        else
        {
            var vectors = await VectorsAsync([question.Content.FeatureText, .. pool.Select(e => e.Content.FeatureText)], cancellationToken);
            for (var i = 0; i < score.Length; i++) score[i] = Cosine(vectors[0], vectors[i + 1]);
        }

        var byRank = Enumerable.Range(0, pool.Count).OrderByDescending(i => score[i]).ThenBy(i => i).ToList();
        var chosen = new List<int>();
        // Cover the classes: each class's best example, best classes first.
        var classBest = request.Labels
            .Select(label => byRank.FirstOrDefault(i => pool[i].Labels.Contains(label, StringComparer.Ordinal), -1))
            .Where(i => i >= 0)
            .Distinct()
            .OrderByDescending(i => score[i]).ThenBy(i => i);
        foreach (var i in classBest)
        {
            if (chosen.Count == k) break;
            chosen.Add(i);
        }
        foreach (var i in byRank)
        {
            if (chosen.Count == k) break;
            if (!chosen.Contains(i)) chosen.Add(i);
        }
        return chosen.OrderBy(i => score[i]).ThenByDescending(i => i).Select(i => pool[i]).ToList();
    }

    private async ValueTask<float[][]> VectorsAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken)
    {
        var result = new float[texts.Count][];
        var missing = new List<string>();
        for (var i = 0; i < texts.Count; i++)
        {
            if (_vectors.TryGetValue(texts[i], out var v)) result[i] = v;
            else if (!missing.Contains(texts[i], StringComparer.Ordinal)) missing.Add(texts[i]);
        }
        if (missing.Count == 0) return result;
        var generated = await embeddings!.GenerateAsync(missing, cancellationToken: cancellationToken);
        if (generated.Count != missing.Count)
            throw new LlmRequestException($"The embedding generator returned {generated.Count} vectors for {missing.Count} texts.");
        var fresh = new Dictionary<string, float[]>(StringComparer.Ordinal);
        for (var i = 0; i < missing.Count; i++) fresh[missing[i]] = generated[i].Vector.ToArray();
        if (_vectors.Count + fresh.Count > CacheLimit) _vectors.Clear();
        foreach (var (text, vector) in fresh) _vectors[text] = vector;
        for (var i = 0; i < texts.Count; i++) result[i] ??= fresh[texts[i]];
        return result;
    }

    private static double Cosine(float[] a, float[] b)
    {
        if (a.Length != b.Length) throw new LlmRequestException($"The embedding generator returned vectors of different lengths ({a.Length} and {b.Length}).");
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            na += (double)a[i] * a[i];
            nb += (double)b[i] * b[i];
        }
        return na == 0 || nb == 0 ? 0 : dot / Math.Sqrt(na * nb);
    }
}
