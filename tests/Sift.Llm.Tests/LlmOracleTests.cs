using Microsoft.Extensions.AI;
using Sift.Items;
using TextContent = Sift.Items.TextContent;
using Sift.Llm.Tests.TestDoubles;
using Sift.Oracles;

namespace Sift.Llm.Tests;

public class LlmOracleTests
{
    private static readonly string[] Labels = ["positive", "negative"];

    private static LlmOracleOptions Options(int samples = 3, int concurrency = 1) => new()
    {
        Name = "test:scripted",
        Samples = samples,
        Concurrency = concurrency,
        InputPricePer1K = 0.5,
        OutputPricePer1K = 2,
    };

    private static string Label(string label) => $"{{\"label\":\"{label}\"}}";

    [Fact]
    public async Task AskAsync_ValidReplies_AnswerWithFullProvenance()
    {
        var client = new ScriptedChatClient((_, _) => ScriptedChatClient.Reply(Label("positive"), input: 100, output: 5));
        var time = new SteppingTime(TimeSpan.FromMilliseconds(250));
        using var oracle = new LlmOracle(client, Options(samples: 3), time);
        var request = new OracleRequest([new OracleQuestion("q0", new TextContent("Great film."))], Labels)
        {
            Seed = 1,
            Instructions = (4, "Be careful."),
            Examples = [Requests.Example("e1", "Loved it", "positive"), Requests.Example("e2", "Hated it", "negative")],
        };
        var answer = (await oracle.AskAsync(request)).Single();

        answer.Status.ShouldBe(AnswerStatus.Answered);
        answer.Labels.ShouldBe(["positive"]);
        var p = answer.Provenance;
        p.Kind.ShouldBe(OracleKind.Model);
        p.Name.ShouldBe("test:scripted");
        p.PromptTemplate.ShouldBe("label@1");
        p.InstructionsVersion.ShouldBe(4);
        p.Examples!.ShouldBe(["e1", "e2"], ignoreOrder: true);
        p.At.ShouldBe(SteppingTime.Instant);
        p.ConfidenceMethod.ShouldBe("self-consistency(n=3)");
        p.Confidence.ShouldBe(1.0);
        p.Distribution!["positive"].ShouldBe(1.0);
        // Three calls (greedy + 2 samples) × (100 in, 5 out); one clock step between start and finish.
        p.Cost.InputTokens.ShouldBe(300);
        p.Cost.OutputTokens.ShouldBe(15);
        p.Cost.Money.ShouldBe(0.3 * 0.5 + 0.015 * 2, 1e-12);
        p.Cost.Seconds.ShouldBe(0.25, 1e-9);
        client.Calls.Count.ShouldBe(3);
    }

    [Fact]
    public async Task AskAsync_FirstCall_IsGreedyWithTheLabelSchema_SamplesAreSeededAndWarm()
    {
        var client = new ScriptedChatClient((_, _) => ScriptedChatClient.Reply(Label("positive")));
        using var oracle = new LlmOracle(client, Options(samples: 3));
        await oracle.AskAsync(Requests.Of(Labels, "x"));
        var first = client.Calls[0].Options!;
        first.Temperature.ShouldBe(0f);
        var format = first.ResponseFormat.ShouldBeOfType<ChatResponseFormatJson>();
        format.Schema!.Value.GetRawText().ShouldContain("\"enum\":[\"positive\",\"negative\"]");
        first.AdditionalProperties![TokenLogprob.RequestKey].ShouldBe(20);
        client.Calls.Skip(1).ShouldAllBe(c => c.Options!.Temperature == 0.7f);
        client.Calls.Select(c => c.Options!.Seed).Distinct().Count().ShouldBe(3);
    }

    [Fact]
    public async Task AskAsync_SelfConsistency_ConfidenceIsAgreementShare()
    {
        var replies = new Queue<string>([Label("positive"), Label("negative"), Label("positive"), "nonsense", Label("positive")]);
        var client = new ScriptedChatClient((_, _) => ScriptedChatClient.Reply(replies.Dequeue()));
        using var oracle = new LlmOracle(client, Options(samples: 5));
        var answer = (await oracle.AskAsync(Requests.Of(Labels, "x"))).Single();
        answer.Labels.ShouldBe(["positive"]);
        // Four valid samples: three positive, one negative; the invalid one counts for nothing.
        answer.Provenance.Confidence.ShouldBe(0.75);
        answer.Provenance.Distribution!["negative"].ShouldBe(0.25);
        answer.Provenance.Distribution.Values.Sum().ShouldBe(1, 1e-12);
    }

