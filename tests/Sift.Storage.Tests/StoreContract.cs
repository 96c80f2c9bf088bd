using System.Security.Cryptography;
using FsCheck;
using FsCheck.Fluent;
using System.Text;
using Sift.Oracles;
using Sift.Projects;

namespace Sift.Storage.Tests;

/// <summary>
/// The behaviour every <see cref="ISiftStore"/> promises (its XML docs), as one suite that each backend inherits.
/// Each test gets a fresh, migrated, empty store from <see cref="CreateStoreAsync"/>.
/// </summary>
public abstract partial class StoreContract : IAsyncLifetime
{
    /// <summary>A fixed "now" for tests; times are always passed in.</summary>
    protected static readonly DateTimeOffset T0 = new(2026, 3, 1, 9, 30, 15, TimeSpan.Zero);

    /// <summary>The lease most tests use.</summary>
    protected static readonly TimeSpan Lease = TimeSpan.FromMinutes(10);

    private readonly List<ISiftStore> _extraStores = [];

    /// <summary>The store under test (fresh, migrated, empty).</summary>
    protected ISiftStore Store { get; private set; } = null!;

    /// <summary>Creates a store on a fresh, empty database (not yet migrated).</summary>
    protected abstract Task<ISiftStore> CreateStoreAsync();

    /// <summary>Opens another store instance on the same database as <see cref="Store"/>, as a second process would (its own connections).</summary>
    protected abstract Task<ISiftStore> OpenSecondStoreAsync();

    /// <summary>Called after the stores are disposed: drop the database.</summary>
    protected virtual Task DeleteDatabaseAsync() => Task.CompletedTask;

