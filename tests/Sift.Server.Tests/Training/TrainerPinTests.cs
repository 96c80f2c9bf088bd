using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Sift.Projects;
using Sift.Server.Training;

namespace Sift.Server.Tests.Training;

/// <summary>
/// Pins what the trainer produces for fixed project states: the strategy's order (items, scores to the last bit,
/// reasons), the exploration and held-out items, and the model's measured numbers. A refactoring of the loop must
/// leave these digests unchanged; a deliberate change of behaviour updates them and says why in its commit. The
/// layout of the kinds of positions (<see cref="RankingComposer.Compose"/>) is not pinned here, it has its own tests.
/// </summary>
public class TrainerPinTests
{
    private static readonly DateTimeOffset Now = new(2025, 1, 2, 0, 0, 0, TimeSpan.Zero);
    private static readonly LiveLoopOptions Options = new() { BootstrapSamples = 500 };

    private static ProjectSettings Settings(string strategy) =>
        new() { Labels = SyntheticText.Labels, Strategy = strategy, ExplorationShare = 0.1, RetrainEvery = 20, Seed = 17 };

    private static SnapshotBuilder Labeled(int items, int labeled, ProjectSettings settings)
    {
        var b = new SnapshotBuilder(settings).WithCorpus(items, goldOnHeldOut: false);
        foreach (var item in b.Items.Where(i => !i.HeldOut).Take(labeled)) b.AnswerTruly(item.Id);
        foreach (var item in b.Items.Where(i => i.HeldOut).Take(25)) b.AnswerTruly(item.Id);
        return b;
    }

    /// <summary>A text digest of one fit: every number written round-trip, so a change in the last bit shows.</summary>
    private static string Digest(TrainResult result)
    {
        var text = new StringBuilder();
        var items = result.Ranking.Items;
        text.Append(CultureInfo.InvariantCulture, $"v{result.Ranking.ModelVersion} {result.Ranking.Strategy}\n");
        foreach (var i in items.Where(i => !i.Exploration && i.Reason != RankingComposer.HeldOutReason))
            text.Append(CultureInfo.InvariantCulture, $"s {i.ItemId} {i.Score:R} {i.Reason}\n");
        text.Append("e ").AppendJoin(',', items.Where(i => i.Exploration).Select(i => i.ItemId).Order()).Append('\n');
        text.Append("h ").AppendJoin(',', items.Where(i => i.Reason == RankingComposer.HeldOutReason).Select(i => i.ItemId)).Append('\n');
        var model = result.Model!;
        var m = ModelMetrics.Parse(model.MetricsJson);
        text.Append(CultureInfo.InvariantCulture,
            $"m {model.Labels} {model.HeldOutLabeled} {model.Accuracy:R} {model.MacroF1:R} {model.StopRecommended} {model.StopReason}\n");
        // Mean uncertainty to 12 digits: its summation order is not part of the contract.
        text.Append(CultureInfo.InvariantCulture,
            $"k {m.Kappa:R} {m.KappaItems} u {m.MeanUncertainty:0.############} {m.Ranker} {m.Learner} {m.Stop.Rule}\n");
        text.Append("p ").AppendJoin(';', m.StopSet.Predictions.Select(p => string.Join('+', p))).Append('\n');
        if (m.Lift is { } lift)
            text.Append(CultureInfo.InvariantCulture, $"l {lift.ActiveAccuracy:R} {lift.RandomAccuracy:R} {lift.Low:R} {lift.High:R}\n");
        text.Append(m.LiftStatus);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..16];
    }

    private static TrainResult Train(ProjectSnapshot snapshot, ProjectCache cache)
    {
        var result = Trainer.Train(snapshot, cache, Options, Now, CancellationToken.None);
        result.Commit();
        return result;
    }

    public static TheoryData<string, string, string> Pins() => new()
    {
        // strategy, digest of the first model, digest of the second (warm-started, κ, lift)
        { "margin", "a6592f7c0676466c", "d7227918f3cb5eaa" },
        { "margin-kmeans", "ab4e0cdf1e88efe4", "2bb35f0f0f9d93cc" },
        { "qbc-vote", "e069a9b867f530dc", "b7e63f8cef067237" },
        { "badge", "34ac5d150c984b4b", "4e852bd2d1454aad" },
        { "auto", "036ffeccbb87f101", "1a0463906f9dd07d" },
        { "coreset", "14a83002254af009", "3999598dce5cff6e" },
        { "random", "826745d8ed9c68a3", "8d32a5eff1a94319" },
        { "margin+cost", "2ac62137b7540dfe", "c6b5d90623fd328b" },
        { "entropy+explore(0.2)@100", "a3f07adb0b9290c9", "b58ce936d4addd03" },
    };

    [Theory]
    [MemberData(nameof(Pins))]
    public void Train_FixedState_SameRankingAndNumbersAsPinned(string strategy, string first, string second)
    {
        var b = Labeled(400, 40, Settings(strategy));
        var cache = new ProjectCache();
        var one = Train(b.Build(), cache);
        b.Models.Add(one.Model!);
        var pool = b.Items.Where(i => !i.HeldOut).Skip(40).ToList();
        foreach (var item in pool.Take(12)) b.AnswerTruly(item.Id, exploration: true, modelVersion: 1);
        foreach (var item in pool.Skip(12).Take(30)) b.AnswerTruly(item.Id, modelVersion: 1);
        var two = Train(b.Build(), cache);

        ModelMetrics.Parse(two.Model!.MetricsJson).Lift.ShouldNotBeNull();
        $"{Digest(one)} {Digest(two)}".ShouldBe($"{first} {second}");
    }

    [Fact]
    public void Train_MultiLabelFixedState_SameRankingAndNumbersAsPinned()
    {
        var settings = new ProjectSettings { Mode = LabelMode.Multi, Labels = ["sport", "cooking", "weekly"], Seed = 5, ExplorationShare = 0.1 };
        var b = new SnapshotBuilder(settings).WithCorpus(300, goldOnHeldOut: false);
        foreach (var item in b.Items.Take(90))
        {
            string[] labels = item.Text.Contains("week", StringComparison.Ordinal) ? [b.Truth[item.Id], "weekly"] : [b.Truth[item.Id]];
            b.Answer(item.Id, labels);
        }
        var cache = new ProjectCache();
        var one = Train(b.Build(), cache);
        b.Models.Add(one.Model!);
        foreach (var item in b.Items.Skip(90).Take(30)) b.Answer(item.Id, [b.Truth[item.Id]], modelVersion: 1);
        var two = Train(b.Build(), cache);

        $"{Digest(one)} {Digest(two)}".ShouldBe("9a63ffd0ecae2dbe 2e67a3351bea308f");
    }
}
