using Sift.Projects;

namespace Sift.Storage.Tests;

// The paged and aggregate reads and the data revision (issue 9, "reads starve writes"): every backend pages by id,
// aggregates in the database, and moves the revision on exactly the writes that change items or live answers.
public abstract partial class StoreContract
{
    /// <summary>Two projects whose rows interleave: <paramref name="count"/> items each, every one answered once by ann (odd ones undone when asked).</summary>
    private async Task<(Project Project, Project Other, User Ann)> InterleavedAnswersAsync(int count, bool undoOdd = false)
    {
        var (project, _) = await ProjectAsync(name: "p");
        var (other, _) = await ProjectAsync(name: "q");
        await RankedItemsAsync(project.Id, count);
        await RankedItemsAsync(other.Id, count);
        var ann = await UserAsync("ann");
        for (var i = 0; i < count; i++)
        {
            foreach (var p in new[] { project, other })
            {
                await SubmitAsync((await ClaimAsync(p.Id, ann))!, $"{p.Name}-{i}", i % 2 == 0 ? "spam" : "ham", T0.AddMinutes(i));
                if (undoOdd && i % 2 == 1) (await Store.UndoLastAsync(p.Id, ann.Id, T0.AddMinutes(i), Lease, Ct)).ShouldNotBeNull();
            }
        }
        return (project, other, ann);
    }

    /// <summary>An annotation as comparable values (records compare their label arrays by reference).</summary>
    private static string Row(Annotation a) => $"{a.Id} {a.ProjectId} {a.ItemId} {a.AnnotatorId} {a.TaskId} [{string.Join(',', a.Labels)}] {a.InstructionsVersion} {a.ClientRequestId} {a.CreatedAt:O} {a.Undone}";

    private static async Task<List<T>> AllPagesAsync<T>(Func<long, Task<IReadOnlyList<T>>> page, Func<T, long> id, int limit)
    {
        var all = new List<T>();
        for (long after = 0; ;)
        {
            var next = await page(after);
            next.Count.ShouldBeLessThanOrEqualTo(limit);
            if (next.Count == 0) return all;
            all.AddRange(next);
            after = id(next[^1]);
        }
    }

    [Fact]
    public async Task GetAnnotationsPageAsync_FollowingTheLastId_EveryAnnotationOnceInIdOrder()
    {
        var (project, _, _) = await InterleavedAnswersAsync(5);

        var pages = new List<int>();
        var paged = await AllPagesAsync(async after =>
        {
            var page = await Store.GetAnnotationsPageAsync(project.Id, after, 2, cancellationToken: Ct);
            pages.Add(page.Count);
            return page;
        }, a => a.Id, 2);

        pages.ShouldBe([2, 2, 1, 0]);
        paged.Select(Row).ShouldBe((await Store.GetAnnotationsAsync(project.Id, cancellationToken: Ct)).Select(Row));
        paged.Select(a => a.ClientRequestId).ShouldBe(["p-0", "p-1", "p-2", "p-3", "p-4"]);
    }

    [Fact]
    public async Task GetAnnotationsPageAsync_UndoneAnswers_OnlyWhenIncluded()
    {
        var (project, _, _) = await InterleavedAnswersAsync(4, undoOdd: true);

        var live = await Store.GetAnnotationsPageAsync(project.Id, 0, Paging.MaxLimit, cancellationToken: Ct);
        var all = await Store.GetAnnotationsPageAsync(project.Id, 0, Paging.MaxLimit, includeUndone: true, Ct);

        live.Select(a => a.ClientRequestId).ShouldBe(["p-0", "p-2"]);
        all.Select(a => (a.ClientRequestId, a.Undone)).ShouldBe([("p-0", false), ("p-1", true), ("p-2", false), ("p-3", true)]);
        all.Select(Row).ShouldBe((await Store.GetAnnotationsAsync(project.Id, includeUndone: true, cancellationToken: Ct)).Select(Row));
        // A page boundary inside the undone rows skips them, not the live ones after them.
        (await Store.GetAnnotationsPageAsync(project.Id, all[0].Id, 1, cancellationToken: Ct)).Single().ClientRequestId.ShouldBe("p-2");
    }