    /// <summary>Cancellation token of the running test.</summary>
    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        Store = await CreateStoreAsync();
        await Store.MigrateAsync(Ct);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var store in _extraStores) await store.DisposeAsync();
        if (Store is not null) await Store.DisposeAsync();
        await DeleteDatabaseAsync();
        GC.SuppressFinalize(this);
    }

    /// <summary>A second instance on the same database, disposed with the test.</summary>
    protected async Task<ISiftStore> SecondStoreAsync()
    {
        var store = await OpenSecondStoreAsync();
        _extraStores.Add(store);
        return store;
    }

    // ---- helpers -----------------------------------------------------------------------------------------------

    protected static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    protected Task<User> UserAsync(string name, Role role = Role.Annotator) => Store.CreateUserAsync(name, role, Hash("token-" + name), T0, Ct);

    protected static ProjectSettings Settings(int overlap = 1) => new() { Labels = ["spam", "ham"], Overlap = overlap };

    protected async Task<(Project Project, User Admin)> ProjectAsync(int overlap = 1, string name = "p")
    {
        var admin = await UserAsync("admin-" + name, Role.Admin);
        var project = await Store.CreateProjectAsync(name, Settings(overlap), "# Label it", admin.Id, T0, Ct);
        return (project, admin);
    }

    protected static NewItem NewItem(string id, string? gold = null, bool heldOut = false) => new(id, "text of " + id, null, 1, null, gold, heldOut);

    /// <summary>Imports <paramref name="count"/> items and ranks them in import order; returns them by id.</summary>
    protected async Task<IReadOnlyList<Item>> RankedItemsAsync(long projectId, int count, int modelVersion = 0, string strategy = "random")
    {
        await Store.ImportItemsAsync(projectId, [.. Enumerable.Range(0, count).Select(i => NewItem("e" + i))], Ct);
        var items = await Store.GetItemsAsync(projectId, Ct);
        await RankAsync(projectId, items.Select(i => i.Id), modelVersion, strategy);
        return items;
    }

    protected Task RankAsync(long projectId, IEnumerable<long> itemIds, int modelVersion = 0, string strategy = "random") =>
        Store.ReplaceRankingAsync(new Ranking(projectId, modelVersion, strategy,
            [.. itemIds.Select((id, rank) => new RankedItem(id, rank, 1.0 / (rank + 1), "reason " + rank, rank % 2 == 1))]), Ct);

    protected Task<TaskRecord?> ClaimAsync(long projectId, User annotator, DateTimeOffset? now = null, int overlap = 1, TimeSpan? lease = null) =>
        Store.ClaimNextAsync(projectId, annotator.Id, now ?? T0, lease ?? Lease, overlap, Ct);

    protected Task<SubmitResult> SubmitAsync(TaskRecord task, string requestId, string label = "spam", DateTimeOffset? now = null) =>
        Store.SubmitAsync(task.ProjectId, task.Id, task.AnnotatorId, [label], requestId, now ?? T0.AddSeconds(5), Ct);

    /// <summary>Items in the cold-start order of the project seed (1 = the seed of <see cref="Settings"/>).</summary>
    protected static IEnumerable<Item> ColdStartSorted(IEnumerable<Item> items, ulong seed = 1) =>
        items.OrderBy(i => ColdStartOrder.Key(seed, i.ExternalId)).ThenBy(i => i.ExternalId, StringComparer.Ordinal);

    /// <summary>A ranking of the items at the given indices, in that order (ranks 0, 1, …; reasons "reason RANK").</summary>
    protected static Ranking Positions(IReadOnlyList<Item> items, int[] order, int modelVersion, string strategy) =>
        new(items[0].ProjectId, modelVersion, strategy, [.. order.Select((index, rank) => new RankedItem(items[index].Id, rank, 1.0 / (rank + 1), "reason " + rank, false))]);

    private static Dictionary<long, int> HoldersPerItem(IEnumerable<TaskRecord> tasks) =>
        tasks.Where(t => t.State is TaskState.Leased or TaskState.Submitted).GroupBy(t => t.ItemId).ToDictionary(g => g.Key, g => g.Count());

    // ---- schema ------------------------------------------------------------------------------------------------

    [Fact]
    public async Task MigrateAsync_RunTwice_KeepsData()
    {
        var user = await UserAsync("ann");
        await Store.MigrateAsync(Ct);
        (await Store.GetUserAsync(user.Id, Ct)).ShouldBe(user);
    }

    [Fact]
    public async Task MigrateAsync_SeveralInstancesAtOnce_AllSucceed()
    {
        var others = new List<ISiftStore>();
        for (var i = 0; i < 4; i++) others.Add(await SecondStoreAsync());
        await Task.WhenAll(others.Select(s => Task.Run(() => s.MigrateAsync(Ct), Ct)));
        var user = await others[0].CreateUserAsync("ann", Role.Annotator, Hash("t"), T0, Ct);
        (await Store.GetUserAsync(user.Id, Ct)).ShouldBe(user);
    }

    [Fact]
    public async Task Writes_StoreReopened_ArePersisted()
    {
        var (project, _) = await ProjectAsync();
        await RankedItemsAsync(project.Id, 2);
        var ann = await UserAsync("ann");
        var task = (await ClaimAsync(project.Id, ann))!;
        await SubmitAsync(task, "r1");
        await Store.DisposeAsync();
        var reopened = await SecondStoreAsync();
        (await reopened.GetAnnotationsAsync(project.Id, cancellationToken: Ct)).Single().TaskId.ShouldBe(task.Id);
        (await reopened.GetTaskAsync(project.Id, task.Id, Ct))!.State.ShouldBe(TaskState.Submitted);
    }

    // ---- users -------------------------------------------------------------------------------------------------

    [Fact]
    public async Task CreateUserAsync_NewName_RoundTrips()
    {
        var user = await Store.CreateUserAsync("alice", Role.Reviewer, Hash("a"), T0, Ct);
        user.Name.ShouldBe("alice");
        user.Role.ShouldBe(Role.Reviewer);
        user.CreatedAt.ShouldBe(T0);
        user.Disabled.ShouldBeFalse();
        (await Store.GetUserAsync(user.Id, Ct)).ShouldBe(user);
    }

    [Fact]
    public async Task CreateUserAsync_NameTaken_ThrowsConflict()
    {
        await Store.CreateUserAsync("alice", Role.Annotator, Hash("a"), T0, Ct);
        var error = await Should.ThrowAsync<ConflictException>(() => Store.CreateUserAsync("alice", Role.Admin, Hash("b"), T0, Ct));
        error.Message.ShouldContain("alice");
        (await Store.ListUsersAsync(Ct)).Count.ShouldBe(1);
    }

    [Fact]
    public async Task FindUserByTokenHashAsync_KnownAndUnknownHash_FindsOnlyTheHolder()
    {
        var alice = await Store.CreateUserAsync("alice", Role.Annotator, Hash("a"), T0, Ct);
        await Store.CreateUserAsync("bob", Role.Annotator, Hash("b"), T0, Ct);
        (await Store.FindUserByTokenHashAsync(Hash("a"), Ct)).ShouldBe(alice);
        (await Store.FindUserByTokenHashAsync(Hash("c"), Ct)).ShouldBeNull();
    }

    [Fact]
    public async Task FindUserByTokenHashAsync_DisabledUser_NotFoundUntilEnabled()
    {
        var alice = await Store.CreateUserAsync("alice", Role.Annotator, Hash("a"), T0, Ct);
        (await Store.SetDisabledAsync(alice.Id, true, Ct)).ShouldBeTrue();
        (await Store.FindUserByTokenHashAsync(Hash("a"), Ct)).ShouldBeNull();
        (await Store.GetUserAsync(alice.Id, Ct))!.Disabled.ShouldBeTrue();
        (await Store.SetDisabledAsync(alice.Id, false, Ct)).ShouldBeTrue();
        (await Store.FindUserByTokenHashAsync(Hash("a"), Ct))!.Id.ShouldBe(alice.Id);
    }

    [Fact]
    public async Task SetTokenHashAsync_Rotated_OldHashNoLongerFindsUser()
    {
        var alice = await Store.CreateUserAsync("alice", Role.Annotator, Hash("old"), T0, Ct);
        (await Store.SetTokenHashAsync(alice.Id, Hash("new"), Ct)).ShouldBeTrue();
        (await Store.FindUserByTokenHashAsync(Hash("old"), Ct)).ShouldBeNull();
        (await Store.FindUserByTokenHashAsync(Hash("new"), Ct))!.Id.ShouldBe(alice.Id);
    }

    [Fact]
    public async Task SetTokenHashAndSetDisabled_UnknownUser_ReturnFalse()
    {
        (await Store.SetTokenHashAsync(999, Hash("x"), Ct)).ShouldBeFalse();
        (await Store.SetDisabledAsync(999, true, Ct)).ShouldBeFalse();
        (await Store.GetUserAsync(999, Ct)).ShouldBeNull();
    }

    [Fact]
    public async Task ListUsersAsync_SeveralUsers_ById()
    {
        var names = new[] { "carol", "alice", "bob" };
        foreach (var name in names) await UserAsync(name);
        var users = await Store.ListUsersAsync(Ct);
        users.Select(u => u.Name).ShouldBe(names);
        users.Select(u => u.Id).ShouldBeInOrder();
    }

    // ---- projects ----------------------------------------------------------------------------------------------

    [Fact]
    public async Task CreateProjectAsync_NewName_StoresSettingsAndInstructionsVersion1()
    {
        var admin = await UserAsync("admin", Role.Admin);
        var settings = new ProjectSettings
        {
            Mode = LabelMode.Multi, Labels = ["a", "b", "c"], Strategy = "entropy", StopRule = "plateau(delta=0.01,window=2)", Overlap = 3,
            LeaseDuration = TimeSpan.FromSeconds(90), RetrainEvery = 7, ExplorationShare = 0.25, HeldOutShare = 0.2, Seed = 42,
        };
        var project = await Store.CreateProjectAsync("news", settings, "# Tag the topics", admin.Id, T0, Ct);
        project.InstructionsVersion.ShouldBe(1);
        var stored = (await Store.GetProjectAsync(project.Id, Ct))!;
        stored.Name.ShouldBe("news");
        stored.CreatedAt.ShouldBe(T0);
        stored.Settings.Labels.ShouldBe(["a", "b", "c"]);
        (stored.Settings with { Labels = settings.Labels }).ShouldBe(settings);
        var instructions = (await Store.GetInstructionsAsync(project.Id, cancellationToken: Ct))!;
        instructions.ShouldBe(new Instructions(project.Id, 1, "# Tag the topics", admin.Id, T0));
    }

    [Fact]
    public async Task CreateProjectAsync_NameTaken_ThrowsConflict()
    {
        var (_, admin) = await ProjectAsync(name: "p");
        await Should.ThrowAsync<ConflictException>(() => Store.CreateProjectAsync("p", Settings(), "", admin.Id, T0, Ct));
        (await Store.ListProjectsAsync(Ct)).Count.ShouldBe(1);
    }

    [Fact]
    public async Task ListProjectsAsync_SeveralProjects_ById()
    {
        var (a, _) = await ProjectAsync(name: "b-project");
        var (b, _) = await ProjectAsync(name: "a-project");
        (await Store.ListProjectsAsync(Ct)).Select(p => p.Id).ShouldBe([a.Id, b.Id]);
        (await Store.GetProjectAsync(12345, Ct)).ShouldBeNull();
    }

    [Fact]
    public async Task UpdateSettingsAsync_ExistingProject_ReplacesSettings()
    {
        var (project, _) = await ProjectAsync();
        var updated = await Store.UpdateSettingsAsync(project.Id, Settings(overlap: 2) with { Labels = ["x", "y", "z"], RetrainEvery = 5 }, Ct);
        updated!.Settings.Overlap.ShouldBe(2);
        var stored = (await Store.GetProjectAsync(project.Id, Ct))!;
        stored.Settings.Labels.ShouldBe(["x", "y", "z"]);
        stored.Settings.RetrainEvery.ShouldBe(5);
        stored.Settings.Overlap.ShouldBe(2);
    }

    [Fact]
    public async Task UpdateSettingsAsync_UnknownProject_ReturnsNull() =>
        (await Store.UpdateSettingsAsync(999, Settings(), Ct)).ShouldBeNull();

    [Fact]
    public async Task AddInstructionsAsync_NewVersion_BecomesCurrentAndOldStaysReadable()
    {
        var (project, admin) = await ProjectAsync();
        var v2 = (await Store.AddInstructionsAsync(project.Id, "# v2", admin.Id, T0.AddHours(1), Ct))!;
        v2.Version.ShouldBe(2);
        var v3 = (await Store.AddInstructionsAsync(project.Id, "# v3", admin.Id, T0.AddHours(2), Ct))!;
        v3.Version.ShouldBe(3);
        (await Store.GetProjectAsync(project.Id, Ct))!.InstructionsVersion.ShouldBe(3);
        (await Store.GetInstructionsAsync(project.Id, cancellationToken: Ct))!.Markdown.ShouldBe("# v3");
        (await Store.GetInstructionsAsync(project.Id, 2, Ct)).ShouldBe(v2);
        (await Store.GetInstructionsAsync(project.Id, 1, Ct))!.Markdown.ShouldBe("# Label it");
        (await Store.GetInstructionsAsync(project.Id, 4, Ct)).ShouldBeNull();
    }

    [Fact]
    public async Task AddInstructionsAsync_UnknownProject_ReturnsNull()
    {
        var admin = await UserAsync("admin", Role.Admin);
        (await Store.AddInstructionsAsync(999, "# x", admin.Id, T0, Ct)).ShouldBeNull();
        (await Store.GetInstructionsAsync(999, cancellationToken: Ct)).ShouldBeNull();
    }

    // ---- membership --------------------------------------------------------------------------------------------

    [Fact]
    public async Task AddMemberAsync_NewThenAgain_AddsOnceAndKeepsTheFirstTime()
    {
        var (project, _) = await ProjectAsync();
        var ann = await UserAsync("ann");
        (await Store.AddMemberAsync(project.Id, ann.Id, T0, Ct)).ShouldBeTrue();
        (await Store.AddMemberAsync(project.Id, ann.Id, T0.AddHours(1), Ct)).ShouldBeFalse();
        (await Store.ListMembersAsync(project.Id, Ct)).ShouldBe([new ProjectMember(project.Id, ann.Id, T0)]);
        (await Store.IsMemberAsync(project.Id, ann.Id, Ct)).ShouldBeTrue();
    }

    [Fact]
    public async Task AddMemberAsync_UnknownProjectOrUser_ThrowsNotFoundAndAddsNothing()
    {
        var (project, _) = await ProjectAsync();
        var ann = await UserAsync("ann");
        await Should.ThrowAsync<NotFoundException>(() => Store.AddMemberAsync(999, ann.Id, T0, Ct));
        await Should.ThrowAsync<NotFoundException>(() => Store.AddMemberAsync(project.Id, 999, T0, Ct));
        (await Store.ListMembersAsync(project.Id, Ct)).ShouldBeEmpty();
        (await Store.GetMemberProjectIdsAsync(ann.Id, Ct)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Membership_SeveralProjectsAndUsers_EachSeesOnlyItsOwn()
    {
        var (one, _) = await ProjectAsync(name: "one");
        var (two, _) = await ProjectAsync(name: "two");
        var (three, _) = await ProjectAsync(name: "three");
        var ann = await UserAsync("ann");
        var rev = await UserAsync("rev", Role.Reviewer);
        var outsider = await UserAsync("outsider");
        await Store.AddMemberAsync(three.Id, ann.Id, T0, Ct);
        await Store.AddMemberAsync(one.Id, ann.Id, T0.AddSeconds(1), Ct);
        await Store.AddMemberAsync(one.Id, rev.Id, T0.AddSeconds(2), Ct);

        // A second instance (another process) reads the same memberships.
        var second = await SecondStoreAsync();
        (await second.GetMemberProjectIdsAsync(ann.Id, Ct)).ShouldBe([one.Id, three.Id]);
        (await second.GetMemberProjectIdsAsync(rev.Id, Ct)).ShouldBe([one.Id]);
        (await second.GetMemberProjectIdsAsync(outsider.Id, Ct)).ShouldBeEmpty();
        (await second.ListMembersAsync(one.Id, Ct)).ShouldBe([new ProjectMember(one.Id, ann.Id, T0.AddSeconds(1)), new ProjectMember(one.Id, rev.Id, T0.AddSeconds(2))]);
        (await second.ListMembersAsync(two.Id, Ct)).ShouldBeEmpty();
        (await second.ListMembersAsync(999, Ct)).ShouldBeEmpty();
        (await second.IsMemberAsync(two.Id, ann.Id, Ct)).ShouldBeFalse();
        (await second.IsMemberAsync(one.Id, outsider.Id, Ct)).ShouldBeFalse();
        (await second.IsMemberAsync(999, ann.Id, Ct)).ShouldBeFalse();
        (await second.IsMemberAsync(one.Id, 999, Ct)).ShouldBeFalse();
    }

    [Fact]
    public async Task RemoveMemberAsync_MemberThenAgain_RemovesOnlyThatMembership()
    {
        var (one, _) = await ProjectAsync(name: "one");
        var (two, _) = await ProjectAsync(name: "two");
        var ann = await UserAsync("ann");
        var bob = await UserAsync("bob");
        await Store.AddMemberAsync(one.Id, ann.Id, T0, Ct);
        await Store.AddMemberAsync(two.Id, ann.Id, T0, Ct);
        await Store.AddMemberAsync(one.Id, bob.Id, T0, Ct);

        (await Store.RemoveMemberAsync(one.Id, ann.Id, T0.AddMinutes(1), Ct)).ShouldBeTrue();
        (await Store.RemoveMemberAsync(one.Id, ann.Id, T0.AddMinutes(2), Ct)).ShouldBeFalse();
        (await Store.RemoveMemberAsync(999, ann.Id, T0, Ct)).ShouldBeFalse();
        (await Store.IsMemberAsync(one.Id, ann.Id, Ct)).ShouldBeFalse();
        (await Store.GetMemberProjectIdsAsync(ann.Id, Ct)).ShouldBe([two.Id]);
        (await Store.ListMembersAsync(one.Id, Ct)).Select(m => m.UserId).ShouldBe([bob.Id]);

        // Membership can be given back.
        (await Store.AddMemberAsync(one.Id, ann.Id, T0.AddMinutes(3), Ct)).ShouldBeTrue();
        (await Store.GetMemberProjectIdsAsync(ann.Id, Ct)).ShouldBe([one.Id, two.Id]);
    }

    [Fact]
    public async Task RemoveMemberAsync_MemberHoldsLeases_LeasesReleasedAnswersKept()
    {
        var (project, _) = await ProjectAsync();
        await RankedItemsAsync(project.Id, 3);
        var ann = await UserAsync("ann");
        var bob = await UserAsync("bob");
        await Store.AddMemberAsync(project.Id, ann.Id, T0, Ct);
        var answered = (await ClaimAsync(project.Id, ann))!;
        await SubmitAsync(answered, "a1");
        var held1 = (await ClaimAsync(project.Id, ann))!;
        var held2 = (await ClaimAsync(project.Id, ann))!;
        (await ClaimAsync(project.Id, bob, T0.AddMinutes(1))).ShouldBeNull("every item is held or answered");

        var removedAt = T0.AddMinutes(2);
        (await Store.RemoveMemberAsync(project.Id, ann.Id, removedAt, Ct)).ShouldBeTrue();

        foreach (var held in new[] { held1, held2 })
        {
            var task = (await Store.GetTaskAsync(project.Id, held.Id, Ct))!;
            task.State.ShouldBe(TaskState.Expired);
            task.ExpiresAt.ShouldBe(removedAt);
        }
        (await Store.GetTaskAsync(project.Id, answered.Id, Ct))!.State.ShouldBe(TaskState.Submitted);
        (await Store.GetAnnotationsAsync(project.Id, ann.Id, cancellationToken: Ct)).Select(a => a.ClientRequestId).ShouldBe(["a1"]);
        (await Store.GetLiveTasksAsync(project.Id, ann.Id, removedAt, Ct)).ShouldBeEmpty();
        (await Store.GetCountsAsync(project.Id, 1, removedAt, Ct)).LiveLeases.ShouldBe(0);

        // The freed items go to the next annotator at once, in rank order.
        (await ClaimAsync(project.Id, bob, removedAt))!.ItemId.ShouldBe(held1.ItemId);
        (await ClaimAsync(project.Id, bob, removedAt))!.ItemId.ShouldBe(held2.ItemId);
        (await ClaimAsync(project.Id, bob, removedAt)).ShouldBeNull();
    }

    [Fact]
    public async Task RemoveMemberAsync_OtherAnnotatorsLeases_Untouched()
    {
        var (project, _) = await ProjectAsync();
        await RankedItemsAsync(project.Id, 2);
        var ann = await UserAsync("ann");
        var bob = await UserAsync("bob");
        await Store.AddMemberAsync(project.Id, ann.Id, T0, Ct);
        await Store.AddMemberAsync(project.Id, bob.Id, T0, Ct);
        var bobs = (await ClaimAsync(project.Id, bob))!;
        await ClaimAsync(project.Id, ann);

        await Store.RemoveMemberAsync(project.Id, ann.Id, T0.AddMinutes(1), Ct);

        var stored = (await Store.GetTaskAsync(project.Id, bobs.Id, Ct))!;
        stored.State.ShouldBe(TaskState.Leased);
        stored.ExpiresAt.ShouldBe(bobs.ExpiresAt);
        await SubmitAsync(bobs, "b1", now: T0.AddMinutes(2));
    }

    // ---- items -------------------------------------------------------------------------------------------------

    [Fact]
    public async Task ImportItemsAsync_NewItems_StoresEveryFieldInOrder()
    {
        var (project, _) = await ProjectAsync();
        var result = await Store.ImportItemsAsync(project.Id,
        [
            new NewItem("a", "first <b>text</b>", "g1", 2.5, """{"source":"mail"}""", "spam", false),
            new NewItem("b", "second", null, 1, null, null, true),
            new NewItem("c", "", "g2", 0, null, "ham", true),
        ], Ct);
        result.ShouldBe(new ImportResult(3, 0, 2));
        var items = await Store.GetItemsAsync(project.Id, Ct);
        items.Select(i => i.ExternalId).ShouldBe(["a", "b", "c"]);
        items.Select(i => i.Id).ShouldBeInOrder();
        items[0].ShouldBe(new Item(items[0].Id, project.Id, "a", "first <b>text</b>", "g1", 2.5, """{"source":"mail"}""", false));
        items[1].ShouldBe(new Item(items[1].Id, project.Id, "b", "second", null, 1, null, true));
        items[2].Text.ShouldBe("");
        (await Store.GetItemAsync(project.Id, items[1].Id, Ct)).ShouldBe(items[1]);
    }

    [Fact]
    public async Task ImportItemsAsync_DuplicateIds_SkippedWithinBatchAndAgainstExisting()
    {
        var (project, _) = await ProjectAsync();
        (await Store.ImportItemsAsync(project.Id, [NewItem("a"), NewItem("b"), new NewItem("a", "again", null, 1, null, null, false)], Ct))
            .ShouldBe(new ImportResult(2, 1, 0));
        (await Store.ImportItemsAsync(project.Id, [NewItem("b"), NewItem("c", heldOut: true), NewItem("a"), NewItem("c")], Ct))
            .ShouldBe(new ImportResult(1, 3, 1));
        var items = await Store.GetItemsAsync(project.Id, Ct);
        items.Select(i => i.ExternalId).ShouldBe(["a", "b", "c"]);
        items[0].Text.ShouldBe("text of a");
    }

    [Fact]
    public async Task ImportItemsAsync_SameIdInAnotherProject_NotADuplicate()
    {
        var (p1, _) = await ProjectAsync(name: "one");
        var (p2, _) = await ProjectAsync(name: "two");
        await Store.ImportItemsAsync(p1.Id, [NewItem("a")], Ct);
        (await Store.ImportItemsAsync(p2.Id, [NewItem("a")], Ct)).Imported.ShouldBe(1);
    }

    [Fact]
    public async Task ImportItemsAsync_FailureMidBatch_StoresNothing()
    {
        var (project, _) = await ProjectAsync();
        await Store.ImportItemsAsync(project.Id, [NewItem("existing")], Ct);
        // Large enough that a backend writing in chunks has written some before it reaches the bad item.
        var batch = Enumerable.Range(0, 2500).Select(i => NewItem("n" + i)).ToList();
        batch.Insert(2300, new NewItem("bad", null!, null, 1, null, null, false));
        await Should.ThrowAsync<ArgumentException>(() => Store.ImportItemsAsync(project.Id, batch, Ct));
        (await Store.GetItemsAsync(project.Id, Ct)).Select(i => i.ExternalId).ShouldBe(["existing"]);
        // The store still works after the rollback.
        (await Store.ImportItemsAsync(project.Id, [NewItem("n1")], Ct)).Imported.ShouldBe(1);
    }

    [Fact]
    public async Task ImportItemsAsync_NulCharacterInText_RefusedAndNothingStored()
    {
        var (project, _) = await ProjectAsync();
        var error = await Should.ThrowAsync<ArgumentException>(() => Store.ImportItemsAsync(project.Id, [NewItem("a"), new NewItem("b", "x\0y", null, 1, null, null, false)], Ct));
        error.Message.ShouldContain("items[1]");
        (await Store.GetItemsAsync(project.Id, Ct)).ShouldBeEmpty();
    }

    [Fact]
    public async Task ImportItemsAsync_UnknownProject_ThrowsNotFound() =>
        await Should.ThrowAsync<NotFoundException>(() => Store.ImportItemsAsync(999, [NewItem("a")], Ct));

    [Fact]
    public async Task GetGoldLabelsAsync_MixedItems_OnlyItemsWithGold()
    {
        var (project, _) = await ProjectAsync();
        var (other, _) = await ProjectAsync(name: "other");
        await Store.ImportItemsAsync(project.Id, [NewItem("a", "spam"), NewItem("b"), NewItem("c", "ham", heldOut: true)], Ct);
        await Store.ImportItemsAsync(other.Id, [NewItem("z", "spam")], Ct);
        var items = await Store.GetItemsAsync(project.Id, Ct);
        var gold = await Store.GetGoldLabelsAsync(project.Id, Ct);
        gold.Count.ShouldBe(2);
        gold[items[0].Id].ShouldBe("spam");
        gold[items[2].Id].ShouldBe("ham");
    }

    [Fact]
    public async Task GetItemAsync_ItemOfAnotherProject_ReturnsNull()
    {
        var (p1, _) = await ProjectAsync(name: "one");
        var (p2, _) = await ProjectAsync(name: "two");
        await Store.ImportItemsAsync(p1.Id, [NewItem("a")], Ct);
        var item = (await Store.GetItemsAsync(p1.Id, Ct)).Single();
        (await Store.GetItemAsync(p2.Id, item.Id, Ct)).ShouldBeNull();
        (await Store.GetItemsAsync(p2.Id, Ct)).ShouldBeEmpty();
    }

    // ---- ranking -----------------------------------------------------------------------------------------------

    [Fact]
    public async Task ReplaceRankingAsync_NewRanking_ReplacesOrderAndInfo()
    {
        var (project, _) = await ProjectAsync();
        (await Store.GetRankingInfoAsync(project.Id, Ct)).ShouldBeNull();
        var items = await RankedItemsAsync(project.Id, 4, modelVersion: 0, strategy: "random");
        (await Store.GetRankingInfoAsync(project.Id, Ct)).ShouldBe((0, "random"));
        await RankAsync(project.Id, [items[3].Id, items[1].Id], modelVersion: 1, strategy: "margin");
        (await Store.GetRankingInfoAsync(project.Id, Ct)).ShouldBe((1, "margin"));
        var ann = await UserAsync("ann");
        var first = (await ClaimAsync(project.Id, ann))!;
        first.ItemId.ShouldBe(items[3].Id);
        first.ModelVersion.ShouldBe(1);
        first.Strategy.ShouldBe("margin");
        (await ClaimAsync(project.Id, ann))!.ItemId.ShouldBe(items[1].Id);
        // Items 0 and 2 are outside the new ranking: handed out after it, in the cold-start order.
        var rest = new[] { (await ClaimAsync(project.Id, ann))!, (await ClaimAsync(project.Id, ann))! };
        rest.Select(t => t.ItemId).ShouldBe(ColdStartSorted([items[0], items[2]]).Select(i => i.Id));
        rest.ShouldAllBe(t => t.ModelVersion == 0 && t.Strategy == ColdStartOrder.Strategy && t.Reason == ColdStartOrder.BeyondRankingReason);
        (await ClaimAsync(project.Id, ann)).ShouldBeNull();
    }

    [Fact]
    public async Task ReplaceRankingAsync_ItemOfAnotherProject_ThrowsAndKeepsTheOldRanking()
    {
        var (project, _) = await ProjectAsync();
        var (other, _) = await ProjectAsync(name: "other");
        var items = await RankedItemsAsync(project.Id, 2);
        await Store.ImportItemsAsync(other.Id, [NewItem("x")], Ct);
        var foreign = (await Store.GetItemsAsync(other.Id, Ct)).Single();
        await Should.ThrowAsync<ArgumentException>(() => RankAsync(project.Id, [items[1].Id, foreign.Id], modelVersion: 5));
        (await Store.GetRankingInfoAsync(project.Id, Ct)).ShouldBe((0, "random"));
        (await ClaimAsync(project.Id, await UserAsync("ann")))!.ItemId.ShouldBe(items[0].Id);
    }

    [Fact]
    public async Task ReplaceRankingAsync_TasksAlreadyHandedOut_AreUnaffected()
    {
        var (project, _) = await ProjectAsync();
        var items = await RankedItemsAsync(project.Id, 3);
        var ann = await UserAsync("ann");
        var task = (await ClaimAsync(project.Id, ann))!;
        await RankAsync(project.Id, [items[2].Id, items[1].Id, items[0].Id], modelVersion: 1, strategy: "margin");
        var stored = (await Store.GetTaskAsync(project.Id, task.Id, Ct))!;
        stored.ShouldBe(task);
        stored.State.ShouldBe(TaskState.Leased);
        (await SubmitAsync(task, "r1")).Duplicate.ShouldBeFalse();
        // item 0 is held (k = 1): another annotator gets the new ranking's order, skipping it.
        var bob = await UserAsync("bob");
        (await ClaimAsync(project.Id, bob))!.ItemId.ShouldBe(items[2].Id);
        (await ClaimAsync(project.Id, bob))!.ItemId.ShouldBe(items[1].Id);
        (await ClaimAsync(project.Id, bob)).ShouldBeNull();
    }

    // ---- hand-out ----------------------------------------------------------------------------------------------

    [Fact]
    public async Task ClaimNextAsync_NoRanking_HandsOutEveryItemThatNeedsAnswersInColdStartOrder()
    {
        var (project, _) = await ProjectAsync();
        await Store.ImportItemsAsync(project.Id,
            [.. Enumerable.Range(0, 12).Select(i => NewItem("e" + i)), NewItem("held", heldOut: true), NewItem("gold", gold: "spam", heldOut: true)], Ct);
        var items = await Store.GetItemsAsync(project.Id, Ct);
        var ann = await UserAsync("ann");
        var lease = TimeSpan.FromSeconds(90);
        var tasks = new List<TaskRecord>();
        while (await ClaimAsync(project.Id, ann, lease: lease) is { } task) tasks.Add(task);

        // The held-out item with a gold label needs no answers; the one without is handed out like any other.
        var expected = ColdStartSorted(items.Where(i => i.ExternalId != "gold")).ToList();
        tasks.Select(t => t.ItemId).ShouldBe(expected.Select(i => i.Id));
        expected.Select(i => i.ExternalId).ShouldNotBe(expected.Select(i => i.ExternalId).Order(StringComparer.Ordinal));
        foreach (var (task, item) in tasks.Zip(expected))
        {
            task.ShouldBe(new TaskRecord(task.Id, project.Id, item.Id, ann.Id, TaskState.Leased, T0, T0 + lease, 0, ColdStartOrder.Strategy, 0,
                ColdStartOrder.Reason, false, item.HeldOut));
            (await Store.GetTaskAsync(project.Id, task.Id, Ct)).ShouldBe(task);
        }
    }

    [Fact]
    public async Task ClaimNextAsync_StoredRankingRunsOut_ContinuesWithTheRestInColdStartOrder()
    {
        var (project, _) = await ProjectAsync();
        var items = await RankedItemsAsync(project.Id, 10);
        await RankAsync(project.Id, [items[7].Id, items[2].Id], modelVersion: 4, strategy: "margin");
        var ann = await UserAsync("ann");
        var tasks = new List<TaskRecord>();
        while (await ClaimAsync(project.Id, ann) is { } task) tasks.Add(task);

        tasks.Count.ShouldBe(10);
        tasks.Take(2).Select(t => (t.ItemId, t.ModelVersion, t.Strategy)).ShouldBe([(items[7].Id, 4, "margin"), (items[2].Id, 4, "margin")]);
        var rest = tasks.Skip(2).ToList();
        rest.Select(t => t.ItemId).ShouldBe(ColdStartSorted(items.Where(i => i.Id != items[7].Id && i.Id != items[2].Id)).Select(i => i.Id));
        rest.ShouldAllBe(t => t.ModelVersion == 0 && t.Strategy == ColdStartOrder.Strategy && t.Reason == ColdStartOrder.BeyondRankingReason && t.Score == 0 && !t.Exploration);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task ClaimNextAsync_UnrankedItemsOverlapK_KHoldersEachNeverTheSameAnnotatorTwice(int k)
    {
        var (project, _) = await ProjectAsync(overlap: k);
        await Store.ImportItemsAsync(project.Id, [NewItem("a"), NewItem("b"), NewItem("c")], Ct);
        var order = ColdStartSorted(await Store.GetItemsAsync(project.Id, Ct)).ToList();
        var claimed = new List<TaskRecord>();
        for (var a = 0; a < k + 1; a++) claimed.Add((await ClaimAsync(project.Id, await UserAsync("a" + a), overlap: k))!);
        claimed.Take(k).ShouldAllBe(t => t.ItemId == order[0].Id);
        claimed[k].ItemId.ShouldBe(order[1].Id);
        var first = await Store.GetUserAsync(claimed[0].AnnotatorId, Ct);
        (await ClaimAsync(project.Id, first!, overlap: k))!.ItemId.ShouldBe(k == 1 ? order[2].Id : order[1].Id);
        // A skip frees the slot for someone else, not for the skipper.
        await Store.SkipAsync(project.Id, claimed[0].Id, claimed[0].AnnotatorId, T0, Ct);
        (await ClaimAsync(project.Id, first!, overlap: k) is { } again ? again.ItemId : -1).ShouldNotBe(order[0].Id);
        (await ClaimAsync(project.Id, await UserAsync("late"), overlap: k))!.ItemId.ShouldBe(order[0].Id);
    }

    [Fact]
    public async Task ImportItemsAsync_ItemsOfAnEarlierImport_KeepTheirRelativeColdStartOrder()
    {
        var (project, _) = await ProjectAsync();
        await Store.ImportItemsAsync(project.Id, [.. Enumerable.Range(0, 20).Select(i => NewItem("e" + i))], Ct);
        await Store.ImportItemsAsync(project.Id, [.. Enumerable.Range(20, 20).Select(i => NewItem("e" + i))], Ct);
        var items = await Store.GetItemsAsync(project.Id, Ct);
        var ann = await UserAsync("ann");
        var tasks = new List<TaskRecord>();
        while (await ClaimAsync(project.Id, ann) is { } task) tasks.Add(task);
        tasks.Select(t => t.ItemId).ShouldBe(ColdStartSorted(items).Select(i => i.Id));
    }

    [Fact]
    public async Task UpdateSettingsAsync_NewSeed_ReordersTheColdStartOrder()
    {
        var (project, _) = await ProjectAsync();
        await Store.ImportItemsAsync(project.Id, [.. Enumerable.Range(0, 20).Select(i => NewItem("e" + i))], Ct);
        var items = await Store.GetItemsAsync(project.Id, Ct);
        await Store.UpdateSettingsAsync(project.Id, Settings() with { Seed = 99 }, Ct);
        var ann = await UserAsync("ann");
        var tasks = new List<TaskRecord>();
        while (await ClaimAsync(project.Id, ann) is { } task) tasks.Add(task);
        tasks.Select(t => t.ItemId).ShouldBe(ColdStartSorted(items, seed: 99).Select(i => i.Id));
        tasks.Select(t => t.ItemId).ShouldNotBe(ColdStartSorted(items).Select(i => i.Id));
    }

    [Fact]
    public async Task UpdateSettingsAsync_OverlapChanges_UnrankedItemsGainAndLoseSlots()
    {
        var (project, _) = await ProjectAsync(overlap: 2);
        await Store.ImportItemsAsync(project.Id, [NewItem("a"), NewItem("b")], Ct);
        var order = ColdStartSorted(await Store.GetItemsAsync(project.Id, Ct)).ToList();
        (await ClaimAsync(project.Id, await UserAsync("x"), overlap: 2))!.ItemId.ShouldBe(order[0].Id);
        (await ClaimAsync(project.Id, await UserAsync("y"), overlap: 2))!.ItemId.ShouldBe(order[0].Id);
        (await Store.GetCountsAsync(project.Id, 2, T0, Ct)).Unranked.ShouldBe(1);

        await Store.UpdateSettingsAsync(project.Id, Settings(overlap: 1), Ct);
        (await Store.GetCountsAsync(project.Id, 1, T0, Ct)).Unranked.ShouldBe(1);
        (await ClaimAsync(project.Id, await UserAsync("z"), overlap: 1))!.ItemId.ShouldBe(order[1].Id);
        (await ClaimAsync(project.Id, await UserAsync("w"), overlap: 1)).ShouldBeNull();

        await Store.UpdateSettingsAsync(project.Id, Settings(overlap: 3), Ct);
        (await Store.GetCountsAsync(project.Id, 3, T0, Ct)).Unranked.ShouldBe(2);
        (await ClaimAsync(project.Id, await UserAsync("v"), overlap: 3))!.ItemId.ShouldBe(order[0].Id);
    }

    [Fact]
    public async Task AppendRankingAsync_SameRanking_AddsPositionsWithAFreeSlotAfterTheStoredOnes()
    {
        var (project, _) = await ProjectAsync();
        await Store.ImportItemsAsync(project.Id, [.. Enumerable.Range(0, 8).Select(i => NewItem("e" + i))], Ct);
        var items = await Store.GetItemsAsync(project.Id, Ct);
        var ranking = Positions(items, [5, 1, 6, 0, 3, 7], modelVersion: 2, strategy: "margin");
        await Store.ReplaceRankingAsync(ranking with { Items = ranking.Items.Take(2).ToList() }, Ct);
        var ann = await UserAsync("ann");
        (await ClaimAsync(project.Id, ann))!.ItemId.ShouldBe(items[5].Id);
        // Item 0 is taken through the cold-start walk meanwhile; its position is skipped.
        var bob = await UserAsync("bob");
        await ClaimAsync(project.Id, bob);
        var taken = (await ClaimAsync(project.Id, bob))!;
        taken.Reason.ShouldBe(ColdStartOrder.BeyondRankingReason);

        var added = await Store.AppendRankingAsync(ranking with { Items = ranking.Items.Skip(2).ToList() }, Ct);

        var expected = new[] { 6, 0, 3, 7 }.Where(i => items[i].Id != taken.ItemId).ToList();
        added.ShouldBe(expected.Count);
        var state = (await Store.GetQueueStateAsync(project.Id, Ct))!;
        state.ModelVersion.ShouldBe(2);
        state.Strategy.ShouldBe("margin");
        state.OpenPositions.ShouldBe(expected.Count);
        var claimed = new List<TaskRecord>();
        for (var n = 0; n < expected.Count; n++) claimed.Add((await ClaimAsync(project.Id, ann))!);
        claimed.Select(t => t.ItemId).ShouldBe(expected.Select(i => items[i].Id));
        claimed.ShouldAllBe(t => t.ModelVersion == 2 && t.Strategy == "margin" && t.Reason.StartsWith("reason ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AppendRankingAsync_AnotherRankingStored_ReturnsMinusOneAndChangesNothing()
    {
        var (project, _) = await ProjectAsync();
        await Store.ImportItemsAsync(project.Id, [.. Enumerable.Range(0, 4).Select(i => NewItem("e" + i))], Ct);
        var items = await Store.GetItemsAsync(project.Id, Ct);
        (await Store.AppendRankingAsync(Positions(items, [0], modelVersion: 1, strategy: "margin"), Ct)).ShouldBe(-1);
        (await Store.GetQueueStateAsync(project.Id, Ct)).ShouldBeNull();
        await Store.ReplaceRankingAsync(Positions(items, [3], modelVersion: 2, strategy: "margin"), Ct);
        var stale = Positions(items, [3, 2, 1], modelVersion: 1, strategy: "margin");
        (await Store.AppendRankingAsync(stale with { Items = stale.Items.Skip(1).ToList() }, Ct)).ShouldBe(-1);
        var other = Positions(items, [3, 2, 1], modelVersion: 2, strategy: "bald");
        (await Store.AppendRankingAsync(other with { Items = other.Items.Skip(1).ToList() }, Ct)).ShouldBe(-1);
        (await Store.GetQueueStateAsync(project.Id, Ct)).ShouldBe(new QueueState(2, "margin", 1, 1, true));
    }

    [Fact]
    public async Task AppendRankingAsync_BadPositions_ThrowAndAddNothing()
    {
        var (project, _) = await ProjectAsync();
        var (other, _) = await ProjectAsync(name: "other");
        await Store.ImportItemsAsync(project.Id, [.. Enumerable.Range(0, 4).Select(i => NewItem("e" + i))], Ct);
        await Store.ImportItemsAsync(other.Id, [NewItem("x")], Ct);
        var items = await Store.GetItemsAsync(project.Id, Ct);
        var foreign = (await Store.GetItemsAsync(other.Id, Ct)).Single();
        await Store.ReplaceRankingAsync(Positions(items, [0, 1], modelVersion: 1, strategy: "margin"), Ct);

        RankedItem At(long itemId, int rank) => new(itemId, rank, 0.5, "r", false);
        await Should.ThrowAsync<ArgumentException>(() => Store.AppendRankingAsync(new Ranking(project.Id, 1, "margin", [At(items[2].Id, 1)]), Ct));
        await Should.ThrowAsync<ArgumentException>(() => Store.AppendRankingAsync(new Ranking(project.Id, 1, "margin", [At(items[2].Id, 2), At(foreign.Id, 3)]), Ct));
        await Should.ThrowAsync<ArgumentException>(() => Store.AppendRankingAsync(new Ranking(project.Id, 1, "margin", [At(items[2].Id, 2), At(items[0].Id, 3)]), Ct));
        (await Store.GetQueueStateAsync(project.Id, Ct))!.Positions.ShouldBe(2);
    }

    [Fact]
    public async Task AppendRankingAsync_PositionsOfAnsweredItems_AreDroppedLeasedOnesKept()
    {
        var (project, _) = await ProjectAsync();
        await Store.ImportItemsAsync(project.Id, [.. Enumerable.Range(0, 6).Select(i => NewItem("e" + i))], Ct);
        var items = await Store.GetItemsAsync(project.Id, Ct);
        var ranking = Positions(items, [0, 1, 2, 3, 4, 5], modelVersion: 1, strategy: "margin");
        await Store.ReplaceRankingAsync(ranking with { Items = ranking.Items.Take(3).ToList() }, Ct);
        var ann = await UserAsync("ann");
        await SubmitAsync((await ClaimAsync(project.Id, ann))!, "r0");
        var leased = (await ClaimAsync(project.Id, ann))!;

        (await Store.AppendRankingAsync(ranking with { Items = ranking.Items.Skip(3).ToList() }, Ct)).ShouldBe(3);

        // Item 0 (answered) lost its position; item 1 (leased) kept it, so it comes back at its rank if the lease runs out.
        (await Store.GetQueueStateAsync(project.Id, Ct)).ShouldBe(new QueueState(1, "margin", 5, 4, false));
        var later = T0 + Lease + TimeSpan.FromSeconds(1);
        (await ClaimAsync(project.Id, await UserAsync("bob"), now: later))!.ItemId.ShouldBe(leased.ItemId);
    }

    [Fact]
    public async Task GetQueueStateAsync_StoredTopAndItemsBeyondIt_CountsBoth()
    {
        var (project, _) = await ProjectAsync();
        (await Store.GetQueueStateAsync(project.Id, Ct)).ShouldBeNull();
        await Store.ImportItemsAsync(project.Id,
            [.. Enumerable.Range(0, 10).Select(i => NewItem("e" + i)), NewItem("held", heldOut: true), NewItem("gold", gold: "ham", heldOut: true)], Ct);
        var items = await Store.GetItemsAsync(project.Id, Ct);
        await Store.ReplaceRankingAsync(Positions(items, [0, 1, 2, 3], modelVersion: 1, strategy: "margin"), Ct);
        var ann = await UserAsync("ann");
        await ClaimAsync(project.Id, ann);

        // Four stored positions, three still open; items 4-9 and the held-out item without gold are beyond them.
        (await Store.GetQueueStateAsync(project.Id, Ct)).ShouldBe(new QueueState(1, "margin", 4, 3, true));
        var counts = await Store.GetCountsAsync(project.Id, 1, T0, Ct);
        (counts.QueueDepth, counts.Unranked).ShouldBe((3, 7));
        // Once every item beyond the ranking is taken, none is left outside it.
        var bob = await UserAsync("bob");
        for (var i = 0; i < 10; i++) (await ClaimAsync(project.Id, bob)).ShouldNotBeNull();
        (await Store.GetQueueStateAsync(project.Id, Ct)).ShouldBe(new QueueState(1, "margin", 4, 0, false));
        counts = await Store.GetCountsAsync(project.Id, 1, T0, Ct);
        (counts.QueueDepth, counts.Unranked).ShouldBe((0, 0));
    }

    [Fact]
    public async Task ClaimNextAsync_Ranked_LowestRankFirstWithProvenance()
    {
        var (project, _) = await ProjectAsync();
        await Store.ImportItemsAsync(project.Id, [NewItem("a"), NewItem("b", heldOut: true), NewItem("c")], Ct);
        var items = await Store.GetItemsAsync(project.Id, Ct);
        await Store.ReplaceRankingAsync(new Ranking(project.Id, 3, "margin-kmeans",
        [
            new RankedItem(items[0].Id, 7, 0.1, "low", false),
            new RankedItem(items[1].Id, 2, 0.5, "held-out evaluation sample", false),
            new RankedItem(items[2].Id, 5, 0.0, "random control", true),
        ]), Ct);
        var ann = await UserAsync("ann");
        var lease = TimeSpan.FromSeconds(90);
        var first = (await ClaimAsync(project.Id, ann, lease: lease))!;
        first.ShouldBe(new TaskRecord(first.Id, project.Id, items[1].Id, ann.Id, TaskState.Leased, T0, T0 + lease, 3, "margin-kmeans", 0.5,
            "held-out evaluation sample", false, true));
        (await Store.GetTaskAsync(project.Id, first.Id, Ct)).ShouldBe(first);
        var second = (await ClaimAsync(project.Id, ann, lease: lease))!;
        second.ItemId.ShouldBe(items[2].Id);
        second.Exploration.ShouldBeTrue();
        second.Reason.ShouldBe("random control");
        second.HeldOut.ShouldBeFalse();
        (await ClaimAsync(project.Id, ann, lease: lease))!.ItemId.ShouldBe(items[0].Id);
        (await ClaimAsync(project.Id, ann, lease: lease)).ShouldBeNull();
    }

    [Fact]
    public async Task ClaimNextAsync_ItemSkippedOrExpired_NeverHandedToTheSameAnnotatorAgain()
    {
        var (project, _) = await ProjectAsync(overlap: 1);
        await RankedItemsAsync(project.Id, 2);
        var ann = await UserAsync("ann");
        var first = (await ClaimAsync(project.Id, ann))!;
        await Store.SkipAsync(project.Id, first.Id, ann.Id, T0, Ct);
        var second = (await ClaimAsync(project.Id, ann))!;
        second.ItemId.ShouldNotBe(first.ItemId);
        // The second lease runs out; it is reclaimed, but the item does not come back to ann.
        (await ClaimAsync(project.Id, ann, now: T0 + Lease + TimeSpan.FromSeconds(1))).ShouldBeNull();
        (await Store.GetTaskAsync(project.Id, second.Id, Ct))!.State.ShouldBe(TaskState.Expired);
        // Both items are free for someone else.
        var bob = await UserAsync("bob");
        (await ClaimAsync(project.Id, bob, now: T0 + Lease + TimeSpan.FromSeconds(2)))!.ItemId.ShouldBe(first.ItemId);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task ClaimNextAsync_OverlapK_KHoldersPerItemThenTheNextItem(int k)
    {
        var (project, _) = await ProjectAsync(overlap: k);
        var items = await RankedItemsAsync(project.Id, 3);
        var claimed = new List<TaskRecord>();
        for (var a = 0; a < k + 1; a++) claimed.Add((await ClaimAsync(project.Id, await UserAsync("a" + a), overlap: k))!);
        claimed.Take(k).ShouldAllBe(t => t.ItemId == items[0].Id);
        claimed[k].ItemId.ShouldBe(items[1].Id);
        // Submitted tasks hold their slot too.
        await SubmitAsync(claimed[0], "r0");
        (await ClaimAsync(project.Id, await UserAsync("late"), overlap: k))!.ItemId.ShouldBe(k == 1 ? items[2].Id : items[1].Id);
    }

    [Fact]
    public async Task ClaimNextAsync_OverlapDiffersFromSettings_UsesTheGivenOverlap()
    {
        var (project, _) = await ProjectAsync(overlap: 1);
        var items = await RankedItemsAsync(project.Id, 2);
        var first = (await ClaimAsync(project.Id, await UserAsync("a"), overlap: 1))!;
        first.ItemId.ShouldBe(items[0].Id);
        (await ClaimAsync(project.Id, await UserAsync("b"), overlap: 2))!.ItemId.ShouldBe(items[0].Id);
        (await ClaimAsync(project.Id, await UserAsync("c"), overlap: 2))!.ItemId.ShouldBe(items[1].Id);
    }

    [Fact]
    public async Task ClaimNextAsync_FreshInstanceAsksForMoreThanTheSettingsOverlap_StillLowestRankWithAFreeSlot()
    {
        var (project, _) = await ProjectAsync(overlap: 1);
        var items = await RankedItemsAsync(project.Id, 2);
        (await ClaimAsync(project.Id, await UserAsync("a")))!.ItemId.ShouldBe(items[0].Id);
        var second = await SecondStoreAsync();
        var b = await UserAsync("b");
        (await second.ClaimNextAsync(project.Id, b.Id, T0, Lease, 2, Ct))!.ItemId.ShouldBe(items[0].Id);
    }

    [Fact]
    public async Task ClaimNextAsync_OverlapRaisedInSettings_FullItemsOpenAgain()
    {
        var (project, _) = await ProjectAsync(overlap: 1);
        var items = await RankedItemsAsync(project.Id, 2);
        await ClaimAsync(project.Id, await UserAsync("a"));
        await ClaimAsync(project.Id, await UserAsync("b"));
        (await ClaimAsync(project.Id, await UserAsync("c"))).ShouldBeNull();
        await Store.UpdateSettingsAsync(project.Id, Settings(overlap: 2), Ct);
        (await ClaimAsync(project.Id, await UserAsync("d"), overlap: 2))!.ItemId.ShouldBe(items[0].Id);
    }

    [Fact]
    public async Task ClaimNextAsync_ExpiredLease_ReclaimedAndTheSlotGoesToTheNextAnnotator()
    {
        var (project, _) = await ProjectAsync(overlap: 1);
        var items = await RankedItemsAsync(project.Id, 1);
        var ann = await UserAsync("ann");
        var bob = await UserAsync("bob");
        var held = (await ClaimAsync(project.Id, ann))!;
        (await ClaimAsync(project.Id, bob, now: T0 + Lease - TimeSpan.FromSeconds(1))).ShouldBeNull();
        var taken = (await ClaimAsync(project.Id, bob, now: T0 + Lease))!;
        taken.ItemId.ShouldBe(items[0].Id);
        (await Store.GetTaskAsync(project.Id, held.Id, Ct))!.State.ShouldBe(TaskState.Expired);
    }

    [Fact]
    public async Task ClaimNextAsync_AllItemsTaken_ReturnsNull()
    {
        var (project, _) = await ProjectAsync(overlap: 1);
        await RankedItemsAsync(project.Id, 2);
        await ClaimAsync(project.Id, await UserAsync("a"));
        await ClaimAsync(project.Id, await UserAsync("b"));
        (await ClaimAsync(project.Id, await UserAsync("c"))).ShouldBeNull();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task ClaimNextAsync_64ConcurrentClaimers_NeverMoreThanKHolders(int k)
    {
        var (project, _) = await ProjectAsync(overlap: k);
        var items = await RankedItemsAsync(project.Id, 150);
        var annotators = new List<User>();
        for (var a = 0; a < 64; a++) annotators.Add(await UserAsync("a" + a));
        await ClaimUntilEmptyAsync([Store], project.Id, annotators, k);
        await AssertExactlyKHoldersAsync(project.Id, items, k);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task ClaimNextAsync_TwoStoreInstancesClaimingAtOnce_NeverMoreThanKHolders(int k)
    {
        var (project, _) = await ProjectAsync(overlap: k);
        var items = await RankedItemsAsync(project.Id, 120);
        var annotators = new List<User>();
        for (var a = 0; a < 32; a++) annotators.Add(await UserAsync("a" + a));
        var second = await SecondStoreAsync();
        await ClaimUntilEmptyAsync([Store, second], project.Id, annotators, k);
        await AssertExactlyKHoldersAsync(project.Id, items, k);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task ClaimNextAsync_TwoStoreInstancesClaimingPastAHalfRanking_NeverMoreThanKHolders(int k)
    {
        var (project, _) = await ProjectAsync(overlap: k);
        await Store.ImportItemsAsync(project.Id, [.. Enumerable.Range(0, 120).Select(i => NewItem("e" + i))], Ct);
        var items = await Store.GetItemsAsync(project.Id, Ct);
        await RankAsync(project.Id, items.Take(60).Select(i => i.Id), modelVersion: 1, strategy: "margin");
        var annotators = new List<User>();
        for (var a = 0; a < 32; a++) annotators.Add(await UserAsync("a" + a));
        var second = await SecondStoreAsync();
        await ClaimUntilEmptyAsync([Store, second], project.Id, annotators, k);
        await AssertExactlyKHoldersAsync(project.Id, items, k);
    }

    /// <summary>Every annotator claims (and answers every third task) until the queue is empty for them, all at once.</summary>
    private static async Task ClaimUntilEmptyAsync(IReadOnlyList<ISiftStore> stores, long projectId, IReadOnlyList<User> annotators, int k)
    {
        using var start = new ManualResetEventSlim();
        var workers = annotators.Select((annotator, index) => Task.Run(async () =>
        {
            start.Wait(Ct);
            var store = stores[index % stores.Count];
            for (var n = 0; ; n++)
            {
                var task = await store.ClaimNextAsync(projectId, annotator.Id, T0, Lease, k, Ct);
                if (task is null) return;
                if (n % 3 == 0) await store.SubmitAsync(projectId, task.Id, annotator.Id, ["spam"], $"{annotator.Id}-{n}", T0, Ct);
            }
        }, Ct)).ToList();
        start.Set();
        await Task.WhenAll(workers);
    }

    private async Task AssertExactlyKHoldersAsync(long projectId, IReadOnlyList<Item> items, int k)
    {
        var tasks = await Store.GetTasksAsync(projectId, Ct);
        var holders = HoldersPerItem(tasks);
        holders.Values.ShouldAllBe(count => count <= k);
        // Every annotator kept claiming until nothing qualified, so every item ended with exactly k holders.
        items.ShouldAllBe(item => holders.GetValueOrDefault(item.Id) == k);
        tasks.GroupBy(t => (t.AnnotatorId, t.ItemId)).ShouldAllBe(g => g.Count() == 1);
        var counts = await Store.GetCountsAsync(projectId, k, T0, Ct);
        counts.QueueDepth.ShouldBe(0);
        counts.Unranked.ShouldBe(0);
        counts.LiveLeases.ShouldBe(tasks.Count(t => t.State == TaskState.Leased));
    }

    /// <summary>
    /// Random sequences of claim, submit, skip, undo and time passing by three annotators: every claim is checked
    /// against a model of the hand-out rule computed from the task log just before it, and after every step an item
    /// has at most k holders and at most k counted answers, and nobody holds an item twice.
    /// </summary>
    [Fact]
    public void HandOut_RandomOperationSequences_FollowTheRuleAndKeepTheInvariants()
    {
        var run = 0;
        var operations = Gen.ArrayOf(Gen.Choose(0, 59)).Where(a => a.Length is > 0 and <= 30).ToArbitrary();
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(15), Prop.ForAll(operations, ops =>
        {
            RunSequenceAsync(++run, ops).GetAwaiter().GetResult();
            return true;
        }));
    }

    private async Task RunSequenceAsync(int run, int[] ops)
    {
        var k = ops[0] % 3 + 1;
        var admin = await UserAsync($"admin-{run}", Role.Admin);
        var project = await Store.CreateProjectAsync($"random-{run}", Settings(k), "", admin.Id, T0, Ct);
        // Four items ranked, two beyond the ranking: the rule's order is the ranking, then the cold-start order.
        await Store.ImportItemsAsync(project.Id, [.. Enumerable.Range(0, 6).Select(i => NewItem("e" + i))], Ct);
        var imported = await Store.GetItemsAsync(project.Id, Ct);
        await RankAsync(project.Id, imported.Take(4).Select(i => i.Id));
        var items = imported.Take(4).Concat(ColdStartSorted(imported.Skip(4))).ToList();
        var annotators = new List<User>();
        for (var a = 0; a < 3; a++) annotators.Add(await UserAsync($"r{run}-a{a}"));
        var now = T0;
        var request = 0;
        foreach (var op in ops)
        {
            var annotator = annotators[op / 5 % 3];
            var before = await Store.GetTasksAsync(project.Id, Ct);
            bool Held(TaskRecord t) => t.State == TaskState.Submitted || (t.State == TaskState.Leased && t.ExpiresAt > now);
            switch (op % 5)
            {
                case 0:
                {
                    var expected = items.FirstOrDefault(item =>
                        !before.Any(t => t.ItemId == item.Id && t.AnnotatorId == annotator.Id) && before.Count(t => t.ItemId == item.Id && Held(t)) < k);
                    var task = await Store.ClaimNextAsync(project.Id, annotator.Id, now, Lease, k, Ct);
                    (task?.ItemId).ShouldBe(expected?.Id, $"claim by {annotator.Name} at {now:HH:mm}");
                    if (expected is not null) task.ShouldNotBeNull();
                    break;
                }
                case 1:
                {
                    // Answer the oldest leased task (live or past expiry); else retry the last request; else an expired one.
                    var mine = before.Where(t => t.AnnotatorId == annotator.Id).ToList();
                    var task = mine.FirstOrDefault(t => t.State == TaskState.Leased) ?? mine.LastOrDefault(t => t.State == TaskState.Expired);
                    if (task is null) break;
                    if (task.State == TaskState.Expired)
                    {
                        var free = before.Count(t => t.ItemId == task.ItemId && Held(t)) < k;
                        if (free) (await SubmitAsync(task, $"q{++request}", now: now)).Duplicate.ShouldBeFalse();
                        else await Should.ThrowAsync<ConflictException>(() => SubmitAsync(task, $"q{++request}", now: now));
                        break;
                    }
                    var id = $"q{++request}";
                    var first = await SubmitAsync(task, id, now: now);
                    first.Duplicate.ShouldBeFalse();
                    (await SubmitAsync(task, id, now: now)).Annotation.Id.ShouldBe(first.Annotation.Id);
                    break;
                }
                case 2:
                {
                    var task = before.FirstOrDefault(t => t.AnnotatorId == annotator.Id && t.State == TaskState.Leased);
                    if (task is not null) await Store.SkipAsync(project.Id, task.Id, annotator.Id, now, Ct);
                    break;
                }
                case 3:
                {
                    var undone = await Store.UndoLastAsync(project.Id, annotator.Id, now, Lease, Ct);
                    if (undone is not null) undone.AnnotatorId.ShouldBe(annotator.Id);
                    break;
                }
                default:
                    now += Lease * 0.6;
                    break;
            }
            var tasks = await Store.GetTasksAsync(project.Id, Ct);
            tasks.GroupBy(t => (t.AnnotatorId, t.ItemId)).ShouldAllBe(g => g.Count() == 1);
            tasks.Where(t => t.State is TaskState.Leased or TaskState.Submitted).GroupBy(t => t.ItemId).ShouldAllBe(g => g.Count() <= k);
            var answers = await Store.GetAnnotationsAsync(project.Id, cancellationToken: Ct);
            answers.GroupBy(a => a.ItemId).ShouldAllBe(g => g.Count() <= k);
            answers.Select(a => a.TaskId).Order().ShouldBe(tasks.Where(t => t.State == TaskState.Submitted).Select(t => t.Id).Order());
            var counts = await Store.GetCountsAsync(project.Id, k, now, Ct);
            counts.Annotations.ShouldBe(answers.Count);
            counts.LiveLeases.ShouldBe(tasks.Count(t => t.State == TaskState.Leased && t.ExpiresAt > now));
        }
    }

    [Fact]
    public async Task GetLiveTasksAsync_MixedTasks_OnlyTheAnnotatorsUnexpiredLeasesOldestFirst()
    {
        var (project, _) = await ProjectAsync(overlap: 1);
        await RankedItemsAsync(project.Id, 6);
        var ann = await UserAsync("ann");
        var bob = await UserAsync("bob");
        var t1 = (await ClaimAsync(project.Id, ann, now: T0))!;
        var t2 = (await ClaimAsync(project.Id, ann, now: T0.AddMinutes(1)))!;
        var t3 = (await ClaimAsync(project.Id, ann, now: T0.AddMinutes(2)))!;
        var t4 = (await ClaimAsync(project.Id, ann, now: T0.AddMinutes(3)))!;
        await ClaimAsync(project.Id, bob, now: T0.AddMinutes(3));
        await SubmitAsync(t2, "r2");
        await Store.SkipAsync(project.Id, t3.Id, ann.Id, T0.AddMinutes(4), Ct);
        var live = await Store.GetLiveTasksAsync(project.Id, ann.Id, T0.AddMinutes(5), Ct);
        live.Select(t => t.Id).ShouldBe([t1.Id, t4.Id]);
        // At t1's expiry it is no longer live (even before it is reclaimed).
        (await Store.GetLiveTasksAsync(project.Id, ann.Id, t1.ExpiresAt, Ct)).Select(t => t.Id).ShouldBe([t4.Id]);
    }

    [Fact]
    public async Task GetTaskAsync_TaskOfAnotherProject_ReturnsNull()
    {
        var (p1, _) = await ProjectAsync(name: "one");
        var (p2, _) = await ProjectAsync(name: "two");
        await RankedItemsAsync(p1.Id, 1);
        var task = (await ClaimAsync(p1.Id, await UserAsync("ann")))!;
        (await Store.GetTaskAsync(p2.Id, task.Id, Ct)).ShouldBeNull();
        (await Store.GetTasksAsync(p2.Id, Ct)).ShouldBeEmpty();
    }

    // ---- submit ------------------------------------------------------------------------------------------------

    [Fact]
    public async Task SubmitAsync_LeasedTask_StoresAnnotationWithCurrentInstructionsVersion()
    {
        var (project, admin) = await ProjectAsync();
        await RankedItemsAsync(project.Id, 2);
        var ann = await UserAsync("ann");
        var task = (await ClaimAsync(project.Id, ann))!;
        await Store.AddInstructionsAsync(project.Id, "# v2", admin.Id, T0, Ct);
        var result = await Store.SubmitAsync(project.Id, task.Id, ann.Id, ["ham"], "req-1", T0.AddSeconds(30), Ct);
        result.Duplicate.ShouldBeFalse();
        var a = result.Annotation;
        a.ShouldBe(new Annotation(a.Id, project.Id, task.ItemId, ann.Id, task.Id, a.Labels, 2, "req-1", T0.AddSeconds(30), false)
        {
            Provenance = new Provenance { Kind = OracleKind.Person, Name = "ann", InstructionsVersion = 2, At = T0.AddSeconds(30) },
        });
        a.Labels.ShouldBe(["ham"]);
        var stored = (await Store.GetAnnotationsAsync(project.Id, cancellationToken: Ct)).Single();
        (stored with { Labels = a.Labels }).ShouldBe(a);
        stored.Labels.ShouldBe(["ham"]);
        (await Store.GetTaskAsync(project.Id, task.Id, Ct))!.State.ShouldBe(TaskState.Submitted);
    }

    [Fact]
    public async Task SubmitAsync_MultiLabelAnswer_KeepsTheSetInOrder()
    {
        var (project, _) = await ProjectAsync();
        await RankedItemsAsync(project.Id, 1);
        var ann = await UserAsync("ann");
        var task = (await ClaimAsync(project.Id, ann))!;
        await Store.SubmitAsync(project.Id, task.Id, ann.Id, ["b", "a", "c"], "r", T0, Ct);
        (await Store.GetAnnotationsAsync(project.Id, cancellationToken: Ct)).Single().Labels.ShouldBe(["b", "a", "c"]);
        var empty = (await ClaimAsync(project.Id, await UserAsync("bob"), overlap: 2))!;
        await Store.SubmitAsync(project.Id, empty.Id, empty.AnnotatorId, [], "r", T0, Ct);
        (await Store.GetAnnotationsAsync(project.Id, empty.AnnotatorId, cancellationToken: Ct)).Single().Labels.ShouldBeEmpty();
    }

    [Fact]
    public async Task SubmitAsync_SameClientRequestIdTwice_OneAnnotationAndDuplicateTrue()
    {
        var (project, _) = await ProjectAsync();
        await RankedItemsAsync(project.Id, 2);
        var ann = await UserAsync("ann");
        var task = (await ClaimAsync(project.Id, ann))!;
        var first = await SubmitAsync(task, "req-1", "spam");
        var retry = await SubmitAsync(task, "req-1", "ham", now: T0.AddMinutes(1));
        retry.Duplicate.ShouldBeTrue();
        retry.Annotation.Id.ShouldBe(first.Annotation.Id);
        retry.Annotation.Labels.ShouldBe(["spam"]);
        retry.Annotation.CreatedAt.ShouldBe(first.Annotation.CreatedAt);
        (await Store.GetAnnotationsAsync(project.Id, cancellationToken: Ct)).Count.ShouldBe(1);
    }

    [Fact]
    public async Task SubmitAsync_ConcurrentRetriesOfOneRequest_CountOnce()
    {
        var (project, _) = await ProjectAsync();
        await RankedItemsAsync(project.Id, 1);
        var ann = await UserAsync("ann");
        var task = (await ClaimAsync(project.Id, ann))!;
        var second = await SecondStoreAsync();
        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(() =>
            (i % 2 == 0 ? Store : second).SubmitAsync(project.Id, task.Id, ann.Id, ["spam"], "same", T0, Ct), Ct)));
        results.Count(r => !r.Duplicate).ShouldBe(1);
        results.Select(r => r.Annotation.Id).Distinct().Count().ShouldBe(1);
        (await Store.GetAnnotationsAsync(project.Id, cancellationToken: Ct)).Count.ShouldBe(1);
    }

    [Fact]
    public async Task SubmitAsync_SomeoneElsesTask_ThrowsNotFound()
    {
        var (project, _) = await ProjectAsync();
        await RankedItemsAsync(project.Id, 1);
        var ann = await UserAsync("ann");
        var mallory = await UserAsync("mallory");
        var task = (await ClaimAsync(project.Id, ann))!;
        await Should.ThrowAsync<NotFoundException>(() => Store.SubmitAsync(project.Id, task.Id, mallory.Id, ["spam"], "m", T0, Ct));
        (await Store.GetAnnotationsAsync(project.Id, cancellationToken: Ct)).ShouldBeEmpty();
        (await Store.GetTaskAsync(project.Id, task.Id, Ct))!.State.ShouldBe(TaskState.Leased);
    }

    [Fact]
    public async Task SubmitAsync_UnknownTaskOrAnotherProject_ThrowsNotFound()
    {
        var (p1, _) = await ProjectAsync(name: "one");
        var (p2, _) = await ProjectAsync(name: "two");
        await RankedItemsAsync(p1.Id, 1);
        var ann = await UserAsync("ann");
        var task = (await ClaimAsync(p1.Id, ann))!;
        await Should.ThrowAsync<NotFoundException>(() => Store.SubmitAsync(p2.Id, task.Id, ann.Id, ["spam"], "x", T0, Ct));
        await Should.ThrowAsync<NotFoundException>(() => Store.SubmitAsync(p1.Id, task.Id + 1000, ann.Id, ["spam"], "y", T0, Ct));
    }

    [Fact]
    public async Task SubmitAsync_AlreadyAnsweredWithAnotherRequestId_ThrowsConflict()
    {
        var (project, _) = await ProjectAsync();
        await RankedItemsAsync(project.Id, 1);
        var task = (await ClaimAsync(project.Id, await UserAsync("ann")))!;
        await SubmitAsync(task, "r1");
        await Should.ThrowAsync<ConflictException>(() => SubmitAsync(task, "r2"));
        (await Store.GetAnnotationsAsync(project.Id, cancellationToken: Ct)).Count.ShouldBe(1);
    }

    [Fact]
    public async Task SubmitAsync_RequestIdUsedForAnotherTask_ThrowsConflict()
    {
        var (project, _) = await ProjectAsync();
        await RankedItemsAsync(project.Id, 2);
        var ann = await UserAsync("ann");
        var t1 = (await ClaimAsync(project.Id, ann))!;
        var t2 = (await ClaimAsync(project.Id, ann))!;
        await SubmitAsync(t1, "r1");
        await Should.ThrowAsync<ConflictException>(() => SubmitAsync(t2, "r1"));
        (await Store.GetTaskAsync(project.Id, t2.Id, Ct))!.State.ShouldBe(TaskState.Leased);
    }

    [Fact]
    public async Task SubmitAsync_SameRequestIdFromTwoAnnotators_BothCount()
    {
        var (project, _) = await ProjectAsync(overlap: 2);
        await RankedItemsAsync(project.Id, 1);
        var t1 = (await ClaimAsync(project.Id, await UserAsync("ann"), overlap: 2))!;
        var t2 = (await ClaimAsync(project.Id, await UserAsync("bob"), overlap: 2))!;
        (await SubmitAsync(t1, "1")).Duplicate.ShouldBeFalse();
        (await SubmitAsync(t2, "1")).Duplicate.ShouldBeFalse();
        (await Store.GetAnnotationsAsync(project.Id, cancellationToken: Ct)).Count.ShouldBe(2);
    }

    [Fact]
    public async Task SubmitAsync_SkippedTask_ThrowsConflict()
    {
        var (project, _) = await ProjectAsync();
        await RankedItemsAsync(project.Id, 1);
        var ann = await UserAsync("ann");
        var task = (await ClaimAsync(project.Id, ann))!;
        await Store.SkipAsync(project.Id, task.Id, ann.Id, T0, Ct);
        await Should.ThrowAsync<ConflictException>(() => SubmitAsync(task, "r1"));
    }

    [Fact]
    public async Task SubmitAsync_PastExpiryButNotReclaimed_Accepted()
    {
        var (project, _) = await ProjectAsync();
        await RankedItemsAsync(project.Id, 1);
        var task = (await ClaimAsync(project.Id, await UserAsync("ann")))!;
        var result = await SubmitAsync(task, "late", now: T0 + Lease + TimeSpan.FromMinutes(5));
        result.Duplicate.ShouldBeFalse();
        (await Store.GetTaskAsync(project.Id, task.Id, Ct))!.State.ShouldBe(TaskState.Submitted);
    }

    [Fact]
    public async Task SubmitAsync_ReclaimedWithAFreeSlot_AcceptedAndTakesTheSlotBack()
    {
        var (project, _) = await ProjectAsync(overlap: 1);
        await RankedItemsAsync(project.Id, 1);
        var task = (await ClaimAsync(project.Id, await UserAsync("ann")))!;
        var later = T0 + Lease + TimeSpan.FromSeconds(1);
        (await Store.ReclaimExpiredAsync(project.Id, later, Ct)).ShouldBe(1);
        (await Store.GetTaskAsync(project.Id, task.Id, Ct))!.State.ShouldBe(TaskState.Expired);
        (await SubmitAsync(task, "late", now: later)).Duplicate.ShouldBeFalse();
        (await Store.GetTaskAsync(project.Id, task.Id, Ct))!.State.ShouldBe(TaskState.Submitted);
        (await ClaimAsync(project.Id, await UserAsync("bob"), now: later)).ShouldBeNull();
    }

    [Fact]
    public async Task SubmitAsync_ReclaimedAndSlotTaken_ThrowsConflict()
    {
        var (project, _) = await ProjectAsync(overlap: 1);
        await RankedItemsAsync(project.Id, 1);
        var task = (await ClaimAsync(project.Id, await UserAsync("ann")))!;
        var later = T0 + Lease + TimeSpan.FromSeconds(1);
        var bobs = (await ClaimAsync(project.Id, await UserAsync("bob"), now: later))!;
        bobs.ItemId.ShouldBe(task.ItemId);
        await Should.ThrowAsync<ConflictException>(() => SubmitAsync(task, "late", now: later));
        (await Store.GetAnnotationsAsync(project.Id, cancellationToken: Ct)).ShouldBeEmpty();
        (await SubmitAsync(bobs, "b", now: later)).Duplicate.ShouldBeFalse();
    }

    // ---- skip and undo -----------------------------------------------------------------------------------------

    [Fact]
    public async Task SkipAsync_LeasedTask_FreesTheSlotForOthersNotForTheSkipper()
    {
        var (project, _) = await ProjectAsync(overlap: 1);
        var items = await RankedItemsAsync(project.Id, 2);
        var ann = await UserAsync("ann");
        var task = (await ClaimAsync(project.Id, ann))!;
        await Store.SkipAsync(project.Id, task.Id, ann.Id, T0, Ct);
        (await Store.GetTaskAsync(project.Id, task.Id, Ct))!.State.ShouldBe(TaskState.Skipped);
        (await ClaimAsync(project.Id, ann))!.ItemId.ShouldBe(items[1].Id);
        (await ClaimAsync(project.Id, await UserAsync("bob")))!.ItemId.ShouldBe(items[0].Id);
    }

    [Fact]
    public async Task SkipAsync_NotLeased_ThrowsConflict()
    {
        var (project, _) = await ProjectAsync();
        await RankedItemsAsync(project.Id, 1);
        var ann = await UserAsync("ann");
        var task = (await ClaimAsync(project.Id, ann))!;
        await SubmitAsync(task, "r");
        await Should.ThrowAsync<ConflictException>(() => Store.SkipAsync(project.Id, task.Id, ann.Id, T0, Ct));
    }

    [Fact]
    public async Task SkipAsync_SomeoneElsesTask_ThrowsNotFound()
    {
        var (project, _) = await ProjectAsync();
        await RankedItemsAsync(project.Id, 1);
        var task = (await ClaimAsync(project.Id, await UserAsync("ann")))!;
        var mallory = await UserAsync("mallory");
        await Should.ThrowAsync<NotFoundException>(() => Store.SkipAsync(project.Id, task.Id, mallory.Id, T0, Ct));
        await Should.ThrowAsync<NotFoundException>(() => Store.SkipAsync(project.Id, task.Id + 100, task.AnnotatorId, T0, Ct));
        (await Store.GetTaskAsync(project.Id, task.Id, Ct))!.State.ShouldBe(TaskState.Leased);
    }

    [Fact]
    public async Task UndoLastAsync_AfterSubmit_TaskBackLeasedToTheSameAnnotatorAndAnnotationUndone()
    {
        var (project, _) = await ProjectAsync(overlap: 1);
        await RankedItemsAsync(project.Id, 1);
        var ann = await UserAsync("ann");
        var task = (await ClaimAsync(project.Id, ann))!;
        var submitted = await SubmitAsync(task, "r1", "spam");
        var undoAt = T0.AddMinutes(3);
        var reopened = (await Store.UndoLastAsync(project.Id, ann.Id, undoAt, TimeSpan.FromMinutes(2), Ct))!;
        reopened.Id.ShouldBe(task.Id);
        reopened.State.ShouldBe(TaskState.Leased);
        reopened.AnnotatorId.ShouldBe(ann.Id);
        reopened.ExpiresAt.ShouldBe(undoAt.AddMinutes(2));
        (await Store.GetLiveTasksAsync(project.Id, ann.Id, undoAt, Ct)).Single().Id.ShouldBe(task.Id);
        (await Store.GetAnnotationsAsync(project.Id, cancellationToken: Ct)).ShouldBeEmpty();
        var all = await Store.GetAnnotationsAsync(project.Id, includeUndone: true, cancellationToken: Ct);
        all.Single().Id.ShouldBe(submitted.Annotation.Id);
        all.Single().Undone.ShouldBeTrue();
        // The slot stays with ann: nobody else gets the item, and ann can answer again.
        (await ClaimAsync(project.Id, await UserAsync("bob"), now: undoAt)).ShouldBeNull();
        (await SubmitAsync(reopened, "r2", "ham", now: undoAt)).Annotation.Labels.ShouldBe(["ham"]);
        (await Store.GetAnnotationsAsync(project.Id, cancellationToken: Ct)).Single().Labels.ShouldBe(["ham"]);
    }

    [Fact]
    public async Task UndoLastAsync_TwoAnswers_UndoesTheMostRecentThenTheOneBefore()
    {
        var (project, _) = await ProjectAsync();
        await RankedItemsAsync(project.Id, 2);
        var ann = await UserAsync("ann");
        var t1 = (await ClaimAsync(project.Id, ann))!;
        var t2 = (await ClaimAsync(project.Id, ann))!;
        await SubmitAsync(t2, "r2");
        await SubmitAsync(t1, "r1");
        (await Store.UndoLastAsync(project.Id, ann.Id, T0, Lease, Ct))!.Id.ShouldBe(t1.Id);
        (await Store.UndoLastAsync(project.Id, ann.Id, T0, Lease, Ct))!.Id.ShouldBe(t2.Id);
        (await Store.UndoLastAsync(project.Id, ann.Id, T0, Lease, Ct)).ShouldBeNull();
    }

    [Fact]
    public async Task UndoLastAsync_NothingToUndoOrOthersAnswers_ReturnsNull()
    {
        var (project, _) = await ProjectAsync();
        await RankedItemsAsync(project.Id, 1);
        var ann = await UserAsync("ann");
        var bob = await UserAsync("bob");
        (await Store.UndoLastAsync(project.Id, ann.Id, T0, Lease, Ct)).ShouldBeNull();
        await SubmitAsync((await ClaimAsync(project.Id, bob))!, "b");
        (await Store.UndoLastAsync(project.Id, ann.Id, T0, Lease, Ct)).ShouldBeNull();
        (await Store.GetAnnotationsAsync(project.Id, cancellationToken: Ct)).Single().Undone.ShouldBeFalse();
    }

    [Fact]
    public async Task ReclaimExpiredAsync_SomeExpired_ReclaimsOnlyThoseAndFreesTheirSlots()
    {
        var (project, _) = await ProjectAsync(overlap: 1);
        var items = await RankedItemsAsync(project.Id, 3);
        var ann = await UserAsync("ann");
        var early = (await ClaimAsync(project.Id, ann, now: T0))!;
        var late = (await ClaimAsync(project.Id, ann, now: T0.AddMinutes(5)))!;
        var answered = (await ClaimAsync(project.Id, ann, now: T0))!;
        await SubmitAsync(answered, "r");
        (await Store.ReclaimExpiredAsync(project.Id, T0 + Lease, Ct)).ShouldBe(1);
        (await Store.ReclaimExpiredAsync(project.Id, T0 + Lease, Ct)).ShouldBe(0);
        (await Store.GetTaskAsync(project.Id, early.Id, Ct))!.State.ShouldBe(TaskState.Expired);
        (await Store.GetTaskAsync(project.Id, late.Id, Ct))!.State.ShouldBe(TaskState.Leased);
        (await Store.GetTaskAsync(project.Id, answered.Id, Ct))!.State.ShouldBe(TaskState.Submitted);
        (await ClaimAsync(project.Id, await UserAsync("bob"), now: T0 + Lease))!.ItemId.ShouldBe(items[0].Id);
    }

    // ---- reading back ------------------------------------------------------------------------------------------

    [Fact]
    public async Task GetAnnotationsAsync_AnnotatorFilter_OnlyTheirAnswers()
    {
        var (project, _) = await ProjectAsync(overlap: 2);
        await RankedItemsAsync(project.Id, 2);
        var ann = await UserAsync("ann");
        var bob = await UserAsync("bob");
        await SubmitAsync((await ClaimAsync(project.Id, ann, overlap: 2))!, "a1");
        await SubmitAsync((await ClaimAsync(project.Id, bob, overlap: 2))!, "b1");
        await SubmitAsync((await ClaimAsync(project.Id, ann, overlap: 2))!, "a2");
        (await Store.GetAnnotationsAsync(project.Id, ann.Id, cancellationToken: Ct)).Select(a => a.ClientRequestId).ShouldBe(["a1", "a2"]);
        (await Store.GetAnnotationsAsync(project.Id, bob.Id, cancellationToken: Ct)).Select(a => a.ClientRequestId).ShouldBe(["b1"]);
        (await Store.GetAnnotationsAsync(project.Id, cancellationToken: Ct)).Select(a => a.ClientRequestId).ShouldBe(["a1", "b1", "a2"]);
    }

    [Fact]
    public async Task GetTasksAsync_HandOutLog_EveryTaskById()
    {
        var (project, _) = await ProjectAsync();
        await RankedItemsAsync(project.Id, 3);
        var ann = await UserAsync("ann");
        var t1 = (await ClaimAsync(project.Id, ann))!;
        var t2 = (await ClaimAsync(project.Id, ann))!;
        await Store.SkipAsync(project.Id, t1.Id, ann.Id, T0, Ct);
        var log = await Store.GetTasksAsync(project.Id, Ct);
        log.Select(t => t.Id).ShouldBe([t1.Id, t2.Id]);
        log[0].State.ShouldBe(TaskState.Skipped);
        log[1].ShouldBe(t2);
    }

    [Fact]
    public async Task GetCountsAsync_MixedState_CountsEachField()
    {
        var (project, _) = await ProjectAsync(overlap: 2);
        await Store.ImportItemsAsync(project.Id, [NewItem("a"), NewItem("b"), NewItem("c", heldOut: true), NewItem("d"), NewItem("e")], Ct);
        var items = await Store.GetItemsAsync(project.Id, Ct);
        await RankAsync(project.Id, items.Take(4).Select(i => i.Id));
        var ann = await UserAsync("ann");
        var bob = await UserAsync("bob");
        var cat = await UserAsync("cat");
        // Item a: two answers (complete). Item b: ann answered then undid; bob leased until it expires. Item c: cat leased.
        await SubmitAsync((await ClaimAsync(project.Id, ann, overlap: 2))!, "a1");
        await SubmitAsync((await ClaimAsync(project.Id, bob, overlap: 2))!, "b1");
        await SubmitAsync((await ClaimAsync(project.Id, ann, overlap: 2))!, "a2");
        await Store.UndoLastAsync(project.Id, ann.Id, T0, Lease, Ct);
        var bobsB = (await ClaimAsync(project.Id, bob, overlap: 2, now: T0.AddMinutes(-9)))!;
        bobsB.ItemId.ShouldBe(items[1].Id);
        (await ClaimAsync(project.Id, cat, overlap: 2))!.ItemId.ShouldBe(items[2].Id);
        var now = T0.AddMinutes(2);   // bob's lease on b has run out, not yet reclaimed
        var counts = await Store.GetCountsAsync(project.Id, 2, now, Ct);
        // Live leases: ann's undone task on b, cat's on c. Queue: b (ann's lease only), c (one holder), d.
        // Unranked: e, outside the ranking with two free slots (b counts bob's lapsed lease until it is reclaimed).
        counts.ShouldBe(new ProjectCounts(Items: 5, HeldOut: 1, Annotations: 2, CompletedItems: 1, LiveLeases: 2, QueueDepth: 3, Unranked: 1));
    }

    // ---- models and trainer ------------------------------------------------------------------------------------

    [Fact]
    public async Task AddModelVersionAsync_Versions_RoundTripOldestFirst()
    {
        var (project, _) = await ProjectAsync();
        var v1 = new ModelVersion(project.Id, 1, T0, 20, 0, null, null, 0.25, false, "not enough labels", "{}");
        var v2 = new ModelVersion(project.Id, 2, T0.AddMinutes(1), 40, 12, 0.75, 0.7, 1.5, true, "plateau", """{"lift":0.05}""");
        await Store.AddModelVersionAsync(v2, Ct);
        await Store.AddModelVersionAsync(v1, Ct);
        (await Store.GetModelVersionsAsync(project.Id, Ct)).ShouldBe([v1, v2]);
    }

    [Fact]
    public async Task AddModelVersionAsync_DuplicateVersion_ThrowsConflict()
    {
        var (project, _) = await ProjectAsync();
        var v1 = new ModelVersion(project.Id, 1, T0, 20, 0, null, null, 0.25, false, "", "{}");
        await Store.AddModelVersionAsync(v1, Ct);
        await Should.ThrowAsync<ConflictException>(() => Store.AddModelVersionAsync(v1 with { Labels = 30 }, Ct));
        (await Store.GetModelVersionsAsync(project.Id, Ct)).Single().Labels.ShouldBe(20);
    }

    [Fact]
    public async Task TryAcquireTrainerAsync_TwoOwners_OneHoldsItUntilItExpires()
    {
        var (project, _) = await ProjectAsync();
        var lease = TimeSpan.FromSeconds(30);
        (await Store.TryAcquireTrainerAsync(project.Id, "host-a", T0, lease, Ct)).ShouldBeTrue();
        (await Store.TryAcquireTrainerAsync(project.Id, "host-b", T0.AddSeconds(10), lease, Ct)).ShouldBeFalse();
        // Renewal by the holder extends it.
        (await Store.TryAcquireTrainerAsync(project.Id, "host-a", T0.AddSeconds(20), lease, Ct)).ShouldBeTrue();
        (await Store.TryAcquireTrainerAsync(project.Id, "host-b", T0.AddSeconds(40), lease, Ct)).ShouldBeFalse();
        // After expiry the other owner takes it over, and the first is out.
        (await Store.TryAcquireTrainerAsync(project.Id, "host-b", T0.AddSeconds(50), lease, Ct)).ShouldBeTrue();
        (await Store.TryAcquireTrainerAsync(project.Id, "host-a", T0.AddSeconds(51), lease, Ct)).ShouldBeFalse();
    }

    [Fact]
    public async Task ReleaseTrainerAsync_ByHolderOnly_FreesTheLease()
    {
        var (project, _) = await ProjectAsync();
        var lease = TimeSpan.FromMinutes(5);
        (await Store.TryAcquireTrainerAsync(project.Id, "host-a", T0, lease, Ct)).ShouldBeTrue();
        await Store.ReleaseTrainerAsync(project.Id, "host-b", Ct);
        (await Store.TryAcquireTrainerAsync(project.Id, "host-b", T0.AddSeconds(1), lease, Ct)).ShouldBeFalse();
        await Store.ReleaseTrainerAsync(project.Id, "host-a", Ct);
        (await Store.TryAcquireTrainerAsync(project.Id, "host-b", T0.AddSeconds(2), lease, Ct)).ShouldBeTrue();
    }

    [Fact]
    public async Task TryAcquireTrainerAsync_ManyOwnersAtOnceOnTwoInstances_ExactlyOneWins()
    {
        var (project, _) = await ProjectAsync();
        var second = await SecondStoreAsync();
        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(() =>
            (i % 2 == 0 ? Store : second).TryAcquireTrainerAsync(project.Id, "owner-" + i, T0, TimeSpan.FromMinutes(1), Ct), Ct)));
        results.Count(r => r).ShouldBe(1);
    }

    [Fact]
    public async Task TrainerLease_PerProject_IndependentOfOtherProjects()
    {
        var (p1, _) = await ProjectAsync(name: "one");
        var (p2, _) = await ProjectAsync(name: "two");
        (await Store.TryAcquireTrainerAsync(p1.Id, "host-a", T0, Lease, Ct)).ShouldBeTrue();
        (await Store.TryAcquireTrainerAsync(p2.Id, "host-b", T0, Lease, Ct)).ShouldBeTrue();
    }

    [Fact]
    public async Task GetTrainerStatusAsync_NeverSet_IsIdle()
    {
        var (project, _) = await ProjectAsync();
        (await Store.GetTrainerStatusAsync(project.Id, Ct)).ShouldBe(new TrainerStatus(project.Id, TrainerState.Idle, null, null, null, null, null));
    }

    [Fact]
    public async Task SetTrainerStatusAsync_Written_RoundTripsLastWriteWins()
    {
        var (project, _) = await ProjectAsync();
        var running = new TrainerStatus(project.Id, TrainerState.Running, T0, null, null, null, "host-a");
        await Store.SetTrainerStatusAsync(running, Ct);
        (await Store.GetTrainerStatusAsync(project.Id, Ct)).ShouldBe(running);
        var failed = new TrainerStatus(project.Id, TrainerState.Failed, T0, T0.AddSeconds(3), 2.75, "fit diverged", "host-a");
        await Store.SetTrainerStatusAsync(failed, Ct);
        (await Store.GetTrainerStatusAsync(project.Id, Ct)).ShouldBe(failed);
    }
}
