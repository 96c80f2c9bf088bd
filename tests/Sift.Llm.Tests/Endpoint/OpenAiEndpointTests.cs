using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Sift.Llm.Endpoint;
using Sift.Llm.Tests.TestDoubles;
using Sift.Oracles;
using static Sift.Llm.Tests.Endpoint.Endpoints;

namespace Sift.Llm.Tests.Endpoint;

public class OpenAiEndpointTests
{
    [Fact]
    public async Task AskAsync_Request_IsAnOpenAiChatCompletionWithTheLabelSchemaAndLogprobs()
    {
        await using var server = OpenAiWireDouble.Script(WireReply.LabelWithLogprobs("positive", 0.8, ("negative", 0.2)));
        var (env, key) = FakeKey();
        using var oracle = Oracle(Options(server, env));
        await oracle.AskAsync(Requests.Of(Labels, "Great film."));

        var request = server.Requests.Single();
        request.Method.ShouldBe("POST");
        request.Path.ShouldBe("/v1/chat/completions");
        request.Header("authorization").ShouldBe("Bearer " + key);
        var body = request.Json!;
        body["model"]!.GetValue<string>().ShouldBe("double-model");
        body["messages"]!.AsArray()[0]!["role"]!.GetValue<string>().ShouldBe("system");
        request.ItemText.ShouldBe("Great film.");
        var format = body["response_format"]!;
        format["type"]!.GetValue<string>().ShouldBe("json_schema");
        format["json_schema"]!["strict"]!.GetValue<bool>().ShouldBeTrue();
        format["json_schema"]!["schema"]!["properties"]!["label"]!["enum"]!.AsArray().Select(n => n!.GetValue<string>()).ShouldBe(Labels);
        body["logprobs"]!.GetValue<bool>().ShouldBeTrue();
        body["top_logprobs"]!.GetValue<int>().ShouldBe(20);
        body["temperature"]!.GetValue<float>().ShouldBe(0f);
        body["seed"].ShouldNotBeNull();
    }

    [Fact]
    public async Task AskAsync_Logprobs_ConfidenceFromTheAnswerPosition_OneRequest()
    {
        await using var server = OpenAiWireDouble.Script(WireReply.LabelWithLogprobs("positive", 0.8, ("negative", 0.15), ("neutral", 0.05)));
        using var oracle = Oracle(Options(server), samples: 5);
        var answer = (await oracle.AskAsync(Requests.Of(Labels, "x"))).Single();
        answer.Status.ShouldBe(AnswerStatus.Answered);
        answer.Labels.ShouldBe(["positive"]);
        var p = answer.Provenance;
        p.ConfidenceMethod.ShouldBe("logprobs");
        p.Confidence!.Value.ShouldBe(0.8 / 0.95, 1e-6);
        p.Distribution!["negative"].ShouldBe(0.15 / 0.95, 1e-6);
        p.Cost.InputTokens.ShouldBe(120);
        p.Cost.OutputTokens.ShouldBe(7);
        p.Cost.Money.ShouldBe(0.12 * 0.15 + 0.007 * 0.6, 1e-12);
        p.Cost.Seconds.ShouldBeGreaterThan(0);
        server.Requests.Count.ShouldBe(1);
    }

    [Fact]
    public async Task AskAsync_NoLogprobsInTheReply_SelfConsistencyOverNSamples()
    {
        await using var server = OpenAiWireDouble.Script(WireReply.Completion(Label("negative")), WireReply.Completion(Label("positive")), WireReply.Completion(Label("negative")));
        using var oracle = Oracle(Options(server), samples: 3);
        var answer = (await oracle.AskAsync(Requests.Of(Labels, "x"))).Single();
        answer.Labels.ShouldBe(["negative"]);
        answer.Provenance.ConfidenceMethod.ShouldBe("self-consistency(n=3)");
        answer.Provenance.Confidence!.Value.ShouldBe(2.0 / 3, 1e-12);
        answer.Provenance.Cost.InputTokens.ShouldBe(360);
        var requests = server.Requests;
        requests.Count.ShouldBe(3);
        requests[0].Json!["temperature"]!.GetValue<float>().ShouldBe(0f);
        requests.Skip(1).ShouldAllBe(r => r.Json!["temperature"]!.GetValue<float>() == 0.7f && !r.Logprobs);
    }

