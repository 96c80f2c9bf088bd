using System.Text.Json;
using LLama;
using LLama.Common;
using LLama.Native;
using Microsoft.Extensions.AI;
using Sift.Llm.Gguf;
using Sift.Llm.Prompts;

namespace Sift.Llm.Tests.Gguf;

public class GgufChatClientTests(TinyModel model) : IClassFixture<TinyModel>
{
    private static readonly string[] Labels = ["spam", "ham", "eggs and bacon", "say \"hi\" \\ now"];

    private static List<ChatMessage> Prompt(string item) =>
    [
        new(ChatRole.System, "Label the story."),
        new(ChatRole.User, item),
    ];

    private static ChatOptions Schema(bool multi, float temperature = 0, long seed = 0) => new()
    {
        ResponseFormat = ChatResponseFormat.ForJsonSchema(AnswerJson.Schema(Labels, multi), "label"),
        Temperature = temperature,
        Seed = seed,
        MaxOutputTokens = 64,
    };

    [Fact]
    public async Task GetResponseAsync_LabelSchema_ReplyParsesToALabel()
    {
        foreach (var temperature in new[] { 0f, 1.5f })
        {
            for (var seed = 0; seed < 2; seed++)
            {
                var response = await model.Client.GetResponseAsync(Prompt("Once upon a time a cat sat on a mat."), Schema(false, temperature, seed));
                AnswerParser.TryParse(response.Text, Labels, false, out var labels, out var reason).ShouldBeTrue($"{response.Text}: {reason}");
                Labels.ShouldContain(labels[0]);
                response.FinishReason.ShouldBe(ChatFinishReason.Stop);
            }
        }
    }

    [Fact]
    public async Task GetResponseAsync_MultiLabelSchema_ReplyIsAnOrderedSubset()
    {
        for (var seed = 0; seed < 3; seed++)
        {
            var response = await model.Client.GetResponseAsync(Prompt("Tom had a big red ball."), Schema(true, 1.5f, seed));
            AnswerParser.TryParse(response.Text, Labels, true, out var labels, out var reason).ShouldBeTrue($"{response.Text}: {reason}");
            using var doc = JsonDocument.Parse(response.Text);
            doc.RootElement.GetProperty("labels").EnumerateArray().Select(e => e.GetString()).ShouldBe(labels);
        }
    }

    [Fact]
    public async Task GetResponseAsync_SameSeed_SameReply()
    {
        var messages = Prompt("Lily went to the park.");
        var plain = new ChatOptions { Temperature = 1.2f, Seed = 11, MaxOutputTokens = 24 };
        var a = await model.Client.GetResponseAsync(messages, plain);
        var b = await model.Client.GetResponseAsync(messages, plain);
        a.Text.ShouldBe(b.Text);
        a.Text.Length.ShouldBeGreaterThan(0);
        var others = new List<string>();
        for (var seed = 12; seed < 15; seed++)
            others.Add((await model.Client.GetResponseAsync(messages, new ChatOptions { Temperature = 1.2f, Seed = seed, MaxOutputTokens = 24 })).Text);
        others.Append(a.Text).Distinct().Count().ShouldBeGreaterThan(1);
    }

    [Fact]
    public async Task GetResponseAsync_Usage_CountsPromptAndGeneratedTokens()
    {
        var response = await model.Client.GetResponseAsync(Prompt("A dog."), new ChatOptions { MaxOutputTokens = 10, Temperature = 0 });
        response.Usage!.InputTokenCount!.Value.ShouldBeGreaterThan(5);
        response.Usage.OutputTokenCount!.Value.ShouldBeInRange(1, 10);
        if (response.Usage.OutputTokenCount == 10) response.FinishReason.ShouldBe(ChatFinishReason.Length);
        response.ModelId.ShouldBe("stories260K.gguf");
    }

