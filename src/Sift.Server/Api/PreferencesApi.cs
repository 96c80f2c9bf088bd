using System.Globalization;
using System.Security.Claims;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Sift.Evidence;
using Sift.Items;
using Sift.Preferences;
using Sift.Projects;
using Sift.Server.Auth;
using Sift.Server.Hosting;

namespace Sift.Server.Api;

/// <summary>
/// Pair projects: the preference report (answer counts, position bias, annotator noise and the label_smoothing it
/// suggests) for those who review, and the exports in TRL's dataset formats for those who may export.
/// </summary>
internal static class PreferencesApi
{
    /// <summary>How ties and "both bad" answers reach the TRL exports (also in docs/server-design.md).</summary>
    public const string TiePolicy =
        "A comparison is exported by its resolved answer (the majority of its annotators' answers). A: A chosen over B; B: B over A. " +
        "Ties are dropped from every format (a tie says neither is preferred, and TRL's preference and KTO formats have no row for it). " +
        "both_bad is dropped from the paired formats and becomes two undesirable completions (label false) in the KTO format. " +
        "Comparisons with no resolved answer (none yet, or a tie between answers) are left out.";

    /// <summary>The export formats this API adds to <c>GET …/export</c>.</summary>
    public static IReadOnlyList<string> TrlFormats { get; } = ["trl-preference", "trl-kto"];

    /// <summary>Decisive answer pairs needed before the noise estimate and its label_smoothing suggestion are given.</summary>
    public const int MinimumNoisePairs = 10;

    public static IEndpointRouteBuilder MapPreferencesApi(this IEndpointRouteBuilder routes)
    {
        var project = routes.MapGroup("/api/projects/{projectId:long}").WithTags("quality");
        project.MapGet("/preferences", Report).RequireAuthorization(SiftPolicies.Review).RequireRateLimiting(ReadLimiting.Policy);
        return routes;
    }

    /// <summary>GET …/preferences: the report of a pair project (400 for a text project).</summary>
    internal static async Task<Ok<PreferenceReportView>> Report(long projectId, ISiftStore store, TimeProvider time, CancellationToken ct)
    {
        var project = await ProjectsApi.RequireProjectAsync(store, projectId, ct);
        RequirePairs(project);
        var annotations = await store.GetAnnotationsAsync(projectId, null, includeUndone: false, ct);
        var names = (await store.ListUsersAsync(ct)).ToDictionary(u => u.Id, u => u.Name);
        var counts = await store.GetCountsAsync(projectId, project.Settings.Overlap, time.GetUtcNow(), ct);
        return TypedResults.Ok(Compute(counts.Items, annotations, names));
    }

    /// <summary>The report from a project's answers (undone ones left out).</summary>
    internal static PreferenceReportView Compute(int comparisons, IReadOnlyList<Annotation> annotations, IReadOnlyDictionary<long, string> names)
    {
        var answers = Answers(annotations, names);
        var byLabel = PairLabels.All.ToDictionary(l => l, l => answers.Count(a => a.Label == l), StringComparer.Ordinal);
        var overall = PreferenceQuality.FirstShownWins(answers);
        var annotators = answers.GroupBy(a => a.Annotator, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g =>
        {
            var first = PreferenceQuality.FirstShownWins(g);
            var mine = g.ToList();
            return new AnnotatorPreferenceView(g.Key, mine.Count, mine.Count(a => a.Label is PairLabels.A or PairLabels.B),
                mine.Count(a => a.Label == PairLabels.Tie), mine.Count(a => a.Label == PairLabels.BothBad),
                Bias(first), AgreementWithOthers(g.Key, answers));
        }).ToList();
        var disagreement = PreferenceQuality.DecisiveDisagreement(answers);
        double? flip = disagreement.Count >= MinimumNoisePairs ? PreferenceQuality.FlipProbability(disagreement.Share) : null;
        var noise = new NoiseView(disagreement.Count, Nullable(disagreement.Share), flip, flip is { } f ? Math.Round(f, 2) : null,
            disagreement.Count >= MinimumNoisePairs
                ? "ε = (1 − √(1 − 2d)) / 2 from the disagreement d of two annotators' decisive answers to the same comparison; DPOConfig(label_smoothing=ε) for data labeled by one such annotator"
                : string.Create(CultureInfo.InvariantCulture, $"needs {MinimumNoisePairs} pairs of decisive answers to the same comparison by two annotators ({disagreement.Count} so far)"));
        return new PreferenceReportView(comparisons, answers.Select(a => a.ItemId).Distinct().Count(), byLabel, Bias(overall), annotators, noise, TiePolicy);
    }

    private static List<PairAnswer> Answers(IReadOnlyList<Annotation> annotations, IReadOnlyDictionary<long, string> names) =>
        annotations.Where(a => !a.Undone && a.Labels.Count == 1).OrderBy(a => a.CreatedAt).ThenBy(a => a.Id)
            .Select(a => new PairAnswer(a.ItemId, names.GetValueOrDefault(a.AnnotatorId) ?? $"user {a.AnnotatorId}", a.Labels[0], a.Provenance?.SidesSwapped))
            .ToList();

