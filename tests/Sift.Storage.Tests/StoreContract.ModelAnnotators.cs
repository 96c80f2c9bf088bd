using System.Text.Json.Nodes;
using Sift.Oracles;
using Sift.Projects;

namespace Sift.Storage.Tests;

/// <summary>Model annotators and their answers (<see cref="IModelAnnotatorStore"/>): what every backend promises.</summary>
public abstract partial class StoreContract
{
    private IModelAnnotatorStore Models => (IModelAnnotatorStore)Store;

    private static readonly ModelAnnotatorConfig Endpoint = new()
    {
        Model = "openai:tiny@http://127.0.0.1:9/v1", KeyEnv = "SIFT_TEST_KEY", Concurrency = 3, Timeout = TimeSpan.FromSeconds(7.5), Retries = 1,
        InputPricePer1K = 0.15, OutputPricePer1K = 0.6,
    };

    private static Provenance ModelProvenance(double confidence = 0.93) => new()
    {
        Kind = OracleKind.Model, Name = "openai:tiny", PromptTemplate = "label@1", Confidence = confidence, ConfidenceMethod = "logprobs",
        Distribution = new Dictionary<string, double> { ["spam"] = confidence, ["ham"] = 1 - confidence },
        Cost = new AnswerCost(0.0002, 120, 7, 0.25), At = T0.AddSeconds(3), Examples = ["e9"],
    };

    private static NewModelAnswer Answer(ModelAnnotator model, TaskRecord task, ModelAnswerOutcome outcome, string decision, params string[] labels) =>
        new(model.ProjectId, model.Id, task.Id, outcome, labels, ModelProvenance(), decision, T0.AddSeconds(4))
        {
            StatedConfidence = labels.Length > 0 ? 0.93 : null,
            Calibrated = labels.Length > 0 ? 0.9 : null,
            Reason = outcome == ModelAnswerOutcome.Accepted ? null : "why " + decision,
            Inputs = new Dictionary<string, object?> { ["threshold"] = 0.8 },
        };

    private async Task<(Project Project, ModelAnnotator Model, IReadOnlyList<Item> Items)> ModelProjectAsync(int items = 4, int overlap = 1)
    {
        var (project, _) = await ProjectAsync(overlap);
        var ranked = await RankedItemsAsync(project.Id, items);
        var model = await Models.AddModelAnnotatorAsync(project.Id, "tiny", Endpoint, T0, Ct);
        return (project, model, ranked);
    }

    private Task<TaskRecord?> ModelClaimAsync(ModelAnnotator model, DateTimeOffset? now = null, int overlap = 1) =>
        Store.ClaimNextAsync(model.ProjectId, model.UserId, now ?? T0, Lease, overlap, Ct);

    [Fact]
    public async Task AddModelAnnotatorAsync_ReadsBackWithItsConfig_AndAModelUserThatCannotSignIn()
    {
        var (project, _) = await ProjectAsync();

        var model = await Models.AddModelAnnotatorAsync(project.Id, "tiny", Endpoint, T0, Ct);

        model.ShouldBe(new ModelAnnotator(model.Id, project.Id, model.UserId, "tiny", Endpoint, true, T0));
        (await Models.ListModelAnnotatorsAsync(project.Id, Ct)).ShouldBe([model]);
        (await Models.ListModelAnnotatorsAsync(null, Ct)).ShouldBe([model]);
        var user = (await Store.GetUserAsync(model.UserId, Ct)).ShouldNotBeNull();
        user.Role.ShouldBe(Role.Model);
        user.Disabled.ShouldBeTrue();
        user.Name.ShouldBe($"tiny (project {project.Id})");
        (await Store.FindUserByTokenHashAsync(Hash("model-annotator"), Ct)).ShouldBeNull();
        var added = (await EvidenceAsync(project.Id)).Last();
        added.Kind.ShouldBe("model_annotator");
        Json(added)["change"]!.GetValue<string>().ShouldBe("added");
        Json(added)["config"]!["key_env"]!.GetValue<string>().ShouldBe("SIFT_TEST_KEY");
    }

