using System.Globalization;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Sift.Llm.Confidence;
using Sift.Llm.Prompts;
using Sift.Oracles;

namespace Sift.Llm;

/// <summary>
/// An oracle that asks a language model behind an <see cref="IChatClient"/> (an embedded GGUF model or an
/// OpenAI-compatible endpoint). Per question it chooses few-shot examples, builds the versioned prompt with the item
/// fenced as untrusted data, and answers only with labels from the label set: an invalid reply is asked once more with
/// the reason, then <see cref="AnswerStatus.Declined"/> so a person answers — never a default label. Confidence, by the
/// first method available: the back end's <see cref="ILabelScorer"/> (<c>token-probabilities</c>, single-label), token
/// log-probabilities (<c>logprobs</c>, single-label), else agreement over <see cref="LlmOracleOptions.Samples"/> samples
/// (<c>self-consistency(n=…)</c>). Every answer records template, examples, tokens, latency, cost and confidence.
/// </summary>
/// <remarks>
/// A request's questions are answered up to <see cref="LlmOracleOptions.Concurrency"/> at a time, answers in question
/// order; all randomness follows from <see cref="OracleRequest.Seed"/> and the question's position. A failed request
/// (time-out, server error after the back end's retries) declines that question; an unavailable back end (key refused,
/// unreachable) throws <see cref="LlmUnavailableException"/> for the whole request. Safe for one caller at a time, as
/// <see cref="IOracle"/> requires.
/// </remarks>
public sealed partial class LlmOracle : IOracle, IDisposable
{
    private readonly IChatClient _client;
    private readonly ILabelScorer? _scorer;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly FewShotSelector _selector;
    private readonly bool _ownsClient;