    [Fact]
    public async Task AskAsync_Http400_DeclinedWithTheServersWords_NotRetried()
    {
        await using var server = OpenAiWireDouble.Script(WireReply.Error(400, "This model's maximum context length is 4096 tokens.\nYou sent 9000."));
        using var oracle = Oracle(Options(server));
        var answer = (await oracle.AskAsync(Requests.Of(Labels, "x"))).Single();
        answer.Status.ShouldBe(AnswerStatus.Declined);
        answer.Reason.ShouldBe("The endpoint rejected the request (HTTP 400): This model's maximum context length is 4096 tokens. You sent 9000.");
        server.Requests.Count.ShouldBe(1);
    }

    [Fact]
    public async Task AskAsync_Http400NamingTheResponseFormat_FallsBackToStrictParsingForGood()
    {
        await using var server = OpenAiWireDouble.Start(r => r.ResponseFormatType == "json_schema"
            ? WireReply.Error(400, "response_format of type 'json_schema' is not supported by this model")
            : WireReply.Completion(Label("positive")));
        var log = new RecordingLogger();
        using var oracle = Oracle(Options(server), log, logprobs: false);
        var answers = await oracle.AskAsync(Requests.Of(Labels, "a", "b"));
        answers.ShouldAllBe(a => a.Status == AnswerStatus.Answered);
        server.Requests.Select(r => r.ResponseFormatType).ShouldBe(["json_schema", null, null]);
        log.All.ShouldContain("refused the JSON-schema response format");
    }

    [Fact]
    public async Task AskAsync_Http400NamingLogprobs_FallsBackToSelfConsistency()
    {
        await using var server = OpenAiWireDouble.Start(r => r.Logprobs
            ? WireReply.Error(400, "logprobs is not supported")
            : WireReply.Completion(Label("positive")));
        using var oracle = Oracle(Options(server), samples: 2);
        var answer = (await oracle.AskAsync(Requests.Of(Labels, "a"))).Single();
        answer.Provenance.ConfidenceMethod.ShouldBe("self-consistency(n=2)");
        server.Requests.Select(r => r.Logprobs).ShouldBe([true, false, false]);
        server.Requests.ShouldAllBe(r => r.ResponseFormatType == "json_schema");
    }

    [Fact]
    public async Task AskAsync_SchemaOff_NeverSendsIt()
    {
        await using var server = OpenAiWireDouble.Script(WireReply.Completion(Label("positive")));
        using var oracle = Oracle(Options(server, schema: JsonSchemaMode.Off));
        await oracle.AskAsync(Requests.Of(Labels, "a"));
        server.Requests.Single().ResponseFormatType.ShouldBeNull();
    }

    [Fact]
    public async Task AskAsync_Http401_UnavailableAndTheKeyIsNowhere()
    {
        // A careless server that echoes the Authorization header in its error body.
        await using var server = OpenAiWireDouble.Start(r => WireReply.Error(401, "Incorrect API key provided: " + r.Header("authorization")));
        var (env, key) = FakeKey();
        var log = new RecordingLogger();
        using var oracle = Oracle(Options(server, env), log);
        var e = await Should.ThrowAsync<LlmUnavailableException>(async () => await oracle.AskAsync(Requests.Of(Labels, "x")));
        e.Message.ShouldBe($"The endpoint {server.BaseUrl} refused the key in environment variable {env} (HTTP 401).");
        e.ToString().ShouldNotContain(key);
        e.ToString().ShouldNotContain(key[8..]);
        log.All.ShouldNotContain(key[8..]);
        server.Requests.Count.ShouldBe(1);
    }

    [Fact]
    public async Task AskAsync_Http400EchoingTheKey_ReasonIsRedacted()
    {
        await using var server = OpenAiWireDouble.Start(r => WireReply.Error(400, "Bad request from " + r.Header("authorization")));
        var (env, key) = FakeKey();
        var log = new RecordingLogger();
        using var oracle = Oracle(Options(server, env), log);
        var answer = (await oracle.AskAsync(Requests.Of(Labels, "x"))).Single();
        answer.Status.ShouldBe(AnswerStatus.Declined);
        answer.Reason!.ShouldContain("[redacted]");
        answer.Reason!.ShouldNotContain(key);
        log.All.ShouldNotContain(key);
        log.All.ShouldContain("declined item q0");
    }

    [Fact]
    public async Task AskAsync_Http401WithoutAKey_SaysToNameOne()
    {
        await using var server = OpenAiWireDouble.Script(WireReply.Error(401, "Missing API key."));
        using var oracle = Oracle(Options(server));
        var e = await Should.ThrowAsync<LlmUnavailableException>(async () => await oracle.AskAsync(Requests.Of(Labels, "x")));
        e.Message.ShouldContain("requires a key (HTTP 401); name the environment variable that holds it with key-env=");
        server.Requests.Single().Header("authorization").ShouldBeNull();
    }

