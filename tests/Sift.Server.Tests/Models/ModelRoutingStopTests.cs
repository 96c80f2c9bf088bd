using Sift.Oracles;
using Sift.Projects;
using Sift.Routing;
using Sift.Server.Models;
using Sift.Storage;

namespace Sift.Server.Tests.Models;

/// <summary>
/// The server's router for one model annotator in mode stop (the earlier rule), rebuilt from stored history: warm-up, the
/// ledger's acceptance threshold and uniform audits (<see cref="RoutingRules"/>), calibration against people's blind answers only.
/// </summary>
public sealed class ModelRoutingStopTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    private static OracleAnswer Said(string item, string label, double confidence) =>
        OracleAnswer.Given(item, [label], new Provenance { Kind = OracleKind.Model, Name = "m", Confidence = confidence });

    private static ModelAnswer Past(long item, string label, double confidence, string decision = ModelRouting.BelowThreshold, double? calibrated = null) =>
        new(item, 1, 1, item, item, decision == ModelRouting.Accept ? ModelAnswerOutcome.Accepted : ModelAnswerOutcome.ToPeople, [label], decision,
            new Provenance { Kind = OracleKind.Model, Name = "m", Confidence = confidence }, T0)
        { StatedConfidence = confidence, Calibrated = calibrated };

    private static Annotation Person(long item, string label, string? suggestion = null) =>
        new(item * 10, 1, item, 99, item, [label], 1, "r" + item, T0, false)
        {
            Provenance = new Provenance { Kind = OracleKind.Person, Name = "ann", SuggestionShown = suggestion },
        };

    // The earlier rule (mode stop), kept for comparison; the default solve mode is tested in ModelRoutingSolveTests.
    private static ProjectSettings Settings(int warmUp = 0, double audit = 0, double target = 0.9) =>
        new() { Labels = ["a", "b"], Routing = new() { WarmUp = warmUp, AuditShare = audit, TargetAccuracy = target, Mode = RoutingSettings.Stop } };

    [Fact]
    public void Decide_WarmUp_TheFirstAnswersGoToPeople_CountingThoseAlreadyStored()
    {
        var routing = ModelRouting.From(Settings(warmUp: 3), 1, [Past(1, "a", 0.99)], []);

        var decided = routing.Decide([(Said("x", "a", 0.99), "x"), (Said("y", "a", 0.99), "y"), (Said("z", "a", 0.99), "z")]);

        decided.Select(d => d.Decision).ShouldBe([ModelRouting.WarmUp, ModelRouting.WarmUp, ModelRouting.Accept]);
        decided[0].Outcome.ShouldBe(ModelAnswerOutcome.ToPeople);
        decided[0].Reason.ShouldNotBeNull().ShouldContain("first 3 answers");
    }

    [Fact]
    public void Decide_NoAuditsYet_AcceptsWhatClearsTheTarget_AndSendsTheRestToPeople()
    {
        var routing = ModelRouting.From(Settings(target: 0.9), 1, [], []);

        var decided = routing.Decide([(Said("x", "a", 0.97), "x"), (Said("y", "b", 0.5), "y")]);

        decided.Select(d => d.Outcome).ShouldBe([ModelAnswerOutcome.Accepted, ModelAnswerOutcome.ToPeople]);
        decided[1].Decision.ShouldBe(ModelRouting.BelowThreshold);
        decided[0].Inputs["threshold"].ShouldBe(0.97);
        decided[0].Inputs["calibrator"].ShouldBe("identity(n=0)");
        decided[0].Stated.ShouldBe(0.97);
    }

    [Fact]
    public void Decide_AuditShare_OneSeededDrawPerItem_SendsThatShareOfAcceptedLabelsToPeople()
    {
        var routing = ModelRouting.From(Settings(audit: 0.3), 42, [], []);
        var batch = Enumerable.Range(0, 400).Select(i => (Said($"i{i}", "a", 0.99), $"i{i}")).ToList();

        var decided = routing.Decide(batch);
        var again = ModelRouting.From(Settings(audit: 0.3), 42, [], []).Decide(batch);

        var audits = decided.Count(d => d.Decision == ModelRouting.Audit);
        audits.ShouldBeInRange(90, 150);
        decided.Select(d => d.Decision).ShouldBe(again.Select(d => d.Decision));
        decided.Where(d => d.Decision == ModelRouting.Audit).ShouldAllBe(d => (double)d.Inputs["audit_draw"]! < 0.3);
        decided.Count(d => d.Decision == ModelRouting.Accept).ShouldBe(400 - audits);
    }

    [Fact]
    public void From_PeopleDisagreedWithConfidentAnswers_CalibrationRoutesTheNextOnesToPeople()
    {
        // Six answers at 0.95 that people, answering blind, said were wrong.
        var history = Enumerable.Range(1, 6).Select(i => Past(i, "a", 0.95)).ToList();
        var people = Enumerable.Range(1, 6).Select(i => Person(i, "b")).ToList();

        var routing = ModelRouting.From(Settings(target: 0.9), 1, history, people);
        var decided = routing.Decide([(Said("x", "a", 0.95), "x")]);

        routing.Outcomes.Count.ShouldBe(6);
        routing.Outcomes.ShouldAllBe(o => !o.Correct);
        routing.Calibrator.Describe().ShouldBe("isotonic(n=6)");
        decided.Single().Outcome.ShouldBe(ModelAnswerOutcome.ToPeople);
        decided.Single().Calibrated.ShouldBe(0);
    }

    [Fact]
    public void From_AnswersGivenWithTheSuggestionShown_AreLeftOutOfTheCalibration()
    {
        var history = new[] { Past(1, "a", 0.8), Past(2, "a", 0.8) };
        var people = new[] { Person(1, "a", suggestion: "a"), Person(2, "b") };

        var routing = ModelRouting.From(Settings(), 1, history, people);

        routing.Outcomes.ShouldBe([new ConfidenceOutcome(0.8, false)]);
    }

    [Fact]
    public void From_PeopleTied_ResolveNothing_AMajorityResolves()
    {
        var history = new[] { Past(1, "a", 0.8), Past(2, "a", 0.8) };
        var people = new[] { Person(1, "a"), Person(1, "b") with { Id = 11 }, Person(2, "a"), Person(2, "a") with { Id = 21 }, Person(2, "b") with { Id = 22 } };

        var routing = ModelRouting.From(Settings(), 1, history, people);

        routing.Outcomes.ShouldBe([new ConfidenceOutcome(0.8, true)]);
    }

    [Fact]
    public void From_Audits_AreScoredAgainstTheirCalibratedValue_AndScaleAcceptanceDown()
    {
        var history = Enumerable.Range(1, 20).Select(i => Past(i, "a", 0.99, ModelRouting.Audit, calibrated: 0.99)).ToList();
        var people = Enumerable.Range(1, 20).Select(i => Person(i, i <= 10 ? "a" : "b")).ToList();

        var routing = ModelRouting.From(Settings(), 1, history, people);

        routing.Audits.ShouldBe(20);
        routing.AuditsRight.ShouldBe(10);
        routing.AuditScale.ShouldBe(RoutingRules.AuditScale(10, 20 * 0.99));
        routing.AuditScale.ShouldBeLessThan(1);
    }

    [Fact]
    public void Decide_DeclinedOrWithoutConfidence_NeverAccepted()
    {
        var routing = ModelRouting.From(Settings(), 1, [], []);
        var declined = OracleAnswer.Declined("x", new Provenance { Kind = OracleKind.Model, Name = "m" }, "The model gave no valid answer in two attempts.");
        var unsure = OracleAnswer.Given("y", ["a"], new Provenance { Kind = OracleKind.Model, Name = "m" });

        var decided = routing.Decide([(declined, "x"), (unsure, "y")]);

        decided[0].Outcome.ShouldBe(ModelAnswerOutcome.Declined);
        decided[0].Reason.ShouldBe("The model gave no valid answer in two attempts.");
        decided[1].Outcome.ShouldBe(ModelAnswerOutcome.ToPeople);
        decided[1].Reason.ShouldNotBeNull().ShouldContain("no confidence");
    }
}