    [Fact]
    public async Task AddModelAnnotatorAsync_NameTakenInTheProject_ThrowsConflict_OtherProjectMayUseIt()
    {
        var (first, _) = await ProjectAsync(name: "p1");
        var (second, _) = await ProjectAsync(name: "p2");
        await Models.AddModelAnnotatorAsync(first.Id, "tiny", Endpoint, T0, Ct);

        await Should.ThrowAsync<ConflictException>(() => Models.AddModelAnnotatorAsync(first.Id, "tiny", Endpoint with { Concurrency = 1 }, T0, Ct));
        var other = await Models.AddModelAnnotatorAsync(second.Id, "tiny", Endpoint, T0, Ct);

        other.ProjectId.ShouldBe(second.Id);
        (await Models.ListModelAnnotatorsAsync(first.Id, Ct)).Count.ShouldBe(1);
        (await Models.ListModelAnnotatorsAsync(null, Ct)).Count.ShouldBe(2);
    }

    [Fact]
    public async Task AddModelAnnotatorAsync_NoSuchProject_ThrowsNotFound() =>
        await Should.ThrowAsync<NotFoundException>(() => Models.AddModelAnnotatorAsync(404, "tiny", Endpoint, T0, Ct));

    [Fact]
    public async Task SetModelAnnotatorEnabledAsync_Disable_GivesItsLeasesBack_AndRecordsTheChange()
    {
        var (project, model, _) = await ModelProjectAsync(items: 1);
        var task = (await ModelClaimAsync(model)).ShouldNotBeNull();
        var ann = await UserAsync("ann");
        (await ClaimAsync(project.Id, ann)).ShouldBeNull();

        var disabled = await Models.SetModelAnnotatorEnabledAsync(project.Id, model.Id, false, T0.AddSeconds(1), Ct);

        disabled.ShouldBe(model with { Enabled = false });
        (await Store.GetTaskAsync(project.Id, task.Id, Ct))!.State.ShouldBe(TaskState.Expired);
        (await ClaimAsync(project.Id, ann, T0.AddSeconds(2))).ShouldNotBeNull().ItemId.ShouldBe(task.ItemId);
        (await Models.SetModelAnnotatorEnabledAsync(project.Id, model.Id, false, T0, Ct)).ShouldBe(disabled);
        (await Models.SetModelAnnotatorEnabledAsync(project.Id, model.Id, true, T0, Ct))!.Enabled.ShouldBeTrue();
        (await EvidenceAsync(project.Id)).Where(e => e.Kind == "model_annotator").Select(e => Json(e)["change"]!.GetValue<string>())
            .ShouldBe(["added", "disabled", "enabled"]);
        (await Models.SetModelAnnotatorEnabledAsync(project.Id, model.Id + 100, true, T0, Ct)).ShouldBeNull();
    }

    [Fact]
    public async Task SetModelAnnotatorErrorAsync_SetThenCleared_ReadsBack()
    {
        var (project, model, _) = await ModelProjectAsync(items: 1);

        await Models.SetModelAnnotatorErrorAsync(model.Id, "The endpoint refused the key.", T0.AddMinutes(1), Ct);
        var failing = (await Models.ListModelAnnotatorsAsync(project.Id, Ct)).Single();
        await Models.SetModelAnnotatorErrorAsync(model.Id, null, T0.AddMinutes(2), Ct);

        failing.LastError.ShouldBe("The endpoint refused the key.");
        failing.LastErrorAt.ShouldBe(T0.AddMinutes(1));
        var cleared = (await Models.ListModelAnnotatorsAsync(project.Id, Ct)).Single();
        cleared.LastError.ShouldBeNull();
        cleared.LastErrorAt.ShouldBeNull();
    }