    [Fact]
    public async Task GetAnnotationsPageAsync_AnswerAddedWhilePaging_ComesOnALaterPage()
    {
        var (project, _) = await ProjectAsync();
        await RankedItemsAsync(project.Id, 3);
        var ann = await UserAsync("ann");
        await SubmitAsync((await ClaimAsync(project.Id, ann))!, "r0");
        await SubmitAsync((await ClaimAsync(project.Id, ann))!, "r1");

        var first = await Store.GetAnnotationsPageAsync(project.Id, 0, 2, cancellationToken: Ct);
        await SubmitAsync((await ClaimAsync(project.Id, ann))!, "r2");
        var second = await Store.GetAnnotationsPageAsync(project.Id, first[^1].Id, 2, cancellationToken: Ct);

        first.Select(a => a.ClientRequestId).ShouldBe(["r0", "r1"]);
        second.Select(a => a.ClientRequestId).ShouldBe(["r2"]);
    }

    [Fact]
    public async Task GetTasksPageAsync_FollowingTheLastId_EveryTaskOnceInIdOrder()
    {
        var (project, other, ann) = await InterleavedAnswersAsync(3);
        (await ClaimAsync(project.Id, await UserAsync("bob"))).ShouldBeNull();   // every item of the project is answered (k = 1)
        await Store.ImportItemsAsync(project.Id, [NewItem("late")], Ct);
        await RankAsync(project.Id, [(await Store.GetItemsAsync(project.Id, Ct)).Single(i => i.ExternalId == "late").Id]);
        var leased = (await ClaimAsync(project.Id, ann))!;
        await Store.SkipAsync(project.Id, leased.Id, ann.Id, T0, Ct);

        var paged = await AllPagesAsync(after => Store.GetTasksPageAsync(project.Id, after, 2, Ct), t => t.Id, 2);

        paged.ShouldBe(await Store.GetTasksAsync(project.Id, Ct));
        paged.Count.ShouldBe(4);
        paged.ShouldAllBe(t => t.ProjectId == project.Id);
        paged[^1].State.ShouldBe(TaskState.Skipped);
        (await Store.GetTasksPageAsync(other.Id, 0, 10, Ct)).Count.ShouldBe(3);
        (await Store.GetTasksPageAsync(project.Id, paged[^1].Id, 10, Ct)).ShouldBeEmpty();
    }

    [Fact]
    public async Task GetItemsPageAsync_FollowingTheLastId_EveryItemOnceInIdOrder()
    {
        var (project, _) = await ProjectAsync(name: "p");
        var (other, _) = await ProjectAsync(name: "q");
        for (var i = 0; i < 7; i++)
        {
            await Store.ImportItemsAsync(project.Id, [NewItem("p" + i, gold: i == 3 ? "spam" : null)], Ct);
            await Store.ImportItemsAsync(other.Id, [NewItem("q" + i)], Ct);
        }

        var paged = await AllPagesAsync(after => Store.GetItemsPageAsync(project.Id, after, 3, Ct), i => i.Id, 3);

        paged.ShouldBe(await Store.GetItemsAsync(project.Id, Ct));
        paged.Select(i => i.ExternalId).ShouldBe(["p0", "p1", "p2", "p3", "p4", "p5", "p6"]);
    }

    [Theory]
    [InlineData(-1, 10)]
    [InlineData(0, 0)]
    [InlineData(0, -5)]
    [InlineData(0, Paging.MaxLimit + 1)]
    public async Task PagedReads_AfterOrLimitOutOfRange_ThrowArgumentOutOfRange(long after, int limit)
    {
        var (project, _) = await ProjectAsync();

        await Should.ThrowAsync<ArgumentOutOfRangeException>(() => Store.GetItemsPageAsync(project.Id, after, limit, Ct));
        await Should.ThrowAsync<ArgumentOutOfRangeException>(() => Store.GetTasksPageAsync(project.Id, after, limit, Ct));
        await Should.ThrowAsync<ArgumentOutOfRangeException>(() => Store.GetAnnotationsPageAsync(project.Id, after, limit, cancellationToken: Ct));
    }

