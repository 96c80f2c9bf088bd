using Sift.Llm.Endpoint;
using Sift.Llm.Tests.TestDoubles;

namespace Sift.Llm.Tests.Endpoint;

internal static class Endpoints
{
    public static readonly string[] Labels = ["positive", "negative"];

    public static string Label(string label) => $"{{\"label\":\"{label}\"}}";

    /// <summary>A fresh environment variable holding a fake key; returns its name and the key.</summary>
    public static (string Name, string Key) FakeKey()
    {
        var name = "SIFT_TEST_KEY_" + Guid.NewGuid().ToString("N")[..12].ToUpperInvariant();
        var key = "sk-test-" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(name, key);
        return (name, key);
    }

    public static OpenAiEndpointOptions Options(OpenAiWireDouble server, string? keyEnv = null, int retries = 2, TimeSpan? timeout = null,
        JsonSchemaMode schema = JsonSchemaMode.Auto, TimeSpan? baseDelay = null) => new()
    {
        Model = "double-model",
        Endpoint = server.BaseUrl,
        KeyEnvironmentVariable = keyEnv,
        Retries = retries,
        Timeout = timeout ?? TimeSpan.FromSeconds(10),
        RetryBaseDelay = baseDelay ?? TimeSpan.FromMilliseconds(10),
        MaxRetryDelay = TimeSpan.FromSeconds(5),
        JsonSchema = schema,
    };

    public static LlmOracle Oracle(OpenAiEndpointOptions endpoint, RecordingLogger? log = null, int samples = 1, bool logprobs = true, int concurrency = 1) =>
        new(OpenAiEndpoint.Create(endpoint, logger: log),
            new LlmOracleOptions
            {
                Name = "openai:double-model",
                Samples = samples,
                Shots = 0,
                UseLogprobs = logprobs,
                Concurrency = concurrency,
                InputPricePer1K = 0.15,
                OutputPricePer1K = 0.6,
            },
            logger: log, ownsClient: true);
}