    [Fact]
    public async Task ScoreAsync_Labels_ProbabilitiesSumToOneAndAreDeterministic()
    {
        var request = new LabelScoringRequest(Prompt("The sun was bright."), Labels.Select(AnswerJson.Single).ToList());
        var a = await model.Client.ScoreAsync(request);
        var b = await model.Client.ScoreAsync(request);
        // Whatever the context held before (another prompt, a generation), and in a fresh context: the same bits.
        await model.Client.ScoreAsync(new LabelScoringRequest(Prompt("The moon was dark and the owl flew."), ["{\"label\":\"x\"}"]));
        await model.Client.GetResponseAsync(Prompt("The sun was bright. Then"), new ChatOptions { MaxOutputTokens = 8 });
        var c = await model.Client.ScoreAsync(request);
        using var fresh = GgufChatClient.Load(TinyModel.Options());
        var d = await fresh.ScoreAsync(request);
        c.LogProbabilities.ShouldBe(a.LogProbabilities);
        d.LogProbabilities.ShouldBe(a.LogProbabilities);
        a.Probabilities.Sum().ShouldBe(1, 1e-9);
        a.Probabilities.ShouldAllBe(p => p > 0 && p < 1);
        a.LogProbabilities.ShouldBe(b.LogProbabilities);
        a.LogProbabilities.ShouldAllBe(l => l < 0 && double.IsFinite(l));
        a.InputTokens.ShouldBeGreaterThan(5);
        a.ScoredTokens.ShouldBeGreaterThan(Labels.Length * 3);
    }

    [Fact]
    public async Task ScoreAsync_EachCandidate_ScoredIndependentlyOfTheOthers()
    {
        // The context is rewound between candidates: a candidate's score does not depend on which were scored before it.
        var candidates = Labels.Select(AnswerJson.Single).ToList();
        var messages = Prompt("The sun was bright.");
        var all = await model.Client.ScoreAsync(new LabelScoringRequest(messages, candidates));
        var reversed = await model.Client.ScoreAsync(new LabelScoringRequest(messages, candidates.AsEnumerable().Reverse().ToList()));
        for (var i = 0; i < candidates.Count; i++)
        {
            var alone = await model.Client.ScoreAsync(new LabelScoringRequest(messages, [candidates[i]]));
            alone.LogProbabilities[0].ShouldBe(all.LogProbabilities[i], 1e-4);
            reversed.LogProbabilities[candidates.Count - 1 - i].ShouldBe(all.LogProbabilities[i], 1e-4);
        }
    }

    [Fact]
    public async Task ScoreAsync_EqualsAFromScratchEvaluationOfPromptPlusCandidate()
    {
        // Reference: evaluate the whole prompt+candidate text in one batch with every position's logits, and sum the
        // candidate tokens' log-softmax probabilities — no shared prefix, no rewinding.
        var messages = Prompt("The sun was bright.");
        var candidates = Labels.Select(AnswerJson.Single).ToList();
        var scores = await model.Client.ScoreAsync(new LabelScoringRequest(messages, candidates));
        var text = GgufPromptFormat.Plain(messages);
        var parameters = new ModelParams(TinyModel.Path) { ContextSize = 1024, Threads = 1, BatchSize = 1024, UBatchSize = 1024 };
        using var weights = LLamaWeights.LoadFromFile(parameters);
        using var context = weights.CreateContext(parameters);
        var prompt = context.Tokenize(text, true, false);
        for (var c = 0; c < candidates.Count; c++)
        {
            var full = context.Tokenize(text + candidates[c], true, false);
            var shared = 0;
            while (shared < Math.Min(prompt.Length, full.Length) && prompt[shared] == full[shared]) shared++;
            shared.ShouldBe(scores.InputTokens);
            context.NativeHandle.MemoryClear(true);
            var batch = new LLamaBatch();
            for (var i = 0; i < full.Length; i++) batch.Add(full[i], i, LLamaSeqId.Zero, true);
            context.Decode(batch).ShouldBe(DecodeResult.Ok);
            var expected = 0.0;
            for (var i = shared; i < full.Length; i++)
            {
                var logits = context.NativeHandle.GetLogitsIth(i - 1);
                var max = double.NegativeInfinity;
                foreach (var l in logits) max = Math.Max(max, l);
                var sum = 0.0;
                foreach (var l in logits) sum += Math.Exp(l - max);
                expected += logits[(int)full[i]] - max - Math.Log(sum);
            }
            scores.LogProbabilities[c].ShouldBe(expected, 1e-3);
        }
    }

    [Fact]
    public async Task GetResponseAsync_PromptLongerThanTheContext_LlmRequestException()
    {
        using var small = GgufChatClient.Load(TinyModel.Options(context: 128));
        var e = await Should.ThrowAsync<LlmRequestException>(() => small.GetResponseAsync(Prompt(string.Join(" ", Enumerable.Repeat("The cat sat.", 100)))));
        e.Message.ShouldContain($"context holds {small.ContextSize}");
    }

    [Fact]
    public void GetService_OffersTheScorerAndMetadata()
    {
        model.Client.GetService<ILabelScorer>().ShouldBeSameAs(model.Client);
        model.Client.GetService<ChatClientMetadata>()!.DefaultModelId.ShouldBe("stories260K.gguf");
    }
}