    [Fact]
    public async Task TryAcquireModelWorkerAsync_OneOwnerAtATime_UntilReleasedOrExpired()
    {
        var (_, model, _) = await ModelProjectAsync(items: 1);
        var other = await SecondStoreAsync();
        var lease = TimeSpan.FromMinutes(1);

        (await Models.TryAcquireModelWorkerAsync(model.Id, "a", T0, lease, Ct)).ShouldBeTrue();
        (await ((IModelAnnotatorStore)other).TryAcquireModelWorkerAsync(model.Id, "b", T0.AddSeconds(30), lease, Ct)).ShouldBeFalse();
        (await Models.TryAcquireModelWorkerAsync(model.Id, "a", T0.AddSeconds(30), lease, Ct)).ShouldBeTrue();
        (await ((IModelAnnotatorStore)other).TryAcquireModelWorkerAsync(model.Id, "b", T0.AddSeconds(89), lease, Ct)).ShouldBeFalse();
        (await ((IModelAnnotatorStore)other).TryAcquireModelWorkerAsync(model.Id, "b", T0.AddSeconds(90), lease, Ct)).ShouldBeTrue();
        await Models.ReleaseModelWorkerAsync(model.Id, "a", Ct);
        (await Models.TryAcquireModelWorkerAsync(model.Id, "a", T0.AddSeconds(91), lease, Ct)).ShouldBeFalse();
        await ((IModelAnnotatorStore)other).ReleaseModelWorkerAsync(model.Id, "b", Ct);
        (await Models.TryAcquireModelWorkerAsync(model.Id, "a", T0.AddSeconds(92), lease, Ct)).ShouldBeTrue();
    }

    [Fact]
    public async Task RecordModelAnswerAsync_Accepted_IsTheModelUsersAnnotation_WithItsProvenanceAndEvidence()
    {
        var (project, model, _) = await ModelProjectAsync();
        var task = (await ModelClaimAsync(model)).ShouldNotBeNull();
        var external = (await Store.GetItemAsync(project.Id, task.ItemId, Ct))!.ExternalId;

        var stored = await Models.RecordModelAnswerAsync(Answer(model, task, ModelAnswerOutcome.Accepted, "accept-model", "spam"), Ct);

        var annotation = (await Store.GetAnnotationsAsync(project.Id, cancellationToken: Ct)).Single();
        annotation.AnnotatorId.ShouldBe(model.UserId);
        annotation.Labels.ShouldBe(["spam"]);
        annotation.Provenance.ShouldBe(ModelProvenance() with { InstructionsVersion = 1 });
        stored.AnnotationId.ShouldBe(annotation.Id);
        stored.ShouldBe(new ModelAnswer(stored.Id, project.Id, model.Id, task.ItemId, task.Id, ModelAnswerOutcome.Accepted, ["spam"], "accept-model",
            ModelProvenance() with { InstructionsVersion = 1 }, T0.AddSeconds(4))
        { StatedConfidence = 0.93, Calibrated = 0.9, AnnotationId = annotation.Id }, new ModelAnswerComparer());
        (await Store.GetTaskAsync(project.Id, task.Id, Ct))!.State.ShouldBe(TaskState.Submitted);
        var events = (await EvidenceAsync(project.Id)).TakeLast(2).ToList();
        events.Select(e => e.Kind).ShouldBe(["answer", "routing"]);
        Json(events[0])["provenance"]!["name"]!.GetValue<string>().ShouldBe("openai:tiny");
        var routing = Json(events[1]);
        routing["item_id"]!.GetValue<string>().ShouldBe(external);
        routing["decision"]!.GetValue<string>().ShouldBe("accept-model");
        routing["cost"]!.GetValue<double>().ShouldBe(0.0002);
        routing["labels"]!.AsArray().Select(l => l!.GetValue<string>()).ShouldBe(["spam"]);
        routing["inputs"]!["threshold"]!.GetValue<double>().ShouldBe(0.8);
        routing["inputs"]!["stated_confidence"]!.GetValue<double>().ShouldBe(0.93);
    }