    private static PositionBiasView Bias(ShareInterval first)
    {
        var verdict = first.Count == 0 ? "no decisive answers with a recorded side order yet"
            : first.Contains(0.5) ? "no sign of position bias: ½ is inside the 95% interval"
            : first.Share > 0.5 ? "the response shown first wins more often than chance (95% interval above ½)"
            : "the response shown second wins more often than chance (95% interval below ½)";
        return new PositionBiasView(first.Count, first.Hits, Nullable(first.Share), first.Low, first.High, verdict);
    }

    /// <summary>The share of pairs (this annotator's decisive answer, another's decisive answer to the same comparison) that agree.</summary>
    private static double? AgreementWithOthers(string annotator, List<PairAnswer> answers)
    {
        int pairs = 0, agree = 0;
        foreach (var item in answers.Where(a => a.Label is PairLabels.A or PairLabels.B).GroupBy(a => a.ItemId))
        {
            var latest = item.GroupBy(a => a.Annotator, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last().Label, StringComparer.Ordinal);
            if (!latest.TryGetValue(annotator, out var mine)) continue;
            foreach (var (other, label) in latest)
            {
                if (other == annotator) continue;
                pairs++;
                if (label == mine) agree++;
            }
        }
        return pairs == 0 ? null : (double)agree / pairs;
    }

    private static double? Nullable(double value) => double.IsNaN(value) ? null : value;

    /// <summary>400 unless the project holds pairs.</summary>
    internal static void RequirePairs(Project project)
    {
        if (project.Settings.Content != ContentKind.Pair)
            throw new RequestValidationException("content", "content: this report and the TRL exports are for pair projects (pairwise preference comparisons); this project's items are texts.");
    }

    // ---- TRL exports ----------------------------------------------------------------------------------------------

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>What a TRL export needs: every comparison with its answers, and how to write it.</summary>
    internal sealed record TrlExport(string Format, bool Margin, bool Conversational, ILookup<long, Annotation> Answers, IReadOnlyDictionary<long, string> Names);

    /// <summary>
    /// Writes TRL's formats, one JSON object per line, comparisons in item id order, by their resolved answer
    /// (<see cref="TiePolicy"/>). <c>trl-preference</c>: <c>{"prompt", "chosen", "rejected"}</c> (explicit prompt), with
    /// <c>"margin"</c> (the vote margin (k_chosen − k_rejected) / (k_chosen + k_rejected), in (0, 1]) when asked — the
    /// RewardTrainer adds it inside the loss. <c>trl-kto</c>: <c>{"prompt", "completion", "label"}</c>. Conversational
    /// variant: prompt a list of <c>{"role", "content"}</c> messages, each response a list of one assistant message.
    /// Beside TRL's columns: <c>id</c>, the vote counts, <c>agreement</c> (share of answers equal to the resolved one)
    /// and <c>annotators</c> (who answered, in answer order), which TRL's trainers leave alone.
    /// </summary>
    internal static async Task WriteAsync(Stream stream, IAsyncEnumerable<Item> items, TrlExport export, CancellationToken ct)
    {
        using var line = new MemoryStream();
        await foreach (var item in items)
        {
            ct.ThrowIfCancellationRequested();
            if (item.Content is not PairContent pair) continue;
            var answers = export.Answers[item.Id].Where(a => !a.Undone && a.Labels.Count == 1).OrderBy(a => a.CreatedAt).ThenBy(a => a.Id).ToList();
            var resolved = LabelResolution.Resolve(LabelMode.Single, PairLabels.All, answers.Select(a => a.Labels).ToList());
            if (resolved is not [var label] || label == PairLabels.Tie) continue;
            var votes = PairLabels.All.ToDictionary(l => l, l => answers.Count(a => a.Labels[0] == l), StringComparer.Ordinal);
            var agreement = (double)votes[label] / answers.Count;
            var who = answers.Select(a => export.Names.GetValueOrDefault(a.AnnotatorId) ?? $"user {a.AnnotatorId}").ToList();

            void Row(Action<Utf8JsonWriter> body)
            {
                line.SetLength(0);
                using (var writer = new Utf8JsonWriter(line, WriterOptions))
                {
                    writer.WriteStartObject();
                    body(writer);
                    writer.WriteString("id", item.ExternalId);
                    writer.WriteNumber("votes_a", votes[PairLabels.A]);
                    writer.WriteNumber("votes_b", votes[PairLabels.B]);
                    writer.WriteNumber("votes_tie", votes[PairLabels.Tie]);
                    writer.WriteNumber("votes_both_bad", votes[PairLabels.BothBad]);
                    writer.WriteNumber("agreement", agreement);
                    writer.WriteStartArray("annotators");
                    foreach (var name in who) writer.WriteStringValue(name);
                    writer.WriteEndArray();
                    writer.WriteEndObject();
                }
                line.WriteByte((byte)'\n');
            }

            if (export.Format == "trl-kto")
            {
                foreach (var (completion, desirable, side) in label switch
                {
                    PairLabels.A => new[] { (pair.ResponseA, true, "chosen"), (pair.ResponseB, false, "rejected") },
                    PairLabels.B => [(pair.ResponseB, true, "chosen"), (pair.ResponseA, false, "rejected")],
                    _ => [(pair.ResponseA, false, "both_bad"), (pair.ResponseB, false, "both_bad")],
                })
                {
                    Row(w =>
                    {
                        WritePrompt(w, pair, export.Conversational);
                        WriteResponse(w, "completion", completion, export.Conversational);
                        w.WriteBoolean("label", desirable);
                        w.WriteString("side", side);
                    });
                    await stream.WriteAsync(line.GetBuffer().AsMemory(0, (int)line.Length), ct);
                }
                continue;
            }

            if (label == PairLabels.BothBad) continue;
            var (chosen, rejected) = label == PairLabels.A ? (pair.ResponseA, pair.ResponseB) : (pair.ResponseB, pair.ResponseA);
            var against = label == PairLabels.A ? votes[PairLabels.B] : votes[PairLabels.A];
            Row(w =>
            {
                WritePrompt(w, pair, export.Conversational);
                WriteResponse(w, "chosen", chosen, export.Conversational);
                WriteResponse(w, "rejected", rejected, export.Conversational);
                if (export.Margin) w.WriteNumber("margin", (double)(votes[label] - against) / (votes[label] + against));
            });
            await stream.WriteAsync(line.GetBuffer().AsMemory(0, (int)line.Length), ct);
        }
    }