    [Fact]
    public async Task GetExternalIdsAsync_AllOrSomeIds_OnlyThisProjectsItems()
    {
        var (project, _) = await ProjectAsync(name: "p");
        var (other, _) = await ProjectAsync(name: "q");
        await Store.ImportItemsAsync(project.Id, [NewItem("a"), NewItem("b"), NewItem("c")], Ct);
        await Store.ImportItemsAsync(other.Id, [NewItem("x")], Ct);
        var items = await Store.GetItemsAsync(project.Id, Ct);
        var foreign = (await Store.GetItemsAsync(other.Id, Ct)).Single();

        var all = await Store.GetExternalIdsAsync(project.Id, cancellationToken: Ct);
        var some = await Store.GetExternalIdsAsync(project.Id, [items[0].Id, items[2].Id, foreign.Id, 999_999], Ct);

        all.ShouldBe(items.ToDictionary(i => i.Id, i => i.ExternalId), ignoreOrder: true);
        some.ShouldBe(new Dictionary<long, string> { [items[0].Id] = "a", [items[2].Id] = "c" }, ignoreOrder: true);
        (await Store.GetExternalIdsAsync(project.Id, [], Ct)).ShouldBeEmpty();
    }

    [Fact]
    public async Task GetAnnotationSummaryAsync_LiveAnswers_CountsPerLabelListAndTimeSpan()
    {
        var (project, _) = await ProjectAsync(overlap: 3);
        await RankedItemsAsync(project.Id, 2);
        var empty = await Store.GetAnnotationSummaryAsync(project.Id, Ct);
        (empty.Count, empty.LabelSets.Count, empty.First, empty.Last).ShouldBe((0, 0, (DateTimeOffset?)null, (DateTimeOffset?)null));
        var users = new[] { await UserAsync("ann"), await UserAsync("bob"), await UserAsync("cat") };
        // ann: spam at T0+1 min, then ham at T0+2 min undone; bob: spam+ham and spam; cat: ham at T0+9 min.
        await Store.SubmitAsync(project.Id, (await ClaimAsync(project.Id, users[0], overlap: 3))!.Id, users[0].Id, ["spam"], "a1", T0.AddMinutes(1), Ct);
        await Store.SubmitAsync(project.Id, (await ClaimAsync(project.Id, users[0], overlap: 3))!.Id, users[0].Id, ["ham"], "a2", T0.AddMinutes(2), Ct);
        await Store.UndoLastAsync(project.Id, users[0].Id, T0.AddMinutes(2), Lease, Ct);
        await Store.SubmitAsync(project.Id, (await ClaimAsync(project.Id, users[1], overlap: 3))!.Id, users[1].Id, ["spam", "ham"], "b1", T0.AddMinutes(3), Ct);
        await Store.SubmitAsync(project.Id, (await ClaimAsync(project.Id, users[1], overlap: 3))!.Id, users[1].Id, ["spam"], "b2", T0.AddMinutes(4), Ct);
        await Store.SubmitAsync(project.Id, (await ClaimAsync(project.Id, users[2], overlap: 3))!.Id, users[2].Id, ["ham"], "c1", T0.AddMinutes(9), Ct);

        var summary = await Store.GetAnnotationSummaryAsync(project.Id, Ct);

        summary.Count.ShouldBe(4);
        summary.First.ShouldBe(T0.AddMinutes(1));
        summary.Last.ShouldBe(T0.AddMinutes(9));
        summary.LabelSets.Select(s => (string.Join('+', s.Labels), s.Count)).OrderBy(s => s.Item1, StringComparer.Ordinal)
            .ShouldBe([("ham", 1), ("spam", 2), ("spam+ham", 1)]);
    }