    [Fact]
    public async Task RecordModelAnswerAsync_ToPeople_FreesTheSlotForPeople_AndTheModelNeverGetsTheItemAgain()
    {
        var (project, model, _) = await ModelProjectAsync(items: 2);
        var task = (await ModelClaimAsync(model)).ShouldNotBeNull();

        var stored = await Models.RecordModelAnswerAsync(Answer(model, task, ModelAnswerOutcome.ToPeople, "below-threshold", "ham"), Ct);

        stored.Outcome.ShouldBe(ModelAnswerOutcome.ToPeople);
        stored.AnnotationId.ShouldBeNull();
        stored.Labels.ShouldBe(["ham"]);
        stored.Reason.ShouldBe("why below-threshold");
        (await Store.GetAnnotationsAsync(project.Id, cancellationToken: Ct)).ShouldBeEmpty();
        (await Store.GetTaskAsync(project.Id, task.Id, Ct))!.State.ShouldBe(TaskState.Skipped);
        var ann = await UserAsync("ann");
        (await ClaimAsync(project.Id, ann)).ShouldNotBeNull().ItemId.ShouldBe(task.ItemId);
        var next = (await ModelClaimAsync(model)).ShouldNotBeNull();
        next.ItemId.ShouldNotBe(task.ItemId);
        (await ModelClaimAsync(model)).ShouldBeNull();
        var events = (await EvidenceAsync(project.Id)).Where(e => e.Kind is "answer" or "routing").ToList();
        events.Select(e => e.Kind).ShouldBe(["answer", "routing"]);
        Json(events[0])["status"]!.GetValue<string>().ShouldBe("deferred");
        Json(events[0])["labels"]!.AsArray().Select(l => l!.GetValue<string>()).ShouldBe(["ham"]);
        Json(events[1])["labels"]!.AsArray().ShouldBeEmpty();
        Json(events[1])["inputs"]!["reason"]!.GetValue<string>().ShouldBe("why below-threshold");
    }

    [Fact]
    public async Task RecordModelAnswerAsync_Declined_RecordsTheReason_AndTheItemGoesToPeople()
    {
        var (project, model, _) = await ModelProjectAsync(items: 1);
        var task = (await ModelClaimAsync(model)).ShouldNotBeNull();

        var stored = await Models.RecordModelAnswerAsync(Answer(model, task, ModelAnswerOutcome.Declined, "declined"), Ct);

        stored.Outcome.ShouldBe(ModelAnswerOutcome.Declined);
        stored.Labels.ShouldBeEmpty();
        stored.StatedConfidence.ShouldBeNull();
        var ann = await UserAsync("ann");
        (await ClaimAsync(project.Id, ann)).ShouldNotBeNull().ItemId.ShouldBe(task.ItemId);
        var answer = (await EvidenceAsync(project.Id)).Last(e => e.Kind == "answer");
        Json(answer)["status"]!.GetValue<string>().ShouldBe("declined");
        Json(answer)["reason"]!.GetValue<string>().ShouldBe("why declined");
    }

    [Fact]
    public async Task RecordModelAnswerAsync_LeaseReclaimedMeanwhile_NotAcceptedIsStillRecorded_AcceptedNeedsAFreeSlot()
    {
        var (project, model, _) = await ModelProjectAsync(items: 2);
        var first = (await ModelClaimAsync(model)).ShouldNotBeNull();
        var second = (await ModelClaimAsync(model)).ShouldNotBeNull();
        var ann = await UserAsync("ann");
        var later = T0 + Lease + TimeSpan.FromSeconds(1);
        // A person's claim reclaims both expired leases and takes one of the items.
        var personal = (await ClaimAsync(project.Id, ann, later)).ShouldNotBeNull();
        var taken = personal.ItemId == first.ItemId ? first : second;
        var free = personal.ItemId == first.ItemId ? second : first;

        (await Models.RecordModelAnswerAsync(Answer(model, free, ModelAnswerOutcome.ToPeople, "audit", "spam"), Ct)).Outcome.ShouldBe(ModelAnswerOutcome.ToPeople);
        await Should.ThrowAsync<ConflictException>(() => Models.RecordModelAnswerAsync(Answer(model, taken, ModelAnswerOutcome.Accepted, "accept-model", "spam"), Ct));

        (await Models.GetModelAnswersAsync(project.Id, cancellationToken: Ct)).Select(a => a.TaskId).ShouldBe([free.Id]);
        (await Store.GetAnnotationsAsync(project.Id, cancellationToken: Ct)).ShouldBeEmpty();
    }

