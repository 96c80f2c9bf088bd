using System.ClientModel;
using System.Globalization;
using Microsoft.Extensions.AI;
using OpenAI;
using OpenAI.Embeddings;
using Sift.Features;

namespace Sift.Embeddings.Endpoint;

/// <summary>
/// An <see cref="ITextEncoder"/> over an OpenAI-compatible <c>/v1/embeddings</c> endpoint (OpenAI, vLLM, llama.cpp
/// server, Ollama, LM Studio), through Microsoft.Extensions.AI's <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/>.
/// Texts go in batches of <see cref="EmbeddingEndpointSpec.BatchSize"/>; an empty text is sent as one space (the
/// API refuses empty input). A server truncates or refuses over-long texts by its own rule. Put it behind a
/// <see cref="CachingTextEncoder"/>: a remote model need not be bit-deterministic, and the cache fixes each text's
/// vector once computed (the model id names model and endpoint, never the key). Failures are one sentence naming the
/// endpoint and the HTTP status, never the key. Thread-safe; dispose it to close its connections.
/// </summary>
public sealed class EndpointTextEncoder : ITextEncoder, IDisposable
{
    private readonly IEmbeddingGenerator<string, Embedding<float>> _generator;
    private readonly EmbeddingEndpointSpec _spec;
    private int _dimension;

    /// <summary>Wraps a generator (the factory <see cref="Create"/> makes one for a spec; tests may pass their own).</summary>
    /// <param name="generator">Generates the vectors.</param>
    /// <param name="spec">The endpoint: its model, URL and batch size name the encoder.</param>
    /// <param name="dimension">Vector length when known (else the first call finds it).</param>
    public EndpointTextEncoder(IEmbeddingGenerator<string, Embedding<float>> generator, EmbeddingEndpointSpec spec, int? dimension = null)
    {
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentNullException.ThrowIfNull(spec);
        _generator = generator;
        _spec = spec;
        _dimension = dimension ?? spec.Dimensions ?? 0;
        ModelId = "endpoint:" + spec.Model + "@" + spec.Endpoint.GetLeftPart(UriPartial.Path).TrimEnd('/')
            + (spec.Dimensions is { } d ? string.Create(CultureInfo.InvariantCulture, $"/d{d}") : "");
    }

    /// <summary>
    /// A client for <paramref name="spec"/>: Microsoft.Extensions.AI's OpenAI embedding generator with the key read from
    /// the environment variable the spec names. The vector length comes from the spec's <c>dimensions</c>, else from
    /// one request embedding a short probe text.
    /// </summary>
    /// <exception cref="ConfigurationException">The key's environment variable is named but not set.</exception>
    /// <exception cref="SiftException">The probe request failed.</exception>
    public static EndpointTextEncoder Create(EmbeddingEndpointSpec spec, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        string? key = null;
        if (spec.KeyEnvironmentVariable is { } name)
        {
            key = Environment.GetEnvironmentVariable(name);
            if (string.IsNullOrEmpty(key)) throw new ConfigurationException($"The environment variable {name} named by key-env is not set.");
        }
        var options = new OpenAIClientOptions { Endpoint = spec.Endpoint, NetworkTimeout = TimeSpan.FromMinutes(2) };
        var client = new EmbeddingClient(spec.Model, new ApiKeyCredential(key ?? "no-key"), options);
        var encoder = new EndpointTextEncoder(client.AsIEmbeddingGenerator(spec.Dimensions), spec);
        if (encoder._dimension == 0)
        {
            try
            {
                encoder._dimension = encoder.Request(["dimension probe"], cancellationToken)[0].Length;
            }
            catch
            {
                encoder.Dispose();
                throw;
            }
        }
        return encoder;
    }

    /// <summary><c>endpoint:MODEL@URL</c> (path only; no key, query or user info), plus <c>/dN</c> when dimensions were asked for.</summary>
    public string ModelId { get; }

    /// <inheritdoc />
    public int Dimension => _dimension;

    /// <inheritdoc />
    /// <exception cref="SiftException">The endpoint failed, or answered with the wrong number or length of vectors.</exception>
    public DenseMatrix Encode(IReadOnlyList<string> texts, IProgress<EncodeProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(texts);
        if (texts.Count > 0 && _dimension == 0) _dimension = Request([texts[0]], cancellationToken)[0].Length;
        var result = new DenseMatrix(texts.Count, Math.Max(_dimension, 1));
        for (var start = 0; start < texts.Count; start += _spec.BatchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var count = Math.Min(_spec.BatchSize, texts.Count - start);
            var batch = new string[count];
            for (var i = 0; i < count; i++) batch[i] = string.IsNullOrWhiteSpace(texts[start + i]) ? " " : texts[start + i];
            var vectors = Request(batch, cancellationToken);
            for (var i = 0; i < count; i++)
            {
                if (vectors[i].Length != _dimension)
                    throw new SiftException($"The embedding endpoint {Where} returned a vector of {vectors[i].Length} values where {_dimension} were expected.");
                vectors[i].CopyTo(result.Row(start + i));
            }
            progress?.Report(new EncodeProgress(start + count, texts.Count, 0));
        }
        return result;
    }

    private string Where => _spec.Endpoint.GetLeftPart(UriPartial.Path);

    private float[][] Request(string[] batch, CancellationToken cancellationToken)
    {
        GeneratedEmbeddings<Embedding<float>> answer;
        try
        {
            answer = _generator.GenerateAsync(batch, null, cancellationToken).GetAwaiter().GetResult();
        }
        catch (ClientResultException e) when (e.Status == 0)
        {
            throw new SiftException($"The embedding endpoint {Where} could not be reached.", e);
        }
        catch (ClientResultException e)
        {
            throw new SiftException(string.Create(CultureInfo.InvariantCulture, $"The embedding endpoint {Where} answered HTTP {e.Status} for model '{_spec.Model}'."), e);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or TimeoutException or AggregateException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            // The client's retries end in an AggregateException of the attempts' failures.
            throw new SiftException($"The embedding endpoint {Where} could not be reached.", e);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or FormatException or InvalidOperationException or ArgumentException)
        {
            throw new SiftException($"The embedding endpoint {Where} sent a reply that is not an embeddings list.", e);
        }
        if (answer.Count != batch.Length)
            throw new SiftException(string.Create(CultureInfo.InvariantCulture, $"The embedding endpoint {Where} returned {answer.Count} vectors for {batch.Length} texts."));
        var vectors = new float[batch.Length][];
        for (var i = 0; i < batch.Length; i++)
        {
            vectors[i] = answer[i].Vector.ToArray();
            if (vectors[i].Length == 0 || vectors[i].Any(v => !float.IsFinite(v)))
                throw new SiftException($"The embedding endpoint {Where} returned an empty or non-finite vector.");
        }
        return vectors;
    }

    /// <inheritdoc />
    public void Dispose() => _generator.Dispose();
}