    /// <summary>Creates the oracle over a chat client.</summary>
    /// <param name="client">The model. Its <see cref="ILabelScorer"/> service, when it has one, is used for single-label answers.</param>
    /// <param name="options">Prompting, pricing and confidence options; validated here.</param>
    /// <param name="timeProvider">Clock for latency and answer times (default: the system clock).</param>
    /// <param name="logger">Receives declines and confidence fall-backs (item ids and reasons only, never item text or keys).</param>
    /// <param name="embeddings">Vectors for choosing the nearest few-shot examples; without it examples are chosen in a seeded random order.</param>
    /// <param name="ownsClient">Dispose <paramref name="client"/> with the oracle.</param>
    /// <exception cref="ConfigurationException">An option is invalid.</exception>
    public LlmOracle(IChatClient client, LlmOracleOptions options, TimeProvider? timeProvider = null, ILogger? logger = null,
        IEmbeddingGenerator<string, Embedding<float>>? embeddings = null, bool ownsClient = false)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _client = client;
        Options = options;
        _scorer = client.GetService<ILabelScorer>();
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        _selector = new FewShotSelector(embeddings);
        _ownsClient = ownsClient;
    }

    /// <inheritdoc />
    public string Name => Options.Name;

    /// <summary>The options the oracle was built with.</summary>
    public LlmOracleOptions Options { get; }

    /// <inheritdoc />
    /// <exception cref="LlmUnavailableException">The back end cannot answer at all (key refused, endpoint unreachable, model missing).</exception>
    public async ValueTask<IReadOnlyList<OracleAnswer>> AskAsync(OracleRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        CheckLabels(request.Labels);
        var answers = new OracleAnswer[request.Questions.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, answers.Length),
            new ParallelOptions { MaxDegreeOfParallelism = Options.Concurrency, CancellationToken = cancellationToken },
            async (q, ct) => answers[q] = await AnswerAsync(request, q, ct));
        return answers;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsClient) _client.Dispose();
    }

    private async Task<OracleAnswer> AnswerAsync(OracleRequest request, int index, CancellationToken cancellationToken)
    {
        var question = request.Questions[index] ?? throw new ArgumentException($"Question {index} is null.", nameof(request));
        var seed = Seeds.Mix(request.Seed, (ulong)index);
        var examples = await _selector.SelectAsync(question, request, Options.Shots, Seeds.Mix(seed, "shots"), cancellationToken);
        var prompt = LabelPromptV1.Build(new LabelPromptInput(question.Content, request.Labels, request.MultiLabel,
            request.Instructions, examples, Seeds.Mix(seed, "boundary")));
        var call = new CallRecord(_time);
        var provenance = new Provenance
        {
            Kind = OracleKind.Model,
            Name = Name,
            InstructionsVersion = request.Instructions?.Version,
            PromptTemplate = prompt.Template,
            Examples = examples.Select(e => e.ItemId).ToList(),
            At = _time.GetUtcNow(),
        };
        try
        {
            if (!request.MultiLabel && _scorer is not null && Options.UseScorer)
                return await ScoreAsync(question, request.Labels, prompt, provenance, call, cancellationToken);

            var first = await AskValidAsync(prompt, request, seed, call, cancellationToken);
            if (first.Labels is null)
            {
                LogDeclined(_logger, Name, question.ItemId, first.Reason);
                return OracleAnswer.Declined(question.ItemId, call.Finish(provenance, Options), first.Reason);
            }
            if (!request.MultiLabel && first.Logprobs is { } tokens
                && LogprobDistribution.Compute(first.Text, tokens, request.Labels, first.Labels[0]) is { } distribution)
            {
                var p = Distribution(request.Labels, distribution);
                return OracleAnswer.Given(question.ItemId, first.Labels,
                    call.Finish(provenance with { Confidence = p[first.Labels[0]], ConfidenceMethod = "logprobs", Distribution = p }, Options));
            }
            if (Options.Samples == 1)
                return OracleAnswer.Given(question.ItemId, first.Labels, call.Finish(provenance with { ConfidenceMethod = "none" }, Options));
            return await SelfConsistencyAsync(question, request, prompt, first.Labels, seed, provenance, call, cancellationToken);
        }
        catch (LlmRequestException e)
        {
            LogDeclined(_logger, Name, question.ItemId, e.Message);
            return OracleAnswer.Declined(question.ItemId, call.Finish(provenance, Options), e.Message);
        }
    }

    // Single-label with a scorer: every label's reply scored by the model's token probabilities; the answer is the
    // argmax of that distribution (ties to the earlier label), so no reply has to be parsed.
    private async Task<OracleAnswer> ScoreAsync(OracleQuestion question, IReadOnlyList<string> labels, LabelPrompt prompt,
        Provenance provenance, CallRecord call, CancellationToken cancellationToken)
    {
        var scores = await _scorer!.ScoreAsync(new LabelScoringRequest(prompt.Messages, labels.Select(AnswerJson.Single).ToList()), cancellationToken);
        call.Add(scores.InputTokens, scores.ScoredTokens);
        var best = 0;
        for (var i = 1; i < labels.Count; i++)
            if (scores.Probabilities[i] > scores.Probabilities[best]) best = i;
        var p = Distribution(labels, scores.Probabilities);
        return OracleAnswer.Given(question.ItemId, [labels[best]],
            call.Finish(provenance with { Confidence = p[labels[best]], ConfidenceMethod = "token-probabilities", Distribution = p }, Options));
    }

    // The greedy answer, with the one retry after an invalid reply.
    private async Task<Reply> AskValidAsync(LabelPrompt prompt, OracleRequest request, ulong seed, CallRecord call, CancellationToken cancellationToken)
    {
        var messages = prompt.Messages;
        string reason = "";
        for (var attempt = 0; attempt < 2; attempt++)
        {
            string text;
            ChatResponse response;
            try
            {
                response = await _client.GetResponseAsync(messages, ChatOptions(request, seed + (ulong)attempt, 0f, Options.UseLogprobs && !request.MultiLabel), cancellationToken);
            }
            catch (LlmRequestException e) when (e.InvalidOutput)
            {
                reason = e.Message.TrimEnd('.');
                messages = prompt.Messages;
                continue;
            }
            call.Add(response.Usage);
            text = response.Text ?? "";
            if (response.FinishReason == ChatFinishReason.Length)
                reason = $"the reply was cut off at the {Options.MaxOutputTokens}-token limit";
            else if (AnswerParser.TryParse(text, request.Labels, request.MultiLabel, out var labels, out reason))
                return new Reply(labels, text, Logprobs(response), "");
            messages = prompt.WithCorrection(text, reason);
        }
        return new Reply(null, "", null, $"The model gave no valid answer in two attempts ({reason}).");
    }

    // Self-consistency (Wang et al. 2023, "Self-Consistency Improves Chain of Thought Reasoning"): the share of samples
    // that agree with the most frequent answer. The greedy answer counts as the first sample; invalid samples count
    // for nothing; ties go to the greedy answer, then to the earlier answer.
    private async Task<OracleAnswer> SelfConsistencyAsync(OracleQuestion question, OracleRequest request, LabelPrompt prompt,
        IReadOnlyList<string> greedy, ulong seed, Provenance provenance, CallRecord call, CancellationToken cancellationToken)
    {
        var answers = new List<IReadOnlyList<string>> { greedy };
        for (var s = 1; s < Options.Samples; s++)
        {
            try
            {
                var response = await _client.GetResponseAsync(prompt.Messages, ChatOptions(request, Seeds.Mix(seed, (ulong)s + 100), Options.SampleTemperature, false), cancellationToken);
                call.Add(response.Usage);
                if (response.FinishReason != ChatFinishReason.Length && AnswerParser.TryParse(response.Text, request.Labels, request.MultiLabel, out var labels, out _))
                    answers.Add(labels);
            }
            catch (LlmRequestException e)
            {
                LogSampleFailed(_logger, Name, question.ItemId, e.Message);
            }
        }
        var votes = answers.GroupBy(Key, StringComparer.Ordinal).Select(g => (Key: g.Key, Labels: g.First(), Count: g.Count())).ToList();
        var top = votes.Max(v => v.Count);
        var chosen = votes.First(v => v.Count == top);
        var method = $"self-consistency(n={Options.Samples.ToString(CultureInfo.InvariantCulture)})";
        IReadOnlyDictionary<string, double>? distribution = null;
        if (!request.MultiLabel)
            distribution = request.Labels.ToDictionary(l => l, l => votes.Where(v => v.Labels[0] == l).Sum(v => v.Count) / (double)answers.Count, StringComparer.Ordinal);
        return OracleAnswer.Given(question.ItemId, chosen.Labels,
            call.Finish(provenance with { Confidence = chosen.Count / (double)answers.Count, ConfidenceMethod = method, Distribution = distribution }, Options));

        static string Key(IReadOnlyList<string> labels) => string.Join("\u001f", labels);
    }

    private ChatOptions ChatOptions(OracleRequest request, ulong seed, float temperature, bool logprobs)
    {
        var options = new ChatOptions
        {
            Temperature = temperature,
            Seed = (long)(seed & 0x7FFF_FFFF),
            MaxOutputTokens = Options.MaxOutputTokens,
            ResponseFormat = ChatResponseFormat.ForJsonSchema(AnswerJson.Schema(request.Labels, request.MultiLabel),
                request.MultiLabel ? "labels" : "label", "The labels for the item."),
        };
        if (logprobs) (options.AdditionalProperties ??= [])[TokenLogprob.RequestKey] = Options.TopLogprobs;
        return options;
    }

    private static IReadOnlyList<TokenLogprob>? Logprobs(ChatResponse response) =>
        response.AdditionalProperties?.TryGetValue(TokenLogprob.ResponseKey, out var value) == true ? value as IReadOnlyList<TokenLogprob> : null;

    private static Dictionary<string, double> Distribution(IReadOnlyList<string> labels, IReadOnlyList<double> p)
    {
        var d = new Dictionary<string, double>(labels.Count, StringComparer.Ordinal);
        for (var i = 0; i < labels.Count; i++) d[labels[i]] = p[i];
        return d;
    }

    private static void CheckLabels(IReadOnlyList<string> labels)
    {
        if (labels.Count == 0) throw new ArgumentException("The request has no labels.", nameof(labels));
        if (labels.Count > 1000) throw new ArgumentException("An LLM oracle takes at most 1,000 labels.", nameof(labels));
        if (labels.Any(l => string.IsNullOrEmpty(l) || l.Length > 200)) throw new ArgumentException("Every label must have 1–200 characters.", nameof(labels));
        if (labels.Distinct(StringComparer.Ordinal).Count() != labels.Count) throw new ArgumentException("The labels are not distinct.", nameof(labels));
    }

    private sealed record Reply(IReadOnlyList<string>? Labels, string Text, IReadOnlyList<TokenLogprob>? Logprobs, string Reason);

    // Tokens and time of every call made for one question, turned into the answer's cost.
    private sealed class CallRecord(TimeProvider time)
    {
        private readonly long _started = time.GetTimestamp();
        private long _input;
        private long _output;

        public void Add(UsageDetails? usage)
        {
            _input += usage?.InputTokenCount ?? 0;
            _output += usage?.OutputTokenCount ?? 0;
        }

        public void Add(long input, long output)
        {
            _input += input;
            _output += output;
        }

        public Provenance Finish(Provenance provenance, LlmOracleOptions options) => provenance with
        {
            Cost = new AnswerCost(options.Cost(_input, _output), (int)Math.Min(_input, int.MaxValue), (int)Math.Min(_output, int.MaxValue),
                time.GetElapsedTime(_started).TotalSeconds),
        };
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Oracle} declined item {ItemId}: {Reason}")]
    private static partial void LogDeclined(ILogger logger, string oracle, string itemId, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Oracle}: a self-consistency sample for item {ItemId} failed: {Reason}")]
    private static partial void LogSampleFailed(ILogger logger, string oracle, string itemId, string reason);
}