    [Fact]
    public async Task RecordModelAnswerAsync_TwiceOrOnAnotherUsersTask_Throws()
    {
        var (project, model, _) = await ModelProjectAsync(items: 2);
        var task = (await ModelClaimAsync(model)).ShouldNotBeNull();
        await Models.RecordModelAnswerAsync(Answer(model, task, ModelAnswerOutcome.Accepted, "accept-model", "spam"), Ct);
        var ann = await UserAsync("ann");
        var personal = (await ClaimAsync(project.Id, ann)).ShouldNotBeNull();

        await Should.ThrowAsync<ConflictException>(() => Models.RecordModelAnswerAsync(Answer(model, task, ModelAnswerOutcome.ToPeople, "audit", "spam"), Ct));
        await Should.ThrowAsync<NotFoundException>(() => Models.RecordModelAnswerAsync(Answer(model, personal, ModelAnswerOutcome.Accepted, "accept-model", "spam"), Ct));
        await Should.ThrowAsync<NotFoundException>(() => Models.RecordModelAnswerAsync(Answer(model, task, ModelAnswerOutcome.Accepted, "accept-model", "spam") with { AnnotatorId = model.Id + 7 }, Ct));
        await Should.ThrowAsync<ArgumentException>(() => Models.RecordModelAnswerAsync(Answer(model, task, ModelAnswerOutcome.Accepted, "accept-model"), Ct));
        (await Models.GetModelAnswersAsync(project.Id, model.Id, cancellationToken: Ct)).Count.ShouldBe(1);
    }

    [Fact]
    public async Task GetModelAnswersAsync_ByAnnotatorAndItems_InIdOrder()
    {
        var (project, model, _) = await ModelProjectAsync(items: 3);
        var other = await Models.AddModelAnnotatorAsync(project.Id, "other", Endpoint with { KeyEnv = null }, T0, Ct);
        var t1 = (await ModelClaimAsync(model)).ShouldNotBeNull();
        var t2 = (await ModelClaimAsync(model)).ShouldNotBeNull();
        var a1 = await Models.RecordModelAnswerAsync(Answer(model, t1, ModelAnswerOutcome.ToPeople, "warm-up", "spam"), Ct);
        var a2 = await Models.RecordModelAnswerAsync(Answer(model, t2, ModelAnswerOutcome.Declined, "declined"), Ct);
        var t3 = (await ModelClaimAsync(other)).ShouldNotBeNull();
        var a3 = await Models.RecordModelAnswerAsync(Answer(other, t3, ModelAnswerOutcome.ToPeople, "warm-up", "ham"), Ct);

        (await Models.GetModelAnswersAsync(project.Id, cancellationToken: Ct)).Select(a => a.Id).ShouldBe([a1.Id, a2.Id, a3.Id]);
        (await Models.GetModelAnswersAsync(project.Id, model.Id, cancellationToken: Ct)).Select(a => a.Id).ShouldBe([a1.Id, a2.Id]);
        // The first item went back to the queue, so the other model got it next.
        t3.ItemId.ShouldBe(t1.ItemId);
        (await Models.GetModelAnswersAsync(project.Id, itemIds: [t1.ItemId, 99999], cancellationToken: Ct)).Select(a => a.Id).ShouldBe([a1.Id, a3.Id]);
        (await Models.GetModelAnswersAsync(project.Id, other.Id, [t1.ItemId], Ct)).Select(a => a.Id).ShouldBe([a3.Id]);
        (await Models.GetModelAnswersAsync(project.Id, other.Id, [t2.ItemId], Ct)).ShouldBeEmpty();
        (await Models.GetModelAnswersAsync(project.Id + 1, cancellationToken: Ct)).ShouldBeEmpty();
    }