    [Fact]
    public async Task AskAsync_InvalidThenValid_RetriesOnceWithTheReason()
    {
        var replies = new Queue<string>(["{\"label\":\"spam\"}", Label("negative")]);
        var client = new ScriptedChatClient((_, _) => ScriptedChatClient.Reply(replies.Dequeue(), input: 10, output: 2));
        using var oracle = new LlmOracle(client, Options(samples: 1));
        var answer = (await oracle.AskAsync(Requests.Of(Labels, "x"))).Single();
        answer.Status.ShouldBe(AnswerStatus.Answered);
        answer.Labels.ShouldBe(["negative"]);
        answer.Provenance.ConfidenceMethod.ShouldBe("none");
        answer.Provenance.Confidence.ShouldBeNull();
        answer.Provenance.Cost.InputTokens.ShouldBe(20);
        var retry = client.Calls[1].Messages;
        retry[^2].Role.ShouldBe(ChatRole.Assistant);
        retry[^2].Text.ShouldBe("{\"label\":\"spam\"}");
        retry[^1].Text!.ShouldContain("\"spam\" is not one of the labels");
    }

    [Theory]
    [InlineData("{\"label\":\"spam\"}")]
    [InlineData("I think it is positive.")]
    [InlineData("")]
    [InlineData("{\"label\":\"POSITIVE\"}")]
    public async Task AskAsync_InvalidTwice_DeclinedNeverDefaulted(string reply)
    {
        var client = new ScriptedChatClient((_, _) => ScriptedChatClient.Reply(reply));
        using var oracle = new LlmOracle(client, Options());
        var answer = (await oracle.AskAsync(Requests.Of(Labels, "x"))).Single();
        answer.Status.ShouldBe(AnswerStatus.Declined);
        answer.Labels.ShouldBeEmpty();
        answer.Reason!.ShouldStartWith("The model gave no valid answer in two attempts");
        answer.Provenance.Confidence.ShouldBeNull();
        client.Calls.Count.ShouldBe(2);
    }

    [Fact]
    public async Task AskAsync_ReplyCutOffAtTheTokenLimit_IsInvalid()
    {
        var client = new ScriptedChatClient((_, _) => ScriptedChatClient.Reply(Label("positive"), finish: ChatFinishReason.Length));
        using var oracle = new LlmOracle(client, Options());
        var answer = (await oracle.AskAsync(Requests.Of(Labels, "x"))).Single();
        answer.Status.ShouldBe(AnswerStatus.Declined);
        answer.Reason!.ShouldContain("cut off");
    }

    [Fact]
    public async Task AskAsync_RequestFails_DeclinedWithItsSentence_OthersStillAnswered()
    {
        var client = new ScriptedChatClient((messages, _) => messages[^1].Text!.Contains("boom", StringComparison.Ordinal)
            ? throw new LlmRequestException("The endpoint failed with HTTP 500 in 4 attempts.")
            : ScriptedChatClient.Reply(Label("positive")));
        using var oracle = new LlmOracle(client, Options(samples: 1));
        var answers = await oracle.AskAsync(Requests.Of(Labels, "fine", "boom", "fine too"));
        answers.Select(a => a.Status).ShouldBe([AnswerStatus.Answered, AnswerStatus.Declined, AnswerStatus.Answered]);
        answers[1].Reason.ShouldBe("The endpoint failed with HTTP 500 in 4 attempts.");
    }

    [Fact]
    public async Task AskAsync_BackendUnavailable_Throws()
    {
        var client = new ScriptedChatClient((_, _) => throw new LlmUnavailableException("The endpoint http://h/v1 refused the key in environment variable K (HTTP 401)."));
        using var oracle = new LlmOracle(client, Options());
        var e = await Should.ThrowAsync<LlmUnavailableException>(async () => await oracle.AskAsync(Requests.Of(Labels, "x")));
        e.Message.ShouldContain("refused the key");
    }

    [Fact]
    public async Task AskAsync_Logprobs_GiveTheDistributionInOneCall()
    {
        var client = new ScriptedChatClient((_, _) =>
        {
            var response = ScriptedChatClient.Reply(Label("negative"));
            response.AdditionalProperties = new()
            {
                [TokenLogprob.ResponseKey] = new List<TokenLogprob>
                {
                    new("{\"label\":\"", 0, []),
                    new("negative", Math.Log(0.9), [new("negative", Math.Log(0.9)), new("positive", Math.Log(0.1))]),
                    new("\"}", 0, []),
                },
            };
            return response;
        });
        using var oracle = new LlmOracle(client, Options());
        var answer = (await oracle.AskAsync(Requests.Of(Labels, "x"))).Single();
        answer.Provenance.ConfidenceMethod.ShouldBe("logprobs");
        answer.Provenance.Confidence!.Value.ShouldBe(0.9, 1e-9);
        answer.Provenance.Distribution!["positive"].ShouldBe(0.1, 1e-9);
        client.Calls.Count.ShouldBe(1);
    }

