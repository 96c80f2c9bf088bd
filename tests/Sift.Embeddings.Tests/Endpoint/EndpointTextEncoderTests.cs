using Sift.Core.Tests.Features;
using Sift.Embeddings.Endpoint;
using Sift.Features;

namespace Sift.Embeddings.Tests.Endpoint;

public sealed class EndpointFeaturizerContractTests : FeaturizerContractTests, IDisposable
{
    private readonly EmbeddingsWireDouble _server = new();
    private readonly TempDirectory _dir = new();

    protected override IFeaturizer Create()
    {
        var encoder = EndpointTextEncoder.Create(EmbeddingEndpointSpec.Parse($"tiny@{_server.BaseUrl}"));
        return new TextEncoderFeaturizer(new CachingTextEncoder(encoder, FileEmbeddingCache.Open(_dir.Path, encoder.ModelId, encoder.Dimension)), "endpoint");
    }

    public void Dispose()
    {
        _server.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public async Task FeaturizeAsync_OverTheWire_TheServersVectorsScaledToUnitLengthAndCachedOnce()
    {
        var request = Request();
        var data = await Create().FeaturizeAsync(request, TestContext.Current.CancellationToken);
        var expected = EmbeddingsWireDouble.VectorOf(request.Pool[5].FeatureText, 8);
        var norm = MathF.Sqrt(expected.Sum(v => v * v));
        ((DenseMatrix)data.Pool).Row(5).ToArray().ShouldBe(expected.Select(v => v / norm).ToArray(), 1e-6f);
        var requests = _server.Requests.Count;

        await Create().FeaturizeAsync(request, TestContext.Current.CancellationToken);
        _server.Requests.Count.ShouldBe(requests + 1); // only the dimension probe: every text came from the cache
    }
}

public sealed class EndpointTextEncoderTests : IDisposable
{
    private readonly EmbeddingsWireDouble _server = new(dimension: 6);

    public void Dispose() => _server.Dispose();

    [Fact]
    public void Encode_ManyTexts_OneRequestPerBatchInOrderWithTheServersVectors()
    {
        using var encoder = EndpointTextEncoder.Create(EmbeddingEndpointSpec.Parse($"tiny@{_server.BaseUrl},batch=4,dimensions=6"));
        var texts = Enumerable.Range(0, 10).Select(i => $"text number {i}").Append("").ToArray();

        var vectors = encoder.Encode(texts);

        encoder.Dimension.ShouldBe(6);
        for (var i = 0; i < 10; i++) vectors.Row(i).ToArray().ShouldBe(EmbeddingsWireDouble.VectorOf(texts[i], 6));
        vectors.Row(10).ToArray().ShouldBe(EmbeddingsWireDouble.VectorOf(" ", 6)); // an empty text goes as one space
        var requests = _server.Requests;
        requests.Count.ShouldBe(3);
        requests.ShouldAllBe(r => r.Path == "/v1/embeddings" && r.Body["model"]!.GetValue<string>() == "tiny" && r.Body["dimensions"]!.GetValue<int>() == 6);
        requests.Select(r => r.Body["input"]!.AsArray().Count).ShouldBe([4, 4, 3]);
    }

    [Fact]
    public void Create_KeyFromTheNamedVariable_SentAsBearerAndNeverInTheModelIdOrAMessage()
    {
        const string variable = "SIFT_TEST_EMBEDDING_KEY_1";
        const string key = "sk-test-0123456789abcdef";
        Environment.SetEnvironmentVariable(variable, key);
        try
        {
            using var encoder = EndpointTextEncoder.Create(EmbeddingEndpointSpec.Parse($"tiny@{_server.BaseUrl},key-env={variable}"));
            encoder.Encode(["hello"]);
            _server.Requests.ShouldAllBe(r => r.Authorization == "Bearer " + key);
            encoder.ModelId.ShouldBe($"endpoint:tiny@{_server.BaseUrl.ToString().TrimEnd('/')}");
            encoder.ModelId.ShouldNotContain(key);

            _server.FailWith = 401;
            var ex = Should.Throw<SiftException>(() => encoder.Encode(["hello again"]));
            ex.Message.ShouldBe($"The embedding endpoint {_server.BaseUrl} answered HTTP 401 for model 'tiny'.");
            ex.Message.ShouldNotContain(key);
            EmbeddingEndpointSpec.Parse($"tiny@{_server.BaseUrl},key-env={variable}").ToString().ShouldNotContain(key);
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Fact]
    public void Encode_ServerSendsTooFewVectors_OneSentence()
    {
        using var encoder = EndpointTextEncoder.Create(EmbeddingEndpointSpec.Parse($"tiny@{_server.BaseUrl}"));
        _server.DropOne = true;
        Should.Throw<SiftException>(() => encoder.Encode(["a", "b", "c"])).Message.ShouldBe($"The embedding endpoint {_server.BaseUrl} returned 2 vectors for 3 texts.");
    }

    [Fact]
    public void Create_NothingListening_OneSentenceNotAStackTrace()
    {
        var port = _server.BaseUrl.Port;
        _server.Dispose();
        var ex = Should.Throw<SiftException>(() => EndpointTextEncoder.Create(EmbeddingEndpointSpec.Parse($"tiny@http://127.0.0.1:{port}/v1,dimensions=4")).Encode(["x"]));
        ex.Message.ShouldStartWith($"The embedding endpoint http://127.0.0.1:{port}/v1");
    }

    [Theory]
    [InlineData("", "The embedding endpoint spec is empty; write endpoint:MODEL@URL.")]
    [InlineData("model", "The embedding endpoint spec must start with MODEL@URL.")]
    [InlineData("m@ftp://host/v1", "The embedding endpoint spec needs an absolute http or https URL after '@'.")]
    [InlineData("m@https://user:pw@host/v1", "The embedding endpoint spec has a URL with user info, a query or a fragment; put a key in an environment variable and name it with key-env=.")]
    [InlineData("m@https://host/v1?key=abc", "The embedding endpoint spec has a URL with user info, a query or a fragment; put a key in an environment variable and name it with key-env=.")]
    [InlineData("m@https://host/v1,dimensions=0", "The embedding endpoint spec has dimensions outside 1–65,536.")]
    [InlineData("m@https://host/v1,colour=red", "The embedding endpoint spec has an unknown option 'colour' (known: key-env, dimensions, batch).")]
    public void Parse_BadSpec_OneSentence(string spec, string message) =>
        Should.Throw<ConfigurationException>(() => EmbeddingEndpointSpec.Parse(spec)).Message.ShouldBe(message);

    [Fact]
    public void Parse_GoodSpec_CanonicalFormWithoutDefaults()
    {
        var spec = EmbeddingEndpointSpec.Parse(" text-embedding-3-small@https://api.example.com/v1 , key-env=OPENAI_API_KEY, dimensions=256 ");
        spec.Model.ShouldBe("text-embedding-3-small");
        spec.Dimensions.ShouldBe(256);
        spec.BatchSize.ShouldBe(64);
        spec.ToString().ShouldBe("text-embedding-3-small@https://api.example.com/v1,key-env=OPENAI_API_KEY,dimensions=256");
    }
}