    [Fact]
    public async Task GetPeopleAnswersOnModelItemsAsync_PeoplesLiveAnswersOnItemsTheModelAnswered_Only()
    {
        var (project, model, _) = await ModelProjectAsync(items: 3, overlap: 2);
        var modelTask = (await ModelClaimAsync(model, overlap: 2)).ShouldNotBeNull();
        await Models.RecordModelAnswerAsync(Answer(model, modelTask, ModelAnswerOutcome.Accepted, "accept-model", "spam"), Ct);
        var ann = await UserAsync("ann");
        var bob = await UserAsync("bob");
        var onModelItem = (await ClaimAsync(project.Id, ann, overlap: 2)).ShouldNotBeNull();
        onModelItem.ItemId.ShouldBe(modelTask.ItemId);
        var elsewhere = (await ClaimAsync(project.Id, ann, overlap: 2)).ShouldNotBeNull();
        var kept = await SubmitAsync(onModelItem, "k1", "ham");
        await SubmitAsync(elsewhere, "k2", "ham");
        var bobs = (await ClaimAsync(project.Id, bob, overlap: 2)).ShouldNotBeNull();
        bobs.ItemId.ShouldNotBe(modelTask.ItemId);
        await SubmitAsync(bobs, "k3");

        var people = await Models.GetPeopleAnswersOnModelItemsAsync(project.Id, model.Id, Ct);

        people.Select(a => a.Id).ShouldBe([kept.Annotation.Id]);
        people[0].Provenance!.Kind.ShouldBe(OracleKind.Person);
        await Store.UndoLastAsync(project.Id, ann.Id, T0.AddSeconds(9), Lease, Ct);
        await Store.UndoLastAsync(project.Id, ann.Id, T0.AddSeconds(9), Lease, Ct);
        (await Models.GetPeopleAnswersOnModelItemsAsync(project.Id, model.Id, Ct)).ShouldBeEmpty();
    }

    [Fact]
    public async Task RecordSuggestionShownAsync_FirstRecordWins_AndReadsBack()
    {
        var (project, model, _) = await ModelProjectAsync(items: 2);
        var t1 = (await ModelClaimAsync(model)).ShouldNotBeNull();
        var t2 = (await ModelClaimAsync(model)).ShouldNotBeNull();
        var a1 = await Models.RecordModelAnswerAsync(Answer(model, t1, ModelAnswerOutcome.ToPeople, "below-threshold", "ham"), Ct);
        var a2 = await Models.RecordModelAnswerAsync(Answer(model, t2, ModelAnswerOutcome.ToPeople, "below-threshold", "spam"), Ct);
        var ann = await UserAsync("ann");
        var task = (await ClaimAsync(project.Id, ann)).ShouldNotBeNull();

        (await Models.GetSuggestionShownAsync(project.Id, task.Id, Ct)).ShouldBeNull();
        (await Models.RecordSuggestionShownAsync(project.Id, task.Id, a1.Id, T0, Ct)).ShouldBeTrue();
        (await Models.RecordSuggestionShownAsync(project.Id, task.Id, a2.Id, T0, Ct)).ShouldBeFalse();

        (await Models.GetSuggestionShownAsync(project.Id, task.Id, Ct)).ShouldNotBeNull().Id.ShouldBe(a1.Id);
        (await Models.GetSuggestionShownAsync(project.Id + 1, task.Id, Ct)).ShouldBeNull();
        await Should.ThrowAsync<NotFoundException>(() => Models.RecordSuggestionShownAsync(project.Id, task.Id + 100, a1.Id, T0, Ct));
        await Should.ThrowAsync<NotFoundException>(() => Models.RecordSuggestionShownAsync(project.Id, task.Id, a1.Id + 100, T0, Ct));
    }

