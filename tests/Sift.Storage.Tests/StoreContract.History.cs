using System.Text.Json.Nodes;
using Sift.Projects;

namespace Sift.Storage.Tests;

/// <summary>An annotator changes an earlier answer from their history: a new answer supersedes the old, which is kept.</summary>
public abstract partial class StoreContract
{
    [Fact]
    public async Task Revise_EarlierAnswer_KeepsTheOldOneUndoneRecordsTheNewAndBothInTheEvidence()
    {
        var (project, _) = await ProjectAsync();
        var ann = await UserAsync("ann");
        await Store.ImportItemsAsync(project.Id, [NewItem("a"), NewItem("b")], Origin, Ct);
        var first = (await ClaimAsync(project.Id, ann, T0.AddSeconds(1)))!;
        var answered = (await Store.SubmitAsync(project.Id, first.Id, ann.Id, ["spam"], "r1", T0.AddSeconds(2), cancellationToken: Ct)).Annotation;
        var before = (await EvidenceAsync(project.Id)).Count;

        var changed = await Store.ReviseAsync(project.Id, answered.Id, ann.Id, ["ham"], "r2", T0.AddSeconds(3), cancellationToken: Ct);

        changed.Duplicate.ShouldBeFalse();
        changed.Annotation.Id.ShouldNotBe(answered.Id);
        (changed.Annotation.TaskId, changed.Annotation.ItemId).ShouldBe((first.Id, first.ItemId));
        changed.Annotation.Labels.ShouldBe(["ham"]);
        changed.Annotation.Provenance!.Supersedes.ShouldBe(answered.Id);
        var all = await Store.GetAnnotationsAsync(project.Id, ann.Id, includeUndone: true, Ct);
        all.Select(a => (a.Id, a.Undone, string.Join(",", a.Labels))).ShouldBe([(answered.Id, true, "spam"), (changed.Annotation.Id, false, "ham")]);
        (await Store.GetAnnotationsAsync(project.Id, ann.Id, cancellationToken: Ct)).Single().Provenance!.Supersedes.ShouldBe(answered.Id);
        (await Store.GetTaskAsync(project.Id, first.Id, Ct))!.State.ShouldBe(TaskState.Submitted);

        var evidence = (await EvidenceAsync(project.Id)).Skip(before).Select(Json).ToList();
        evidence.Count.ShouldBe(2);
        (evidence[0]["undo"]!.GetValue<bool>(), evidence[0]["labels"]![0]!.GetValue<string>()).ShouldBe((true, "spam"));
        evidence[1].ContainsKey("undo").ShouldBeFalse();
        evidence[1]["labels"]![0]!.GetValue<string>().ShouldBe("ham");
        evidence[1]["provenance"]!["supersedes"]!.GetValue<long>().ShouldBe(answered.Id);

        // A retry of the same change counts once; changing the replaced answer again, or someone else's, is refused.
        var again = await Store.ReviseAsync(project.Id, answered.Id, ann.Id, ["ham"], "r2", T0.AddSeconds(4), cancellationToken: Ct);
        (again.Duplicate, again.Annotation.Id).ShouldBe((true, changed.Annotation.Id));
        await Should.ThrowAsync<ConflictException>(() => Store.ReviseAsync(project.Id, answered.Id, ann.Id, ["ham"], "r3", T0.AddSeconds(5), cancellationToken: Ct));
        var other = await UserAsync("other");
        await Should.ThrowAsync<NotFoundException>(() => Store.ReviseAsync(project.Id, changed.Annotation.Id, other.Id, ["spam"], "r4", T0.AddSeconds(5), cancellationToken: Ct));
        await Should.ThrowAsync<NotFoundException>(() => Store.ReviseAsync(project.Id + 999, changed.Annotation.Id, ann.Id, ["spam"], "r5", T0.AddSeconds(5), cancellationToken: Ct));
        (await EvidenceAsync(project.Id)).Count.ShouldBe(before + 2, "refused changes and the retry append nothing");

        // The change counts as the answer: a second change replaces it in turn.
        var third = await Store.ReviseAsync(project.Id, changed.Annotation.Id, ann.Id, ["spam"], "r6", T0.AddSeconds(6), cancellationToken: Ct);
        (await Store.GetAnnotationsAsync(project.Id, ann.Id, cancellationToken: Ct)).Select(a => a.Id).ShouldBe([third.Annotation.Id]);
        (await Store.GetAnnotationSummaryAsync(project.Id, Ct)).Count.ShouldBe(1);
    }
}
