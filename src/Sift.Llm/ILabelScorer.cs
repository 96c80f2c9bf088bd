using Microsoft.Extensions.AI;

namespace Sift.Llm;

/// <summary>
/// Scores given continuations of a chat prompt by the model's own token probabilities: the probability of each
/// candidate answer, renormalised over the candidates, so a label set gets a true distribution rather than a verbalised
/// number. A capability of a chat client: ask for it with <c>client.GetService&lt;ILabelScorer&gt;()</c> (the embedded
/// GGUF back end offers it; endpoints do not, since the OpenAI wire format cannot score a given text).
/// </summary>
public interface ILabelScorer
{
    /// <summary>Scores every candidate of <paramref name="request"/> as the assistant's complete reply.</summary>
    /// <exception cref="LlmRequestException">The prompt does not fit the model's context.</exception>
    ValueTask<LabelScores> ScoreAsync(LabelScoringRequest request, CancellationToken cancellationToken = default);
}

/// <summary>What to score: the conversation so far and the candidate replies.</summary>
/// <param name="Messages">The prompt, as chat messages (the reply is the assistant's next turn).</param>
/// <param name="Candidates">The replies to score, e.g. <c>{"label":"spam"}</c> for each label. At least one; distinct.</param>
public sealed record LabelScoringRequest(IReadOnlyList<ChatMessage> Messages, IReadOnlyList<string> Candidates);

/// <summary>The scores of the candidates, in request order.</summary>
/// <param name="LogProbabilities">log P(candidate | prompt): the sum over the candidate's tokens of the log-probability of
/// each token given the prompt and the tokens before it.</param>
/// <param name="InputTokens">Prompt tokens evaluated.</param>
/// <param name="ScoredTokens">Candidate tokens evaluated (all candidates together).</param>
public sealed record LabelScores(IReadOnlyList<double> LogProbabilities, int InputTokens, int ScoredTokens)
{
    /// <summary>The candidates' probabilities renormalised over the candidates (a softmax of the log-probabilities); sums to 1.</summary>
    public IReadOnlyList<double> Probabilities { get; } = Normalise(LogProbabilities);

    // exp(l_i - logsumexp(l)): the max is subtracted first so that very negative sums do not underflow to 0/0.
    private static double[] Normalise(IReadOnlyList<double> logProbabilities)
    {
        ArgumentNullException.ThrowIfNull(logProbabilities);
        var max = double.NegativeInfinity;
        foreach (var l in logProbabilities) max = Math.Max(max, l);
        var p = new double[logProbabilities.Count];
        if (double.IsNegativeInfinity(max))
        {
            Array.Fill(p, 1.0 / p.Length);
            return p;
        }
        var sum = 0.0;
        for (var i = 0; i < p.Length; i++) sum += p[i] = Math.Exp(logProbabilities[i] - max);
        for (var i = 0; i < p.Length; i++) p[i] /= sum;
        return p;
    }
}

/// <summary>
/// Token log-probabilities of a chat reply, in a form that does not depend on the back end. A chat client that can
/// report them puts an <see cref="IReadOnlyList{T}"/> of <see cref="TokenLogprob"/> under
/// <see cref="ResponseKey"/> in <see cref="ChatResponse.AdditionalProperties"/> when the request's
/// <see cref="ChatOptions.AdditionalProperties"/> hold <see cref="RequestKey"/> (the number of alternatives wanted per
/// position, 1–20).
/// </summary>
/// <param name="Token">The token's text as generated.</param>
/// <param name="LogProbability">Its natural-log probability.</param>
/// <param name="Top">The most probable tokens at this position (may include <paramref name="Token"/>).</param>
public sealed record TokenLogprob(string Token, double LogProbability, IReadOnlyList<TokenAlternative> Top)
{
    /// <summary>The request property: how many alternatives per position (an <see cref="int"/>).</summary>
    public const string RequestKey = "sift.top_logprobs";

    /// <summary>The response property holding the reply's tokens.</summary>
    public const string ResponseKey = "sift.logprobs";
}

/// <summary>One alternative token at a position, with its natural-log probability.</summary>
/// <param name="Token">The token's text.</param>
/// <param name="LogProbability">Its natural-log probability.</param>
public readonly record struct TokenAlternative(string Token, double LogProbability);