    [Fact]
    public async Task GetOracleSpendingAsync_PeopleFromTheirProvenance_ModelsByOutcome()
    {
        var (project, model, _) = await ModelProjectAsync(items: 4);
        var idle = await Models.AddModelAnnotatorAsync(project.Id, "idle", Endpoint, T0, Ct);
        var t1 = (await ModelClaimAsync(model)).ShouldNotBeNull();
        var t2 = (await ModelClaimAsync(model)).ShouldNotBeNull();
        var t3 = (await ModelClaimAsync(model)).ShouldNotBeNull();
        await Models.RecordModelAnswerAsync(Answer(model, t1, ModelAnswerOutcome.Accepted, "accept-model", "spam"), Ct);
        await Models.RecordModelAnswerAsync(Answer(model, t2, ModelAnswerOutcome.ToPeople, "audit", "spam"), Ct);
        await Models.RecordModelAnswerAsync(Answer(model, t3, ModelAnswerOutcome.Declined, "declined"), Ct);
        var ann = await UserAsync("ann");
        var p1 = (await ClaimAsync(project.Id, ann)).ShouldNotBeNull();
        await Store.SubmitAsync(project.Id, p1.Id, ann.Id, ["ham"], "c1", T0.AddSeconds(8),
            new Provenance { Kind = OracleKind.Person, Name = "ann", Cost = new AnswerCost(Money: 0.5, Seconds: 12) }, Ct);
        var p2 = (await ClaimAsync(project.Id, ann)).ShouldNotBeNull();
        await Store.SubmitAsync(project.Id, p2.Id, ann.Id, ["ham"], "c2", T0.AddSeconds(9),
            new Provenance { Kind = OracleKind.Person, Name = "ann", Cost = new AnswerCost(Money: 0.25, Seconds: 3) }, Ct);
        await Store.UndoLastAsync(project.Id, ann.Id, T0.AddSeconds(10), Lease, Ct);

        var spending = await Models.GetOracleSpendingAsync(project.Id, Ct);

        spending.PeopleLabels.ShouldBe(1);
        spending.PeopleMoney.ShouldBe(0.75, 1e-12);
        spending.PeopleSeconds.ShouldBe(15, 1e-12);
        spending.Models.Count.ShouldBe(2);
        var used = spending.Models[0];
        used.ShouldBe(used with { AnnotatorId = model.Id, Answers = 3, Accepted = 1, ToPeople = 1, Declined = 1, InputTokens = 360, OutputTokens = 21 });
        used.Money.ShouldBe(0.0006, 1e-12);
        used.Seconds.ShouldBe(0.75, 1e-12);
        spending.Models[1].ShouldBe(new ModelSpending(idle.Id, 0, 0, 0, 0, 0, 0, 0, 0));
        (await Models.GetOracleSpendingAsync(project.Id + 1, Ct)).ShouldBe(new OracleSpending(0, 0, 0, NoModels), new SpendingComparer());
    }

    private static readonly string[] NoLabels = [];
    private static readonly ModelSpending[] NoModels = [];

    private sealed class ModelAnswerComparer : IEqualityComparer<ModelAnswer>
    {
        public bool Equals(ModelAnswer? x, ModelAnswer? y) =>
            x is not null && y is not null && x with { Labels = NoLabels } == y with { Labels = NoLabels } && x.Labels.SequenceEqual(y.Labels);

        public int GetHashCode(ModelAnswer obj) => obj.Id.GetHashCode();
    }

    private sealed class SpendingComparer : IEqualityComparer<OracleSpending>
    {
        public bool Equals(OracleSpending? x, OracleSpending? y) =>
            x is not null && y is not null && x with { Models = NoModels } == y with { Models = NoModels } && x.Models.SequenceEqual(y.Models);

        public int GetHashCode(OracleSpending obj) => obj.PeopleLabels;
    }
}