    [Fact]
    public async Task GetAnnotationHistogramAsync_FiveMinuteBuckets_CountsLiveAnswersPerAlignedBucket()
    {
        var (project, _) = await ProjectAsync(overlap: 1);
        await RankedItemsAsync(project.Id, 5);
        var ann = await UserAsync("ann");
        var start = new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);
        // 09:01, 09:04 → bucket 09:00; 09:05 → 09:05; 09:17 (undone) and 09:31 → 09:30.
        foreach (var (minute, id) in new[] { (1, "r1"), (4, "r2"), (5, "r3"), (17, "r4"), (31, "r5") })
        {
            await SubmitAsync((await ClaimAsync(project.Id, ann))!, id, now: start.AddMinutes(minute));
            if (minute == 17) await Store.UndoLastAsync(project.Id, ann.Id, start.AddMinutes(minute), TimeSpan.FromSeconds(1), Ct);
        }

        var buckets = await Store.GetAnnotationHistogramAsync(project.Id, TimeSpan.FromMinutes(5), Ct);

        buckets.ShouldBe([new TimeBucketCount(start, 2), new TimeBucketCount(start.AddMinutes(5), 1), new TimeBucketCount(start.AddMinutes(30), 1)]);
        await Should.ThrowAsync<ArgumentOutOfRangeException>(() => Store.GetAnnotationHistogramAsync(project.Id, TimeSpan.Zero, Ct));
    }

    [Fact]
    public async Task GetRevisionAsync_Writes_GrowsOnImportSubmitAndUndoOnly()
    {
        var (project, _) = await ProjectAsync(name: "p");
        var (other, _) = await ProjectAsync(name: "q");
        var second = await SecondStoreAsync();
        var seen = new List<long> { await Store.GetRevisionAsync(project.Id, Ct) };
        async Task<bool> Moved()
        {
            var now = await Store.GetRevisionAsync(project.Id, Ct);
            (await second.GetRevisionAsync(project.Id, Ct)).ShouldBe(now);
            var moved = now != seen[^1];
            if (moved) now.ShouldBeGreaterThan(seen[^1]);
            seen.Add(now);
            return moved;
        }

        seen[0].ShouldBe(0);
        await RankedItemsAsync(project.Id, 3);
        (await Moved()).ShouldBeTrue("import");
        await Store.ImportItemsAsync(project.Id, [NewItem("e0")], Ct);
        (await Moved()).ShouldBeFalse("an import of duplicates only");
        var ann = await UserAsync("ann");
        var task = (await ClaimAsync(project.Id, ann))!;
        var skip = (await ClaimAsync(project.Id, ann))!;
        (await Moved()).ShouldBeFalse("claims");
        await Store.SkipAsync(project.Id, skip.Id, ann.Id, T0, Ct);
        (await Moved()).ShouldBeFalse("a skip");
        await SubmitAsync(task, "r1");
        (await Moved()).ShouldBeTrue("a submit");
        (await SubmitAsync(task, "r1")).Duplicate.ShouldBeTrue();
        (await Moved()).ShouldBeFalse("a repeated submit");
        await Store.UndoLastAsync(project.Id, ann.Id, T0, Lease, Ct);
        (await Moved()).ShouldBeTrue("an undo");
        (await Store.UndoLastAsync(project.Id, ann.Id, T0, Lease, Ct)).ShouldBeNull();
        (await Moved()).ShouldBeFalse("an undo with nothing to undo");
        await RankedItemsAsync(other.Id, 1);
        await SubmitAsync((await ClaimAsync(other.Id, ann))!, "o1");
        (await Moved()).ShouldBeFalse("another project's writes");
        await Store.SubmitAsync(project.Id, task.Id, ann.Id, ["ham"], "r2", T0, Ct);
        (await Moved()).ShouldBeTrue("an answer again after the undo");
    }
}