    [Fact]
    public async Task AskAsync_Http404_UnavailableNamingTheModel()
    {
        await using var server = OpenAiWireDouble.Script(WireReply.Error(404, "The model `double-model` does not exist."));
        using var oracle = Oracle(Options(server));
        var e = await Should.ThrowAsync<LlmUnavailableException>(async () => await oracle.AskAsync(Requests.Of(Labels, "x")));
        e.Message.ShouldBe($"The endpoint {server.BaseUrl} has no chat completions for model 'double-model' (HTTP 404).");
    }

    [Fact]
    public async Task AskAsync_Http429WithRetryAfter_WaitsWhatTheServerSays()
    {
        // The back-off would wait about 3 s; Retry-After: 0 says go now, and the wait logged is 0 ms.
        await using var server = OpenAiWireDouble.Script(WireReply.Error(429, "Rate limit reached.", ("Retry-After", "0")), WireReply.Completion(Label("positive")));
        var log = new RecordingLogger();
        using var oracle = Oracle(Options(server, baseDelay: TimeSpan.FromSeconds(3)), log);
        var answer = (await oracle.AskAsync(Requests.Of(Labels, "x"))).Single();
        answer.Status.ShouldBe(AnswerStatus.Answered);
        server.Requests.Count.ShouldBe(2);
        log.All.ShouldContain("retry 1 of 2 after HTTP 429, waiting 0 ms");
    }

    [Fact]
    public async Task AskAsync_Http429Persisting_DeclinedAfterTheBoundedAttempts()
    {
        await using var server = OpenAiWireDouble.Script(WireReply.Error(429, "Rate limit reached.", ("Retry-After", "0")));
        using var oracle = Oracle(Options(server, retries: 2));
        var answer = (await oracle.AskAsync(Requests.Of(Labels, "x"))).Single();
        answer.Status.ShouldBe(AnswerStatus.Declined);
        answer.Reason.ShouldBe("The endpoint was still rate-limiting (HTTP 429) after 3 attempts.");
        server.Requests.Count.ShouldBe(3);
    }

    [Fact]
    public async Task AskAsync_Http500ThenSuccess_Answered()
    {
        await using var server = OpenAiWireDouble.Script(WireReply.Error(500, "oops"), WireReply.Error(503, "busy"), WireReply.Completion(Label("negative")));
        var log = new RecordingLogger();
        using var oracle = Oracle(Options(server, retries: 2), log);
        var answer = (await oracle.AskAsync(Requests.Of(Labels, "x"))).Single();
        answer.Labels.ShouldBe(["negative"]);
        server.Requests.Count.ShouldBe(3);
        log.All.ShouldContain("after HTTP 500");
        log.All.ShouldContain("after HTTP 503");
    }

    [Fact]
    public async Task AskAsync_Http500Always_DeclinedAfterTheBoundedAttempts()
    {
        await using var server = OpenAiWireDouble.Script(WireReply.Error(500, "oops"));
        using var oracle = Oracle(Options(server, retries: 1));
        var answer = (await oracle.AskAsync(Requests.Of(Labels, "x"))).Single();
        answer.Status.ShouldBe(AnswerStatus.Declined);
        answer.Reason.ShouldBe("The endpoint failed with HTTP 500 in 2 attempts.");
        server.Requests.Count.ShouldBe(2);
    }

    [Fact]
    public async Task AskAsync_SlowServer_TimesOutEachAttemptThenDeclines()
    {
        await using var server = OpenAiWireDouble.Script(WireReply.Slow(TimeSpan.FromSeconds(20), WireReply.Completion(Label("positive"))));
        using var oracle = Oracle(Options(server, retries: 1, timeout: TimeSpan.FromMilliseconds(300)));
        var answer = (await oracle.AskAsync(Requests.Of(Labels, "x"))).Single();
        answer.Status.ShouldBe(AnswerStatus.Declined);
        answer.Reason.ShouldBe("The endpoint did not answer within 300 ms in 2 attempts.");
        server.Requests.Count.ShouldBe(2);
    }

    [Fact]
    public async Task AskAsync_TruncatedThenWhole_Answered()
    {
        await using var server = OpenAiWireDouble.Script(WireReply.Truncated(WireReply.Completion(Label("positive"))), WireReply.Completion(Label("positive")));
        using var oracle = Oracle(Options(server));
        var answer = (await oracle.AskAsync(Requests.Of(Labels, "x"))).Single();
        answer.Status.ShouldBe(AnswerStatus.Answered);
        server.Requests.Count.ShouldBe(2);
    }