    [Fact]
    public async Task AskAsync_MultiLabel_SubsetWithSelfConsistencyOverTheExactSet()
    {
        var replies = new Queue<string>(["{\"labels\":[\"b\",\"a\"]}", "{\"labels\":[\"a\",\"b\"]}", "{\"labels\":[\"a\"]}"]);
        var client = new ScriptedChatClient((_, _) => ScriptedChatClient.Reply(replies.Dequeue()));
        using var oracle = new LlmOracle(client, Options(samples: 3));
        var request = new OracleRequest([new OracleQuestion("q", new TextContent("x"))], ["a", "b", "c"]) { MultiLabel = true };
        var answer = (await oracle.AskAsync(request)).Single();
        answer.Labels.ShouldBe(["a", "b"]);
        answer.Provenance.Confidence!.Value.ShouldBe(2.0 / 3, 1e-12);
        answer.Provenance.Distribution.ShouldBeNull();
        client.Calls[0].Options!.AdditionalProperties?.ContainsKey(TokenLogprob.RequestKey).ShouldNotBe(true);
    }

    [Fact]
    public async Task AskAsync_Concurrent_AnswersInQuestionOrder()
    {
        var client = new ScriptedChatClient((messages, _) =>
        {
            Thread.Sleep(5);
            return ScriptedChatClient.Reply(Label(messages[^1].Text!.Contains("awful", StringComparison.Ordinal) ? "negative" : "positive"));
        });
        using var oracle = new LlmOracle(client, Options(samples: 1, concurrency: 4));
        var texts = Enumerable.Range(0, 12).Select(i => i % 3 == 0 ? $"awful {i}" : $"lovely {i}").ToArray();
        var answers = await oracle.AskAsync(Requests.Of(Labels, texts));
        answers.Select(a => a.ItemId).ShouldBe(texts.Select((_, i) => $"q{i}"));
        answers.Select(a => a.Labels[0]).ShouldBe(texts.Select(t => t.StartsWith("awful", StringComparison.Ordinal) ? "negative" : "positive"));
    }

    [Fact]
    public async Task AskAsync_SameSeed_SamePrompts()
    {
        async Task<string> Run(ulong seed)
        {
            var client = new ScriptedChatClient((_, _) => ScriptedChatClient.Reply(Label("positive")));
            using var oracle = new LlmOracle(client, Options(samples: 1));
            var request = new OracleRequest([new OracleQuestion("q", new TextContent("x"))], Labels)
            {
                Seed = seed,
                Examples = Enumerable.Range(0, 10).Select(i => Requests.Example($"e{i}", $"text {i}", Labels[i % 2])).ToList(),
            };
            await oracle.AskAsync(request);
            return string.Join("|", client.Calls[0].Messages.Select(m => m.Text));
        }
        (await Run(3)).ShouldBe(await Run(3));
        (await Run(3)).ShouldNotBe(await Run(4));
    }

    [Theory]
    [InlineData(new string[0], "no labels")]
    [InlineData(new[] { "a", "a" }, "not distinct")]
    [InlineData(new[] { "a", "" }, "1–200 characters")]
    public async Task AskAsync_BadLabelSet_ArgumentException(string[] labels, string part)
    {
        using var oracle = new LlmOracle(new ScriptedChatClient((_, _) => ScriptedChatClient.Reply("")), Options());
        var e = await Should.ThrowAsync<ArgumentException>(async () => await oracle.AskAsync(Requests.Of(labels, "x")));
        e.Message.ShouldContain(part);
    }

    [Fact]
    public void Constructor_InvalidOptions_ConfigurationException()
    {
        var client = new ScriptedChatClient((_, _) => ScriptedChatClient.Reply(""));
        Should.Throw<ConfigurationException>(() => new LlmOracle(client, new LlmOracleOptions { Name = "x", Samples = 0 })).Message.ShouldContain("Samples");
        Should.Throw<ConfigurationException>(() => new LlmOracle(client, new LlmOracleOptions { Name = "x", InputPricePer1K = double.NaN })).Message.ShouldContain("InputPricePer1K");
    }
}
