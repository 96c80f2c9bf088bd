using Sift.Llm.Tests.TestDoubles;
using Sift.Oracles;

namespace Sift.Llm.Tests.Endpoint;

/// <summary>
/// Opt-in: runs against a real OpenAI-compatible endpoint when SIFT_LLM_ENDPOINT holds a spec such as
/// <c>openai:gpt-4o-mini@https://api.openai.com/v1,key-env=OPENAI_API_KEY</c> (the key stays in the variable it names).
/// </summary>
public class EndpointIntegrationTests
{
    [Fact]
    public async Task AskAsync_RealEndpoint_AnswersWithinTheLabelSet()
    {
        var spec = Environment.GetEnvironmentVariable("SIFT_LLM_ENDPOINT");
        if (string.IsNullOrWhiteSpace(spec))
            Assert.Skip("SIFT_LLM_ENDPOINT is not set (e.g. openai:MODEL@URL,key-env=VAR with the key in VAR); this test talks to a real endpoint only when asked to.");
        using var oracle = LlmOracles.Create(LlmSpec.Parse(spec));
        var answers = await oracle.AskAsync(Requests.Of(["positive", "negative"], "I loved every minute of this film.", "A dull, joyless mess."));
        answers.ShouldAllBe(a => a.Status == AnswerStatus.Answered);
        answers.Select(a => a.Labels.Single()).ShouldBe(["positive", "negative"]);
        answers.ShouldAllBe(a => a.Provenance.Confidence > 0 && a.Provenance.Cost.InputTokens > 0);
    }
}
