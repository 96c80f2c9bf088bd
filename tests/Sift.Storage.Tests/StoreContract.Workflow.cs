using Sift.Projects;

namespace Sift.Storage.Tests;

/// <summary>Gold items, reviews, the relabel queue and the hand-out of one chosen item (<see cref="IWorkflowStore"/>): what every backend promises.</summary>
public abstract partial class StoreContract
{
    private IWorkflowStore Workflow => (IWorkflowStore)Store;

    [Fact]
    public async Task SetGoldAsync_MarksAndUnmarks_WithEvidence()
    {
        var (project, _) = await ProjectAsync();
        var items = await RankedItemsAsync(project.Id, 3);

        (await Workflow.SetGoldAsync(project.Id, [new GoldMark(items[0].Id, "spam"), new GoldMark(items[1].Id, "ham")], T0, Ct)).ShouldBe(2);
        (await Workflow.SetGoldAsync(project.Id, [new GoldMark(items[0].Id, "spam")], T0, Ct)).ShouldBe(0);   // no change
        (await Workflow.GetGoldItemsAsync(project.Id, Ct)).ShouldBe(new Dictionary<long, string> { [items[0].Id] = "spam", [items[1].Id] = "ham" });

        (await Workflow.SetGoldAsync(project.Id, [new GoldMark(items[1].Id, null)], T0, Ct)).ShouldBe(1);
        (await Workflow.GetGoldItemsAsync(project.Id, Ct)).Keys.ShouldBe([items[0].Id]);
        var gold = (await EvidenceAsync(project.Id)).Where(e => e.Kind == "gold").Select(e => Json(e)).ToList();
        gold.Select(j => j["item_id"]!.GetValue<string>()).ShouldBe(["e0", "e1", "e1"]);
        gold[2]["label"].ShouldBeNull();
    }

    [Fact]
    public async Task SetGoldAsync_HeldOutOrForeignItem_ChangesNothing()
    {
        var (project, _) = await ProjectAsync(name: "p1");
        var (other, _) = await ProjectAsync(name: "p2");
        await Store.ImportItemsAsync(project.Id, [NewItem("a"), NewItem("held", heldOut: true)], Ct);
        await Store.ImportItemsAsync(other.Id, [NewItem("x")], Ct);
        var mine = await Store.GetItemsAsync(project.Id, Ct);
        var foreign = (await Store.GetItemsAsync(other.Id, Ct))[0];

        await Should.ThrowAsync<ArgumentException>(() => Workflow.SetGoldAsync(project.Id, [new GoldMark(mine[0].Id, "spam"), new GoldMark(mine[1].Id, "spam")], T0, Ct));
        await Should.ThrowAsync<NotFoundException>(() => Workflow.SetGoldAsync(project.Id, [new GoldMark(mine[0].Id, "spam"), new GoldMark(foreign.Id, "spam")], T0, Ct));

        (await Workflow.GetGoldItemsAsync(project.Id, Ct)).ShouldBeEmpty();   // all or nothing
    }

    [Fact]
    public async Task ClaimItemAsync_BeyondTheOverlap_OncePerAnnotator()
    {
        var (project, _) = await ProjectAsync(overlap: 1);
        var items = await RankedItemsAsync(project.Id, 2, modelVersion: 3, strategy: "margin");
        var ann = await UserAsync("ann");
        var bob = await UserAsync("bob");
        await Store.AddMemberAsync(project.Id, ann.Id, T0, Ct);
        await Store.AddMemberAsync(project.Id, bob.Id, T0, Ct);
        var first = (await ClaimAsync(project.Id, ann)).ShouldNotBeNull();
        await SubmitAsync(first, "r1");

        // The item is full under overlap 1, yet a chosen hand-out gives it to bob.
        var extra = (await Workflow.ClaimItemAsync(project.Id, bob.Id, first.ItemId, "gold", T0, Lease, Ct)).ShouldNotBeNull();
        extra.ItemId.ShouldBe(first.ItemId);
        extra.ModelVersion.ShouldBe(3);
        extra.Strategy.ShouldBe("margin");
        extra.Reason.ShouldBe("gold");
        extra.State.ShouldBe(TaskState.Leased);
        (await Store.GetLiveTasksAsync(project.Id, bob.Id, T0, Ct)).Select(t => t.Id).ShouldBe([extra.Id]);
        (await Workflow.ClaimItemAsync(project.Id, bob.Id, first.ItemId, "gold", T0, Lease, Ct)).ShouldBeNull();   // never twice
        (await Workflow.ClaimItemAsync(project.Id, ann.Id, first.ItemId, "gold", T0, Lease, Ct)).ShouldBeNull();
        (await Workflow.ClaimItemAsync(project.Id, bob.Id, 999_999, "gold", T0, Lease, Ct)).ShouldBeNull();

        var answer = await Store.SubmitAsync(project.Id, extra.Id, bob.Id, ["ham"], "r2", T0.AddSeconds(9), null, Ct);
        answer.Duplicate.ShouldBeFalse();
        (await Store.GetAnnotationsAsync(project.Id, null, false, Ct)).Count(a => a.ItemId == first.ItemId).ShouldBe(2);
        // Bob still gets the other item from the queue.
        (await ClaimAsync(project.Id, bob)).ShouldNotBeNull().ItemId.ShouldBe(items.Single(i => i.Id != first.ItemId).Id);
        var selection = (await EvidenceAsync(project.Id)).Where(e => e.Kind == "selection").Select(Json).ToList();
        selection.Count.ShouldBe(3);
    }

