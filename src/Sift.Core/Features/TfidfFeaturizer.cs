namespace Sift.Features;

/// <summary>
/// TF-IDF features fitted on the pool (<see cref="TfidfVectorizer"/>), other items transformed with the pool's
/// vocabulary, and LSA vectors of the pool for the diversity strategies (<see cref="LsaEmbedder"/>, computed on first
/// use, seeded by <see cref="FeaturizeRequest.Seed"/>). When no term reaches the minimum document frequency (a tiny or
/// highly varied pool) it fails with the vectoriser's sentence, or, when asked to (the server, whose projects start
/// small), falls back to every term (min_df 1). Holds only options; thread-safe.
/// </summary>
public sealed class TfidfFeaturizer : IFeaturizer
{
    /// <summary>Creates the featuriser.</summary>
    /// <param name="tfidf">TF-IDF settings; default word 1–2-grams, min_df 2, sublinear TF.</param>
    /// <param name="lsa">LSA settings of the vectors (its seed is replaced by the request's); default 100 dimensions, unit rows.</param>
    /// <param name="fallBackToEveryTerm">Whether a pool with no term at the minimum document frequency is featurised with every term instead of failing. Default false.</param>
    /// <exception cref="ConfigurationException">A setting is out of range.</exception>
    public TfidfFeaturizer(TfidfOptions? tfidf = null, LsaOptions? lsa = null, bool fallBackToEveryTerm = false)
    {
        Tfidf = tfidf ?? new TfidfOptions();
        Lsa = lsa ?? new LsaOptions();
        FallBackToEveryTerm = fallBackToEveryTerm;
        Tfidf.Validate();
        Lsa.Validate();
    }

    /// <summary>The TF-IDF settings.</summary>
    public TfidfOptions Tfidf { get; }

    /// <summary>The LSA settings of the vectors.</summary>
    public LsaOptions Lsa { get; }

    /// <summary>Whether a pool with no term at the minimum document frequency falls back to every term (min_df 1).</summary>
    public bool FallBackToEveryTerm { get; }

    /// <inheritdoc />
    public string Name => "tfidf";

    /// <inheritdoc />
    /// <exception cref="ConfigurationException">The pool is empty, or no term reaches the minimum document frequency (without the fallback).</exception>
    public Task<FeaturizedData> FeaturizeAsync(FeaturizeRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        cancellationToken.ThrowIfCancellationRequested();
        var texts = request.Pool.Select(c => c.FeatureText).ToList();
        request.Progress?.Report(new FeaturizeProgress(0, texts.Count, "tf-idf"));
        TfidfVectorizer vectorizer;
        SparseMatrix pool;
        try
        {
            (vectorizer, pool) = TfidfVectorizer.FitTransform(texts, Tfidf);
        }
        catch (ConfigurationException) when (FallBackToEveryTerm && Tfidf.MinDocumentFrequency > 1 && texts.Count > 0)
        {
            // No term in min_df documents: a tiny or highly varied pool. Every term is better than no model.
            (vectorizer, pool) = TfidfVectorizer.FitTransform(texts, Tfidf with { MinDocumentFrequency = 1 });
        }
        var other = vectorizer.Transform(request.Other.Select(c => c.FeatureText).ToList());
        request.Progress?.Report(new FeaturizeProgress(texts.Count, texts.Count, "tf-idf"));
        var lsa = Lsa with { Seed = request.Seed };
        var options = vectorizer.Options;
        var description = new Dictionary<string, object?>
        {
            ["kind"] = Name,
            ["analyzer"] = options.Analyzer.ToString(),
            ["ngram_min"] = options.NGramMin,
            ["ngram_max"] = options.NGramMax,
            ["min_df"] = options.MinDocumentFrequency,
            ["sublinear_tf"] = options.SublinearTf,
            ["vocabulary"] = vectorizer.FeatureCount,
        };
        return Task.FromResult(new FeaturizedData(pool, other, () => LsaEmbedder.Compute(pool, lsa).Embedding, description));
    }
}