    private static void WritePrompt(Utf8JsonWriter writer, PairContent pair, bool conversational)
    {
        if (!conversational)
        {
            writer.WriteString("prompt", pair.Prompt);
            return;
        }
        writer.WriteStartArray("prompt");
        foreach (var turn in pair.Conversation ?? [new ChatTurn("user", pair.Prompt)])
        {
            writer.WriteStartObject();
            writer.WriteString("role", turn.Role);
            writer.WriteString("content", turn.Content);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
    }

    private static void WriteResponse(Utf8JsonWriter writer, string field, string text, bool conversational)
    {
        if (!conversational)
        {
            writer.WriteString(field, text);
            return;
        }
        writer.WriteStartArray(field);
        writer.WriteStartObject();
        writer.WriteString("role", "assistant");
        writer.WriteString("content", text);
        writer.WriteEndObject();
        writer.WriteEndArray();
    }

    /// <summary>Whether any comparison of the project came with a conversational prompt (then the whole export is conversational, so every row has one shape).</summary>
    internal static async Task<bool> AnyConversationAsync(IAsyncEnumerable<Item> items, CancellationToken ct)
    {
        await foreach (var item in items.WithCancellation(ct))
            if (item.Content is PairContent { Conversation: not null }) return true;
        return false;
    }

    /// <summary>The label_smoothing suggestion for the response header, or null while there are too few answer pairs.</summary>
    internal static double? LabelSmoothing(IReadOnlyList<Annotation> annotations, IReadOnlyDictionary<long, string> names) =>
        Compute(0, annotations, names).Noise.LabelSmoothing;
}

/// <summary>GET …/preferences.</summary>
/// <param name="Comparisons">Items of the project.</param>
/// <param name="Answered">Items with at least one answer.</param>
/// <param name="Answers">Answers (not undone) by kind: A, B, tie, both_bad — ties and "both bad" kept apart.</param>
/// <param name="PositionBias">Over every decisive answer with a recorded side order.</param>
/// <param name="Annotators">Per annotator.</param>
/// <param name="Noise">Annotator noise and the label_smoothing it suggests.</param>
/// <param name="TiePolicy">How ties and "both bad" reach the TRL exports.</param>
internal sealed record PreferenceReportView(
    int Comparisons, int Answered, IReadOnlyDictionary<string, int> Answers, PositionBiasView PositionBias,
    IReadOnlyList<AnnotatorPreferenceView> Annotators, NoiseView Noise, string TiePolicy);

/// <summary>The share of decisive answers that chose the response shown first, with its 95% Wilson interval.</summary>
internal sealed record PositionBiasView(int Decisive, int FirstShownWins, double? Share, double Low, double High, string Verdict);

/// <summary>One annotator's answers: counts by kind, position bias, and agreement with others on the same comparisons.</summary>
internal sealed record AnnotatorPreferenceView(string Annotator, int Answers, int Decisive, int Ties, int BothBad, PositionBiasView PositionBias, double? AgreementWithOthers);

/// <summary>Disagreement between annotators on the same comparison and the flip probability it implies.</summary>
internal sealed record NoiseView(int AnnotatorPairs, double? Disagreement, double? FlipProbability, double? LabelSmoothing, string Basis);