    [Fact]
    public async Task ClaimItemAsync_ExpiredLease_FreesTheSlotAgain()
    {
        var (project, _) = await ProjectAsync(overlap: 1);
        var items = await RankedItemsAsync(project.Id, 1);
        var ann = await UserAsync("ann");
        var task = (await Workflow.ClaimItemAsync(project.Id, ann.Id, items[0].Id, "relabel", T0, Lease, Ct)).ShouldNotBeNull();

        (await Store.ReclaimExpiredAsync(project.Id, T0 + Lease + TimeSpan.FromSeconds(1), Ct)).ShouldBe(1);
        var counts = await Store.GetCountsAsync(project.Id, 1, T0 + Lease + TimeSpan.FromSeconds(1), Ct);
        counts.LiveLeases.ShouldBe(0);
        (await Store.GetTaskAsync(project.Id, task.Id, Ct)).ShouldNotBeNull().State.ShouldBe(TaskState.Expired);
    }

    [Fact]
    public async Task AddReviewAsync_RecordsDecisionAndEvidence()
    {
        var (project, admin) = await ProjectAsync();
        var items = await RankedItemsAsync(project.Id, 2);

        var review = await Workflow.AddReviewAsync(new NewReview(project.Id, items[1].Id, admin.Id, ["ham"], ["spam"], "the sender is a colleague", T0.AddSeconds(1)), Ct);
        var confirm = await Workflow.AddReviewAsync(new NewReview(project.Id, items[0].Id, admin.Id, ["spam"], ["spam"], "", T0.AddSeconds(2)), Ct);

        review.Override.ShouldBeTrue();
        confirm.Override.ShouldBeFalse();
        var stored = await Workflow.GetReviewsAsync(project.Id, Ct);
        stored.Select(r => (r.ItemId, r.Labels[0], r.Rationale, r.At)).ShouldBe([(items[1].Id, "ham", "the sender is a colleague", T0.AddSeconds(1)), (items[0].Id, "spam", "", T0.AddSeconds(2))]);
        stored[0].Previous.ShouldBe(["spam"]);
        var events = (await EvidenceAsync(project.Id)).Where(e => e.Kind == "review").Select(Json).ToList();
        events.Count.ShouldBe(2);
        events[0]["override"]!.GetValue<bool>().ShouldBeTrue();
        events[0]["rationale"]!.GetValue<string>().ShouldBe("the sender is a colleague");
        events[0]["by"]!.GetValue<string>().ShouldBe(admin.Name);
        await Should.ThrowAsync<NotFoundException>(() => Workflow.AddReviewAsync(new NewReview(project.Id, 999_999, admin.Id, ["ham"], null, "", T0), Ct));
    }

    [Fact]
    public async Task ReplaceRelabelQueueAsync_ReplacesOrdersAndEmptiesOnClaim()
    {
        var (project, _) = await ProjectAsync();
        var items = await RankedItemsAsync(project.Id, 3);
        var ann = await UserAsync("ann");
        await Workflow.ReplaceRelabelQueueAsync(project.Id, [new RelabelCandidate(items[0].Id, "spam", "ham", 0.6, 2), new RelabelCandidate(items[1].Id, "ham", "spam", 0.9, 2)], Ct);
        await Workflow.ReplaceRelabelQueueAsync(project.Id,
            [new RelabelCandidate(items[1].Id, "ham", "spam", 0.7, 3), new RelabelCandidate(items[2].Id, "spam", "ham", 0.8, 3), new RelabelCandidate(999_999, "spam", "ham", 0.99, 3)], Ct);

        (await Workflow.GetRelabelQueueAsync(project.Id, Ct)).ShouldBe([new RelabelCandidate(items[2].Id, "spam", "ham", 0.8, 3), new RelabelCandidate(items[1].Id, "ham", "spam", 0.7, 3)]);
        await Workflow.ClaimItemAsync(project.Id, ann.Id, items[2].Id, "relabel", T0, Lease, Ct);
        (await Workflow.GetRelabelQueueAsync(project.Id, Ct)).Select(c => c.ItemId).ShouldBe([items[1].Id]);
    }
}