    [Fact]
    public async Task AskAsync_TruncatedAlways_Declined()
    {
        await using var server = OpenAiWireDouble.Script(WireReply.Truncated(WireReply.Completion(Label("positive"))));
        using var oracle = Oracle(Options(server, retries: 1));
        var answer = (await oracle.AskAsync(Requests.Of(Labels, "x"))).Single();
        answer.Status.ShouldBe(AnswerStatus.Declined);
        answer.Reason.ShouldBe("The endpoint's responses were cut off or broken in 2 attempts.");
    }

    [Theory]
    [InlineData("{\"id\":\"x\",\"choices\":[{")]
    [InlineData("<html>Bad gateway</html>")]
    [InlineData("")]
    public async Task AskAsync_MalformedBody_AskedOnceMoreThenDeclined(string body)
    {
        await using var server = OpenAiWireDouble.Script(WireReply.Body(200, body));
        using var oracle = Oracle(Options(server));
        var answer = (await oracle.AskAsync(Requests.Of(Labels, "x"))).Single();
        answer.Status.ShouldBe(AnswerStatus.Declined);
        answer.Reason!.ShouldContain("not a valid chat completion");
        server.Requests.Count.ShouldBe(2);
    }

    [Fact]
    public async Task AskAsync_ReplyCutAtTheTokenLimit_AskedOnceMoreThenDeclined()
    {
        await using var server = OpenAiWireDouble.Script(WireReply.Completion("{\"label\":\"pos", finishReason: "length"));
        using var oracle = Oracle(Options(server));
        var answer = (await oracle.AskAsync(Requests.Of(Labels, "x"))).Single();
        answer.Status.ShouldBe(AnswerStatus.Declined);
        answer.Reason!.ShouldContain("cut off at the 256-token limit");
        server.Requests.Count.ShouldBe(2);
    }

    [Fact]
    public async Task AskAsync_Unreachable_UnavailableInOneSentence()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var options = new OpenAiEndpointOptions { Model = "m", Endpoint = new Uri($"http://127.0.0.1:{port}/v1"), Retries = 1, RetryBaseDelay = TimeSpan.FromMilliseconds(10) };
        using var oracle = new LlmOracle(OpenAiEndpoint.Create(options), new LlmOracleOptions { Name = "openai:m", Shots = 0 }, ownsClient: true);
        var e = await Should.ThrowAsync<LlmUnavailableException>(async () => await oracle.AskAsync(Requests.Of(Labels, "x")));
        e.Message.ShouldBe($"The endpoint http://127.0.0.1:{port}/v1 could not be reached (connection refused or dropped) in 2 attempts.");
    }

    [Fact]
    public void Create_KeyVariableNotSet_OneSentence()
    {
        var options = new OpenAiEndpointOptions { Model = "m", Endpoint = new Uri("http://127.0.0.1:9/v1"), KeyEnvironmentVariable = "SIFT_TEST_SURELY_UNSET_" + Guid.NewGuid().ToString("N")[..8] };
        var e = Should.Throw<ConfigurationException>(() => OpenAiEndpoint.Create(options));
        e.Message.ShouldBe($"The environment variable {options.KeyEnvironmentVariable} named by key-env is not set.");
    }

    [Fact]
    public async Task AskAsync_Concurrent_AnswersInQuestionOrder()
    {
        await using var server = OpenAiWireDouble.Start(r => WireReply.Completion(Label(r.ItemText.Contains("awful", StringComparison.Ordinal) ? "negative" : "positive")));
        using var oracle = Oracle(Options(server), concurrency: 4);
        var texts = Enumerable.Range(0, 10).Select(i => i % 2 == 0 ? $"awful {i}" : $"lovely {i}").ToArray();
        var answers = await oracle.AskAsync(Requests.Of(Labels, texts));
        answers.Select(a => a.Labels[0]).ShouldBe(texts.Select(t => t.StartsWith("awful", StringComparison.Ordinal) ? "negative" : "positive"));
    }

    [Fact]
    public async Task AskAsync_MultiLabel_SchemaIsAnArrayOfTheLabels()
    {
        await using var server = OpenAiWireDouble.Script(WireReply.Completion("{\"labels\":[\"b\",\"a\"]}"));
        using var oracle = Oracle(Options(server), samples: 2);
        var request = new OracleRequest([new OracleQuestion("q", new Items.TextContent("x"))], ["a", "b", "c"]) { MultiLabel = true };
        var answer = (await oracle.AskAsync(request)).Single();
        answer.Labels.ShouldBe(["a", "b"]);
        var schema = server.Requests[0].Json!["response_format"]!["json_schema"]!["schema"]!;
        schema["properties"]!["labels"]!["items"]!["enum"]!.AsArray().Count.ShouldBe(3);
        server.Requests[0].Logprobs.ShouldBeFalse();
    }
}
